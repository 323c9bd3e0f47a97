import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { activeMembersAmong, associationsByIds } from '../associations/index.ts';
import { productsByIds } from '../catalog/index.ts';
import { slugify } from '../common/slug.ts';
import { zodIssues } from '../common/validation.ts';
import { findMerchantsByIds, merchantTowns } from '../merchants/index.ts';
import type { Db } from './campaigns.repository.ts';
import * as repo from './campaigns.repository.ts';
import { type CampaignInput, campaignInput } from './campaigns.schemas.ts';

/**
 * "Achat local" campaigns: regional (association_id null, region admins) or local (one
 * association). A period, a banner and text in French and English, featured merchants and
 * products, optional promo codes (promo.service.ts).
 */

/** Code-unit order, the same on both databases. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Creates a campaign; featured merchants of a local campaign must be members of its association. */
export async function createCampaign(db: Kysely<DB>, raw: CampaignInput) {
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const c = parsed.data;
  await checkFeatured(db, c.association_id, c.merchant_ids, c.product_ids);
  const base = c.slug || slugify(c.title_fr) || 'campagne';
  let slug = base;
  for (let i = 2; await repo.findBySlug(db, slug); i++) {
    if (c.slug) throw new ValidationError([{ field: 'slug', message: 'campaign.slug_taken' }]);
    slug = `${base}-${i}`;
  }
  return db.transaction().execute(async (trx) => {
    const row = await repo.insertCampaign(trx, {
      slug,
      association_id: c.association_id,
      ...campaignValues(c),
    });
    await repo.insertFeatured(trx, row.id, c.merchant_ids, c.product_ids);
    return row;
  });
}

function campaignValues(c: ReturnType<typeof campaignInput.parse>): repo.CampaignValues {
  return {
    title_fr: c.title_fr,
    title_en: c.title_en,
    body_fr: c.body_fr,
    body_en: c.body_en,
    banner_url: c.banner_url ?? null,
    starts_at: c.starts_at,
    ends_at: c.ends_at,
    published: c.published,
  };
}

/** Edits a campaign (its owner never changes) and replaces its featured merchants and products. */
export async function updateCampaign(db: Kysely<DB>, id: number, raw: CampaignInput) {
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const c = parsed.data;
  const existing = await repo.findById(db, id);
  if (!existing) throw new AppError('not_found');
  await checkFeatured(db, existing.association_id, c.merchant_ids, c.product_ids);
  await db.transaction().execute(async (trx) => {
    await repo.updateCampaign(trx, id, campaignValues(c));
    await repo.replaceFeatured(trx, id, c.merchant_ids, c.product_ids);
  });
}

/**
 * Featured merchants must be approved and, for a local campaign, active members of its association;
 * featured products must exist and, for a local campaign, belong to an active member.
 */
export async function checkFeatured(
  db: Db,
  associationId: number | null,
  merchantIds: number[],
  productIds: number[],
) {
  if (merchantIds.length) {
    let ok = new Set(
      (await findMerchantsByIds(db, merchantIds)).filter((m) => m.status === 'approved').map((m) => m.id),
    );
    if (associationId !== null) ok = await activeMembersAmong(db, associationId, [...ok]);
    const bad = merchantIds.filter((id) => !ok.has(id));
    if (bad.length)
      throw new ValidationError([
        { field: 'merchant_ids', message: 'campaign.merchant_not_member', params: { ids: bad.join(', ') } },
      ]);
  }
  if (productIds.length) {
    const products = await productsByIds(db, productIds);
    const members =
      associationId === null
        ? undefined
        : await activeMembersAmong(
            db,
            associationId,
            products.map((p) => p.merchant_id),
          );
    const ok = new Set(products.filter((p) => !members || members.has(p.merchant_id)).map((p) => p.id));
    const bad = productIds.filter((id) => !ok.has(id));
    if (bad.length)
      throw new ValidationError([
        { field: 'product_ids', message: 'campaign.product_not_member', params: { ids: bad.join(', ') } },
      ]);
  }
}

/** A campaign (every column) by id. */
export function getCampaign(db: Db, id: number) {
  return repo.findById(db, id);
}
/** A campaign (every column) by slug. */
export function getCampaignBySlug(db: Db, slug: string) {
  return repo.findBySlug(db, slug);
}
export type Campaign = NonNullable<Awaited<ReturnType<typeof getCampaign>>>;

/** True when at least one campaign exists. */
export function hasCampaigns(db: Db) {
  return repo.anyCampaign(db);
}

/** Campaigns with their association's slug, name and colours (null for regional campaigns). */
async function withAssociation<T extends { association_id: number | null }>(db: Db, rows: T[]) {
  const ids = rows.map((r) => r.association_id).filter((id): id is number => id !== null);
  const associations = new Map((await associationsByIds(db, ids)).map((a) => [a.id, a]));
  return rows.map((r) => {
    const a = r.association_id === null ? undefined : associations.get(r.association_id);
    return {
      ...r,
      association_slug: a?.slug ?? null,
      association_name: a?.name ?? null,
      primary_color: a?.primary_color ?? null,
      accent_color: a?.accent_color ?? null,
    };
  });
}

/**
 * Published campaigns running now. With `associationId`: that association's campaigns plus the
 * regional ones (a showcase shows both); without: regional campaigns first, then local ones.
 */
export async function activeCampaigns(
  db: Db,
  opts: { associationId?: number; regionalOnly?: boolean; now?: Date } = {},
) {
  const now = (opts.now ?? new Date()).toISOString();
  return withAssociation(db, await repo.running(db, now, opts));
}
export type ActiveCampaign = Awaited<ReturnType<typeof activeCampaigns>>[number];

/** Campaigns, newest first, with the association's name; `associationIds` limits to those associations'. */
export async function listCampaigns(db: Db, opts: { associationIds?: number[] | 'all' } = {}) {
  const rows = await repo.list(db, Array.isArray(opts.associationIds) ? opts.associationIds : undefined);
  return (await withAssociation(db, rows)).map(
    ({ association_slug: _s, primary_color: _p, accent_color: _a, ...c }) => c,
  );
}

/** The campaign's featured merchants and products (approved merchants, active products only). */
export async function campaignFeatured(db: Db, campaignId: number) {
  const [merchantIds, productIds] = await Promise.all([
    repo.featuredMerchantIds(db, campaignId),
    repo.featuredProductIds(db, campaignId),
  ]);
  const products = (await productsByIds(db, productIds)).filter((p) => p.status === 'active');
  const merchantRows = await findMerchantsByIds(db, [...merchantIds, ...products.map((p) => p.merchant_id)]);
  const approved = new Map(merchantRows.filter((m) => m.status === 'approved').map((m) => [m.id, m]));
  const featured = merchantIds.flatMap((id) => approved.get(id) ?? []);
  const towns = await merchantTowns(
    db,
    featured.map((m) => m.id),
  );
  return {
    merchants: featured
      .map((m) => ({
        id: m.id,
        slug: m.slug,
        display_name: m.display_name,
        municipality: towns.get(m.id) ?? null,
      }))
      .sort((a, b) => byText(a.display_name, b.display_name)),
    products: products
      .filter((p) => approved.has(p.merchant_id))
      .map((p) => ({
        id: p.id,
        title_fr: p.title_fr,
        title_en: p.title_en,
        price_cents: p.price_cents,
        quebec_label: p.quebec_label,
        images_json: p.images_json,
        merchant_id: p.merchant_id,
        merchant_name: approved.get(p.merchant_id)?.display_name ?? '',
      })),
  };
}

/** Counts a landing-page visit (one counter per campaign and UTC day; no personal data kept). */
export async function recordVisit(db: Db, campaignId: number, now = new Date()) {
  await repo.addVisit(db, campaignId, now.toISOString().slice(0, 10));
}

/** Landing-page visits of a campaign, all days together. */
export function campaignVisits(db: Db, campaignId: number) {
  return repo.totalVisits(db, campaignId);
}

/** When a merchant leaves an association, it is no longer featured in that association's campaigns. */
export function unfeatureFormerMember(db: Db, associationId: number, merchantId: number) {
  return repo.unfeatureInAssociation(db, associationId, merchantId);
}
