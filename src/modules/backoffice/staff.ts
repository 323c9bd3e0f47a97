import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { emailSchema, hashPassword, passwordProblem } from '../accounts/index.ts';
import './backoffice.tables.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const hash = (t: string) => createHash('sha256').update(t).digest('hex');

/** Owners and staff of a merchant. */
export async function listStaff(db: Kysely<DB>, merchantId: number) {
  const members = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select(['users.id', 'users.email', 'users.name', 'user_roles.role'])
    .where('user_roles.merchant_id', '=', merchantId)
    .where('user_roles.role', 'in', ['merchant_owner', 'merchant_staff'])
    .orderBy('user_roles.role')
    .orderBy('users.email')
    .execute();
  const pending = await db
    .selectFrom('staff_invitations')
    .select(['id', 'email', 'expires_at'])
    .where('merchant_id', '=', merchantId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', new Date().toISOString())
    .orderBy('id')
    .execute();
  return { members, pending };
}

/** Creates a single-use invitation; returns the token for the emailed link (never stored in clear). */
export async function inviteStaff(
  db: Kysely<DB>,
  merchantId: number,
  invitedBy: number,
  rawEmail: unknown,
): Promise<{ email: string; token: string }> {
  const e = emailSchema.safeParse(rawEmail);
  if (!e.success) throw new ValidationError([{ field: 'email', message: 'field.invalid_email' }]);
  const already = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('user_roles.id')
    .where('users.email', '=', e.data)
    .where('user_roles.merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (already) throw new ValidationError([{ field: 'email', message: 'backoffice.already_member' }]);
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('staff_invitations')
    .values({
      merchant_id: merchantId,
      email: e.data,
      token_hash: hash(token),
      invited_by: invitedBy,
      expires_at: new Date(Date.now() + INVITATION_TTL_MS).toISOString(),
    })
    .execute();
  return { email: e.data, token };
}

/** The open invitation behind a token (unknown, used or expired: undefined). */
export async function readInvitation(db: Kysely<DB>, token: string) {
  if (!token || token.length > 100) return undefined;
  const inv = await db
    .selectFrom('staff_invitations as i')
    .innerJoin('merchants as m', 'm.id', 'i.merchant_id')
    .select(['i.id', 'i.merchant_id', 'i.email', 'i.expires_at', 'i.accepted_at', 'm.display_name'])
    .where('i.token_hash', '=', hash(token))
    .executeTakeFirst();
  if (!inv || inv.accepted_at || new Date(inv.expires_at).getTime() < Date.now()) return undefined;
  const user = await db.selectFrom('users').select('id').where('email', '=', inv.email).executeTakeFirst();
  return { ...inv, existingUserId: user?.id };
}

/**
 * Accepts an invitation: an existing account gets the staff role; otherwise an account is
 * created (its address is proven by the link) with the given name and password.
 */
export async function acceptInvitation(
  db: Kysely<DB>,
  token: string,
  input: { name?: string; password?: string },
): Promise<{ userId: number; merchantId: number }> {
  const inv = await readInvitation(db, token);
  if (!inv) throw new AppError('not_found', 'backoffice.invitation_invalid');
  let passwordHash: string | undefined;
  if (!inv.existingUserId) {
    const pw = passwordProblem(input.password ?? '');
    if (pw) throw new ValidationError([{ field: 'password', message: pw }]);
    passwordHash = await hashPassword(input.password as string);
  }
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('staff_invitations')
      .set({ accepted_at: new Date().toISOString() })
      .where('id', '=', inv.id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new AppError('not_found', 'backoffice.invitation_invalid');
    let userId = inv.existingUserId;
    if (!userId) {
      const u = await trx
        .insertInto('users')
        .values({
          email: inv.email,
          password_hash: passwordHash as string,
          name: (input.name ?? '').trim().slice(0, 120),
          email_verified_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      userId = u.id;
    }
    await trx
      .insertInto('user_roles')
      .values({ user_id: userId, role: 'merchant_staff', merchant_id: inv.merchant_id, association_id: null })
      .execute();
    return { userId, merchantId: inv.merchant_id };
  });
}

/** Removes a staff member (owners cannot be removed here); another merchant's user is a 404. */
export async function removeStaff(db: Kysely<DB>, merchantId: number, userId: number): Promise<void> {
  const r = await db
    .deleteFrom('user_roles')
    .where('merchant_id', '=', merchantId)
    .where('user_id', '=', userId)
    .where('role', '=', 'merchant_staff')
    .executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound('staff');
}

export async function cancelInvitation(db: Kysely<DB>, merchantId: number, id: number): Promise<void> {
  const r = await db
    .deleteFrom('staff_invitations')
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound('invitation');
}
