import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { searchArea } from '../../src/modules/search/area.ts';
import { candidateRank, nearCandidateHits, weightedKth } from '../../src/modules/search/candidates.ts';
import type { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import type { Reference } from '../../src/modules/search/reference.ts';
import { type Hits, MAX_SCORED_PRODUCTS, type SortKey } from '../../src/modules/search/search.types.ts';
import { seededRandom } from '../helpers/random-catalogue.ts';
import {
  type AreaOptions,
  areaAround,
  drawCatalogue,
  drawSpots,
  drawTieredHits,
  spotRegion,
} from '../helpers/spot-region.ts';

// A capped search selects by parts of merchant runs (candidates.ts selectByParts) once a list is
// grouped: these properties hold it to the plain definition, the MAX_SCORED_PRODUCTS smallest keys
// (candidateRank) with ties taken in hit order, on regions built to tie often.

test('weightedKth is the value at a rank of the keys repeated by their counts', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: 1, max: 5 })), {
        minLength: 1,
        maxLength: 60,
      }),
      fc.nat(),
      (pairs, r) => {
        const expanded = pairs
          .flatMap(([k, c]) => Array.from({ length: c }, () => k / 4))
          .sort((a, b) => a - b);
        const rank = r % expanded.length;
        const keys = Float64Array.from(pairs, ([k]) => k / 4);
        const counts = Int32Array.from(pairs, ([, c]) => c);
        assert.equal(weightedKth(keys, counts, pairs.length, rank), expanded[rank]);
      },
    ),
    { numRuns: 500 },
  );
});

/** The selection by definition: every near hit's key, sorted, ties in hit order (tier, then id). */
function bySort(
  ref: Reference,
  m: ReturnType<typeof emptyCatalogMemory>,
  hits: Hits,
  sort: SortKey,
  o: AreaOptions,
) {
  const a = searchArea(ref, o).area;
  const rank = candidateRank(sort, m, a, o.radius);
  const near: { pid: number; bm: number; order: number }[] = [];
  for (let i = 0; i < hits.ids.length; i++) {
    const pid = hits.ids[i]!;
    if (m.merchant[pid] !== 0 && a.isNear(m.merchant[pid]!)) near.push({ pid, bm: hits.bm[i]!, order: i });
  }
  let maxBm = 0;
  for (const h of near) maxBm = Math.max(maxBm, h.bm);
  const keyed = near.map((h) => ({ ...h, key: rank(h.pid, h.bm, maxBm) }));
  keyed.sort((x, y) => x.key - y.key || x.order - y.order);
  return {
    ids: keyed
      .slice(0, MAX_SCORED_PRODUCTS)
      .map((h) => h.pid)
      .sort((x, y) => x - y),
    near: near.length,
  };
}

test('a grouped common word selects by parts exactly the best candidates by definition, ties in hit order', () => {
  let capped = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 5, max: 60 }),
      fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 2100, max: 4500 }),
      // Tenths: fc.double draws mostly 0 or 1, which never splits a run by label.
      fc.integer({ min: 0, max: 10 }).map((x) => x / 10),
      fc.constantFrom<SortKey>('relevance', 'distance', 'relevance'),
      fc.constantFrom(2, 5, 10),
      fc.integer({ min: 1, max: 2 ** 30 }),
      (merchants, spotOf, spotCount, listSize, quebecShare, sort, radius, seed) => {
        const random = seededRandom(seed);
        const point = { lat: 45.5, lng: -73.6 };
        const ref = spotRegion(merchants, drawSpots(random, point, spotCount, radius), spotOf);
        const products = 6000;
        const m = drawCatalogue(random, merchants, products, (facts, pid) => {
          facts.quebec[pid] = random() < quebecShare ? 1 + Math.floor(random() * 2) : 0;
        });
        // A tiered list (text-match.ts tieredHits): title matches (2) first, ascending ids in a tier.
        const hits = drawTieredHits(random, products, listSize);
        const o = areaAround(ref, point, radius);
        const want = bySort(ref, m, hits, sort, o);
        if (want.near > MAX_SCORED_PRODUCTS) capped++;
        // First use walks the list; from the second, it is grouped and read by cell and part.
        for (let use = 0; use < 2; use++) {
          const got = nearCandidateHits(ref, m, hits, searchArea(ref, o).area, sort, radius, true);
          assert.equal(hits.grouped === true, use === 1);
          assert.equal(got.near, want.near);
          assert.equal(got.capped, want.near > MAX_SCORED_PRODUCTS);
          const ids = Array.from(got.idx.subarray(0, got.n), (i) => hits.ids[i]!).sort((x, y) => x - y);
          assert.deepEqual(ids, want.ids, `use ${use}`);
        }
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(capped >= 15, `only ${capped} of 60 searches were capped`);
});
