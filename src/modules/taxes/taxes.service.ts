/**
 * Québec sales taxes (Revenu Québec, "Calculating the taxes"): GST 5% and QST 9.975%, both on the
 * price before taxes (QST is not charged on GST), each computed on the taxable total of an invoice
 * (one merchant order) and rounded to the cent, half a cent or more rounding up.
 * Zero-rated and exempt goods carry neither tax; a delivery fee follows the goods delivered:
 * taxable unless every item is zero-rated (or exempt, i.e. nothing taxable is delivered).
 *
 * Who collects (docs/decisions/0005-small-suppliers-and-platform-taxes.md): a registered merchant
 * collects both taxes; a small supplier (not registered) collects none, unless the region's
 * operator is a registered distribution platform operator, which then collects the QST on the
 * small supplier's taxable goods (and the GST only when the operator chose `qst_gst`).
 */
import type { TaxClass } from '../../db/schema.ts';

/** A merchant's declaration: registered for the GST and the QST, or a small supplier (not registered). */
export type TaxStatus = 'registered' | 'small_supplier';
export const TAX_STATUSES: readonly TaxStatus[] = ['registered', 'small_supplier'];

/**
 * The region's setting as a distribution platform operator: collects nothing for unregistered
 * sellers, the QST only (Revenu Québec's rule for goods delivered in Québec), or QST and GST.
 */
export type PlatformCollection = 'none' | 'qst' | 'qst_gst';
export const PLATFORM_COLLECTIONS: readonly PlatformCollection[] = ['none', 'qst', 'qst_gst'];

/** The operator collecting for small suppliers, as its receipts name it. */
export interface PlatformTaxes {
  collection: PlatformCollection;
  legal_name: string;
  gst_number: string;
  qst_number: string;
}

/** Which taxes one merchant order carries, and who collects them. */
export interface TaxCollection {
  /** registered: the merchant collects; small_supplier: nobody; platform: the region's operator. */
  regime: 'registered' | 'small_supplier' | 'platform';
  gst: boolean;
  qst: boolean;
  /** The collecting operator (regime 'platform' only). */
  platform?: Omit<PlatformTaxes, 'collection'>;
}

/** Every merchant before migration 008 and by default: both taxes, collected by the merchant. */
export const REGISTERED: TaxCollection = Object.freeze({ regime: 'registered', gst: true, qst: true });

/** The region settings' platform columns, the legal name falling back to the region's name. */
export function platformTaxesOf(r: {
  name: string;
  platform_tax_collection: string;
  platform_legal_name: string;
  platform_gst_number: string;
  platform_qst_number: string;
}): PlatformTaxes {
  const c = r.platform_tax_collection;
  return {
    collection: c === 'qst' || c === 'qst_gst' ? c : 'none',
    legal_name: r.platform_legal_name || r.name,
    gst_number: r.platform_gst_number,
    qst_number: r.platform_qst_number,
  };
}

/** The collection for a merchant's tax status under the region's platform setting. */
export function taxCollectionFor(status: TaxStatus | string, platform: PlatformTaxes): TaxCollection {
  if (status !== 'small_supplier') return REGISTERED;
  if (platform.collection === 'none') return { regime: 'small_supplier', gst: false, qst: false };
  const { legal_name, gst_number, qst_number } = platform;
  return {
    regime: 'platform',
    gst: platform.collection === 'qst_gst',
    qst: true,
    platform: { legal_name, gst_number, qst_number },
  };
}

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

/**
 * Totals of one merchant order (one invoice). `taxable_cents` is the amount the collected taxes
 * are computed on (0 when no tax is collected).
 */
export function computeTotals(
  lines: TaxLine[],
  deliveryFeeCents = 0,
  collection: TaxCollection = REGISTERED,
): OrderTotals {
  let subtotal = 0;
  let taxableGoods = 0;
  for (const l of lines) {
    const amount = l.unit_price_cents * l.quantity;
    subtotal += amount;
    if (l.tax_class === 'standard') taxableGoods += amount;
  }
  const { taxable, gst, qst } = taxesOn(taxableGoods + taxedFee(lines, deliveryFeeCents), collection);
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
export function computeDiscountedTotals(
  lines: DiscountedTaxLine[],
  deliveryFeeCents = 0,
  collection: TaxCollection = REGISTERED,
): DiscountedTotals {
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
  const { taxable, gst, qst } = taxesOn(taxableGoods + taxedFee(lines, deliveryFeeCents), collection);
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

/** Each collected tax on the taxable base; the base reads 0 when nothing is collected on it. */
function taxesOn(base: number, c: TaxCollection): { taxable: number; gst: number; qst: number } {
  return {
    taxable: c.gst || c.qst ? base : 0,
    gst: c.gst ? taxOn(base, GST_RATE_PPK) : 0,
    qst: c.qst ? taxOn(base, QST_RATE_PPK) : 0,
  };
}
