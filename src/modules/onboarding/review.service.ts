/**
 * Region and association admins review merchants: the list in their scope, approval (the owner
 * must have confirmed their address) or suspension, and the owners' notification.
 */
import type { Kysely } from 'kysely';
import type { DB, MerchantStatus } from '../../db/schema.ts';
import { t } from '../../i18n/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { usersWithRoles } from '../accounts/index.ts';
import { activeMemberIds, associationsOfMerchants } from '../associations/index.ts';
import type { Mailer } from '../mail/index.ts';
import {
  changeMerchantStatus,
  findMerchantById,
  listMerchantsForReview,
  merchantTowns,
} from '../merchants/index.ts';

export interface AdminScope {
  all: boolean;
  associationIds: number[];
}

export interface MerchantForReview {
  id: number;
  display_name: string;
  legal_name: string;
  neq: string | null;
  email: string | null;
  status: MerchantStatus;
  created_at: string;
  municipality: string;
  associations: string[];
}

/** Merchants an admin may review: every one for a region admin, else members of the admin's associations. */
export async function listMerchantsForAdmin(
  db: Kysely<DB>,
  scope: AdminScope,
  status: MerchantStatus | 'all' = 'pending',
): Promise<MerchantForReview[]> {
  if (!scope.all && scope.associationIds.length === 0) return [];
  const rows = await listMerchantsForReview(db, {
    ...(status !== 'all' ? { status } : {}),
    ...(scope.all ? {} : { ids: await activeMemberIds(db, scope.associationIds) }),
  });
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [members, towns] = await Promise.all([associationsOfMerchants(db, ids), merchantTowns(db, ids)]);
  return rows.map((r) => ({
    ...r,
    municipality: towns.get(r.id) ?? '',
    associations: members.filter((m) => m.merchant_id === r.id).map((m) => m.short_name),
  }));
}

/** True when the merchant belongs to one of the admin's associations (or the admin is a region admin). */
export async function merchantInScope(
  db: Kysely<DB>,
  scope: AdminScope,
  merchantId: number,
): Promise<boolean> {
  if (!(await findMerchantById(db, merchantId))) return false;
  if (scope.all) return true;
  if (!scope.associationIds.length) return false;
  return (await activeMemberIds(db, scope.associationIds)).includes(merchantId);
}

/**
 * Approves or suspends a merchant. The status is region-wide, so only a region admin changes it
 * (an association admin can only remove a merchant from its association: `forbidden`); an
 * unknown id is a 404. Returns the owners to notify.
 */
export async function setMerchantStatus(
  db: Kysely<DB>,
  scope: AdminScope,
  merchantId: number,
  status: 'approved' | 'suspended',
): Promise<{ display_name: string; owners: { email: string; locale: 'fr' | 'en' }[]; changed: boolean }> {
  if (!scope.all) throw new AppError('forbidden', 'membership.region_only');
  if (!(await merchantInScope(db, scope, merchantId))) throw notFound('merchant');
  const m = await findMerchantById(db, merchantId);
  if (!m) throw notFound('merchant');
  if (m.status === status) return { display_name: m.display_name, owners: [], changed: false };
  const owners = await usersWithRoles(db, { roles: ['merchant_owner'], merchantId });
  // Merchants created by an operator (CLI) have no owner account; those signing up must confirm first.
  if (status === 'approved' && owners.length && !owners.some((o) => o.email_verified_at !== null))
    throw new AppError('conflict', 'onboarding.owner_unverified');
  await changeMerchantStatus(db, merchantId, status);
  return {
    display_name: m.display_name,
    owners: owners.map((o) => ({ email: o.email, locale: o.locale })),
    changed: true,
  };
}

/**
 * Tells a merchant's owners, each in their language, that a region admin approved or suspended
 * it (after setMerchantStatus reported a change). The approval gives the back-office link, always
 * absolute from the configured public URL (never a request's Host header).
 */
export async function notifyMerchantStatus(
  mailer: Mailer,
  baseUrl: string,
  r: { display_name: string; owners: { email: string; locale: 'fr' | 'en' }[]; changed: boolean },
  status: 'approved' | 'suspended',
): Promise<void> {
  if (!r.changed) return;
  for (const o of r.owners) {
    const text = t(o.locale, `admin.mail_${status}_body`, { name: r.display_name });
    const link = `${baseUrl}${o.locale === 'fr' ? '/fr/marchand' : '/en/merchant'}`;
    await mailer.send({
      to: o.email,
      lang: o.locale,
      kind: `merchant_${status}`,
      subject: t(o.locale, `admin.mail_${status}_subject`, { name: r.display_name }),
      text:
        status === 'approved'
          ? `${text}\n\n${t(o.locale, 'email.merchant_approved.link', { url: link })}`
          : text,
    });
  }
}
