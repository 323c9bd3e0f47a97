import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import * as repo from './sessions.repository.ts';

/** A session ends after this long without a request (idle timeout). */
export const IDLE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** ...and in any case this long after login (absolute timeout). */
export const ABSOLUTE_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60 * 1000;
/** Failed logins for one account within the window that lock further attempts for that account. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** Failed-login rows older than this are useless: pruned to keep the table small. */
const KEEP_FAILURES_MS = 24 * 60 * 60 * 1000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates a session for a user; returns the cookie token (256 random bits), shown only to the browser. */
export async function createSession(db: Kysely<DB>, userId: number, now = new Date()) {
  const token = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS);
  await repo.insertSession(db, {
    id: hashToken(token),
    user_id: userId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: expires.toISOString(),
  });
  return { token, expiresAt: expires };
}

/**
 * The live session behind a cookie token (`id` is its SHA-256, for logout), or undefined when
 * unknown, expired (absolute) or idle too long; a dead session is deleted, a live one touched
 * (at most once a minute).
 */
export async function findSession(
  db: Kysely<DB>,
  token: string,
  now = new Date(),
): Promise<{ id: string; userId: number } | undefined> {
  if (!token || token.length > 100) return undefined;
  const id = hashToken(token);
  const row = await repo.findSessionRow(db, id);
  if (!row) return undefined;
  const t = now.getTime();
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= t || t - lastSeen > IDLE_TIMEOUT_MS) {
    await repo.deleteSession(db, id);
    return undefined;
  }
  if (t - lastSeen > TOUCH_EVERY_MS) await repo.touchSession(db, id, now.toISOString());
  return { id, userId: row.user_id };
}

export async function deleteSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await repo.deleteSession(db, sessionId);
}

/** How many browsers the user is signed in on (sessions not yet expired). */
export async function countUserSessions(db: Kysely<DB>, userId: number, now = new Date()): Promise<number> {
  return repo.countLiveSessions(db, userId, now.toISOString());
}

/** Ends every session of a user but the one asking ("sign out my other devices"); returns how many. */
export async function deleteOtherSessions(
  db: Kysely<DB>,
  userId: number,
  keepSessionId: string,
): Promise<number> {
  return repo.deleteUserSessions(db, userId, keepSessionId);
}

/** Ends every session of a user (password change, suspension), in the caller's transaction when given. */
export async function deleteUserSessions(db: repo.Db, userId: number): Promise<void> {
  await repo.deleteUserSessions(db, userId);
}

export async function recordLoginFailure(db: Kysely<DB>, email: string, ip: string | null): Promise<void> {
  await repo.insertLoginFailure(db, { email, ip });
  await repo.deleteLoginFailuresBefore(db, new Date(Date.now() - KEEP_FAILURES_MS).toISOString());
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
    await repo.lockAddress(trx, email);
    if ((await repo.countLoginFailures(trx, email, since)) >= MAX_FAILURES_PER_ACCOUNT) return undefined;
    return repo.insertLoginFailure(trx, { email, ip, created_at: now.toISOString() });
  });
  if (id !== undefined)
    await repo.deleteLoginFailuresBefore(db, new Date(now.getTime() - KEEP_FAILURES_MS).toISOString());
  return id;
}

/** The password was right: the reserved attempt does not count as a failure. */
export async function releaseLoginAttempt(db: Kysely<DB>, reservationId: number): Promise<void> {
  await repo.deleteLoginFailure(db, reservationId);
}

/** True when the account had too many failed logins recently (the password is then not even checked). */
export async function accountLocked(db: Kysely<DB>, email: string, now = new Date()): Promise<boolean> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  return (await repo.countLoginFailures(db, email, since)) >= MAX_FAILURES_PER_ACCOUNT;
}

/** Forgets the address's failed logins (a password was set), in the caller's transaction when given. */
export async function clearLoginFailures(db: repo.Db, email: string): Promise<void> {
  await repo.deleteLoginFailuresOf(db, email);
}
