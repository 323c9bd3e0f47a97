import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { t } from '../../i18n/index.ts';
import { AppError, type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import { associationsByIds, findAssociationById } from '../associations/index.ts';
import type { Mailer } from '../mail/index.ts';
import { findMerchantById } from '../merchants/index.ts';
import { clearLoginFailures, deleteUserSessions } from '../sessions/index.ts';
import * as invitations from './invitations.repository.ts';
import { newPasswordIssues } from './password-change.service.ts';
import { hashPassword } from './passwords.ts';
import * as users from './users.repository.ts';
import { emailSchema } from './users.service.ts';

/** An invitation link works once, for this long. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type InvitedRole = 'region_admin' | 'association_admin' | 'funder' | 'merchant_owner';
/** Roles the operators page invites and revokes; a funder only reads the home and the impact report. */
export const OPERATOR_ROLES = ['region_admin', 'association_admin', 'funder'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Where the emailed link leads: `/fr/invitation?token=…`, `/en/invitation?token=…`. */
export const invitationPath = (lang: 'fr' | 'en') => `/${lang}/invitation`;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes in base64url: exactly 43 characters of the URL-safe alphabet. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface InviteInput {
  email: string;
  role: string;
  /** Required for association_admin. */
  associationId?: number | null;
  /** Required for merchant_owner. */
  merchantId?: number | null;
  /** The region admin sending it (null: the command line). */
  invitedBy?: number | null;
  /** Language of the email when the address has no account yet (else the account's language). */
  lang: 'fr' | 'en';
  /** Absolute origin for the link (PUBLIC_URL or the request's origin). */
  baseUrl: string;
  regionName: string;
  now?: Date;
}

/**
 * Invites someone to a role: a single-use token (256 random bits, only its SHA-256 stored, valid
 * 7 days) emailed as an absolute link. Field problems throw a ValidationError and change nothing.
 * A newer invitation to the same address and role replaces the pending one.
 */
export async function inviteAccount(
  deps: { db: Kysely<DB>; mailer: Mailer },
  input: InviteInput,
): Promise<{ id: number; email: string; expiresAt: string; link: string }> {
  const { db } = deps;
  const now = input.now ?? new Date();
  const issues: FieldIssue[] = [];
  const email = emailSchema.safeParse(input.email);
  if (!email.success) issues.push({ field: 'email', message: 'field.invalid_email' });
  const role = input.role as InvitedRole;
  if (!['region_admin', 'association_admin', 'funder', 'merchant_owner'].includes(role))
    issues.push({ field: 'role', message: 'operators.role_invalid' });
  let associationName = '';
  let merchantName = '';
  if (role === 'association_admin') {
    const a = input.associationId ? await findAssociationById(db, input.associationId) : undefined;
    if (!a) issues.push({ field: 'association_id', message: 'operators.association_required' });
    else associationName = a.name;
  }
  if (role === 'merchant_owner') {
    const m = await merchantDisplayName(db, input.merchantId);
    if (!m) throw notFound('merchant');
    merchantName = m;
  }
  if (issues.length || !email.success) throw new ValidationError(issues);
  const associationId = role === 'association_admin' ? (input.associationId as number) : null;
  const merchantId = role === 'merchant_owner' ? (input.merchantId as number) : null;

  const user = await users.findUserByEmail(db, email.data);
  if (
    user &&
    (await users.hasRole(db, user.id, { role, association_id: associationId, merchant_id: merchantId }))
  )
    throw new ValidationError([{ field: 'email', message: 'operators.already_has_role' }]);
  const lang = user?.locale ?? input.lang;
  const token = randomBytes(32).toString('base64url');
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS).toISOString();
  const id = await db.transaction().execute(async (trx) => {
    await invitations.revokePendingFor(trx, { email: email.data, role, associationId, merchantId }, at);
    return invitations.insertInvitation(trx, {
      email: email.data,
      role,
      association_id: associationId,
      merchant_id: merchantId,
      token_hash: hashToken(token),
      invited_by: input.invitedBy ?? null,
      lang,
      created_at: at,
      expires_at: expiresAt,
    });
  });
  const link = `${input.baseUrl.replace(/\/$/, '')}${invitationPath(lang)}?token=${token}`;
  const what =
    role === 'merchant_owner'
      ? t(lang, 'invitation.what_merchant_owner', { merchant: merchantName })
      : role === 'association_admin'
        ? t(lang, 'invitation.what_association_admin', { association: associationName })
        : role === 'funder'
          ? t(lang, 'invitation.what_funder', { region: input.regionName })
          : t(lang, 'invitation.what_region_admin', { region: input.regionName });
  await deps.mailer.send({
    to: email.data,
    lang,
    kind: role === 'merchant_owner' ? 'owner_invitation' : 'operator_invitation',
    subject: t(lang, 'invitation.mail_subject', { region: input.regionName }),
    text: t(lang, 'invitation.mail_body', { what, link, region: input.regionName, days: 7 }),
  });
  return { id, email: email.data, expiresAt, link };
}

export type InvitationState = 'unknown' | 'expired' | 'used' | 'revoked';
export type Invitation =
  | {
      state: 'valid';
      id: number;
      email: string;
      role: InvitedRole;
      associationId: number | null;
      associationName: string | null;
      merchantId: number | null;
      merchantName: string | null;
      /** The account of that address, if one exists; `hasPassword` false means it must set one. */
      user: { id: number; name: string; hasPassword: boolean } | null;
    }
  | { state: InvitationState };

/** What an invitation token is worth (reading it never uses it: mail scanners follow links). */
export async function readInvitation(db: Kysely<DB>, token: unknown, now = new Date()): Promise<Invitation> {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { state: 'unknown' };
  const row = await invitations.findInvitationByTokenHash(db, hashToken(token));
  if (!row) return { state: 'unknown' };
  if (row.accepted_at) return { state: 'used' };
  if (row.revoked_at) return { state: 'revoked' };
  if (new Date(row.expires_at).getTime() <= now.getTime()) return { state: 'expired' };
  const user = await users.findCredentials(db, { email: row.email });
  return {
    state: 'valid',
    id: row.id,
    email: row.email,
    role: row.role,
    associationId: row.association_id,
    associationName: (await associationNames(db, [row.association_id])).get(row.association_id ?? 0) ?? null,
    merchantId: row.merchant_id,
    merchantName: (await merchantDisplayName(db, row.merchant_id)) ?? null,
    user: user ? { id: user.id, name: user.name, hasPassword: user.password_hash !== null } : null,
  };
}

/**
 * Accepts an invitation. An address without an account (or without a password) chooses its
 * password here (sign-up rules; problems throw a ValidationError and the link stays usable); an
 * existing account just gains the role and signs in as usual. In one transaction: the token is
 * consumed (conditional UPDATE, so two concurrent uses cannot both pass), the account created or
 * given its password, the address counted as confirmed (the link proved it) and the role granted.
 * `signedIn: true` tells the caller to start a session (a password was just chosen).
 */
export async function acceptInvitation(
  db: Kysely<DB>,
  token: unknown,
  input: { name?: string; password?: string; confirm?: string },
  now = new Date(),
): Promise<
  | { state: 'done'; userId: number; role: InvitedRole; merchantId: number | null; setPassword: boolean }
  | { state: InvitationState }
> {
  const inv = await readInvitation(db, token, now);
  if (inv.state !== 'valid') return inv;
  const setPassword = !inv.user?.hasPassword;
  const name = (input.name ?? inv.user?.name ?? '').trim().slice(0, 120);
  let passwordHash: string | undefined;
  if (setPassword) {
    const issues = newPasswordIssues({ email: inv.email, name }, input.password ?? '', input.confirm ?? '', {
      password: 'password',
      confirm: 'confirm',
    });
    if (issues.length) throw new ValidationError(issues);
    passwordHash = await hashPassword(input.password ?? '');
  }
  const at = now.toISOString();
  const userId = await db.transaction().execute(async (trx) => {
    if (!(await invitations.consumeInvitation(trx, inv.id, at))) return undefined;
    let id = inv.user?.id;
    if (id === undefined) {
      id = await users.insertUser(trx, {
        email: inv.email,
        password_hash: passwordHash as string,
        name,
        email_verified_at: at,
      });
    } else {
      if (passwordHash) await users.setPasswordHash(trx, id, passwordHash, at, { onlyIfNone: true });
      await users.verifyEmailIfUnverified(trx, id, at);
    }
    await invitations.setInvitationUser(trx, inv.id, id);
    await users.insertRole(trx, id, {
      role: inv.role,
      association_id: inv.associationId,
      merchant_id: inv.merchantId,
    });
    if (passwordHash) await clearLoginFailures(trx, inv.email);
    return id;
  });
  if (userId === undefined) {
    const again = await readInvitation(db, token, now);
    return { state: again.state === 'valid' ? 'used' : again.state };
  }
  return { state: 'done', userId, role: inv.role, merchantId: inv.merchantId, setPassword };
}

export interface OperatorAccount {
  userId: number;
  email: string;
  name: string;
  roles: { role: OperatorRole; associationId: number | null; associationName: string | null }[];
}
export interface PendingInvitation {
  id: number;
  email: string;
  role: OperatorRole;
  associationName: string | null;
  createdAt: string;
  expiresAt: string;
}

/** Operator accounts (region and association admins) and the operator invitations still pending. */
export async function listOperators(
  db: Kysely<DB>,
  now = new Date(),
): Promise<{ accounts: OperatorAccount[]; pending: PendingInvitation[] }> {
  const rows = await users.usersWithRoles(db, { roles: OPERATOR_ROLES, orderBy: 'email' });
  const pending = await invitations.pendingInvitations(db, OPERATOR_ROLES, now.toISOString());
  const names = await associationNames(db, [
    ...rows.map((r) => r.association_id),
    ...pending.map((p) => p.association_id),
  ]);
  const byUser = new Map<number, OperatorAccount>();
  for (const r of rows) {
    let acc = byUser.get(r.id);
    if (!acc) {
      acc = { userId: r.id, email: r.email, name: r.name, roles: [] };
      byUser.set(r.id, acc);
    }
    acc.roles.push({
      role: r.role as OperatorRole,
      associationId: r.association_id,
      associationName: names.get(r.association_id ?? 0) ?? null,
    });
  }
  return {
    accounts: [...byUser.values()],
    pending: pending.map((p) => ({
      id: p.id,
      email: p.email,
      role: p.role as OperatorRole,
      associationName: names.get(p.association_id ?? 0) ?? null,
      createdAt: p.created_at,
      expiresAt: p.expires_at,
    })),
  };
}

/**
 * Revokes an operator: in one transaction every region/association admin and funder role of the account is
 * removed, its pending operator invitations are withdrawn and every one of its sessions ends (other
 * roles, e.g. a merchant owner's, stay). Nobody revokes themselves (so a region always keeps the
 * admin doing it). Not an operator: 404.
 */
export async function revokeOperator(
  db: Kysely<DB>,
  input: { actorId: number; userId: number },
  now = new Date(),
): Promise<{ email: string }> {
  if (input.actorId === input.userId) throw new AppError('conflict', 'operators.cannot_revoke_self');
  return db.transaction().execute(async (trx) => {
    const user = await users.findUserById(trx, input.userId);
    const removed = await users.deleteRoles(trx, input.userId, { roles: OPERATOR_ROLES });
    if (!user || removed === 0) throw notFound('operator');
    await invitations.revokePending(trx, { email: user.email }, OPERATOR_ROLES, now.toISOString());
    await deleteUserSessions(trx, input.userId);
    return { email: user.email };
  });
}

/** Withdraws a pending operator invitation (its link stops working); unknown or used ones are 404. */
export async function withdrawInvitation(db: Kysely<DB>, id: number, now = new Date()): Promise<void> {
  const withdrawn = await invitations.revokePending(db, { id }, OPERATOR_ROLES, now.toISOString());
  if (withdrawn === 0) throw notFound('invitation');
}

/** Names of these associations (through the associations module), by id. */
async function associationNames(db: Kysely<DB>, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = ids.filter((id): id is number => id !== null);
  return new Map((await associationsByIds(db, wanted)).map((a) => [a.id, a.name]));
}

/** The display name of a merchant (any status), or undefined when there is none. */
async function merchantDisplayName(
  db: Kysely<DB>,
  id: number | null | undefined,
): Promise<string | undefined> {
  if (!id) return undefined;
  return (await findMerchantById(db, id))?.display_name;
}
