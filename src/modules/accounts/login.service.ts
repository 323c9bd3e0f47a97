import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { clearLoginFailures, releaseLoginAttempt, reserveLoginAttempt } from '../sessions/index.ts';
import { rolesOf } from './users.repository.ts';
import { checkCredentials, normaliseEmail } from './users.service.ts';

/** The outcome of a sign-in attempt; only `signed_in` may start a session. */
export type LoginResult =
  | { state: 'locked'; email: string }
  | { state: 'bad_credentials'; email: string }
  | { state: 'unverified'; email: string; userId: number }
  | { state: 'signed_in'; email: string; userId: number; roles: { role: Role }[] };

/**
 * Checks a sign-in: the attempt is reserved (counted) before the password is checked, so parallel
 * tries get no more checks than the per-account allowance; a right password releases it. An
 * unconfirmed address cannot sign in; a successful sign-in clears the address's failed logins.
 */
export async function attemptLogin(
  db: Kysely<DB>,
  input: { email: string; password: string; ip: string | null },
): Promise<LoginResult> {
  const email = normaliseEmail(input.email);
  const attempt = await reserveLoginAttempt(db, email, input.ip);
  if (attempt === undefined) return { state: 'locked', email };
  const user = await checkCredentials(db, email, input.password);
  if (!user) return { state: 'bad_credentials', email };
  await releaseLoginAttempt(db, attempt);
  if (!user.verified) return { state: 'unverified', email, userId: user.id };
  await clearLoginFailures(db, email);
  return { state: 'signed_in', email, userId: user.id, roles: await rolesOf(db, user.id) };
}
