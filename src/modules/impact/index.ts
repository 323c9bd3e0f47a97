import { stringify } from 'csv-stringify/sync';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { giftCardFigures } from '../giftcards/index.ts';
import { safeCell } from '../opendata/index.ts';

/**
 * Local impact figures for funders and associations, over a period, for the whole region or one
 * association. Orders count when not cancelled; sales are order totals (taxes and delivery
 * included) and the Québec share is computed on product lines (before taxes). A merchant in two
 * associations counts in both rows of "by association" (the region total counts it once).
 */
export interface ImpactScope {
  from: string;
  to: string;
  associationId?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely expression builder over joined tables
function inScope(eb: any, associationId: number | undefined, ref = 'o.merchant_id') {
  if (associationId === undefined) return eb.val(true);
  return eb.exists(
    eb
      .selectFrom('association_members as am')
      .select('am.merchant_id')
      .whereRef('am.merchant_id', '=', ref)
      .where('am.association_id', '=', associationId)
      .where('am.status', '=', 'active'),
  );
}

function ordersIn(db: Kysely<DB>, s: ImpactScope) {
  return db
    .selectFrom('orders as o')
    .where('o.status', '<>', 'cancelled')
    .where('o.created_at', '>=', s.from)
    .where('o.created_at', '<', s.to)
    .where((eb) => inScope(eb, s.associationId));
}

const n = (v: unknown) => Number(v ?? 0);

export async function impactFigures(db: Kysely<DB>, s: ImpactScope) {
  const [
    totals,
    byMunicipality,
    byAssociation,
    fulfilment,
    qc,
    activeMerchants,
    merchantsTotal,
    days,
    giftcards,
  ] = await Promise.all([
    ordersIn(db, s)
      .select([sql<number>`count(*)`.as('orders'), sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales')])
      .executeTakeFirstOrThrow(),
    ordersIn(db, s)
      .innerJoin('locations as l', 'l.id', 'o.location_id')
      .select([
        'l.municipality',
        sql<number>`count(*)`.as('orders'),
        sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales'),
      ])
      .groupBy('l.municipality')
      .orderBy('sales', 'desc')
      .execute(),
    ordersIn(db, s)
      .innerJoin('association_members as am2', (j) =>
        j.onRef('am2.merchant_id', '=', 'o.merchant_id').on('am2.status', '=', 'active'),
      )
      .innerJoin('associations as a', 'a.id', 'am2.association_id')
      .select([
        'a.slug',
        'a.name',
        sql<number>`count(*)`.as('orders'),
        sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales'),
      ])
      .groupBy(['a.slug', 'a.name'])
      .orderBy('sales', 'desc')
      .execute(),
    ordersIn(db, s)
      .select(['o.fulfilment_method', sql<number>`count(*)`.as('orders')])
      .groupBy('o.fulfilment_method')
      .execute(),
    ordersIn(db, s)
      .innerJoin('order_lines as ol', 'ol.order_id', 'o.id')
      .innerJoin('products as p', 'p.id', 'ol.product_id')
      .select([
        sql<number>`coalesce(sum(ol.line_total_cents), 0)`.as('all_cents'),
        sql<number>`coalesce(sum(case when p.quebec_label is not null then ol.line_total_cents else 0 end), 0)`.as(
          'qc_cents',
        ),
      ])
      .executeTakeFirstOrThrow(),
    ordersIn(db, s).select(sql<number>`count(distinct o.merchant_id)`.as('n')).executeTakeFirstOrThrow(),
    db
      .selectFrom('merchants as m')
      .select(sql<number>`count(*)`.as('n'))
      .where('m.status', '=', 'approved')
      .where((eb) => inScope(eb, s.associationId, 'm.id'))
      .executeTakeFirstOrThrow(),
    ordersIn(db, s).select(['o.created_at', 'o.total_cents']).execute(),
    giftCardFigures(db, { associationId: s.associationId, from: s.from, to: s.to }),
  ]);
  // Daily series for the chart (aggregated here: the same on both databases).
  const perDay = new Map<string, { orders: number; sales: number }>();
  for (
    let d = new Date(s.from);
    d < new Date(s.to) && perDay.size < 400;
    d = new Date(d.getTime() + 86400_000)
  )
    perDay.set(d.toISOString().slice(0, 10), { orders: 0, sales: 0 });
  for (const o of days) {
    const k = o.created_at.slice(0, 10);
    const e = perDay.get(k) ?? { orders: 0, sales: 0 };
    e.orders++;
    e.sales += o.total_cents;
    perDay.set(k, e);
  }
  const allCents = n(qc.all_cents);
  const pickup = fulfilment.find((f) => f.fulfilment_method === 'pickup');
  const delivery = fulfilment.find((f) => f.fulfilment_method === 'delivery');
  return {
    period: { from: s.from, to: s.to },
    orders: n(totals.orders),
    sales_cents: n(totals.sales),
    quebec_share: allCents ? n(qc.qc_cents) / allCents : 0,
    quebec_sales_cents: n(qc.qc_cents),
    active_merchants: n(activeMerchants.n),
    merchants: n(merchantsTotal.n),
    pickup_orders: n(pickup?.orders),
    delivery_orders: n(delivery?.orders),
    by_municipality: byMunicipality.map((r) => ({
      municipality: r.municipality,
      orders: n(r.orders),
      sales_cents: n(r.sales),
    })),
    by_association: byAssociation.map((r) => ({
      slug: r.slug,
      name: r.name,
      orders: n(r.orders),
      sales_cents: n(r.sales),
    })),
    series: [...perDay]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, v]) => ({ day, orders: v.orders, sales_cents: v.sales })),
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
  const c = await db.selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst();
  if (!c) return undefined;
  const featured = await db
    .selectFrom('campaign_merchants')
    .select('merchant_id')
    .where('campaign_id', '=', campaignId)
    .execute();
  let q = db
    .selectFrom('orders as o')
    .select([sql<number>`count(*)`.as('orders'), sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales')])
    .where('o.status', '<>', 'cancelled')
    .where('o.created_at', '>=', c.starts_at)
    .where('o.created_at', '<', c.ends_at);
  if (featured.length)
    q = q.where(
      'o.merchant_id',
      'in',
      featured.map((f) => f.merchant_id),
    );
  else if (c.association_id !== null) q = q.where((eb) => inScope(eb, c.association_id as number));
  const [r, v, codes, withCodes] = await Promise.all([
    q.executeTakeFirstOrThrow(),
    db
      .selectFrom('campaign_visits')
      .select(sql<number>`coalesce(sum(visits), 0)`.as('visits'))
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('promo_codes')
      .select(sql<number>`coalesce(sum(uses), 0)`.as('uses'))
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow(),
    // Orders placed with one of the campaign's codes (any time, not cancelled): the code's own effect.
    db
      .selectFrom('orders as o')
      .innerJoin('promo_codes as p', 'p.id', 'o.promo_code_id')
      .select([
        sql<number>`count(*)`.as('orders'),
        sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales'),
        sql<number>`coalesce(sum(o.discount_cents), 0)`.as('discounts'),
      ])
      .where('p.campaign_id', '=', campaignId)
      .where('o.status', '<>', 'cancelled')
      .executeTakeFirstOrThrow(),
  ]);
  return {
    visits: n(v.visits),
    orders: n(r.orders),
    sales_cents: n(r.sales),
    promo_uses: n(codes.uses),
    promo_orders: n(withCodes.orders),
    promo_sales_cents: n(withCodes.sales),
    promo_discount_cents: n(withCodes.discounts),
  };
}

/** A bar chart as inline SVG (no script), with a text alternative given by the caller. */
export function barChartSvg(
  values: { label: string; value: number }[],
  opts: { width?: number; height?: number; color?: string } = {},
) {
  const w = opts.width ?? 640;
  const h = opts.height ?? 160;
  const max = Math.max(1, ...values.map((v) => v.value));
  const bw = values.length ? w / values.length : w;
  const bars = values
    .map((v, i) => {
      const bh = Math.round((v.value / max) * (h - 20));
      return `<rect x="${(i * bw + 1).toFixed(1)}" y="${h - 16 - bh}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh}" fill="${opts.color ?? '#1d4f91'}"><title>${escapeXml(v.label)}: ${v.value}</title></rect>`;
    })
    .join('');
  const first = values[0]?.label ?? '';
  const last = values[values.length - 1]?.label ?? '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-hidden="true">${bars}<text x="0" y="${h - 2}" font-size="11">${escapeXml(first)}</text><text x="${w}" y="${h - 2}" font-size="11" text-anchor="end">${escapeXml(last)}</text></svg>`;
}

function escapeXml(s: string) {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
