import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './campaigns.tables.ts';

/** Every query of the campaigns module: `campaigns`, `campaign_*` and `promo_codes` only. */
export type Db = Kysely<DB> | Transaction<DB>;

/** The codes of these promo codes, by id (unknown ids are absent). */
export async function promoCodesByIds(db: Db, ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db.selectFrom('promo_codes').select(['id', 'code']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.code]));
}

// ------------------------------------------------------------------ campaigns

export function findById(db: Db, id: number) {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findBySlug(db: Db, slug: string) {
  return db.selectFrom('campaigns').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function anyCampaign(db: Db): Promise<boolean> {
  return (await db.selectFrom('campaigns').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export interface CampaignValues {
  title_fr: string;
  title_en: string;
  body_fr: string;
  body_en: string;
  banner_url: string | null;
  starts_at: string;
  ends_at: string;
  published: number;
}

export function insertCampaign(
  db: Db,
  values: CampaignValues & { slug: string; association_id: number | null },
) {
  return db.insertInto('campaigns').values(values).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

export async function updateCampaign(db: Db, id: number, values: CampaignValues) {
  await db.updateTable('campaigns').set(values).where('id', '=', id).execute();
}

/** Published campaigns running at `now`: regional first, then newest; optionally filtered by owner. */
export function running(db: Db, now: string, filter: { regionalOnly?: boolean; associationId?: number }) {
  let q = db
    .selectFrom('campaigns')
    .selectAll()
    .where('published', '=', 1)
    .where('starts_at', '<=', now)
    .where('ends_at', '>', now)
    .orderBy(sql`case when association_id is null then 0 else 1 end`)
    .orderBy('starts_at', 'desc');
  if (filter.regionalOnly) q = q.where('association_id', 'is', null);
  else if (filter.associationId !== undefined) {
    const aid = filter.associationId;
    q = q.where((eb) => eb.or([eb('association_id', 'is', null), eb('association_id', '=', aid)]));
  }
  return q.execute();
}

/** Every campaign, newest first; with `associationIds`, only those associations' campaigns. */
export function list(db: Db, associationIds?: number[]) {
  let q = db.selectFrom('campaigns').selectAll().orderBy('starts_at', 'desc');
  if (associationIds) q = q.where('association_id', 'in', associationIds.length ? associationIds : [-1]);
  return q.execute();
}

// ------------------------------------------------------------------ featured merchants and products

export async function replaceFeatured(
  db: Db,
  campaignId: number,
  merchantIds: number[],
  productIds: number[],
) {
  await db.deleteFrom('campaign_merchants').where('campaign_id', '=', campaignId).execute();
  await db.deleteFrom('campaign_products').where('campaign_id', '=', campaignId).execute();
  await insertFeatured(db, campaignId, merchantIds, productIds);
}

export async function insertFeatured(
  db: Db,
  campaignId: number,
  merchantIds: number[],
  productIds: number[],
) {
  const m = [...new Set(merchantIds)];
  const p = [...new Set(productIds)];
  if (m.length)
    await db
      .insertInto('campaign_merchants')
      .values(m.map((merchant_id) => ({ campaign_id: campaignId, merchant_id })))
      .execute();
  if (p.length)
    await db
      .insertInto('campaign_products')
      .values(p.map((product_id) => ({ campaign_id: campaignId, product_id })))
      .execute();
}

export async function featuredMerchantIds(db: Db, campaignId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('campaign_merchants')
    .select('merchant_id')
    .where('campaign_id', '=', campaignId)
    .execute();
  return rows.map((r) => r.merchant_id);
}

export async function featuredProductIds(db: Db, campaignId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('campaign_products')
    .select('product_id')
    .where('campaign_id', '=', campaignId)
    .execute();
  return rows.map((r) => r.product_id);
}

/** Drops a merchant's featuring in every campaign of one association. */
export async function unfeatureInAssociation(db: Db, associationId: number, merchantId: number) {
  await db
    .deleteFrom('campaign_merchants')
    .where('merchant_id', '=', merchantId)
    .where('campaign_id', 'in', (eb) =>
      eb.selectFrom('campaigns').select('id').where('association_id', '=', associationId),
    )
    .execute();
}

// ------------------------------------------------------------------ visits

export async function addVisit(db: Db, campaignId: number, day: string) {
  await db
    .insertInto('campaign_visits')
    .values({ campaign_id: campaignId, day, visits: 1 })
    .onConflict((oc) =>
      oc
        .columns(['campaign_id', 'day'])
        .doUpdateSet((eb) => ({ visits: eb('campaign_visits.visits', '+', 1) })),
    )
    .execute();
}

export async function totalVisits(db: Db, campaignId: number): Promise<number> {
  const r = await db
    .selectFrom('campaign_visits')
    .select(sql<number>`coalesce(sum(visits), 0)`.as('visits'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return Number(r.visits);
}

// ------------------------------------------------------------------ promo codes

export async function codeTaken(db: Db, code: string): Promise<boolean> {
  return (
    (await db.selectFrom('promo_codes').select('id').where('code', '=', code).executeTakeFirst()) !==
    undefined
  );
}

export function insertPromoCode(
  db: Db,
  values: {
    campaign_id: number;
    code: string;
    kind: 'percent' | 'amount';
    value: number;
    merchant_id: number | null;
    min_subtotal_cents: number;
    max_uses: number | null;
  },
) {
  return db.insertInto('promo_codes').values(values).returning(['id', 'code']).executeTakeFirstOrThrow();
}

export function promoCodesOf(db: Db, campaignId: number) {
  return db
    .selectFrom('promo_codes')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('code')
    .execute();
}

/** A promo code with its campaign's owner, period and publication. */
export function promoWithCampaign(db: Db, code: string) {
  return db
    .selectFrom('promo_codes as p')
    .innerJoin('campaigns as c', 'c.id', 'p.campaign_id')
    .selectAll('p')
    .select(['c.association_id', 'c.starts_at', 'c.ends_at', 'c.published'])
    .where('p.code', '=', code)
    .executeTakeFirst();
}

/** One more use of the code unless it reached `max_uses` (one conditional UPDATE). Rows changed. */
export async function incrementUses(db: Db, promoCodeId: number): Promise<number> {
  const r = await db
    .updateTable('promo_codes')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', promoCodeId)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
