import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * Read model (src/db/ownership.ts `readModels.impact`): aggregates over orders, their lines and
 * stores, association memberships and campaigns in SQL. Reads only.
 */
type Db = Kysely<DB> | Transaction<DB>;

/** A period (ISO 8601, `to` excluded), for the region or one association's active members. */
export interface ImpactScope {
  from: string;
  to: string;
  associationId?: number;
  /** The region's IANA time zone: months and days of the series are local there. */
  timeZone: string;
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

function ordersIn(db: Db, s: ImpactScope) {
  return db
    .selectFrom('orders as o')
    .where('o.status', '<>', 'cancelled')
    .where('o.created_at', '>=', s.from)
    .where('o.created_at', '<', s.to)
    .where((eb) => inScope(eb, s.associationId));
}

/** Raw sales aggregates of the scope: totals, by town, by association, by fulfilment, Québec share, orders. */
export async function salesAggregates(db: Db, s: ImpactScope) {
  const [totals, byMunicipality, byAssociation, fulfilment, qc, activeMerchants, merchantsTotal, days] =
    await Promise.all([
      ordersIn(db, s)
        .select([
          sql<number>`count(*)`.as('orders'),
          sql<number>`coalesce(sum(o.total_cents), 0)`.as('sales'),
        ])
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
    ]);
  return { totals, byMunicipality, byAssociation, fulfilment, qc, activeMerchants, merchantsTotal, days };
}

/** Raw figures of one campaign (undefined when unknown): sales at its merchants, visits, code uses and orders. */
export async function campaignAggregates(db: Db, campaignId: number) {
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
  const [sales, visits, codes, withCodes] = await Promise.all([
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
  return { sales, visits, codes, withCodes };
}

/** Active catalogue of the scope's approved merchants: products shown to shoppers, and those with a Québec label. */
export async function catalogueAggregates(db: Db, associationId: number | undefined) {
  return db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .select([
      sql<number>`count(*)`.as('products'),
      sql<number>`coalesce(sum(case when p.quebec_label is not null then 1 else 0 end), 0)`.as('quebec'),
    ])
    .where('m.status', '=', 'approved')
    .where('p.parent_id', 'is', null)
    .where('p.status', '=', 'active')
    .where((eb) => inScope(eb, associationId, 'm.id'))
    .executeTakeFirstOrThrow();
}

/** When the scope's first order (not cancelled) was placed; undefined without orders. */
export async function firstOrderAt(db: Db, associationId: number | undefined): Promise<string | undefined> {
  const r = await db
    .selectFrom('orders as o')
    .select(sql<string | null>`min(o.created_at)`.as('at'))
    .where('o.status', '<>', 'cancelled')
    .where((eb) => inScope(eb, associationId))
    .executeTakeFirst();
  return r?.at ?? undefined;
}
