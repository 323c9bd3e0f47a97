/**
 * A merchant's team: its owners and staff (accounts and roles: accounts module) and the
 * single-use invitations an owner sends to add staff (merchants module). Composed here because
 * it spans both modules.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import {
  createUserWithHash,
  emailSchema,
  findUserByEmail,
  grantRole,
  hashPassword,
  passwordProblem,
  revokeRoles,
  usersWithRoles,
} from '../accounts/index.ts';
import {
  cancelStaffInvitation,
  createStaffInvitation,
  openStaffInvitation,
  pendingStaffInvitations,
  useStaffInvitation,
} from '../merchants/index.ts';

const TEAM_ROLES = ['merchant_owner', 'merchant_staff'] as const;

/** Owners and staff of a merchant, and the invitations still open. */
export async function listStaff(db: Kysely<DB>, merchantId: number) {
  const members = (await usersWithRoles(db, { roles: TEAM_ROLES, merchantId })).map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
  }));
  return { members, pending: await pendingStaffInvitations(db, merchantId) };
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
  if ((await usersWithRoles(db, { roles: TEAM_ROLES, merchantId, email: e.data })).length)
    throw new ValidationError([{ field: 'email', message: 'backoffice.already_member' }]);
  return createStaffInvitation(db, merchantId, invitedBy, e.data);
}

/** The open invitation behind a token with the merchant's name and the invitee's account if any. */
export async function readInvitation(db: Kysely<DB>, token: string) {
  const inv = await openStaffInvitation(db, token);
  if (!inv) return undefined;
  const user = await findUserByEmail(db, inv.email);
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
    await useStaffInvitation(trx, inv.id);
    const role = { role: 'merchant_staff' as const, merchant_id: inv.merchant_id, association_id: null };
    let userId = inv.existingUserId;
    if (userId) await grantRole(trx, userId, role);
    else
      userId = await createUserWithHash(trx, {
        email: inv.email,
        passwordHash: passwordHash as string,
        name: (input.name ?? '').trim().slice(0, 120),
        verifiedAt: new Date().toISOString(),
        roles: [role],
      });
    return { userId, merchantId: inv.merchant_id };
  });
}

/** Removes a staff member (owners cannot be removed here); another merchant's user is a 404. */
export async function removeStaff(db: Kysely<DB>, merchantId: number, userId: number): Promise<void> {
  if ((await revokeRoles(db, userId, { roles: ['merchant_staff'], merchantId })) === 0)
    throw notFound('staff');
}

/** Withdraws an open invitation of this merchant (another merchant's is a 404). */
export function cancelInvitation(db: Kysely<DB>, merchantId: number, id: number): Promise<void> {
  return cancelStaffInvitation(db, merchantId, id);
}
