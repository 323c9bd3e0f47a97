/**
 * The promo-code step of a checkout (and of the cart and checkout summaries): validate a code
 * against the cart's per-merchant subtotals before taxes (src/modules/campaigns, read-only), then
 * spread each merchant's discount over that merchant's lines in proportion to their totals
 * (largest remainder, never below 0) and compute the taxes on the discounted lines
 * (src/modules/taxes). The use is counted later, by `consumePromoCode` inside the transaction that
 * creates the orders (src/workflows/checkout.ts).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { AppError, type FieldIssue, ValidationError } from '../lib/errors.ts';
import { allocateProportionally, type PromoResult, validatePromoCode } from '../modules/campaigns/index.ts';
import type { CartGroup, CartView } from '../modules/cart/index.ts';
import { computeDiscountedTotals, type DiscountedTotals, sumTotals } from '../modules/taxes/index.ts';

/** The field a refused code is reported at (API body, page form). */
export const PROMO_FIELD = 'promo_code';

export interface PromoLog {
  warn?: (obj: unknown, msg: string) => void;
  info?: (obj: unknown, msg: string) => void;
}

/** The code typed by the customer, or undefined when none ('' and spaces mean none). */
export function promoCodeOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const code = raw.trim();
  return code ? code : undefined;
}

/** A promo refusal (unknown, not running, exhausted, below minimum…) as an issue at `promo_code`. */
export function promoIssue(err: unknown): FieldIssue | undefined {
  if (err instanceof ValidationError) {
    const i = err.issues.find((x) => x.message.startsWith('promo.'));
    return i ? { field: PROMO_FIELD, message: i.message, params: i.params } : undefined;
  }
  if (err instanceof AppError && err.messageKey.startsWith('promo.'))
    return { field: PROMO_FIELD, message: err.messageKey, params: err.params };
  return undefined;
}

/**
 * Validates a code against a cart (subtotals before taxes, per merchant). A refusal is thrown as a
 * ValidationError at `promo_code` and logged (event `promo_code_refused`: the code, the reason,
 * the cart), so repeated guessing shows in the logs.
 */
export async function checkPromo(
  db: Kysely<DB>,
  cart: Pick<CartView, 'cart_id' | 'groups'>,
  code: string,
  log?: PromoLog,
): Promise<PromoResult> {
  try {
    return await validatePromoCode(db, {
      code,
      lines: cart.groups.map((g) => ({ merchantId: g.merchant.id, subtotalCents: g.subtotal_cents })),
    });
  } catch (err) {
    const issue = promoIssue(err);
    if (!issue) throw err;
    log?.warn?.(
      { event: 'promo_code_refused', code: code.slice(0, 40), reason: issue.message, cart_id: cart.cart_id },
      'promo code refused',
    );
    throw new ValidationError([issue]);
  }
}

/** The discount a promo gives one merchant (0 when the code does not cover it). */
export function discountFor(promo: PromoResult | undefined, merchantId: number): number {
  return promo?.discounts.find((d) => d.merchant_id === merchantId)?.discount_cents ?? 0;
}

/** True when the code covers this merchant (its order records the code, even for a 0-cent share). */
export function promoCovers(promo: PromoResult | undefined, merchantId: number): boolean {
  return !!promo?.discounts.some((d) => d.merchant_id === merchantId);
}

/**
 * One merchant's discount spread over its lines in proportion to the line totals (largest
 * remainder): the shares add up to the discount exactly and no line goes below 0.
 */
export function discountLines<T extends { unit_price_cents: number; quantity: number }>(
  items: T[],
  discountCents: number,
): (T & { discount_cents: number })[] {
  const shares = allocateProportionally(
    discountCents,
    items.map((i) => i.unit_price_cents * i.quantity),
  );
  return items.map((i, k) => ({ ...i, discount_cents: shares[k] }));
}

export type DiscountedGroup = Omit<CartGroup, 'items'> &
  DiscountedTotals & { items: (CartGroup['items'][number] & { discount_cents: number })[] };

export interface DiscountedCartView extends Omit<CartView, 'groups'> {
  groups: DiscountedGroup[];
  discount_cents: number;
  promo?: { code: string; discount_cents: number };
}

/**
 * The cart with a promo applied, totals for pickup (as the cart shows them): each group's lines
 * carry their share and the taxes are on the discounted amounts. Without a promo, discounts are 0
 * and the totals are the cart's own.
 */
export function discountedView(view: CartView, promo?: PromoResult): DiscountedCartView {
  const groups: DiscountedGroup[] = view.groups.map((g) => {
    const items = discountLines(g.items, discountFor(promo, g.merchant.id));
    return { ...g, items, ...computeDiscountedTotals(items, 0, g.tax_collection) };
  });
  const all = sumTotals(groups);
  const discount = groups.reduce((s, g) => s + g.discount_cents, 0);
  return {
    ...view,
    groups,
    subtotal_cents: all.subtotal_cents,
    gst_cents: all.gst_cents,
    qst_cents: all.qst_cents,
    total_cents: all.total_cents,
    discount_cents: discount,
    ...(promo ? { promo: { code: promo.code, discount_cents: discount } } : {}),
  };
}
