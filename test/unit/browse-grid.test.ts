// Browsing without words: the summarised path (single-location merchants counted a bucket at a
// time, only bucket heads compete for the page) must give exactly what ranking every product one by
// one gives (`walk: true`, the path served before), on random small catalogues, and stay exact
// after stock and catalogue changes; answers kept by browse-cache.ts are those computed afresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { boundingBox, haversineKm } from '../../src/modules/common/geo.ts';
import { parseHours } from '../../src/modules/common/hours.ts';
import { type BrowseQuery, browse } from '../../src/modules/search/browse.ts';
import {
  browseCacheLimits,
  browseCacheStats,
  clearBrowseCache,
} from '../../src/modules/search/browse-cache.ts';
import { summaryCompaction } from '../../src/modules/search/browse-index.ts';
import type { ProductFacts } from '../../src/modules/search/memory.repository.ts';
import {
  type CatalogMemory,
  emptyCatalogMemory,
  setAvailable,
  setProduct,
} from '../../src/modules/search/memory.ts';
import { cellKey, cellOf, type LocationRef, type Reference } from '../../src/modules/search/reference.ts';
import { RANKING, type SortKey } from '../../src/modules/search/search.types.ts';

const CENTER = { lat: 45.48, lng: -75.7 };
const LABELS = ['aliments-du-quebec', 'fait-au-quebec'];

interface World {
  merchants: number;
  locations: { merchant: number; dLat: number; dLng: number; pickup: boolean; delivery: number }[];
  products: { merchant: number; category: number; label: number; price: number; gtin: number }[];
  stock: { product: number; location: number; available: number }[];
}

const world = fc
  .record({
    merchants: fc.integer({ min: 1, max: 6 }),
    locations: fc.array(
      fc.record({
        merchant: fc.integer({ min: 1, max: 6 }),
        dLat: fc.integer({ min: -20, max: 20 }),
        dLng: fc.integer({ min: -20, max: 20 }),
        pickup: fc.boolean(),
        delivery: fc.constantFrom(0, 0, 3, 8),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    products: fc.array(
      fc.record({
        merchant: fc.integer({ min: 1, max: 6 }),
        category: fc.integer({ min: 0, max: 3 }),
        label: fc.integer({ min: 0, max: 2 }),
        price: fc.constantFrom(199, 250, 250, 999, 1500),
        // 0 = none; 1..4 shared between products; 100+ (unique per product, see below)
        gtin: fc.constantFrom(0, 0, 1, 2, 3, 4, 100),
      }),
      { minLength: 0, maxLength: 40 },
    ),
    stock: fc.array(
      fc.record({
        product: fc.integer({ min: 0, max: 39 }),
        location: fc.integer({ min: 0, max: 9 }),
        available: fc.integer({ min: -1, max: 3 }),
      }),
      { maxLength: 60 },
    ),
  })
  .map((w): World => ({ ...w, merchants: Math.max(w.merchants, ...w.locations.map((l) => l.merchant)) }));

function reference(w: World): Reference {
  const categories = [1, 2, 3].map((id) => ({
    id,
    slug: `cat-${id}`,
    name_fr: `Catégorie ${id}`,
    name_en: `Category ${id}`,
    folded: '',
    tokens: [],
  }));
  const merchants = Array.from({ length: w.merchants }, (_, i) => ({
    id: i + 1,
    slug: `m-${i + 1}`,
    name: `Marchand ${i + 1}`,
    folded: '',
    tokens: [],
  }));
  const locations: LocationRef[] = w.locations.map((l, index) => ({
    id: index + 1,
    merchant_id: l.merchant,
    lat: CENTER.lat + l.dLat * 0.01,
    lng: CENTER.lng + l.dLng * 0.01,
    pickup: l.pickup ? 1 : 0,
    delivery_radius_km: l.delivery,
    hours_json: '{}',
    index,
    hours: parseHours('{}'),
    minutes: [],
  }));
  const grid = new Map<number, LocationRef[]>();
  const locationsByMerchant: LocationRef[][] = [];
  for (const l of locations) {
    const k = cellKey(cellOf(l.lat), cellOf(l.lng));
    grid.set(k, [...(grid.get(k) ?? []), l]);
    const list = locationsByMerchant[l.merchant_id] ?? [];
    list.push(l);
    locationsByMerchant[l.merchant_id] = list;
  }
  const members = new Set(merchants.filter((m) => m.id % 2 === 1).map((m) => m.id));
  return {
    at: 0,
    categories,
    categoryBySlug: new Map(categories.map((c) => [c.slug, c])),
    categoryById: new Map(categories.map((c) => [c.id, c])),
    merchants,
    merchantBySlug: new Map(merchants.map((m) => [m.slug, m])),
    merchantById: new Map(merchants.map((m) => [m.id, m])),
    associations: [{ id: 1, slug: 'asso', name: 'Asso', members }],
    memberships: new Map([...members].map((id) => [id, [1]])),
    municipalities: [],
    locations,
    locationsByMerchant,
    grid,
    maxMerchantId: w.merchants,
    center: CENTER,
    timezone: 'America/Toronto',
    defaultRadiusKm: 10,
  };
}

const facts = (w: World, i: number): ProductFacts => {
  const p = w.products[i]!;
  return {
    id: i + 1,
    merchant_id: p.merchant,
    category_id: p.category || null,
    quebec_label: p.label ? LABELS[p.label - 1]! : null,
    price_cents: p.price,
    gtin: p.gtin === 0 ? null : String(p.gtin === 100 ? 1000 + i : p.gtin),
    status: 'active',
    parent_id: null,
  };
};

function memory(w: World): CatalogMemory {
  const m = emptyCatalogMemory(w.products.length + 64);
  w.products.forEach((_, i) => {
    setProduct(m, facts(w, i));
  });
  for (const s of w.stock) {
    if (s.product < w.products.length && s.location < w.locations.length)
      setAvailable(m, s.product + 1, s.location + 1, s.available);
  }
  return m;
}

const query = fc.record({
  dLat: fc.integer({ min: -10, max: 10 }),
  dLng: fc.integer({ min: -10, max: 10 }),
  radius: fc.constantFrom(2, 5, 10, 25),
  category: fc.integer({ min: 0, max: 3 }),
  quebec: fc.boolean(),
  inStock: fc.boolean(),
  sort: fc.constantFrom<SortKey>('relevance', 'distance', 'price_asc', 'price_desc'),
  fulfilment: fc.constantFrom<undefined | 'pickup' | 'delivery'>(undefined, undefined, 'pickup', 'delivery'),
  openNow: fc.boolean(),
  openSeed: fc.integer({ min: 0, max: 1023 }),
  merchant: fc.constantFrom<number | undefined>(undefined, undefined, undefined, 1, 2),
  association: fc.boolean(),
  offset: fc.constantFrom(0, 0, 3, 10),
  limit: fc.constantFrom(1, 5, 20),
});

function browseQuery(ref: Reference, x: QueryInput): BrowseQuery {
  const point = { lat: CENTER.lat + x.dLat * 0.01, lng: CENTER.lng + x.dLng * 0.01 };
  const box = boundingBox(point.lat, point.lng, x.radius);
  const openMask = new Uint8Array(ref.locations.length);
  for (let i = 0; i < openMask.length; i++) openMask[i] = (x.openSeed >> (i % 10)) & 1;
  const members = ref.associations[0]!.members;
  return {
    point,
    radius: x.radius,
    box,
    keeps: (l) =>
      l.lat >= box.minLat &&
      l.lat <= box.maxLat &&
      l.lng >= box.minLng &&
      l.lng <= box.maxLng &&
      (x.merchant === undefined || l.merchant_id === x.merchant) &&
      (!x.association || members.has(l.merchant_id)),
    fulfilment: x.fulfilment,
    delivers: (l) =>
      l.delivery_radius_km > 0 && l.delivery_radius_km >= haversineKm(point.lat, point.lng, l.lat, l.lng),
    openNow: x.openNow,
    openMask,
    categoryId: x.category,
    quebec: x.quebec,
    inStock: x.inStock,
    sort: x.sort,
    offset: x.offset,
    limit: x.limit,
    lang: 'fr',
    weights: RANKING,
  };
}
type QueryInput = typeof query extends fc.Arbitrary<infer T> ? T : never;

/** A query at the centre of a hand-built world (10 km, first 20, no filter), with its own changes. */
const centreQuery = (over: Partial<QueryInput>): QueryInput => ({
  dLat: 0,
  dLng: 0,
  radius: 10,
  category: 0,
  quebec: false,
  inStock: false,
  sort: 'distance',
  fulfilment: undefined,
  openNow: false,
  openSeed: 0,
  merchant: undefined,
  association: false,
  offset: 0,
  limit: 20,
  ...over,
});

const same = (ref: Reference, m: CatalogMemory, q: BrowseQuery) =>
  assert.deepStrictEqual(browse(ref, m, q), browse(ref, m, q, { walk: true }));

test('summarised browsing gives exactly the results, totals and facets of ranking every product', () => {
  fc.assert(
    fc.property(world, fc.array(query, { minLength: 1, maxLength: 6 }), (w, qs) => {
      const ref = reference(w);
      const m = memory(w);
      for (const x of qs) same(ref, m, browseQuery(ref, x));
    }),
    { numRuns: 400 },
  );
});

function followsChanges(numRuns: number) {
  const change = fc.oneof(
    fc.record({
      kind: fc.constant('stock' as const),
      product: fc.integer({ min: 0, max: 39 }),
      location: fc.integer({ min: 0, max: 9 }),
      available: fc.integer({ min: -1, max: 3 }),
    }),
    fc.record({
      kind: fc.constant('product' as const),
      product: fc.integer({ min: 0, max: 39 }),
      price: fc.constantFrom(100, 250, 2000),
      gtin: fc.constantFrom<string | null>(null, '1', '2', '77', '1000', '1001', '1002'),
      category: fc.integer({ min: 0, max: 3 }),
      merchant: fc.integer({ min: 1, max: 6 }),
      status: fc.constantFrom('active', 'active', 'archived'),
    }),
  );
  fc.assert(
    fc.property(
      world,
      query,
      fc.array(fc.tuple(change, query), { minLength: 1, maxLength: 8 }),
      (w, q0, steps) => {
        const ref = reference(w);
        const m = memory(w);
        same(ref, m, browseQuery(ref, q0)); // builds the index and some summaries
        for (const [c, x] of steps) {
          if (c.product >= w.products.length) continue;
          if (c.kind === 'stock') {
            if (c.location < w.locations.length) setAvailable(m, c.product + 1, c.location + 1, c.available);
          } else {
            setProduct(m, {
              ...facts(w, c.product),
              price_cents: c.price,
              gtin: c.gtin,
              category_id: c.category || null,
              merchant_id: Math.min(c.merchant, w.merchants),
              status: c.status,
            });
          }
          same(ref, m, browseQuery(ref, x));
        }
      },
    ),
    { numRuns },
  );
}

test('summaries follow stock changes, price changes, archived products and GTINs that become shared', () => {
  followsChanges(300);
});

test('location summaries stay right when dropped ones are compacted away', () => {
  // Single-location merchants (read from location summaries); each change drops its merchant's
  // summary, and the next browse rebuilds it after compacting the buffers (at every build here).
  const w: World = {
    merchants: 3,
    locations: [
      { merchant: 1, dLat: 0, dLng: 3, pickup: true, delivery: 0 },
      { merchant: 2, dLat: 3, dLng: 0, pickup: true, delivery: 0 },
      { merchant: 3, dLat: 0, dLng: 1, pickup: false, delivery: 5 },
    ],
    products: [
      { merchant: 1, category: 1, label: 0, price: 250, gtin: 0 },
      { merchant: 1, category: 2, label: 1, price: 120, gtin: 5 },
      { merchant: 2, category: 1, label: 0, price: 990, gtin: 0 },
      { merchant: 2, category: 2, label: 0, price: 250, gtin: 6 },
      { merchant: 3, category: 1, label: 1, price: 75, gtin: 0 },
      { merchant: 3, category: 3, label: 0, price: 480, gtin: 7 },
    ],
    stock: [{ product: 0, location: 0, available: 2 }],
  };
  const saved = { ...summaryCompaction };
  Object.assign(summaryCompaction, { minGarbage: 0, share: 0 });
  try {
    const ref = reference(w);
    const m = memory(w);
    const x = centreQuery({ sort: 'price_asc' });
    const sorts: SortKey[] = ['price_asc', 'price_desc', 'relevance', 'distance'];
    const check = () => {
      for (const sort of sorts) {
        same(ref, m, browseQuery(ref, { ...x, sort }));
        same(ref, m, browseQuery(ref, { ...x, sort, category: 1 }));
      }
    };
    check();
    const before = browse(ref, m, browseQuery(ref, x)).total;
    setProduct(m, { ...facts(w, 0), price_cents: 60 });
    check();
    setAvailable(m, 3, 2, 4);
    check();
    setProduct(m, { ...facts(w, 4), status: 'archived' });
    check();
    assert.equal(browse(ref, m, browseQuery(ref, x)).total, before - 1);
    setProduct(m, { ...facts(w, 2), category_id: 3 });
    check();
  } finally {
    Object.assign(summaryCompaction, saved);
  }
});

/** Two merchants a product each: product 1 alone with its GTIN (1000), product 2 with none. */
function loneGtinWorld(): World {
  return {
    merchants: 2,
    locations: [
      { merchant: 1, dLat: 0, dLng: 1, pickup: true, delivery: 0 },
      { merchant: 2, dLat: 1, dLng: 0, pickup: true, delivery: 0 },
    ],
    products: [
      { merchant: 1, category: 1, label: 0, price: 250, gtin: 100 },
      { merchant: 2, category: 1, label: 0, price: 199, gtin: 0 },
    ],
    stock: [],
  };
}

test('a product taking the GTIN of a product that was alone with it makes one result of the two', () => {
  const w = loneGtinWorld();
  const ref = reference(w);
  const m = memory(w);
  const x = centreQuery({ sort: 'price_asc' });
  assert.equal(browse(ref, m, browseQuery(ref, x)).total, 2);
  setProduct(m, { ...facts(w, 1), gtin: '1000' }); // product 1's GTIN (1000 + index 0)
  const r = browse(ref, m, browseQuery(ref, x));
  assert.equal(r.total, 1);
  assert.deepEqual(
    r.page.map((s) => [s.product_id, s.offers]),
    [[2, 2]],
  );
  same(ref, m, browseQuery(ref, x));
});

test('a product archived at the build and active again with a lone product’s GTIN makes one result of the two', () => {
  // Product 2 carried GTIN 1000 (product 1's) but was archived when the index was built: no
  // group counted it, so product 1 was alone with that GTIN; back in the catalogue, the two are one
  // result on every path (browse-index.ts reads a product's GTIN at the build from its group).
  const w = loneGtinWorld();
  const ref = reference(w);
  const m = memory(w);
  setProduct(m, { ...facts(w, 1), gtin: '1000' });
  setProduct(m, { ...facts(w, 1), gtin: '1000', status: 'archived' });
  const x = centreQuery({ sort: 'price_asc' });
  assert.equal(browse(ref, m, browseQuery(ref, x)).total, 1);
  setProduct(m, { ...facts(w, 1), gtin: '1000' });
  for (const sort of ['price_asc', 'price_desc', 'relevance', 'distance'] as SortKey[]) {
    const r = browse(ref, m, browseQuery(ref, { ...x, sort }));
    assert.equal(r.total, 1);
    assert.deepEqual(
      r.page.map((s) => s.offers),
      [2],
    );
    same(ref, m, browseQuery(ref, { ...x, sort }));
  }
});

test('a product joining a GTIN group of several after the index was built is merged into its one result', () => {
  // Products 1 and 2 share a GTIN at the build (a group read by the GroupTable pass); product 3,
  // at the nearest store, takes it afterwards (read product by product): still one result, the
  // nearest offer first, the three offers counted.
  const w: World = {
    merchants: 3,
    locations: [
      { merchant: 1, dLat: 0, dLng: 3, pickup: true, delivery: 0 },
      { merchant: 2, dLat: 3, dLng: 0, pickup: true, delivery: 0 },
      { merchant: 3, dLat: 0, dLng: 1, pickup: true, delivery: 0 },
    ],
    products: [
      { merchant: 1, category: 1, label: 0, price: 250, gtin: 1 },
      { merchant: 2, category: 1, label: 0, price: 250, gtin: 1 },
      { merchant: 3, category: 2, label: 1, price: 999, gtin: 0 },
    ],
    stock: [],
  };
  const ref = reference(w);
  const m = memory(w);
  const x = centreQuery({ sort: 'distance' });
  const before = browse(ref, m, browseQuery(ref, x));
  assert.equal(before.total, 2);
  assert.deepEqual(
    before.page.map((s) => [s.product_id, s.offers]),
    [
      [3, 1],
      [1, 2],
    ],
  );
  setProduct(m, { ...facts(w, 2), gtin: '1' });
  const r = browse(ref, m, browseQuery(ref, x));
  assert.equal(r.total, 1);
  assert.deepEqual(
    r.page.map((s) => [s.product_id, s.offers]),
    [[3, 3]],
  );
  assert.deepEqual(
    r.facets.merchant.map((f) => [f.value, f.count]),
    [['m-3', 1]],
  );
  same(ref, m, browseQuery(ref, x));
});

test('the merchant facet is the first 20 of every merchant by count then id as text, ties at the 20th included', () => {
  // 40 merchants (more than the facet shows), counts 1..6 so the 20th place falls inside a tie;
  // ids 1..40 compared as text ("10" before "9"), as the facet's full sort does.
  const merchants = 40;
  const counts = Array.from({ length: merchants }, (_, i) => ((i * 7) % 6) + 1);
  const w: World = {
    merchants,
    locations: counts.map((_, i) => ({ merchant: i + 1, dLat: 0, dLng: i % 3, pickup: true, delivery: 0 })),
    products: counts.flatMap((n, i) =>
      Array.from({ length: n }, () => ({ merchant: i + 1, category: 1, label: 0, price: 250, gtin: 0 })),
    ),
    stock: [],
  };
  const ref = reference(w);
  const m = memory(w);
  const x = centreQuery({ radius: 25, sort: 'relevance', limit: 5 });
  const expected = counts
    .map((n, i) => [i + 1, n] as const)
    .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
    .slice(0, 20)
    .map(([id, n]) => ({ value: `m-${id}`, count: n, label: `Marchand ${id}` }));
  const r = browse(ref, m, browseQuery(ref, x));
  assert.equal(
    r.total,
    counts.reduce((a, b) => a + b, 0),
  );
  assert.deepStrictEqual(r.facets.merchant, expected);
  same(ref, m, browseQuery(ref, x));
});

test('the offering locations do not depend on the order of the merchants’ location lists', () => {
  // browse.ts walks the lists in merchant order when they hold every location once in position
  // order (as reference.ts builds them), else sorts every location: both must give the same answers.
  fc.assert(
    fc.property(world, fc.array(query, { minLength: 1, maxLength: 4 }), (w, qs) => {
      const ref = reference(w);
      const shuffled: Reference = {
        ...ref,
        locationsByMerchant: ref.locationsByMerchant.map((list) => list && [...list].reverse()),
      };
      const m = memory(w);
      for (const x of qs)
        assert.deepStrictEqual(
          browse(shuffled, m, browseQuery(shuffled, x)),
          browse(ref, m, browseQuery(ref, x)),
        );
    }),
    { numRuns: 200 },
  );
});

/** Runs `f` with the browse cache on for every browse (no smallest size) within `maxBytes`. */
function withCache<T>(f: () => T, maxBytes = 4 * 2 ** 20): T {
  const saved = { ...browseCacheLimits };
  Object.assign(browseCacheLimits, { maxBytes, minLocations: 0 });
  clearBrowseCache();
  try {
    return f();
  } finally {
    Object.assign(browseCacheLimits, saved);
    clearBrowseCache();
  }
}

/** The answer computed afresh: the cache off for one browse. */
function fresh(ref: Reference, m: CatalogMemory, q: BrowseQuery) {
  const saved = browseCacheLimits.maxBytes;
  browseCacheLimits.maxBytes = 0;
  try {
    return browse(ref, m, q);
  } finally {
    browseCacheLimits.maxBytes = saved;
  }
}

test('kept browse answers are the answers computed afresh, through stock and catalogue changes', () => {
  // Queries drawn from a small pool so that they repeat (kept answers are read), with changes in
  // between (kept answers of the changed merchants must not be read).
  const change = fc.record({
    kind: fc.constantFrom('none', 'none', 'stock', 'product'),
    product: fc.integer({ min: 0, max: 39 }),
    location: fc.integer({ min: 0, max: 9 }),
    available: fc.integer({ min: -1, max: 3 }),
    price: fc.constantFrom(100, 250, 2000),
    gtin: fc.constantFrom<string | null>(null, '1', '2', '1000', '1001'),
    category: fc.integer({ min: 0, max: 3 }),
    status: fc.constantFrom('active', 'active', 'archived'),
  });
  let hits = 0;
  withCache(() =>
    fc.assert(
      fc.property(
        world,
        fc.array(query, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(change, fc.nat()), { minLength: 1, maxLength: 12 }),
        (w, pool, steps) => {
          const ref = reference(w);
          const m = memory(w);
          for (const [c, n] of steps) {
            if (c.kind === 'stock' && c.product < w.products.length && c.location < w.locations.length)
              setAvailable(m, c.product + 1, c.location + 1, c.available);
            if (c.kind === 'product' && c.product < w.products.length)
              setProduct(m, {
                ...facts(w, c.product),
                price_cents: c.price,
                gtin: c.gtin,
                category_id: c.category || null,
                status: c.status,
              });
            const q = browseQuery(ref, pool[n % pool.length]!);
            const before = browseCacheStats.hits;
            const got = browse(ref, m, q);
            hits += browseCacheStats.hits - before;
            assert.deepStrictEqual(got, fresh(ref, m, q));
            assert.deepStrictEqual(got, browse(ref, m, q, { walk: true }));
          }
        },
      ),
      { numRuns: 300 },
    ),
  );
  assert.ok(hits > 100, `kept answers read ${hits} times`);
});

test('a kept browse answer is read again until one of its offering merchants changes', () => {
  // Merchant 1 near the centre, merchant 2 30 km away (outside a 10 km browse).
  const w: World = {
    merchants: 2,
    locations: [
      { merchant: 1, dLat: 0, dLng: 1, pickup: true, delivery: 0 },
      { merchant: 2, dLat: 27, dLng: 0, pickup: true, delivery: 0 },
    ],
    products: [
      { merchant: 1, category: 1, label: 0, price: 250, gtin: 0 },
      { merchant: 1, category: 2, label: 0, price: 120, gtin: 0 },
      { merchant: 2, category: 1, label: 0, price: 990, gtin: 0 },
    ],
    stock: [{ product: 0, location: 0, available: 2 }],
  };
  withCache(() => {
    const ref = reference(w);
    const m = memory(w);
    const x = centreQuery({ inStock: true });
    const s0 = { ...browseCacheStats };
    const first = browse(ref, m, browseQuery(ref, x));
    assert.equal(first.total, 1);
    assert.equal(browseCacheStats.stored - s0.stored, 1);
    // The same query (new closures, same point and filters): read back, equal, a copy.
    const again = browse(ref, m, browseQuery(ref, x));
    assert.equal(browseCacheStats.hits - s0.hits, 1);
    assert.deepStrictEqual(again, first);
    again.page[0]!.price_cents = 1;
    again.facets.category[0]!.count = 99;
    assert.deepStrictEqual(browse(ref, m, browseQuery(ref, x)), first);
    assert.equal(browseCacheStats.hits - s0.hits, 2);
    // Another page, sort or open mask is another answer.
    browse(ref, m, browseQuery(ref, { ...x, sort: 'price_asc' }));
    browse(ref, m, browseQuery(ref, { ...x, openSeed: 1 }));
    assert.equal(browseCacheStats.hits - s0.hits, 2);
    // A merchant outside the area changes: still read.
    setAvailable(m, 3, 2, 5);
    browse(ref, m, browseQuery(ref, x));
    assert.equal(browseCacheStats.hits - s0.hits, 3);
    // The offering merchant's stock changes: stale, computed afresh.
    setAvailable(m, 2, 1, 4);
    const after = browse(ref, m, browseQuery(ref, x));
    assert.equal(browseCacheStats.hits - s0.hits, 3);
    assert.equal(browseCacheStats.stale - s0.stale, 1);
    assert.equal(after.total, 2);
    assert.deepStrictEqual(after, browse(ref, m, browseQuery(ref, x), { walk: true }));
  });
});

test('the browse cache holds at most its bound in counted bytes, least recently used out first', () => {
  const w: World = {
    merchants: 2,
    locations: [
      { merchant: 1, dLat: 0, dLng: 1, pickup: true, delivery: 0 },
      { merchant: 2, dLat: 1, dLng: 0, pickup: false, delivery: 5 },
    ],
    products: Array.from({ length: 30 }, (_, i) => ({
      merchant: 1 + (i % 2),
      category: 1 + (i % 3),
      label: i % 3,
      price: 100 + i,
      gtin: 0,
    })),
    stock: [],
  };
  const bound = 40_000;
  withCache(() => {
    const ref = reference(w);
    const m = memory(w);
    const s0 = { ...browseCacheStats };
    for (let i = 0; i < 200; i++) {
      browse(ref, m, browseQuery(ref, centreQuery({ dLng: i / 1000 })));
      assert.ok(browseCacheStats.bytes <= bound, `${browseCacheStats.bytes} bytes kept`);
    }
    assert.equal(browseCacheStats.stored - s0.stored, 200);
    assert.ok(browseCacheStats.evicted - s0.evicted > 100);
    // The most recent answers are still there, the first ones are gone.
    const h = browseCacheStats.hits;
    browse(ref, m, browseQuery(ref, centreQuery({ dLng: 199 / 1000 })));
    assert.equal(browseCacheStats.hits, h + 1);
    browse(ref, m, browseQuery(ref, centreQuery({ dLng: 0 })));
    assert.equal(browseCacheStats.hits, h + 1);
  }, bound);
});
