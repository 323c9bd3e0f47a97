import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import './sessions.tables.ts';

/** A session ends after this long without a request (idle timeout). */
export const IDLE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** ...and in any case this long after login (absolute timeout). */
export const ABSOLUTE_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60 * 1000;
/** Failed logins for one account within the window that lock further attempts for that account. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  locale: 'fr' | 'en';
  email_verified: boolean;
  roles: { role: Role; merchant_id: number | null; association_id: number | null }[];
  /** SHA-256 id of the session row (for logout). */
  session_id: string;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates a session for a user; returns the cookie token (256 random bits), shown only to the browser. */
export async function createSession(db: Kysely<DB>, userId: number, now = new Date()) {
  const token = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS);
  await db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expires.toISOString(),
    })
    .execute();
  return { token, expiresAt: expires };
}

/** The user behind a cookie token, or undefined when unknown, expired (absolute) or idle too long. */
export async function findSessionUser(
  db: Kysely<DB>,
  token: string,
  now = new Date(),
): Promise<SessionUser | undefined> {
  if (!token || token.length > 100) return undefined;
  const id = hashToken(token);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sid',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'users.id',
      'users.email',
      'users.name',
      'users.locale',
      'users.email_verified_at',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const t = now.getTime();
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= t || t - lastSeen > IDLE_TIMEOUT_MS) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return undefined;
  }
  if (t - lastSeen > TOUCH_EVERY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', id).execute();
  }
  const roles = await db
    .selectFrom('user_roles')
    .select(['role', 'merchant_id', 'association_id'])
    .where('user_id', '=', row.id)
    .orderBy('id')
    .execute();
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    locale: row.locale,
    email_verified: row.email_verified_at !== null,
    roles: roles.map((r) => ({ role: r.role, merchant_id: r.merchant_id, association_id: r.association_id })),
    session_id: row.sid,
  };
}

export async function deleteSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** How many browsers the user is signed in on (sessions not yet expired). */
export async function countUserSessions(db: Kysely<DB>, userId: number, now = new Date()): Promise<number> {
  const r = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Ends every session of a user but the one asking ("sign out my other devices"); returns how many. */
export async function deleteOtherSessions(
  db: Kysely<DB>,
  userId: number,
  keepSessionId: string,
): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('id', '!=', keepSessionId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Ends every session of a user (password change, suspension). */
export async function deleteUserSessions(db: Kysely<DB>, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function recordLoginFailure(db: Kysely<DB>, email: string, ip: string | null): Promise<void> {
  await db.insertInto('login_failures').values({ email, ip }).execute();
  // Old rows are useless: keep the table small.
  const cutoff = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
  await db.deleteFrom('login_failures').where('created_at', '<', cutoff).execute();
}

/**
 * Takes one of the account's password checks for this window before the password is verified: a
 * `login_failures` row is written first (it stays as the failure record when the password is wrong;
 * `releaseLoginAttempt` removes it when it was right). Counting and writing happen under one lock per
 * address (a transaction advisory lock on PostgreSQL; SQLite runs one write transaction at a time), so
 * parallel attempts cannot all read "4 failures" and all go on: at most MAX_FAILURES_PER_ACCOUNT
 * passwords are ever checked per window. Returns the reservation id, or undefined when locked.
 */
export async function reserveLoginAttempt(
  db: Kysely<DB>,
  email: string,
  ip: string | null,
  now = new Date(),
): Promise<number | undefined> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  const id = await db.transaction().execute(async (trx) => {
    if (!trx.getExecutor().adapter.constructor.name.startsWith('Sqlite'))
      await sql`select pg_advisory_xact_lock(hashtext(${`login:${email}`}))`.execute(trx);
    const r = await trx
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('email', '=', email)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    if (Number(r.n) >= MAX_FAILURES_PER_ACCOUNT) return undefined;
    const row = await trx
      .insertInto('login_failures')
      .values({ email, ip, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
  if (id !== undefined) {
    // Old rows are useless: keep the table small.
    const cutoff = new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString();
    await db.deleteFrom('login_failures').where('created_at', '<', cutoff).execute();
  }
  return id;
}

/** The password was right: the reserved attempt does not count as a failure. */
export async function releaseLoginAttempt(db: Kysely<DB>, reservationId: number): Promise<void> {
  await db.deleteFrom('login_failures').where('id', '=', reservationId).execute();
}

/** True when the account had too many failed logins recently (the password is then not even checked). */
export async function accountLocked(db: Kysely<DB>, email: string, now = new Date()): Promise<boolean> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  const r = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email', '=', email)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n) >= MAX_FAILURES_PER_ACCOUNT;
}

export async function clearLoginFailures(db: Kysely<DB>, email: string): Promise<void> {
  await db.deleteFrom('login_failures').where('email', '=', email).execute();
}
