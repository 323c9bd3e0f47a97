/**
 * Merchants: look-ups for every other module, the one place merchants are created (CLI and
 * sign-up), their status (review by region/association admins) and their profile.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, MerchantStatus, MerchantsTable } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { parseClosures, parseHours } from '../common/hours.ts';
import { slugify } from '../common/slug.ts';
import * as keys from './api-keys.service.ts';
import * as locations from './locations.repository.ts';
import type { LocationValues } from './locations.service.ts';
import type { Q } from './merchants.repository.ts';
import * as repo from './merchants.repository.ts';

/** A merchant row. */
export type Merchant = Selectable<MerchantsTable>;

/** One merchant by id (any status), or undefined. */
export function findMerchantById(db: Q, id: number): Promise<Merchant | undefined> {
  return repo.findById(db, id);
}

/** One merchant by id, or `not_found`. */
export async function getMerchant(db: Q, id: number): Promise<Merchant> {
  const m = await repo.findById(db, id);
  if (!m) throw notFound('merchant');
  return m;
}

/** Merchants by id (one query, any status, by id); unknown ids are left out. */
export function findMerchantsByIds(db: Q, ids: readonly number[]): Promise<Merchant[]> {
  return repo.findByIds(db, ids);
}

/** One merchant by slug (any status), or undefined. */
export function findMerchantBySlug(db: Q, slug: string): Promise<Merchant | undefined> {
  return repo.findBySlug(db, slug);
}

/** One approved merchant by slug (pending and suspended ones are not public), or undefined. */
export function findApprovedMerchantBySlug(db: Q, slug: string): Promise<Merchant | undefined> {
  return repo.findApprovedBySlug(db, slug);
}

/** A merchant's status, or undefined when there is no such merchant. */
export async function merchantStatus(db: Q, id: number): Promise<MerchantStatus | undefined> {
  return (await repo.findById(db, id))?.status;
}

/** Display names by merchant id (one query); unknown ids are absent from the map. */
export async function merchantNames(db: Q, ids: readonly number[]): Promise<Map<number, string>> {
  return new Map((await repo.findByIds(db, ids)).map((m) => [m.id, m.display_name]));
}

/** The ids among `ids` whose merchant is approved (the others: pending, suspended or unknown). */
export function approvedMerchantIds(db: Q, ids: readonly number[]): Promise<number[]> {
  return repo.approvedIdsAmong(db, ids);
}

/** Ids of every approved merchant. */
export function allApprovedMerchantIds(db: Q): Promise<number[]> {
  return repo.approvedIds(db);
}

/** How many merchants have this status. */
export function countMerchants(db: Q, status: MerchantStatus): Promise<number> {
  return repo.countByStatus(db, status);
}

/** True when the database holds at least one merchant. */
export function hasAnyMerchant(db: Q): Promise<boolean> {
  return repo.anyMerchant(db);
}

/** Ids of the categories a merchant is filed under. */
export function merchantCategoryIds(db: Q, merchantId: number): Promise<number[]> {
  return repo.categoryIdsOf(db, merchantId);
}

/** A category merge: every merchant filed under `from` is filed under `to` instead. */
export function moveMerchantCategory(db: Q, from: number, to: number): Promise<void> {
  return repo.moveCategory(db, from, to);
}

/** A merchant's own profile fields, as the back-office edits them. */
export interface MerchantProfileValues {
  display_name: string;
  legal_name: string;
  description_fr: string;
  description_en: string;
  email: string | null;
  phone: string | null;
  website: string | null;
  gst_number: string | null;
  qst_number: string | null;
  /** Absent: unchanged. */
  tax_status?: string;
}

/**
 * Saves a merchant's profile. A small supplier keeps no registration numbers (decision record 0005),
 * whatever the form sent.
 */
export async function updateMerchantProfile(
  db: Q,
  merchantId: number,
  v: MerchantProfileValues,
): Promise<void> {
  const small = v.tax_status === 'small_supplier';
  const n = await repo.updateMerchant(db, merchantId, {
    ...(v.tax_status ? { tax_status: v.tax_status } : {}),
    display_name: v.display_name,
    legal_name: v.legal_name,
    description_fr: v.description_fr,
    description_en: v.description_en,
    email: v.email,
    phone: v.phone,
    website: v.website,
    gst_number: small ? null : v.gst_number,
    qst_number: small ? null : v.qst_number,
    updated_at: new Date().toISOString(),
  });
  if (n !== 1) throw notFound('merchant');
}

/** Sets a merchant's status (the approval date with 'approved'). Rules: see onboarding's `setMerchantStatus`. */
export async function changeMerchantStatus(db: Q, merchantId: number, status: MerchantStatus): Promise<void> {
  const now = new Date().toISOString();
  await repo.updateMerchant(db, merchantId, {
    status,
    updated_at: now,
    ...(status === 'approved' ? { approved_at: now } : {}),
  });
}

/** Merchants to review: by status (all when absent) and/or within these ids; oldest first, at most 500. */
export function listMerchantsForReview(
  db: Q,
  filter: { status?: MerchantStatus; ids?: readonly number[] },
): Promise<
  Pick<Merchant, 'id' | 'display_name' | 'legal_name' | 'neq' | 'email' | 'status' | 'created_at'>[]
> {
  return repo.listForReview(db, filter);
}

/** True when a merchant already registered this NEQ (Québec enterprise number). */
export async function neqTaken(db: Q, neq: string): Promise<boolean> {
  return !!(await repo.findByNeq(db, neq));
}

/** A free slug for a business name: `boulangerie-x`, then `boulangerie-x-2`, ... */
export async function uniqueMerchantSlug(db: Q, name: string): Promise<string> {
  const base = slugify(name) || 'commerce';
  let slug = base;
  for (let i = 2; await repo.slugExists(db, slug); i++) slug = `${base}-${i}`;
  return slug;
}

/** What `insertMerchant` takes: the business, its first store, its categories. */
export interface NewMerchant {
  slug: string;
  displayName: string;
  legalName: string;
  neq: string | null;
  taxStatus: 'registered' | 'small_supplier';
  gstNumber: string | null;
  qstNumber: string | null;
  email: string | null;
  phone: string | null;
  website: string | null;
  descriptionFr?: string;
  descriptionEn?: string;
  status: MerchantStatus;
  categoryIds: readonly number[];
  location: LocationValues & { code: string };
  /** Creates a first API key of that name (returned once in clear). */
  apiKeyName?: string;
}

/**
 * Writes a new merchant, its first store, its categories and (optionally) a first API key, in the
 * caller's transaction: the one writer of new merchants (CLI `merchant create`, sign-up, demo).
 */
export async function insertMerchant(
  trx: Transaction<DB> | Kysely<DB>,
  m: NewMerchant,
): Promise<{ merchantId: number; locationId: number; apiKey?: string }> {
  const small = m.taxStatus === 'small_supplier';
  const row = await repo.insertMerchant(trx, {
    slug: m.slug,
    legal_name: m.legalName,
    display_name: m.displayName,
    neq: m.neq,
    // A small supplier has no registration numbers (decision record 0005).
    tax_status: m.taxStatus,
    gst_number: small ? null : m.gstNumber,
    qst_number: small ? null : m.qstNumber,
    email: m.email,
    phone: m.phone,
    website: m.website,
    logo_url: null,
    ...(m.descriptionFr !== undefined ? { description_fr: m.descriptionFr } : {}),
    ...(m.descriptionEn !== undefined ? { description_en: m.descriptionEn } : {}),
    status: m.status,
    approved_at: m.status === 'approved' ? new Date().toISOString() : null,
  });
  const loc = await locations.insertLocation(trx, { ...m.location, merchant_id: row.id });
  await repo.insertCategories(trx, row.id, m.categoryIds);
  const apiKey = m.apiKeyName ? (await keys.createApiKey(trx, row.id, m.apiKeyName)).key : undefined;
  return { merchantId: row.id, locationId: loc.id, ...(apiKey ? { apiKey } : {}) };
}

/** A merchant's identity as lists show it. */
export type MerchantSummary = Pick<Merchant, 'id' | 'slug' | 'display_name' | 'status'>;

/** `id, slug, display_name, status` of merchants by id (one query); unknown ids are left out. */
export async function merchantSummaries(db: Q, ids: readonly number[]): Promise<MerchantSummary[]> {
  return (await repo.findByIds(db, ids)).map((m) => ({
    id: m.id,
    slug: m.slug,
    display_name: m.display_name,
    status: m.status,
  }));
}

/** The approved merchant of a slug with its stores (oldest first, opening hours and exceptional closures parsed), or undefined. */
export async function findPublicMerchant(db: Q, slug: string) {
  const m = await repo.findApprovedBySlug(db, slug);
  if (!m) return undefined;
  const stores = await locations.locationsOf(db, m.id);
  return {
    ...m,
    locations: stores.map((l) => ({
      ...l,
      hours: parseHours(l.hours_json),
      closures: parseClosures(l.closures_json),
    })),
  };
}
