import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { giftCardFigures } from '../giftcards/index.ts';
import { safeCell } from '../opendata/index.ts';
import { addDays, localDay, localMonth } from './impact.period.ts';
import {
  campaignAggregates,
  catalogueAggregates,
  firstOrderAt,
  type ImpactScope,
  salesAggregates,
} from './impact.repository.ts';

/**
 * Local impact figures for funders and associations, over a period, for the whole region or one
 * association. Orders count when not cancelled; sales are order totals (taxes and delivery
 * included) and the Québec share is computed on product lines (before taxes). A merchant in two
 * associations counts in both rows of "by association" (the region total counts it once).
 */
const n = (v: unknown) => Number(v ?? 0);

export async function impactFigures(db: Kysely<DB>, s: ImpactScope) {
  const [a, giftcards, catalogue] = await Promise.all([
    salesAggregates(db, s),
    giftCardFigures(db, { associationId: s.associationId, from: s.from, to: s.to }),
    catalogueAggregates(db, s.associationId),
  ]);
  // Monthly series in the region's time zone (every month of the period, empty ones included).
  const perMonth = new Map<string, { orders: number; sales: number }>();
  const lastMonth = localMonth(new Date(Date.parse(s.to) - 1), s.timeZone);
  for (let m = localMonth(s.from, s.timeZone); m <= lastMonth && perMonth.size < 240; ) {
    perMonth.set(m, { orders: 0, sales: 0 });
    const [y, mo] = m.split('-').map(Number) as [number, number];
    m = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  }
  for (const o of a.days) {
    const e = perMonth.get(localMonth(o.created_at, s.timeZone));
    if (!e) continue;
    e.orders++;
    e.sales += o.total_cents;
  }
  // Daily series, local days (aggregated here: the same on both databases).
  const perDay = new Map<string, { orders: number; sales: number }>();
  const lastDay = localDay(new Date(Date.parse(s.to) - 1), s.timeZone);
  for (let d = localDay(s.from, s.timeZone); d <= lastDay && perDay.size < 400; d = addDays(d, 1))
    perDay.set(d, { orders: 0, sales: 0 });
  for (const o of a.days) {
    const k = localDay(o.created_at, s.timeZone);
    const e = perDay.get(k) ?? { orders: 0, sales: 0 };
    e.orders++;
    e.sales += o.total_cents;
    perDay.set(k, e);
  }
  const allCents = n(a.qc.all_cents);
  const pickup = a.fulfilment.find((f) => f.fulfilment_method === 'pickup');
  const delivery = a.fulfilment.find((f) => f.fulfilment_method === 'delivery');
  return {
    period: { from: s.from, to: s.to },
    orders: n(a.totals.orders),
    sales_cents: n(a.totals.sales),
    quebec_share: allCents ? n(a.qc.qc_cents) / allCents : 0,
    quebec_sales_cents: n(a.qc.qc_cents),
    /** Share of the scope's active catalogue (products shown to shoppers) carrying a Québec label. */
    quebec_catalogue_share: n(catalogue.products) ? n(catalogue.quebec) / n(catalogue.products) : 0,
    catalogue_products: n(catalogue.products),
    catalogue_quebec_products: n(catalogue.quebec),
    active_merchants: n(a.activeMerchants.n),
    merchants: n(a.merchantsTotal.n),
    pickup_orders: n(pickup?.orders),
    delivery_orders: n(delivery?.orders),
    by_municipality: a.byMunicipality.map((r) => ({
      municipality: r.municipality,
      orders: n(r.orders),
      sales_cents: n(r.sales),
    })),
    by_association: a.byAssociation.map((r) => ({
      slug: r.slug,
      name: r.name,
      orders: n(r.orders),
      sales_cents: n(r.sales),
    })),
    series: [...perDay]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([day, v]) => ({ day, orders: v.orders, sales_cents: v.sales })),
    /** Sales per month (`YYYY-MM`, in the region's time zone). */
    months: [...perMonth].map(([month, v]) => ({ month, orders: v.orders, sales_cents: v.sales })),
    giftcards,
  };
}
export type ImpactFigures = Awaited<ReturnType<typeof impactFigures>>;

/** The figures as CSV (one section per table, `section` first column), formula-injection safe. */
export function impactCsv(f: ImpactFigures): string {
  const rows: (string | number)[][] = [['section', 'key', 'orders', 'sales_cents', 'value']];
  rows.push(['period', `${f.period.from}/${f.period.to}`, '', '', '']);
  rows.push(['total', 'all', f.orders, f.sales_cents, '']);
  rows.push(['quebec_share', 'line_totals', '', f.quebec_sales_cents, f.quebec_share.toFixed(4)]);
  rows.push(['merchants', 'active', '', '', f.active_merchants]);
  rows.push(['merchants', 'approved', '', '', f.merchants]);
  rows.push(['fulfilment', 'pickup', f.pickup_orders, '', '']);
  rows.push(['fulfilment', 'delivery', f.delivery_orders, '', '']);
  for (const m of f.by_municipality)
    rows.push(['municipality', safeCell(m.municipality), m.orders, m.sales_cents, '']);
  for (const a of f.by_association) rows.push(['association', safeCell(a.slug), a.orders, a.sales_cents, '']);
  rows.push(['quebec_catalogue_share', 'products', '', '', f.quebec_catalogue_share.toFixed(4)]);
  for (const m of f.months) rows.push(['month', m.month, m.orders, m.sales_cents, '']);
  for (const d of f.series) rows.push(['day', d.day, d.orders, d.sales_cents, '']);
  rows.push(['gift_cards', 'float_paid_cents', '', '', f.giftcards.float_paid_cents]);
  rows.push(['gift_cards', 'float_bonus_cents', '', '', f.giftcards.float_bonus_cents]);
  rows.push(['gift_cards', 'redeemed_cents', '', '', f.giftcards.redeemed_cents]);
  rows.push(['gift_cards', 'sold_cents', '', '', f.giftcards.sold_cents]);
  return stringify(rows, { record_delimiter: '\r\n' });
}

/**
 * Campaign figures for its owner: landing-page visits, orders/sales at the campaign's merchants
 * during its period, and the orders placed with the campaign's promo codes (count, sales after
 * discount, discounts given; cancelled orders left out) beside the codes' use count.
 */
export async function campaignFigures(db: Kysely<DB>, campaignId: number) {
  const r = await campaignAggregates(db, campaignId);
  if (!r) return undefined;
  return {
    visits: n(r.visits.visits),
    orders: n(r.sales.orders),
    sales_cents: n(r.sales.sales),
    promo_uses: n(r.codes.uses),
    promo_orders: n(r.withCodes.orders),
    promo_sales_cents: n(r.withCodes.sales),
    promo_discount_cents: n(r.withCodes.discounts),
  };
}

/** The local day (`YYYY-MM-DD` in `timeZone`) of the scope's first order, for "since launch"; undefined without orders. */
export async function launchDay(
  db: Kysely<DB>,
  timeZone: string,
  associationId?: number,
): Promise<string | undefined> {
  const at = await firstOrderAt(db, associationId);
  return at ? localDay(at, timeZone) : undefined;
}
