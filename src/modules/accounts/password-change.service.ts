import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { t } from '../../i18n/index.ts';
import { AppError, type FieldIssue, ValidationError } from '../../lib/errors.ts';
import type { Mailer } from '../mail/index.ts';
import { deleteUserSessions, releaseLoginAttempt, reserveLoginAttempt } from '../sessions/index.ts';
import { voidResets } from './password-resets.repository.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { findCredentials, setPasswordHash } from './users.repository.ts';

export const forgotPasswordPath = (lang: 'fr' | 'en') =>
  lang === 'fr' ? '/fr/mot-de-passe-oublie' : '/en/forgot-password';

/** Words tied to an account that a password must not be made of (ASVS 6.2.11). */
export const contextWords = (user: { email: string; name?: string | null }) => [
  user.email.split('@')[0] ?? '',
  user.name ?? '',
];

/** The new password and its confirmation, checked with the sign-up rules. */
export function newPasswordIssues(
  user: { email: string; name?: string | null },
  password: string,
  confirm: string,
  fields: { password: string; confirm: string },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const problem = passwordProblem(password, contextWords(user));
  if (problem) issues.push({ field: fields.password, message: problem });
  else if (password !== confirm) issues.push({ field: fields.confirm, message: 'password.mismatch' });
  return issues;
}

/**
 * Changes a signed-in user's password (ASVS 6.2.2, 6.2.3): the current password must be right,
 * the new one follows the sign-up rules and matches its confirmation. A wrong current password
 * counts as a failed login for the account (the same 5 per 15 minutes lock), so a stolen session
 * cannot be used to guess it. On success, in one transaction: the new argon2id hash, every session
 * of the user deleted (the caller starts a fresh one for this browser) and pending reset links voided.
 */
export async function changePassword(
  db: Kysely<DB>,
  user: { id: number; email: string; name?: string | null },
  input: { current: string; password: string; confirm: string; ip?: string | null },
): Promise<void> {
  const issues: FieldIssue[] = [];
  if (!(await confirmPassword(db, user, input.current, input.ip)))
    issues.push({ field: 'current_password', message: 'password.current_wrong' });
  issues.push(
    ...newPasswordIssues(user, input.password, input.confirm, {
      password: 'new_password',
      confirm: 'confirm_password',
    }),
  );
  if (issues.length) throw new ValidationError(issues);
  const passwordHash = await hashPassword(input.password);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash, now);
    await deleteUserSessions(trx, user.id);
    await voidResets(trx, user.id, now);
  });
}

/** Tells the owner of an account, in their language, that its password was changed (ASVS 6.3.7). */
export async function sendPasswordChangedEmail(
  deps: { mailer: Mailer },
  opts: { email: string; lang: 'fr' | 'en'; baseUrl: string; regionName: string },
): Promise<void> {
  await deps.mailer.send({
    to: opts.email,
    lang: opts.lang,
    kind: 'password_changed',
    subject: t(opts.lang, 'password.changed_mail_subject'),
    text: t(opts.lang, 'password.changed_mail_body', {
      region: opts.regionName,
      email: opts.email,
      link: `${opts.baseUrl}${forgotPasswordPath(opts.lang)}`,
    }),
  });
}

/**
 * Re-authentication (ASVS 7.5.1: changing the password, creating an API key or a webhook): true
 * when `password` is the user's. A wrong one counts as a failed login (the same per-account lock),
 * and a locked account is refused outright.
 */
export async function confirmPassword(
  db: Kysely<DB>,
  user: { id: number; email: string },
  password: string,
  ip?: string | null,
): Promise<boolean> {
  // Reserved before the check, like a login: parallel tries get no more checks than the lock allows.
  const attempt = await reserveLoginAttempt(db, user.email, ip ?? null);
  if (attempt === undefined) throw new AppError('rate_limited', 'auth.locked');
  const row = await findCredentials(db, { id: user.id });
  const ok = !!row?.password_hash && (await verifyPassword(row.password_hash, password));
  if (ok) await releaseLoginAttempt(db, attempt);
  return ok;
}
