import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchArea } from '../../src/modules/search/area.ts';
import { nearCandidateHits, nearProducts } from '../../src/modules/search/candidates.ts';
import { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import type { Hits, SortKey } from '../../src/modules/search/search.types.ts';
import { areaAround, type StoreSpot, storesRegion, tieredHits } from '../helpers/spot-region.ts';

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

/** A region of 300 merchants with one to three stores each, some in neighbouring grid cells. */
function region() {
  const stores: StoreSpot[] = [];
  for (let mid = 1; mid <= 300; mid++)
    for (let k = 0, count = 1 + Math.floor(random() * 3); k < count; k++)
      stores.push({ merchantId: mid, lat: 45.3 + random() * 0.4, lng: -76 + random() * 0.6 });
  return storesRegion(stores);
}

test('candidates near the user: visiting the hits by grid cell gives exactly the walk over every hit', async () => {
  const ref = region();
  const m = emptyCatalogMemory(5000);
  for (let pid = 1; pid < 5000; pid++) m.merchant[pid] = random() < 0.05 ? 0 : 1 + Math.floor(random() * 300);
  const n = 3000;
  const ids = new Int32Array(n);
  const bm = new Float32Array(n);
  // Each product once, as a text match returns them.
  const shuffled = Array.from({ length: 4999 }, (_, i) => i + 1).sort(() => random() - 0.5);
  for (let i = 0; i < n; i++) {
    ids[i] = shuffled[i]!;
    bm[i] = n - i;
  }
  const hits: Hits = { ids, bm };
  const rank = () => 0;
  let grouped = 0;
  for (let q = 0; q < 200; q++) {
    const point = { lat: 45.3 + random() * 0.4, lng: -76 + random() * 0.6 };
    const radius = 1 + random() * 15;
    const merchantId = q % 5 === 0 ? 1 + Math.floor(random() * 300) : undefined;
    const area = () => searchArea(ref, { ...areaAround(ref, point, radius), merchantId }).area;
    const walked = await nearProducts({} as never, m, area(), hits, { capped: false }, rank);
    // The first use of a list walks it; from the second, the cells are visited.
    const byCell = await nearProducts({} as never, m, area(), hits, { capped: false }, rank, ref);
    assert.deepEqual(byCell, walked, `query ${q}`);
    if (walked.ids.length > 0) grouped++;
  }
  assert.ok(grouped > 50, `only ${grouped} queries found candidates`);
});

/** A selective word's list: BM25 relevance, best first, then ascending ids; a few equal scores. */
function bm25List(pids: number[]): Hits {
  const rows = pids.map((p) => ({ p, bm: Math.fround(1 + Math.floor(random() * 40) / 8) }));
  rows.sort((a, b) => b.bm - a.bm || a.p - b.p);
  return { ids: Int32Array.from(rows.map((r) => r.p)), bm: Float32Array.from(rows.map((r) => r.bm)) };
}

const copyOf = (h: Hits): Hits => ({ ids: h.ids.slice(), bm: h.bm.slice(), tiered: h.tiered });

test('a cached list regrouped by merchant in place selects the same candidates, ties at the cut in hit order', () => {
  const ref = region();
  const m = emptyCatalogMemory(12_000);
  for (let pid = 1; pid < 12_000; pid++) {
    m.merchant[pid] = random() < 0.03 ? 0 : 1 + Math.floor(random() * 300);
    // Few distinct prices and labels: many ties at the cut of every order.
    m.price[pid] = 100 * (1 + Math.floor(random() * 5));
    m.quebec[pid] = random() < 0.2 ? 1 : 0;
  }
  const pids = Array.from({ length: 11_999 }, (_, i) => i + 1)
    .sort(() => random() - 0.5)
    .slice(0, 9000);
  const sorts: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  let cut = 0;
  for (const kind of ['tiered', 'bm25'] as const) {
    const kept = kind === 'tiered' ? tieredHits(random, pids) : bm25List(pids);
    const original = copyOf(kept);
    for (let q = 0; q < 120; q++) {
      const point = { lat: 45.3 + random() * 0.4, lng: -76 + random() * 0.6 };
      const radius = 5 + random() * 40;
      const sort = sorts[q % 4]!;
      const area = () => searchArea(ref, areaAround(ref, point, radius)).area;
      // A fresh copy is used once: walked in hit order, as a list read without the cache.
      const fresh = copyOf(original);
      const walked = nearCandidateHits(ref, m, fresh, area(), sort, radius, true);
      const want = {
        ids: Array.from(walked.idx.subarray(0, walked.n), (i) => fresh.ids[i]!).sort((a, b) => a - b),
        near: walked.near,
        capped: walked.capped,
      };
      // The kept list is grouped from its second use on (and then read by cell).
      const got = nearCandidateHits(ref, m, kept, area(), sort, radius, true);
      const have = {
        ids: Array.from(got.idx.subarray(0, got.n), (i) => kept.ids[i]!).sort((a, b) => a - b),
        near: got.near,
        capped: got.capped,
      };
      assert.deepEqual(have, want, `${kind} query ${q} (${sort})`);
      if (walked.capped) cut++;
    }
    assert.equal(kept.grouped, true);
    // The same entries, each with its relevance.
    const pairs = (h: Hits) => Array.from(h.ids, (id, i) => `${id}:${h.bm[i]}`).sort();
    assert.deepEqual(pairs(kept), pairs(original));
  }
  assert.ok(cut > 40, `only ${cut} queries were capped`);
});
