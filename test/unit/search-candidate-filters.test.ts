import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { searchArea } from '../../src/modules/search/area.ts';
import {
  candidateRank,
  nearCandidateHits,
  type ProductFilters,
  setScoredCapForBench,
} from '../../src/modules/search/candidates.ts';
import { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import { type Hits, MAX_SCORED_PRODUCTS, type SortKey } from '../../src/modules/search/search.types.ts';
import { seededRandom } from '../helpers/random-catalogue.ts';
import { areaAround, drawCatalogue, drawSpots, drawTieredHits, spotRegion } from '../helpers/spot-region.ts';

// A capped search with a category or Québec label filter takes its cap among the products passing
// it (candidates.ts nearCandidateHits `only`): held here to the plain definition, the
// MAX_SCORED_PRODUCTS smallest keys (candidateRank, the best relevance among those products) of
// the near hits that pass, ties in hit order, on the walk and on the grouped list, every order.

test('a capped search with a product filter selects the best candidates among the products passing it', () => {
  let cappedAfter = 0;
  let fitAfter = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 5, max: 40 }),
      fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 2500, max: 5500 }),
      fc.constantFrom<SortKey>('relevance', 'distance', 'price_asc', 'price_desc'),
      fc.constantFrom<ProductFilters>(
        { categoryId: 1, quebec: false },
        { categoryId: 0, quebec: true },
        { categoryId: 2, quebec: true },
        { categoryId: 0, quebec: false },
      ),
      fc.constantFrom(2, 5, 10),
      fc.integer({ min: 1, max: 2 ** 30 }),
      (merchants, spotOf, spotCount, listSize, sort, only, radius, seed) => {
        const random = seededRandom(seed);
        const point = { lat: 45.5, lng: -73.6 };
        const ref = spotRegion(merchants, drawSpots(random, point, spotCount, radius), spotOf);
        const products = 6000;
        // Category 1 common (seven in ten), category 2 rare (about a tenth): the filtered set fits
        // under the cap or not.
        const m = drawCatalogue(random, merchants, products, (facts, pid) => {
          facts.quebec[pid] = random() < 0.3 ? 1 : 0;
          const r = random();
          facts.category[pid] = r < 0.7 ? 1 : r < 0.8 ? 2 : 3;
          facts.price[pid] = 100 * (1 + Math.floor(random() * 30));
        });
        // A tiered list (title matches first, ascending ids in a tier).
        const hits = drawTieredHits(random, products, listSize);
        const o = areaAround(ref, point, radius);
        // By definition: the near hits passing the filters, keyed, sorted, ties in hit order.
        const a = searchArea(ref, o).area;
        const rank = candidateRank(sort, m, a, radius);
        const near: { pid: number; bm: number; order: number }[] = [];
        for (let i = 0; i < hits.ids.length; i++) {
          const pid = hits.ids[i]!;
          if (m.merchant[pid] !== 0 && a.isNear(m.merchant[pid]!))
            near.push({ pid, bm: hits.bm[i]!, order: i });
        }
        const pass = near.filter(
          (h) =>
            (only.categoryId === 0 || m.category[h.pid] === only.categoryId) &&
            (!only.quebec || m.quebec[h.pid]),
        );
        const filtering = only.categoryId !== 0 || only.quebec;
        // Unfiltered searches keep the old rule (their maxBm: every near hit's), as by parts.
        const pool = filtering && near.length > MAX_SCORED_PRODUCTS ? pass : near;
        let maxBm = 0;
        for (const h of pool) maxBm = Math.max(maxBm, h.bm);
        const want = pool
          .map((h) => ({ ...h, key: rank(h.pid, h.bm, maxBm) }))
          .sort((x, y) => x.key - y.key || x.order - y.order)
          .slice(0, MAX_SCORED_PRODUCTS)
          .map((h) => h.pid)
          .sort((x, y) => x - y);
        const capped = pool.length > MAX_SCORED_PRODUCTS;
        if (filtering && near.length > MAX_SCORED_PRODUCTS) {
          if (capped) cappedAfter++;
          else fitAfter++;
        }
        // First use walks the list; from the second it is grouped and read by cell.
        for (let use = 0; use < 2; use++) {
          const got = nearCandidateHits(ref, m, hits, searchArea(ref, o).area, sort, radius, true, only);
          assert.equal(got.near, near.length);
          assert.equal(got.capped, capped, `use ${use}`);
          const ids = Array.from(got.idx.subarray(0, got.n), (i) => hits.ids[i]!).sort((x, y) => x - y);
          // Below the cap every near hit is handed on (rankHits filters them).
          if (!capped && !filtering) assert.equal(ids.length, near.length);
          else assert.deepEqual(ids, want, `use ${use}`);
        }
      },
    ),
    { numRuns: 80 },
  );
  assert.ok(cappedAfter >= 5, `only ${cappedAfter} filtered searches stayed capped`);
  assert.ok(fitAfter >= 5, `only ${fitAfter} filtered searches fit under the cap once filtered`);
});

test('the benchmarks’ cap hook changes how many candidates are scored, and is restored', () => {
  const previous = setScoredCapForBench(3);
  try {
    assert.equal(previous, MAX_SCORED_PRODUCTS);
    const ref = spotRegion(1, [{ lat: 45.5, lng: -73.6 }], [0]);
    const m = emptyCatalogMemory(11);
    for (let pid = 1; pid <= 10; pid++) m.merchant[pid] = 1;
    const hits: Hits = {
      ids: Int32Array.from({ length: 10 }, (_, i) => i + 1),
      bm: new Float32Array(10).fill(1),
    };
    const o = areaAround(ref, { lat: 45.5, lng: -73.6 }, 5);
    const got = nearCandidateHits(ref, m, hits, searchArea(ref, o).area, 'price_asc', 5);
    assert.equal(got.near, 10);
    assert.equal(got.n, 3);
    assert.equal(got.capped, true);
  } finally {
    assert.equal(setScoredCapForBench(previous), 3);
  }
});

test('a capped price sort takes the nearest of the products at the cut price, whatever their place in hit order', () => {
  // Two shops, 1 and 8 km away, every product at one price: the near shop's last in hit order.
  const point = { lat: 45.5, lng: -73.6 };
  const ref = spotRegion(
    2,
    [
      { lat: point.lat + 8 / 111.32, lng: point.lng },
      { lat: point.lat + 1 / 111.32, lng: point.lng },
    ],
    [0, 1],
  );
  const far = MAX_SCORED_PRODUCTS + 500;
  const products = far + 30;
  const m = emptyCatalogMemory(products + 1);
  for (let pid = 1; pid <= products; pid++) {
    m.merchant[pid] = pid <= far ? 1 : 2;
    m.price[pid] = 229;
  }
  const hits: Hits = {
    ids: Int32Array.from({ length: products }, (_, i) => i + 1),
    bm: new Uint8Array(products).fill(1),
    tiered: true,
  };
  const o = areaAround(ref, point, 10);
  for (const sort of ['price_asc', 'price_desc'] as const)
    for (let use = 0; use < 2; use++) {
      const got = nearCandidateHits(ref, m, hits, searchArea(ref, o).area, sort, 10, true);
      assert.equal(got.capped, true);
      assert.equal(got.n, MAX_SCORED_PRODUCTS);
      const near = Array.from(got.idx.subarray(0, got.n), (i) => hits.ids[i]!).filter((pid) => pid > far);
      assert.equal(near.length, 30, `${sort}, use ${use}: the near shop's products are all kept`);
    }
});
