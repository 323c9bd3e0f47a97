import type { Db } from './users.repository.ts';
import './invitations.tables.ts';

type InvitedRole = 'region_admin' | 'association_admin' | 'funder' | 'merchant_owner';

/**
 * Marks as revoked the pending invitations to an address for this role and scope (a newer one
 * replaces them).
 */
export async function revokePendingFor(
  db: Db,
  where: { email: string; role: InvitedRole; associationId: number | null; merchantId: number | null },
  at: string,
): Promise<void> {
  let q = db
    .updateTable('account_invitations')
    .set({ revoked_at: at })
    .where('email', '=', where.email)
    .where('role', '=', where.role)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);
  q =
    where.associationId === null
      ? q.where('association_id', 'is', null)
      : q.where('association_id', '=', where.associationId);
  q =
    where.merchantId === null
      ? q.where('merchant_id', 'is', null)
      : q.where('merchant_id', '=', where.merchantId);
  await q.execute();
}

export async function insertInvitation(
  db: Db,
  values: {
    email: string;
    role: InvitedRole;
    association_id: number | null;
    merchant_id: number | null;
    token_hash: string;
    invited_by: number | null;
    lang: 'fr' | 'en';
    created_at: string;
    expires_at: string;
  },
): Promise<number> {
  const row = await db
    .insertInto('account_invitations')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('account_invitations')
    .select([
      'id',
      'email',
      'role',
      'association_id',
      'merchant_id',
      'expires_at',
      'accepted_at',
      'revoked_at',
    ])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Consumes a usable invitation (conditional UPDATE: two concurrent uses cannot both pass). */
export async function consumeInvitation(db: Db, id: number, at: string): Promise<boolean> {
  const r = await db
    .updateTable('account_invitations')
    .set({ accepted_at: at })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setInvitationUser(db: Db, id: number, userId: number): Promise<void> {
  await db.updateTable('account_invitations').set({ user_id: userId }).where('id', '=', id).execute();
}

/** Pending (not accepted, revoked or expired) invitations to one of `roles`, newest first. */
export async function pendingInvitations(db: Db, roles: readonly InvitedRole[], now: string) {
  return db
    .selectFrom('account_invitations')
    .select(['id', 'email', 'role', 'association_id', 'created_at', 'expires_at'])
    .where('role', 'in', [...roles])
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes the pending invitations to one of `roles`, by address or by id; returns how many. */
export async function revokePending(
  db: Db,
  where: { email: string } | { id: number },
  roles: readonly InvitedRole[],
  at: string,
): Promise<number> {
  let q = db
    .updateTable('account_invitations')
    .set({ revoked_at: at })
    .where('role', 'in', [...roles])
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);
  q = 'email' in where ? q.where('email', '=', where.email) : q.where('id', '=', where.id);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
