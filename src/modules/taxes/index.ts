/**
 * Québec sales taxes (Revenu Québec, "Calculating the taxes"): GST 5% and QST 9.975%, both on the
 * price before taxes (QST is not charged on GST), each computed on the taxable total of an invoice
 * (one merchant order) and rounded to the cent, half a cent or more rounding up.
 * Zero-rated and exempt goods carry neither tax; a delivery fee follows the goods delivered:
 * taxable unless every item is zero-rated (or exempt, i.e. nothing taxable is delivered).
 */
import type { TaxClass } from '../../db/schema.ts';

/** Rates in parts per 100,000 so that all arithmetic stays in integers. */
export const GST_RATE_PPK = 5_000; // 5 %
export const QST_RATE_PPK = 9_975; // 9.975 %

/** cents × rate / 100,000, rounded half-up, in exact integer arithmetic (no floating point). */
export function taxOn(cents: number, ratePpk: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError('cents must be a non-negative integer');
  const n = BigInt(cents) * BigInt(ratePpk);
  const q = n / 100_000n;
  const r = n % 100_000n;
  return Number(r * 2n >= 100_000n ? q + 1n : q);
}

export interface TaxLine {
  unit_price_cents: number;
  quantity: number;
  tax_class: TaxClass | string;
}

export interface OrderTotals {
  subtotal_cents: number;
  delivery_fee_cents: number;
  taxable_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
}

/** Totals of one merchant order (one invoice). */
export function computeTotals(lines: TaxLine[], deliveryFeeCents = 0): OrderTotals {
  let subtotal = 0;
  let taxableGoods = 0;
  for (const l of lines) {
    const amount = l.unit_price_cents * l.quantity;
    subtotal += amount;
    if (l.tax_class === 'standard') taxableGoods += amount;
  }
  const taxable = taxableGoods + taxedFee(lines, deliveryFeeCents);
  const gst = taxOn(taxable, GST_RATE_PPK);
  const qst = taxOn(taxable, QST_RATE_PPK);
  return {
    subtotal_cents: subtotal,
    delivery_fee_cents: deliveryFeeCents,
    taxable_cents: taxable,
    gst_cents: gst,
    qst_cents: qst,
    total_cents: subtotal + deliveryFeeCents + gst + qst,
  };
}

/** Sum of several orders' totals (a cart or checkout across merchants). */
export function sumTotals(all: OrderTotals[]): OrderTotals {
  const z: OrderTotals = {
    subtotal_cents: 0,
    delivery_fee_cents: 0,
    taxable_cents: 0,
    gst_cents: 0,
    qst_cents: 0,
    total_cents: 0,
  };
  for (const t of all) for (const k of Object.keys(z) as (keyof OrderTotals)[]) z[k] += t[k];
  return z;
}

export interface DiscountedTaxLine extends TaxLine {
  /** This line's share of a discount (promo code), 0 ≤ discount ≤ unit price × quantity. */
  discount_cents: number;
}

export interface DiscountedTotals extends OrderTotals {
  discount_cents: number;
}

/**
 * Totals of one merchant order whose lines carry a discount (a promo code), which is a price
 * reduction before taxes: standard-rated lines are taxed on (line total − discount), zero-rated
 * and exempt lines stay untaxed whatever their share; the delivery fee is not discounted and
 * keeps its own rule. total = subtotal − discount + delivery fee + GST + QST.
 */
export function computeDiscountedTotals(lines: DiscountedTaxLine[], deliveryFeeCents = 0): DiscountedTotals {
  let discount = 0;
  let taxableGoods = 0;
  for (const l of lines) {
    const amount = l.unit_price_cents * l.quantity;
    if (!Number.isSafeInteger(l.discount_cents) || l.discount_cents < 0 || l.discount_cents > amount)
      throw new RangeError('a line discount must be an integer between 0 and the line total');
    discount += l.discount_cents;
    if (l.tax_class === 'standard') taxableGoods += amount - l.discount_cents;
  }
  let subtotal = 0;
  for (const l of lines) subtotal += l.unit_price_cents * l.quantity;
  // A standard-rated item discounted to nothing is still delivered: the fee keeps its rule.
  const taxable = taxableGoods + taxedFee(lines, deliveryFeeCents);
  const gst = taxOn(taxable, GST_RATE_PPK);
  const qst = taxOn(taxable, QST_RATE_PPK);
  return {
    subtotal_cents: subtotal,
    discount_cents: discount,
    delivery_fee_cents: deliveryFeeCents,
    taxable_cents: taxable,
    gst_cents: gst,
    qst_cents: qst,
    total_cents: subtotal - discount + deliveryFeeCents + gst + qst,
  };
}

/** The delivery fee follows the goods delivered: taxed when at least one standard-rated item is delivered. */
function taxedFee(lines: TaxLine[], deliveryFeeCents: number): number {
  return deliveryFeeCents > 0 && lines.some((l) => l.tax_class === 'standard') ? deliveryFeeCents : 0;
}
