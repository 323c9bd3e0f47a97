import { AppError, ValidationError } from '../../lib/errors.ts';
import { activeMembersAmong } from '../associations/index.ts';
import { zodIssues } from '../common/validation.ts';
import { findMerchantsByIds } from '../merchants/index.ts';
import type { Db } from './campaigns.repository.ts';
import * as repo from './campaigns.repository.ts';
import { type PromoInput, promoInput } from './campaigns.schemas.ts';
import { checkFeatured } from './campaigns.service.ts';

/**
 * Promo codes are unique across the platform (stored upper-case): two campaigns can never claim
 * the same code, so codes never overlap.
 */
export async function createPromoCode(db: Db, campaignId: number, raw: PromoInput) {
  const parsed = promoInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const p = parsed.data;
  const campaign = await repo.findById(db, campaignId);
  if (!campaign) throw new AppError('not_found');
  if (p.merchant_id !== null) await checkFeatured(db, campaign.association_id, [p.merchant_id], []);
  if (await repo.codeTaken(db, p.code))
    throw new ValidationError([{ field: 'code', message: 'promo.code_taken' }]);
  try {
    return await repo.insertPromoCode(db, { campaign_id: campaignId, ...p });
  } catch (err) {
    // Two admins creating the same code at once: the unique index decides.
    if (/unique|23505/i.test(String((err as { code?: string }).code ?? (err as Error).message)))
      throw new ValidationError([{ field: 'code', message: 'promo.code_taken' }]);
    throw err;
  }
}

/** A campaign's promo codes, by code. */
export function listPromoCodes(db: Db, campaignId: number) {
  return repo.promoCodesOf(db, campaignId);
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
  const promo = code ? await repo.promoWithCampaign(db, code) : undefined;
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
  cartMerchantIds: number[],
): Promise<Set<number>> {
  // Existing merchants of the cart; for a local campaign only the association's ACTIVE members,
  // checked now: a merchant suspended, removed or only invited since the code was made is not covered.
  let merchantIds = (await findMerchantsByIds(db, cartMerchantIds)).map((m) => m.id);
  if (promo.association_id !== null) {
    const members = await activeMembersAmong(db, promo.association_id, merchantIds);
    merchantIds = merchantIds.filter((id) => members.has(id));
  }
  if (promo.merchant_id !== null) return new Set(merchantIds.filter((id) => id === promo.merchant_id));
  const featured = await repo.featuredMerchantIds(db, promo.campaign_id);
  if (featured.length) {
    const f = new Set(featured);
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
  if ((await repo.incrementUses(trx, promoCodeId)) !== 1) throw new AppError('conflict', 'promo.exhausted');
}
