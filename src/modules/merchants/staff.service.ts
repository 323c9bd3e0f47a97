/**
 * Staff invitations of a merchant: single-use links an owner emails to add staff (7 days; only
 * the token's SHA-256 is stored). The accounts side (the user and its role) is the caller's
 * (onboarding's team service), so this module never depends on accounts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError, notFound } from '../../lib/errors.ts';
import type { Q } from './merchants.repository.ts';
import * as merchants from './merchants.repository.ts';
import * as repo from './staff.repository.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const hash = (t: string) => createHash('sha256').update(t).digest('hex');

/** A merchant's invitations not used and not expired, oldest first. */
export function pendingStaffInvitations(db: Q, merchantId: number) {
  return repo.pendingOf(db, merchantId, new Date().toISOString());
}

/** Records an invitation for an (already validated) address; returns the token for the emailed link. */
export async function createStaffInvitation(
  db: Q,
  merchantId: number,
  invitedBy: number,
  email: string,
): Promise<{ email: string; token: string }> {
  const token = randomBytes(32).toString('base64url');
  await repo.insertInvitation(db, {
    merchant_id: merchantId,
    email,
    token_hash: hash(token),
    invited_by: invitedBy,
    expires_at: new Date(Date.now() + INVITATION_TTL_MS).toISOString(),
  });
  return { email, token };
}

/** The open invitation behind a token, with the merchant's name (unknown, used or expired: undefined). */
export async function openStaffInvitation(db: Q, token: string) {
  if (!token || token.length > 100) return undefined;
  const inv = await repo.findByTokenHash(db, hash(token));
  if (!inv || inv.accepted_at || new Date(inv.expires_at).getTime() < Date.now()) return undefined;
  const merchant = await merchants.findById(db, inv.merchant_id);
  if (!merchant) return undefined;
  return {
    id: inv.id,
    merchant_id: inv.merchant_id,
    email: inv.email,
    expires_at: inv.expires_at,
    accepted_at: inv.accepted_at,
    display_name: merchant.display_name,
  };
}

/**
 * Marks an invitation used, in the caller's transaction; one that another request used meanwhile
 * is `not_found` (backoffice.invitation_invalid), so a link grants the role once.
 */
export async function useStaffInvitation(db: Q, id: number): Promise<void> {
  if ((await repo.markAccepted(db, id, new Date().toISOString())) !== 1)
    throw new AppError('not_found', 'backoffice.invitation_invalid');
}

/** Withdraws an open invitation of this merchant (another merchant's is a 404). */
export async function cancelStaffInvitation(db: Q, merchantId: number, id: number): Promise<void> {
  if ((await repo.deleteInvitation(db, merchantId, id)) === 0) throw notFound('invitation');
}
