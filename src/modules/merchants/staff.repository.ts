/** SQL over the merchants module's `staff_invitations` table (tokens are stored hashed). */
import type { Q } from './merchants.repository.ts';
import './staff.tables.ts';

export function pendingOf(db: Q, merchantId: number, now: string) {
  return db
    .selectFrom('staff_invitations')
    .select(['id', 'email', 'expires_at'])
    .where('merchant_id', '=', merchantId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id')
    .execute();
}

export async function insertInvitation(
  db: Q,
  values: { merchant_id: number; email: string; token_hash: string; invited_by: number; expires_at: string },
): Promise<void> {
  await db.insertInto('staff_invitations').values(values).execute();
}

export function findByTokenHash(db: Q, tokenHash: string) {
  return db
    .selectFrom('staff_invitations')
    .select(['id', 'merchant_id', 'email', 'expires_at', 'accepted_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Marks an open invitation used; returns 1 when this call used it, 0 when it already was. */
export async function markAccepted(db: Q, id: number, at: string): Promise<number> {
  const r = await db
    .updateTable('staff_invitations')
    .set({ accepted_at: at })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function deleteInvitation(db: Q, merchantId: number, id: number): Promise<number> {
  const r = await db
    .deleteFrom('staff_invitations')
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
