import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './sessions.tables.ts';

/** A connection or a transaction: callers pass their transaction so the write joins it. */
export type Db = Kysely<DB> | Transaction<DB>;

export async function insertSession(
  db: Db,
  values: { id: string; user_id: number; created_at: string; last_seen_at: string; expires_at: string },
): Promise<void> {
  await db.insertInto('sessions').values(values).execute();
}

export async function findSessionRow(db: Db, id: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'expires_at', 'last_seen_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Sessions of the user that have not yet reached their absolute expiry. */
export async function countLiveSessions(db: Db, userId: number, now: string): Promise<number> {
  const r = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deletes every session of the user, but `keepId` when given; returns how many. */
export async function deleteUserSessions(db: Db, userId: number, keepId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) q = q.where('id', '!=', keepId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function insertLoginFailure(
  db: Db,
  values: { email: string; ip: string | null; created_at?: string },
): Promise<number> {
  const row = await db.insertInto('login_failures').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function countLoginFailures(db: Db, email: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email', '=', email)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteLoginFailuresBefore(db: Db, cutoff: string): Promise<void> {
  await db.deleteFrom('login_failures').where('created_at', '<', cutoff).execute();
}

export async function deleteLoginFailure(db: Db, id: number): Promise<void> {
  await db.deleteFrom('login_failures').where('id', '=', id).execute();
}

export async function deleteLoginFailuresOf(db: Db, email: string): Promise<void> {
  await db.deleteFrom('login_failures').where('email', '=', email).execute();
}

/**
 * Serialises login attempts for one address until the transaction ends: a transaction advisory lock
 * on PostgreSQL; SQLite needs none (it runs one write transaction at a time).
 */
export async function lockAddress(trx: Transaction<DB>, email: string): Promise<void> {
  if (trx.getExecutor().adapter.constructor.name.startsWith('Sqlite')) return;
  await sql`select pg_advisory_xact_lock(hashtext(${`login:${email}`}))`.execute(trx);
}
