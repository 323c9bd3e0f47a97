import { type Kysely, sql } from 'kysely';

/** One round trip to the database (`select 1`): rejects when it is unreachable (readiness checks). */
export async function ping<T>(db: Kysely<T>): Promise<void> {
  await sql`select 1`.execute(db);
}
