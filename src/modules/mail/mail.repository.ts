import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './mail.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Records a message in the outbox; returns its id. */
export async function insertOutboxMessage(
  db: Db,
  values: {
    to_address: string;
    subject: string;
    text_body: string;
    html_body: string | null;
    lang: string;
    kind: string;
  },
): Promise<number> {
  const row = await db.insertInto('outbox').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function markSent(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: at }).where('id', '=', id).execute();
}

export async function markFailed(db: Db, id: number, error: string): Promise<void> {
  await db.updateTable('outbox').set({ error }).where('id', '=', id).execute();
}
