import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Database } from '../../src/db/database.ts';
import { boundingBox } from '../../src/modules/common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from '../../src/modules/search/area.ts';
import { type BrowseQuery, type BrowseResult, browse } from '../../src/modules/search/browse.ts';
import {
  browseCacheLimits,
  browseCacheStats,
  clearBrowseCache,
} from '../../src/modules/search/browse-cache.ts';
import {
  availableAt,
  type CatalogMemory,
  catalogMemory,
  type ProductFacts,
  refreshProducts,
  refreshStock,
} from '../../src/modules/search/memory.ts';
import { type Reference, reference } from '../../src/modules/search/reference.ts';
import { RANKING, type SortKey } from '../../src/modules/search/search.types.ts';
import { seedDemo } from '../../src/tools/demo/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * Kept browse answers (browse-cache.ts) through a busy day's stock changes: a change of quantity
 * that stays on the same side of zero keeps them (an order, a till's sale), one that crosses zero
 * or a change of facts makes them stale, and every answer the cache returns is the one browse.ts
 * computes with the cache off (page quantities included), on the catalogue facts of a seeded
 * database (both databases) changed through memory.ts's entry points.
 */
describe('kept browse answers and stock changes', () => {
  let p: TestPlatform;
  let database: Database;
  let ref: Reference;
  let m: CatalogMemory;
  const saved = { ...browseCacheLimits };
  /** Products with variants added below: [product, its variants]. */
  const withVariants: [number, number[]][] = [];
  const now = new Date('2026-12-05T16:00:00Z');

  before(async () => {
    p = await createTestPlatform();
    database = p.context.database;
    await seedDemo(database, { merchants: 30, products: 1500, seed: 19 });
    ref = await reference(database);
    m = await catalogMemory(database);
    // Some products get variants (the demo has none): their availability is the sum of the
    // variants', so a variant's stock may change without the product's crossing zero.
    const rows = await database.db
      .selectFrom('products')
      .select(['id', 'merchant_id', 'category_id', 'price_cents'])
      .where('status', '=', 'active')
      .orderBy('id')
      .limit(400)
      .execute();
    let next = Math.max(...rows.map((r) => Number(r.id))) + 100_000;
    const variantRows: ProductFacts[] = [];
    const stock: { product_id: number; location_id: number; available: number }[] = [];
    for (const r of rows.filter((_, i) => i % 20 === 0)) {
      const pid = Number(r.id);
      const locs = ref.locationsByMerchant[Number(r.merchant_id)] ?? [];
      const vs: number[] = [];
      for (let k = 0; k < 2; k++) {
        const id = next++;
        vs.push(id);
        variantRows.push({
          id,
          merchant_id: Number(r.merchant_id),
          category_id: r.category_id,
          quebec_label: null,
          price_cents: Number(r.price_cents) + k,
          gtin: null,
          status: 'active',
          parent_id: pid,
        });
        for (const l of locs) stock.push({ product_id: id, location_id: l.id, available: k + 1 });
      }
      withVariants.push([pid, vs]);
    }
    refreshProducts(database, variantRows);
    refreshStock(database, stock);
    // Every browse of this small region is kept (the default keeps only wide ones).
    browseCacheLimits.minLocations = 1;
    clearBrowseCache();
  });
  after(async () => {
    Object.assign(browseCacheLimits, saved);
    clearBrowseCache();
    await p.close();
  });

  const SORTS: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  /** A browse at a town's centre or the region's (points shoppers share). */
  const query = (x: {
    town: number;
    radius: number;
    sort: SortKey;
    inStock: boolean;
    category: number;
    offset: number;
  }): BrowseQuery => {
    const points = [...ref.municipalities.map((t) => ({ lat: t.lat, lng: t.lng })), ref.center];
    const point = points[x.town % points.length]!;
    const box = boundingBox(point.lat, point.lng, x.radius);
    const openMask = openMaskAt(ref, now);
    const delivers = deliversTo(ref, { ...point, source: 'near' });
    const { keeps } = searchArea(ref, { point, box, radius: x.radius, openNow: false, openMask, delivers });
    return {
      point,
      radius: x.radius,
      keeps,
      box,
      delivers,
      openNow: false,
      openMask,
      categoryId: x.category === 0 ? 0 : (ref.categories[x.category % ref.categories.length]?.id ?? 0),
      quebec: false,
      inStock: x.inStock,
      sort: x.sort,
      offset: x.offset,
      limit: 20,
      lang: 'fr',
      weights: RANKING,
    };
  };
  const browseQuery = fc
    .record({
      town: fc.integer({ min: 0, max: 3 }),
      radius: fc.constantFrom(10, 25, 60),
      sort: fc.constantFrom(...SORTS),
      inStock: fc.boolean(),
      category: fc.constantFrom(0, 0, 1, 2),
      offset: fc.constantFrom(0, 0, 20),
    })
    .map(query);

  /** The answer with the cache on, asserted equal to the one computed with it off. */
  const checked = (q: BrowseQuery): BrowseResult => {
    browseCacheLimits.maxBytes = 0;
    const fresh = browse(ref, m, q);
    browseCacheLimits.maxBytes = saved.maxBytes;
    const kept = browse(ref, m, q);
    assert.deepStrictEqual(kept, fresh);
    return kept;
  };
  /** A stock row of the memory: [product, location, available]. */
  const stockRows = (): [number, number, number][] => {
    const out: [number, number, number][] = [];
    for (let pid = 1; pid + 1 < m.invStart.length; pid++)
      for (let i = m.invStart[pid]!; i < m.invStart[pid + 1]!; i++)
        out.push([pid, m.invLoc[i]!, m.invAvail[i]!]);
    for (const [pid, byLoc] of m.extra) for (const [loc, a] of byLoc) out.push([pid, loc, a]);
    return out;
  };
  const factsOf = (pid: number): ProductFacts => ({
    id: pid,
    merchant_id: m.merchant[pid]!,
    category_id: m.category[pid]! || null,
    quebec_label: m.quebec[pid] ? m.quebecLabels[m.quebec[pid]! - 1]! : null,
    price_cents: m.price[pid]!,
    gtin: m.gtin[pid]! > 0 ? String(m.gtin[pid]) : null,
    status: 'active',
    parent_id: null,
  });

  test('every kept answer returned equals a fresh one through stock, price and category changes', () => {
    const rows = stockRows();
    const variants = withVariants.flatMap(([, vs]) => vs);
    const change = fc.oneof(
      // A sale (one less), the last units sold, a restock, or any quantity (-1 included).
      fc.record({
        kind: fc.constant('stock' as const),
        row: fc.nat(),
        how: fc.constantFrom('decrement', 'decrement', 'zero', 'restock', 'any'),
        any: fc.integer({ min: -1, max: 3 }),
      }),
      fc.record({
        kind: fc.constant('variant' as const),
        variant: fc.nat(),
        how: fc.constantFrom('decrement', 'zero', 'restock'),
      }),
      fc.record({
        kind: fc.constant('facts' as const),
        row: fc.nat(),
        price: fc.constantFrom(99, 1234, 99_999),
        category: fc.nat(),
      }),
    );
    const h0 = browseCacheStats.hits;
    const s0 = browseCacheStats.stale;
    fc.assert(
      fc.property(
        fc.array(browseQuery, { minLength: 2, maxLength: 4 }),
        fc.array(fc.tuple(fc.array(change, { maxLength: 6 }), fc.nat()), { minLength: 1, maxLength: 8 }),
        (qs, steps) => {
          for (const q of qs) checked(q);
          for (const [changes, which] of steps) {
            for (const c of changes) {
              if (c.kind === 'facts') {
                const [pid] = rows[c.row % rows.length]!;
                if (m.merchant[pid] === 0 || m.multi[pid] === 1) continue;
                const cat = ref.categories[c.category % ref.categories.length]!.id;
                refreshProducts(database, [{ ...factsOf(pid), price_cents: c.price, category_id: cat }]);
                continue;
              }
              const [pid, loc] =
                c.kind === 'stock'
                  ? rows[c.row % rows.length]!
                  : [variants[c.variant % variants.length]!, ref.locations[0]!.id];
              const location =
                c.kind === 'variant'
                  ? (ref.locationsByMerchant[m.merchant[m.parentOf.get(pid)!]!]?.[0]?.id ?? loc)
                  : loc;
              const was = availableAt(m, pid, location);
              const available =
                c.how === 'decrement'
                  ? Math.max(0, was - 1)
                  : c.how === 'zero'
                    ? 0
                    : c.how === 'restock'
                      ? was + 5
                      : (c as { any: number }).any;
              refreshStock(database, [{ product_id: pid, location_id: location, available }]);
            }
            // The last browses asked again (kept answers) and one new one.
            checked(qs[which % qs.length]!);
          }
        },
      ),
      { numRuns: 120 },
    );
    assert.ok(browseCacheStats.hits - h0 > 0, 'kept answers were returned');
    assert.ok(browseCacheStats.stale - s0 > 0, 'some changes made kept answers stale');
  });

  test('a sale that leaves a product available keeps the answer; its last unit sold makes it stale', () => {
    clearBrowseCache();
    const q = query({ town: 0, radius: 60, sort: 'distance', inStock: false, category: 0, offset: 0 });
    const first = checked(q);
    const row = first.page.find((s) => m.multi[s.product_id] !== 1);
    assert.ok(row, 'the browse finds products');
    // Three in stock at the best offer's location (maybe crossing zero: asked again after).
    refreshStock(database, [{ product_id: row.product_id, location_id: row.location_id, available: 3 }]);
    checked(q);
    const stats = () => ({ hits: browseCacheStats.hits, stale: browseCacheStats.stale });

    let s = stats();
    refreshStock(database, [{ product_id: row.product_id, location_id: row.location_id, available: 2 }]);
    const afterSale = checked(q);
    assert.deepEqual(stats(), { hits: s.hits + 1, stale: s.stale }, 'kept through a sale');
    const shown = afterSale.page.find((x) => x.product_id === row.product_id);
    assert.equal(shown?.available, 2, 'the kept page shows the quantity of now');

    s = stats();
    refreshStock(database, [{ product_id: row.product_id, location_id: row.location_id, available: 0 }]);
    checked(q);
    assert.deepEqual(stats(), { hits: s.hits, stale: s.stale + 1 }, 'stale once sold out');

    // Back in stock: crossing zero the other way is a change too.
    checked(q);
    s = stats();
    refreshStock(database, [{ product_id: row.product_id, location_id: row.location_id, available: 4 }]);
    checked(q);
    assert.deepEqual(stats(), { hits: s.hits, stale: s.stale + 1 }, 'stale once back in stock');
  });

  test('a variant sold out while another is in stock keeps the answer of its product', () => {
    clearBrowseCache();
    // Wide enough for every merchant of the region to offer.
    const q = query({ town: 0, radius: 2000, sort: 'distance', inStock: false, category: 0, offset: 0 });
    const [pid, [v1, v2]] = withVariants[0]!;
    assert.equal(m.multi[pid], 1);
    const mid = m.merchant[pid]!;
    const loc = ref.locationsByMerchant[mid]![0]!.id;
    refreshStock(database, [
      { product_id: pid, location_id: loc, available: 0 },
      { product_id: v1!, location_id: loc, available: 1 },
      { product_id: v2!, location_id: loc, available: 2 },
    ]);
    checked(q);
    let s = browseCacheStats.stale;
    const h = browseCacheStats.hits;
    refreshStock(database, [{ product_id: v1!, location_id: loc, available: 0 }]);
    checked(q);
    assert.equal(browseCacheStats.hits, h + 1, 'the product is still available: kept');
    assert.equal(browseCacheStats.stale, s);
    s = browseCacheStats.stale;
    refreshStock(database, [{ product_id: v2!, location_id: loc, available: 0 }]);
    checked(q);
    assert.equal(availableAt(m, pid, loc), 0);
    assert.equal(browseCacheStats.stale, s + 1, 'its last variant sold out there: stale');
  });
});
