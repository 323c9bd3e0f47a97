import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { boundingBox, haversineKm } from '../../src/modules/common/geo.ts';
import { localDayAndTime } from '../../src/modules/common/hours.ts';
import { deliveryPlace, deliveryReachOf, reachesPlace } from '../../src/modules/merchants/index.ts';
import { loadRegion } from '../../src/modules/region/index.ts';
import { indexProducts, RANKING, type SearchParams, search } from '../../src/modules/search/index.ts';
import { seedDemo } from '../../src/tools/demo/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * Browsing without words (browse.ts) against a straightforward reference written from the
 * database rows: every active product of an approved merchant, its best offer among the
 * merchant's locations within the radius (and the fulfilment / open-now filters), the documented
 * score without text, the order of each sort, one result per GTIN, and facets counted over the
 * results. Compared on a generated catalogue (fixed seed) for many points, radii, filters, sorts
 * and pages, then again after products move, are archived, change category and stock.
 */

interface Row {
  pid: number;
  mid: number;
  category: number | null;
  quebec: string | null;
  price: number;
  gtin: string | null;
  loc: number;
  dist: number;
  avail: number;
  score: number;
  offers: number;
  pickup: boolean;
  delivers: boolean;
  open: boolean;
}

async function reference(database: Database, p: SearchParams) {
  const db = database.db;
  const region = await loadRegion(db);
  const radius = p.radius_km ?? region.default_radius_km;
  const point = { lat: p.lat!, lng: p.lng! };
  const box = boundingBox(point.lat, point.lng, radius);
  const at = localDayAndTime(p.now!, region.timezone);
  const locations = (
    await db
      .selectFrom('locations as l')
      .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
      .select([
        'l.id',
        'l.merchant_id',
        'l.lat',
        'l.lng',
        'l.pickup',
        'l.delivery_radius_km',
        'l.delivery_zones_json',
        'l.delivery_fee_cents',
        'l.hours_json',
      ])
      .where('m.status', '=', 'approved')
      .orderBy('l.id')
      .execute()
  ).map((l) => ({ ...l, id: Number(l.id), merchant_id: Number(l.merchant_id) }));
  const members = await db
    .selectFrom('association_members')
    .select(['association_id', 'merchant_id'])
    .where('status', '=', 'active')
    .execute();
  const associations = await db.selectFrom('associations').select(['id', 'slug', 'name']).execute();
  const categories = await db
    .selectFrom('categories')
    .select(['id', 'slug', 'name_fr'])
    .where('hidden', '=', 0)
    .execute();
  const merchants = await db.selectFrom('merchants').select(['id', 'slug', 'display_name']).execute();
  const category = p.category ? categories.find((c) => c.slug === p.category) : undefined;
  const association = p.association ? associations.find((a) => a.slug === p.association) : undefined;
  const inAssociation = new Set(
    members
      .filter((x) => Number(x.association_id) === Number(association?.id))
      .map((x) => Number(x.merchant_id)),
  );
  // Delivery follows the stores' zones (issue 14): bare coordinates stand in the nearest town.
  const towns = (
    await db.selectFrom('municipalities').select(['name', 'lat', 'lng', 'postal_prefixes']).execute()
  ).map((t) => ({ ...t, prefixes: t.postal_prefixes }));
  const place = deliveryPlace(towns, { point });
  type Offering = (typeof locations)[number] & { d: number; delivers: boolean; open: boolean };
  const offering = new Map<number, Offering[]>();
  for (const l of locations) {
    const d = haversineKm(point.lat, point.lng, l.lat, l.lng);
    const inBox = l.lat >= box.minLat && l.lat <= box.maxLat && l.lng >= box.minLng && l.lng <= box.maxLng;
    const delivers = reachesPlace(
      deliveryReachOf({
        delivery_zones_json: l.delivery_zones_json,
        delivery_radius_km: Number(l.delivery_radius_km),
        delivery_fee_cents: Number(l.delivery_fee_cents),
      }),
      l,
      place,
    );
    const day = (JSON.parse(l.hours_json || '{}') as Record<string, [string, string][]>)[at.day] ?? [];
    const open = day.some(([o, c]) => at.time >= o && at.time < c);
    if (!inBox || d > radius) continue;
    if (association && !inAssociation.has(l.merchant_id)) continue;
    if (p.fulfilment === 'pickup' && !Number(l.pickup)) continue;
    if (p.fulfilment === 'delivery' && !delivers) continue;
    if (p.open_now && !open) continue;
    const list = offering.get(l.merchant_id) ?? [];
    list.push({ ...l, d, delivers, open });
    offering.set(l.merchant_id, list);
  }
  const products = await sql<{
    id: number;
    merchant_id: number;
    category_id: number | null;
    quebec_label: string | null;
    price_cents: number;
    gtin: string | null;
  }>`select id, merchant_id, category_id, quebec_label, price_cents, gtin from products
    where status = 'active' order by id`.execute(db);
  const stock = new Map<string, number>();
  for (const r of await db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved'])
    .execute())
    stock.set(`${r.product_id}:${r.location_id}`, Number(r.on_hand) - Number(r.reserved));
  const safeRadius = Math.max(radius, 0.001);
  const rows: Row[] = [];
  for (const pr of products.rows) {
    const locs = offering.get(Number(pr.merchant_id));
    if (!locs) continue;
    if (category && Number(pr.category_id) !== Number(category.id)) continue;
    if (p.quebec && !pr.quebec_label) continue;
    let best: Row | undefined;
    let offers = 0;
    for (const l of locs) {
      const avail = Math.max(0, stock.get(`${pr.id}:${l.id}`) ?? 0);
      if (p.in_stock && avail <= 0) continue;
      offers++;
      const score =
        RANKING.text * 0 +
        RANKING.quebec * (pr.quebec_label ? 1 : 0) +
        RANKING.proximity * Math.max(0, 1 - l.d / safeRadius) +
        RANKING.inStock * (avail > 0 ? 1 : 0);
      if (!best || score > best.score || (score === best.score && l.d < best.dist))
        best = {
          pid: Number(pr.id),
          mid: Number(pr.merchant_id),
          category: pr.category_id === null ? null : Number(pr.category_id),
          quebec: pr.quebec_label,
          price: Number(pr.price_cents),
          gtin: pr.gtin,
          loc: l.id,
          dist: l.d,
          avail,
          score,
          offers: 0,
          pickup: Boolean(Number(l.pickup)),
          delivers: l.delivers,
          open: l.open,
        };
    }
    if (best) rows.push({ ...best, offers });
  }
  const tie = (a: Row, b: Row) => a.dist - b.dist || a.pid - b.pid;
  const order = {
    relevance: (a: Row, b: Row) => b.score - a.score || tie(a, b),
    distance: tie,
    price_asc: (a: Row, b: Row) => a.price - b.price || tie(a, b),
    price_desc: (a: Row, b: Row) => b.price - a.price || tie(a, b),
  }[p.sort ?? 'relevance'];
  rows.sort(order);
  const results: Row[] = [];
  const firstOfGtin = new Map<string, Row>();
  for (const r of rows) {
    const first = r.gtin ? firstOfGtin.get(r.gtin) : undefined;
    if (first) first.offers += r.offers;
    else {
      if (r.gtin) firstOfGtin.set(r.gtin, r);
      results.push(r);
    }
  }
  const counted = (key: (r: Row) => number | string | null | undefined) => {
    const m = new Map<number | string, number>();
    for (const r of results) {
      const k = key(r);
      if (k !== null && k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  };
  const byAssociation = new Map<number, number>();
  for (const r of results)
    for (const x of members)
      if (Number(x.merchant_id) === r.mid)
        byAssociation.set(Number(x.association_id), (byAssociation.get(Number(x.association_id)) ?? 0) + 1);
  const perPage = p.per_page ?? 20;
  const page = p.page ?? 1;
  return {
    total: results.length,
    results: results.slice((page - 1) * perPage, page * perPage).map((r) => ({
      product_id: r.pid,
      location_id: r.loc,
      distance_km: Math.round(r.dist * 100) / 100,
      score: Math.round(r.score * 1000) / 1000,
      offers_nearby: r.offers,
    })),
    facets: {
      category: counted((r) => r.category).flatMap(([id, n]) => {
        const c = categories.find((x) => Number(x.id) === id);
        return c ? [{ value: c.slug, count: n }] : [];
      }),
      quebec_label: counted((r) => r.quebec).map(([v, n]) => ({ value: String(v), count: n })),
      merchant: counted((r) => r.mid)
        .slice(0, 20)
        .map(([id, n]) => ({ value: merchants.find((m) => Number(m.id) === id)!.slug, count: n })),
      association: [...byAssociation]
        .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
        .map(([id, n]) => ({ value: associations.find((a) => Number(a.id) === id)!.slug, count: n })),
      in_stock: [{ value: '1', count: results.filter((r) => r.avail > 0).length }],
      fulfilment: [
        { value: 'pickup', count: results.filter((r) => r.pickup).length },
        { value: 'delivery', count: results.filter((r) => r.delivers).length },
      ],
      open_now: [{ value: '1', count: results.filter((r) => r.open).length }],
    },
  };
}

/** What the reference computes, taken from a search response (labels dropped). */
function comparable(r: Awaited<ReturnType<typeof search>>) {
  const strip = (list: { value: string; count: number }[]) =>
    list.map(({ value, count }) => ({ value, count }));
  return {
    total: r.total,
    results: r.results.map((x) => ({
      product_id: x.product_id,
      location_id: x.location.id,
      distance_km: x.location.distance_km,
      score: x.score,
      offers_nearby: x.offers_nearby,
    })),
    facets: Object.fromEntries(Object.entries(r.facets).map(([k, v]) => [k, strip(v)])),
  };
}

describe('browsing without words matches the reference', () => {
  let p: TestPlatform;
  let database: Database;
  let seed = 20261203;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  let towns: { lat: number; lng: number }[] = [];
  let categorySlugs: string[] = [];
  let associationSlugs: string[] = [];
  // A Saturday at 11:00 local (Gatineau, UTC-5 in December): many stores open, some not.
  const now = new Date('2026-12-05T16:00:00Z');

  const randomParams = (): SearchParams => {
    const t = pick(towns);
    const params: SearchParams = {
      lat: t.lat + (random() - 0.5) * 0.1,
      lng: t.lng + (random() - 0.5) * 0.1,
      radius_km: pick([2, 5, 10, 25, 60]),
      sort: pick(['relevance', 'distance', 'price_asc', 'price_desc'] as const),
      per_page: pick([5, 20, 100]),
      page: pick([1, 1, 2, 3]),
      now,
    };
    if (random() < 0.4) params.category = pick(categorySlugs);
    if (random() < 0.25) params.in_stock = true;
    if (random() < 0.2) params.quebec = true;
    if (random() < 0.25) params.fulfilment = pick(['pickup', 'delivery'] as const);
    if (random() < 0.15) params.open_now = true;
    if (random() < 0.1) params.association = pick(associationSlugs);
    return params;
  };

  const compare = async (runs: number) => {
    let nonEmpty = 0;
    for (let i = 0; i < runs; i++) {
      const params = randomParams();
      const got = comparable(await search(database, params));
      const want = await reference(database, params);
      assert.deepEqual(got, want, JSON.stringify({ ...params, now: undefined }));
      if (want.total > 0) nonEmpty++;
    }
    // The generated catalogue must exercise the comparison, not agree on empty answers.
    assert.ok(nonEmpty > runs / 2, `${nonEmpty} of ${runs} non-empty`);
  };

  before(async () => {
    p = await createTestPlatform();
    database = p.context.database;
    await seedDemo(database, { merchants: 40, products: 2500, seed: 11 });
    towns = (await database.db.selectFrom('municipalities').select(['lat', 'lng']).execute()).slice(0, 12);
    categorySlugs = (
      await database.db.selectFrom('categories').select('slug').where('hidden', '=', 0).execute()
    ).map((c) => c.slug);
    associationSlugs = (await database.db.selectFrom('associations').select('slug').execute()).map(
      (a) => a.slug,
    );
    assert.ok(towns.length > 0 && categorySlugs.length > 0);
  });
  after(() => p.close());

  test('same results, order, offers and facets as the reference for random browse queries', async () => {
    await compare(60);
  });

  test('several products share a GTIN in the generated catalogue (one result per GTIN is exercised)', async () => {
    const r = await sql<{ n: number }>`select count(*) as n from (select gtin from products
      where gtin is not null and status = 'active' group by gtin having count(*) > 1) g`.execute(database.db);
    assert.ok(Number(r.rows[0]!.n) > 0);
  });

  test('still the reference after products move, are archived, change category, stock and GTIN', async () => {
    await search(database, { lat: towns[0]!.lat, lng: towns[0]!.lng, now }); // builds the browse index
    const ids = (await database.db.selectFrom('products').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id),
    );
    const merchantIds = (await database.db.selectFrom('merchants').select('id').execute()).map((r) =>
      Number(r.id),
    );
    const categoryIds = (
      await database.db.selectFrom('categories').select('id').where('hidden', '=', 0).execute()
    ).map((r) => Number(r.id));
    const changed = ids.filter((_, i) => i % 7 === 0);
    const shared = await database.db
      .selectFrom('products')
      .select('gtin')
      .where('gtin', 'is not', null)
      .executeTakeFirstOrThrow();
    for (const [n, id] of changed.entries()) {
      const kind = n % 5;
      if (kind === 0)
        await database.db
          .updateTable('products')
          .set({ merchant_id: pick(merchantIds), sku: `moved-${id}` })
          .where('id', '=', id)
          .execute();
      else if (kind === 1)
        await database.db.updateTable('products').set({ status: 'archived' }).where('id', '=', id).execute();
      else if (kind === 2)
        await database.db
          .updateTable('products')
          .set({ category_id: pick(categoryIds) })
          .where('id', '=', id)
          .execute();
      else if (kind === 3)
        await database.db
          .updateTable('inventory_levels')
          .set({ on_hand: n % 2 ? 0 : 17 })
          .where('product_id', '=', id)
          .execute();
      else
        await database.db.updateTable('products').set({ gtin: shared.gtin }).where('id', '=', id).execute();
    }
    // The same path merchants' writes take: re-index the changed products (memory.ts follows).
    await indexProducts(database, changed);
    const moved = await database.db
      .selectFrom('products')
      .select('id')
      .where('id', 'in', changed)
      .where('status', '=', 'archived')
      .execute();
    assert.ok(moved.length > 0);
    await compare(40);
  });
});
