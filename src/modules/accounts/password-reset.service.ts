import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { Mailer } from '../mail/index.ts';
import { clearLoginFailures, deleteUserSessions } from '../sessions/index.ts';
import { newPasswordIssues } from './password-change.service.ts';
import * as resets from './password-resets.repository.ts';
import { hashPassword } from './passwords.ts';
import * as users from './users.repository.ts';
import { normaliseEmail } from './users.service.ts';

/** A reset link works once, for this long (ASVS 6.4.3). */
export const RESET_TTL_MS = 60 * 60 * 1000;
/** Used and expired tokens are kept this long (so a second click says "already used"), then pruned. */
const KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export const resetPasswordPath = (lang: 'fr' | 'en') =>
  lang === 'fr' ? '/fr/reinitialiser-mot-de-passe' : '/en/reset-password';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes in base64url: exactly 43 characters of the URL-safe alphabet. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * When the address belongs to an account: a single-use token (256 random bits, only its SHA-256
 * stored, valid 1 hour) and an email in the account's language with the link. Unknown addresses
 * get nothing. Returns whether an email was sent (the HTTP layer never tells the visitor).
 */
export async function requestPasswordReset(
  deps: { db: Kysely<DB>; mailer: Mailer },
  opts: { email: string; baseUrl: string; regionName: string; now?: Date },
): Promise<boolean> {
  const { db } = deps;
  const now = opts.now ?? new Date();
  const user = await users.findUserByEmail(db, normaliseEmail(opts.email));
  if (!user) return false;
  const token = randomBytes(32).toString('base64url');
  await resets.insertReset(db, {
    user_id: user.id,
    token_hash: hashToken(token),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + RESET_TTL_MS).toISOString(),
  });
  await resets.pruneResets(db, user.id, new Date(now.getTime() - KEEP_MS).toISOString());
  const link = `${opts.baseUrl}${resetPasswordPath(user.locale)}?token=${token}`;
  await deps.mailer.send({
    to: user.email,
    lang: user.locale,
    kind: 'password_reset',
    subject: t(user.locale, 'password.reset_mail_subject'),
    text: t(user.locale, 'password.reset_mail_body', { link, region: opts.regionName }),
  });
  return true;
}

// Reset requests run after the answer is sent, so the response time does not tell whether the
// address has an account (no look-up, insert or SMTP exchange on the request's path).
const inflight = new Set<Promise<unknown>>();

/** Starts `requestPasswordReset` without waiting for it; failures go to `onError` (a logger). */
export function requestPasswordResetLater(
  deps: Parameters<typeof requestPasswordReset>[0],
  opts: Parameters<typeof requestPasswordReset>[1],
  onError: (err: unknown) => void,
): void {
  const job: Promise<unknown> = requestPasswordReset(deps, opts)
    .catch(onError)
    .finally(() => inflight.delete(job));
  inflight.add(job);
}

/** Resolves once every reset request started so far has finished (shutdown, tests). */
export async function passwordResetsSettled(): Promise<void> {
  while (inflight.size) await Promise.allSettled([...inflight]);
}

export type ResetLinkState = 'unknown' | 'expired' | 'used';
export type ResetLink =
  | { state: 'valid'; id: number; userId: number; email: string; name: string; locale: 'fr' | 'en' }
  | { state: ResetLinkState };

/** What a reset token is worth: valid (with its account), or unknown, expired or already used. */
export async function readPasswordReset(
  db: Kysely<DB>,
  token: unknown,
  now = new Date(),
): Promise<ResetLink> {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { state: 'unknown' };
  const row = await resets.findResetByTokenHash(db, hashToken(token));
  const user = row && (await users.findUserById(db, row.user_id));
  if (!row || !user) return { state: 'unknown' };
  if (row.used_at) return { state: 'used' };
  if (new Date(row.expires_at).getTime() <= now.getTime()) return { state: 'expired' };
  return {
    state: 'valid',
    id: row.id,
    userId: user.id,
    email: user.email,
    name: user.name,
    locale: user.locale,
  };
}

/**
 * Sets a new password with a reset token. Field problems throw a ValidationError (the token stays
 * usable); an unusable token returns its state. On success, in one transaction: the token is
 * consumed (a conditional UPDATE, so two concurrent uses cannot both pass), the account's other
 * reset tokens are voided, the password hash replaced, the address counted as confirmed (the link
 * proved it), every session of the user deleted and its failed-login count cleared.
 */
export async function completePasswordReset(
  db: Kysely<DB>,
  token: unknown,
  input: { password: string; confirm: string },
  now = new Date(),
): Promise<
  | { state: 'done'; user: { id: number; email: string; name: string; locale: 'fr' | 'en' } }
  | { state: ResetLinkState }
> {
  const link = await readPasswordReset(db, token, now);
  if (link.state !== 'valid') return link;
  const issues = newPasswordIssues(link, input.password, input.confirm, {
    password: 'password',
    confirm: 'confirm',
  });
  if (issues.length) throw new ValidationError(issues);
  const passwordHash = await hashPassword(input.password);
  const at = now.toISOString();
  const consumed = await db.transaction().execute(async (trx) => {
    if (!(await resets.consumeReset(trx, link.id, at))) return false;
    await resets.voidResets(trx, link.userId, at);
    await users.setPasswordHash(trx, link.userId, passwordHash, at);
    await users.verifyEmailIfUnverified(trx, link.userId, at);
    await deleteUserSessions(trx, link.userId);
    await clearLoginFailures(trx, link.email);
    return true;
  });
  if (!consumed) {
    const again = await readPasswordReset(db, token, now);
    return { state: again.state === 'valid' ? 'used' : again.state };
  }
  return {
    state: 'done',
    user: { id: link.userId, email: link.email, name: link.name, locale: link.locale },
  };
}
