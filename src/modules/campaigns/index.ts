import { type Kysely, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { slugify } from '../common/slug.ts';
import { zodIssues } from '../common/validation.ts';
import './campaigns.tables.ts';

export { CampaignBanner } from './banner.ts';

/**
 * "Achat local" campaigns: regional (association_id null, region admins) or local (one
 * association). A period, a banner and text in French and English, featured merchants and
 * products, optional promo codes. Promo codes are unique across the platform (stored upper-case):
 * two campaigns can never claim the same code, so codes never overlap.
 */

type Db = Kysely<DB> | Transaction<DB>;

const iso = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'field.invalid')
  .transform((s) => new Date(s).toISOString());

export const campaignInput = z
  .object({
    slug: z
      .string()
      .trim()
      .max(80)
      .regex(/^[a-z0-9-]*$/, 'field.invalid')
      .optional(),
    association_id: z.number().int().positive().nullable().default(null),
    title_fr: z.string().trim().min(3).max(120),
    title_en: z.string().trim().min(3).max(120),
    body_fr: z.string().trim().max(5000).default(''),
    body_en: z.string().trim().max(5000).default(''),
    banner_url: z
      .string()
      .trim()
      .max(500)
      // Same-origin paths only: the Content-Security-Policy (img-src 'self') would block other hosts.
      .regex(/^\/(?!\/)\S*$/, 'association.image_path')
      .nullable()
      .optional(),
    starts_at: iso,
    ends_at: iso,
    published: z.union([z.literal(0), z.literal(1)]).default(1),
    merchant_ids: z.array(z.number().int().positive()).max(500).default([]),
    product_ids: z.array(z.number().int().positive()).max(500).default([]),
  })
  .refine((c) => c.ends_at > c.starts_at, { path: ['ends_at'], message: 'campaign.period_invalid' });
export type CampaignInput = z.input<typeof campaignInput>;

/** Creates a campaign; featured merchants of a local campaign must be members of its association. */
export async function createCampaign(db: Kysely<DB>, raw: CampaignInput) {
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const c = parsed.data;
  await checkFeatured(db, c.association_id, c.merchant_ids, c.product_ids);
  const base = c.slug || slugify(c.title_fr) || 'campagne';
  let slug = base;
  for (
    let i = 2;
    await db.selectFrom('campaigns').select('id').where('slug', '=', slug).executeTakeFirst();
    i++
  ) {
    if (c.slug) throw new ValidationError([{ field: 'slug', message: 'campaign.slug_taken' }]);
    slug = `${base}-${i}`;
  }
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('campaigns')
      .values({
        slug,
        association_id: c.association_id,
        title_fr: c.title_fr,
        title_en: c.title_en,
        body_fr: c.body_fr,
        body_en: c.body_en,
        banner_url: c.banner_url ?? null,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        published: c.published,
      })
      .returning(['id', 'slug'])
      .executeTakeFirstOrThrow();
    await setFeatured(trx, row.id, c.merchant_ids, c.product_ids);
    return row;
  });
}

export async function updateCampaign(db: Kysely<DB>, id: number, raw: CampaignInput) {
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const c = parsed.data;
  const existing = await getCampaign(db, id);
  if (!existing) throw new AppError('not_found');
  await checkFeatured(db, existing.association_id, c.merchant_ids, c.product_ids);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('campaigns')
      .set({
        title_fr: c.title_fr,
        title_en: c.title_en,
        body_fr: c.body_fr,
        body_en: c.body_en,
        banner_url: c.banner_url ?? null,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        published: c.published,
      })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('campaign_merchants').where('campaign_id', '=', id).execute();
    await trx.deleteFrom('campaign_products').where('campaign_id', '=', id).execute();
    await setFeatured(trx, id, c.merchant_ids, c.product_ids);
  });
}

async function checkFeatured(
  db: Db,
  associationId: number | null,
  merchantIds: number[],
  productIds: number[],
) {
  if (merchantIds.length) {
    let q = db
      .selectFrom('merchants as m')
      .select('m.id')
      .where('m.id', 'in', merchantIds)
      .where('m.status', '=', 'approved');
    if (associationId !== null) q = q.where((eb) => memberOf(eb, associationId));
    const ok = new Set((await q.execute()).map((r) => r.id));
    const bad = merchantIds.filter((id) => !ok.has(id));
    if (bad.length)
      throw new ValidationError([
        { field: 'merchant_ids', message: 'campaign.merchant_not_member', params: { ids: bad.join(', ') } },
      ]);
  }
  if (productIds.length) {
    let q = db
      .selectFrom('products as p')
      .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
      .select('p.id')
      .where('p.id', 'in', productIds);
    if (associationId !== null) q = q.where((eb) => memberOf(eb, associationId));
    const ok = new Set((await q.execute()).map((r) => r.id));
    const bad = productIds.filter((id) => !ok.has(id));
    if (bad.length)
      throw new ValidationError([
        { field: 'product_ids', message: 'campaign.product_not_member', params: { ids: bad.join(', ') } },
      ]);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely expression builder over joined tables
function memberOf(eb: any, associationId: number) {
  return eb.exists(
    eb
      .selectFrom('association_members as am')
      .select('am.merchant_id')
      .whereRef('am.merchant_id', '=', 'm.id')
      .where('am.association_id', '=', associationId)
      .where('am.status', '=', 'active'),
  );
}

async function setFeatured(trx: Db, id: number, merchantIds: number[], productIds: number[]) {
  const m = [...new Set(merchantIds)];
  const p = [...new Set(productIds)];
  if (m.length)
    await trx
      .insertInto('campaign_merchants')
      .values(m.map((merchant_id) => ({ campaign_id: id, merchant_id })))
      .execute();
  if (p.length)
    await trx
      .insertInto('campaign_products')
      .values(p.map((product_id) => ({ campaign_id: id, product_id })))
      .execute();
}

export async function getCampaign(db: Db, id: number) {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}
export async function getCampaignBySlug(db: Db, slug: string) {
  return db.selectFrom('campaigns').selectAll().where('slug', '=', slug).executeTakeFirst();
}
export type Campaign = NonNullable<Awaited<ReturnType<typeof getCampaign>>>;

/**
 * Published campaigns running now. With `associationId`: that association's campaigns plus the
 * regional ones (a showcase shows both); without: regional campaigns first, then local ones.
 */
export async function activeCampaigns(
  db: Kysely<DB>,
  opts: { associationId?: number; regionalOnly?: boolean; now?: Date } = {},
) {
  const now = (opts.now ?? new Date()).toISOString();
  let q = db
    .selectFrom('campaigns as c')
    .leftJoin('associations as a', 'a.id', 'c.association_id')
    .selectAll('c')
    .select(['a.slug as association_slug', 'a.name as association_name', 'a.primary_color', 'a.accent_color'])
    .where('c.published', '=', 1)
    .where('c.starts_at', '<=', now)
    .where('c.ends_at', '>', now)
    .orderBy(sql`case when c.association_id is null then 0 else 1 end`)
    .orderBy('c.starts_at', 'desc');
  if (opts.regionalOnly) q = q.where('c.association_id', 'is', null);
  else if (opts.associationId !== undefined) {
    const aid = opts.associationId;
    q = q.where((eb) => eb.or([eb('c.association_id', 'is', null), eb('c.association_id', '=', aid)]));
  }
  return q.execute();
}
export type ActiveCampaign = Awaited<ReturnType<typeof activeCampaigns>>[number];

export async function listCampaigns(db: Kysely<DB>, opts: { associationIds?: number[] | 'all' } = {}) {
  let q = db
    .selectFrom('campaigns as c')
    .leftJoin('associations as a', 'a.id', 'c.association_id')
    .selectAll('c')
    .select(['a.name as association_name'])
    .orderBy('c.starts_at', 'desc');
  if (Array.isArray(opts.associationIds))
    q = q.where('c.association_id', 'in', opts.associationIds.length ? opts.associationIds : [-1]);
  return q.execute();
}

/** The campaign's featured merchants and products (approved merchants, active products only). */
export async function campaignFeatured(db: Kysely<DB>, campaignId: number) {
  const [merchants, products] = await Promise.all([
    db
      .selectFrom('campaign_merchants as cm')
      .innerJoin('merchants as m', 'm.id', 'cm.merchant_id')
      .select(['m.id', 'm.slug', 'm.display_name'])
      .select((eb) =>
        eb
          .selectFrom('locations as l')
          .select('l.municipality')
          .whereRef('l.merchant_id', '=', 'm.id')
          .orderBy('l.id')
          .limit(1)
          .as('municipality'),
      )
      .where('cm.campaign_id', '=', campaignId)
      .where('m.status', '=', 'approved')
      .orderBy('m.display_name')
      .execute(),
    db
      .selectFrom('campaign_products as cp')
      .innerJoin('products as p', 'p.id', 'cp.product_id')
      .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
      .select([
        'p.id',
        'p.title_fr',
        'p.title_en',
        'p.price_cents',
        'p.quebec_label',
        'p.images_json',
        'm.display_name as merchant_name',
      ])
      .where('cp.campaign_id', '=', campaignId)
      .where('p.status', '=', 'active')
      .where('m.status', '=', 'approved')
      .orderBy('p.id')
      .execute(),
  ]);
  return { merchants, products };
}

/** Counts a landing-page visit (one counter per campaign and UTC day; no personal data kept). */
export async function recordVisit(db: Kysely<DB>, campaignId: number, now = new Date()) {
  const day = now.toISOString().slice(0, 10);
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

export async function campaignVisits(db: Kysely<DB>, campaignId: number) {
  const r = await db
    .selectFrom('campaign_visits')
    .select(sql<number>`coalesce(sum(visits), 0)`.as('visits'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return Number(r.visits);
}

// ---------------------------------------------------------------- promo codes

export const promoInput = z
  .object({
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9][A-Z0-9-]{2,29}$/, 'promo.code_format'),
    kind: z.enum(['percent', 'amount']),
    value: z.number().int().positive('promo.value_positive'),
    merchant_id: z.number().int().positive().nullable().default(null),
    min_subtotal_cents: z.number().int().min(0).default(0),
    max_uses: z.number().int().positive().nullable().default(null),
  })
  .refine((p) => p.kind !== 'percent' || p.value <= 100, { path: ['value'], message: 'promo.percent_range' });
export type PromoInput = z.input<typeof promoInput>;

export async function createPromoCode(db: Kysely<DB>, campaignId: number, raw: PromoInput) {
  const parsed = promoInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const p = parsed.data;
  const campaign = await getCampaign(db, campaignId);
  if (!campaign) throw new AppError('not_found');
  if (p.merchant_id !== null) await checkFeatured(db, campaign.association_id, [p.merchant_id], []);
  const taken = await db.selectFrom('promo_codes').select('id').where('code', '=', p.code).executeTakeFirst();
  if (taken) throw new ValidationError([{ field: 'code', message: 'promo.code_taken' }]);
  try {
    return await db
      .insertInto('promo_codes')
      .values({ campaign_id: campaignId, ...p })
      .returning(['id', 'code'])
      .executeTakeFirstOrThrow();
  } catch (err) {
    // Two admins creating the same code at once: the unique index decides.
    if (/unique|23505/i.test(String((err as { code?: string }).code ?? (err as Error).message)))
      throw new ValidationError([{ field: 'code', message: 'promo.code_taken' }]);
    throw err;
  }
}

export async function listPromoCodes(db: Kysely<DB>, campaignId: number) {
  return db
    .selectFrom('promo_codes')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('code')
    .execute();
}

export interface PromoLine {
  merchantId: number;
  subtotalCents: number;
}

export interface PromoResult {
  promo_code_id: number;
  code: string;
  campaign_id: number;
  kind: 'percent' | 'amount';
  value: number;
  /** Discount per merchant (cents, never more than that merchant's subtotal). */
  discounts: { merchant_id: number; discount_cents: number }[];
  discount_cents: number;
}

/**
 * Checks a promo code against a cart (per-merchant subtotals before taxes) and computes the
 * discount; reads only, so the cart page can show it. A code is valid while its campaign is
 * published and running, below its use limit, at the merchants it covers (its own merchant, or the
 * campaign's featured merchants, or when none are featured: the association's members / every
 * merchant for a regional campaign), when their subtotal reaches the minimum. An amount is split
 * across eligible merchants in proportion to their subtotals (largest remainder). At checkout,
 * call `consumePromoCode` in the same transaction that creates the orders
 * (src/workflows/checkout.ts does both, and spreads each merchant's discount over its lines).
 */
export async function validatePromoCode(
  db: Db,
  input: { code: string; lines?: PromoLine[]; merchantIds?: number[]; subtotalCents?: number; now?: Date },
): Promise<PromoResult> {
  const code = input.code.trim().toUpperCase();
  const now = (input.now ?? new Date()).toISOString();
  const lines: PromoLine[] =
    input.lines ??
    (input.merchantIds?.length === 1 && input.subtotalCents !== undefined
      ? [{ merchantId: input.merchantIds[0], subtotalCents: input.subtotalCents }]
      : []);
  if (!lines.length || lines.some((l) => !Number.isInteger(l.subtotalCents) || l.subtotalCents < 0))
    throw new ValidationError([{ field: 'lines', message: 'promo.cart_required' }]);
  const promo = code
    ? await db
        .selectFrom('promo_codes as p')
        .innerJoin('campaigns as c', 'c.id', 'p.campaign_id')
        .selectAll('p')
        .select(['c.association_id', 'c.starts_at', 'c.ends_at', 'c.published'])
        .where('p.code', '=', code)
        .executeTakeFirst()
    : undefined;
  if (!promo) throw new AppError('validation_failed', 'promo.unknown');
  if (!promo.published || promo.starts_at > now || promo.ends_at <= now)
    throw new AppError('validation_failed', 'promo.not_running');
  if (promo.max_uses !== null && promo.uses >= promo.max_uses)
    throw new AppError('validation_failed', 'promo.exhausted');
  const eligible = await eligibleMerchants(
    db,
    promo,
    lines.map((l) => l.merchantId),
  );
  const targets = lines.filter((l) => eligible.has(l.merchantId));
  if (!targets.length) throw new AppError('validation_failed', 'promo.not_for_these_merchants');
  const base = targets.reduce((s, l) => s + l.subtotalCents, 0);
  if (base < promo.min_subtotal_cents || base === 0)
    throw new AppError('validation_failed', 'promo.below_minimum', {
      params: { min: (promo.min_subtotal_cents / 100).toFixed(2) },
    });
  let discounts: { merchant_id: number; discount_cents: number }[];
  if (promo.kind === 'percent') {
    discounts = targets.map((l) => ({
      merchant_id: l.merchantId,
      discount_cents: Math.round((l.subtotalCents * promo.value) / 100),
    }));
  } else {
    const shares = allocateProportionally(
      Math.min(promo.value, base),
      targets.map((l) => l.subtotalCents),
    );
    discounts = targets.map((l, i) => ({ merchant_id: l.merchantId, discount_cents: shares[i] }));
  }
  return {
    promo_code_id: promo.id,
    code: promo.code,
    campaign_id: promo.campaign_id,
    kind: promo.kind,
    value: promo.value,
    discounts,
    discount_cents: discounts.reduce((s, d) => s + d.discount_cents, 0),
  };
}

/**
 * Splits `total` cents across `weights` in proportion, by the largest-remainder method: each part
 * gets the floor of its exact share, then the cents left go one by one to the largest remainders
 * (ties: the earlier part). Parts add up to exactly min(total, Σ weights) and no part exceeds its
 * weight, so a discount never makes a line or an order negative. Exact (BigInt) for any size.
 */
export function allocateProportionally(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (!Number.isSafeInteger(total) || weights.some((w) => !Number.isSafeInteger(w) || w < 0))
    throw new RangeError('allocateProportionally takes non-negative integers');
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const t = BigInt(Math.min(total, sum));
  const big = BigInt(sum);
  const parts = weights.map((w, i) => {
    const exact = t * BigInt(w);
    return { i, w, q: Number(exact / big), r: exact % big };
  });
  let left = Number(t) - parts.reduce((s, p) => s + p.q, 0);
  const byRemainder = [...parts].sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const p of byRemainder) {
    if (left === 0) break;
    if (p.q < p.w) {
      p.q++;
      left--;
    }
  }
  return parts.map((p) => p.q);
}

async function eligibleMerchants(
  db: Db,
  promo: { merchant_id: number | null; campaign_id: number; association_id: number | null },
  merchantIds: number[],
): Promise<Set<number>> {
  // Existing merchants of the cart; for a local campaign only the association's ACTIVE members,
  // checked now: a merchant suspended, removed or only invited since the code was made is not covered.
  let q = db
    .selectFrom('merchants as m')
    .select('m.id')
    .where('m.id', 'in', merchantIds.length ? merchantIds : [-1]);
  if (promo.association_id !== null) {
    const aid = promo.association_id;
    q = q.where((eb) => memberOf(eb, aid));
  }
  merchantIds = (await q.execute()).map((r) => r.id);
  if (promo.merchant_id !== null) return new Set(merchantIds.filter((id) => id === promo.merchant_id));
  const featured = await db
    .selectFrom('campaign_merchants')
    .select('merchant_id')
    .where('campaign_id', '=', promo.campaign_id)
    .execute();
  if (featured.length) {
    const f = new Set(featured.map((r) => r.merchant_id));
    return new Set(merchantIds.filter((id) => f.has(id)));
  }
  // No featured merchant: the whole region, or the association's active members (filtered above).
  return new Set(merchantIds);
}

/**
 * Counts one use of a code inside the checkout transaction: one conditional UPDATE, so concurrent
 * checkouts never exceed `max_uses` (the CHECK constraint uses <= max_uses is the last guard).
 */
export async function consumePromoCode(trx: Db, promoCodeId: number) {
  const r = await trx
    .updateTable('promo_codes')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', promoCodeId)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new AppError('conflict', 'promo.exhausted');
}
