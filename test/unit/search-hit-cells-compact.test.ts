import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { searchArea } from '../../src/modules/search/area.ts';
import { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import { cellKey, cellOf, type Reference } from '../../src/modules/search/reference.ts';
import type { Hits, SortKey } from '../../src/modules/search/search.types.ts';
import { areaAround, type StoreSpot, storesRegion, tieredHits } from '../helpers/spot-region.ts';

// The text-hit cache's bound is read once, at its module's load: 1 MB here, so that eviction shows.
process.env.COMPTOIR_SEARCH_CACHE_MB = '1';
process.env.COMPTOIR_SEARCH_CACHE = '1';
const { hitCellsBytes, hitCellsShape, nearCandidateHits } = await import(
  '../../src/modules/search/candidates.ts'
);
const { cached, cachedBytes } = await import('../../src/modules/search/text-match.ts');
// After the bound too: the catalogue helper loads the search module (text-match.ts with it).
const { seededRandom } = await import('../helpers/random-catalogue.ts');

// A kept hit list's cells (candidates.ts HitCells) are in 8 or 16 bits where the values allow it
// and in Int32 where they do not (merchant ids past 65,535, a list or a merchant with 65,536 hits
// or more), with only the occupied cells listed where that weighs less than a start per cell: every
// layout must select what the walk over the list selects, weigh what it should, and be counted by
// the text-hit cache (text-match.ts) once built.

const random = seededRandom(11);

/** Merchants `mids`, one or two stores each, over a few grid cells. */
function region(mids: number[]) {
  const stores: StoreSpot[] = [];
  for (const mid of mids)
    for (let k = 0, count = 1 + Math.floor(random() * 2); k < count; k++)
      stores.push({ merchantId: mid, lat: 45.3 + random() * 0.3, lng: -76 + random() * 0.4 });
  return storesRegion(stores);
}

/** A common word's list (title matches first, ids ascending within a tier) over products 1..n-1. */
const tieredList = (n: number): Hits =>
  tieredHits(
    random,
    Array.from({ length: n - 1 }, (_, i) => i + 1),
  );

const copyOf = (h: Hits): Hits => ({ ids: h.ids.slice(), bm: h.bm.slice(), tiered: h.tiered });

/**
 * `queries` searches around the points `draw` gives, the sorts in turn: a copy of `original` kept
 * from search to search (regrouped from its second use) selects what a walk over a fresh copy
 * selects, near hits included. `rememberAt` says which searches remember the list (the walk too).
 * Returns the kept copy, how many searches were capped and how many found something.
 */
function assertSelectsAsTheWalk(
  ref: Reference,
  m: ReturnType<typeof emptyCatalogMemory>,
  original: Hits,
  queries: number,
  draw: () => { point: { lat: number; lng: number }; radius: number },
  rememberAt: (q: number) => boolean = () => true,
) {
  const kept = copyOf(original);
  const sorts: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  let capped = 0;
  let found = 0;
  for (let q = 0; q < queries; q++) {
    const { point, radius } = draw();
    const sort = sorts[q % 4]!;
    const area = () => searchArea(ref, areaAround(ref, point, radius)).area;
    const fresh = copyOf(original);
    const walked = nearCandidateHits(ref, m, fresh, area(), sort, radius, rememberAt(q));
    const want = Array.from(walked.idx.subarray(0, walked.n), (i) => fresh.ids[i]!).sort((a, b) => a - b);
    const got = nearCandidateHits(ref, m, kept, area(), sort, radius, rememberAt(q));
    const have = Array.from(got.idx.subarray(0, got.n), (i) => kept.ids[i]!).sort((a, b) => a - b);
    assert.deepEqual({ ids: have, near: got.near }, { ids: want, near: walked.near }, `query ${q} (${sort})`);
    if (walked.capped) capped++;
    if (want.length > 0) found++;
  }
  return { kept, capped, found };
}

/** The distinct grid cells of merchants `mids`' locations. */
function occupiedCells(ref: Reference, mids: Iterable<number>): number {
  const keys = new Set<number>();
  for (const mid of mids)
    for (const l of ref.locationsByMerchant[mid] ?? []) keys.add(cellKey(cellOf(l.lat), cellOf(l.lng)));
  return keys.size;
}

/**
 * Bytes of a list's cell starts: a start per cell of the placement (`cells`), or the occupied
 * cells' numbers and starts where that weighs less; starts in 16 bits up to 65,535 pairs, cell
 * numbers in 16 bits up to 65,536 cells.
 */
function cellStartBytes(cells: number, occupied: number, pairs: number): number {
  const start = pairs <= 0xffff ? 2 : 4;
  const listed = occupied * (cells <= 0x10000 ? 2 : 4) + (occupied + 1) * start;
  return Math.min(listed, (cells + 1) * start);
}

/** Bytes of the cells by their definition: runs of the merchants present, their distinct cells. */
function expectedBytes(ref: Reference, m: ReturnType<typeof emptyCatalogMemory>, hits: Hits, cells: number) {
  const perMerchant = new Map<number, number>();
  for (const pid of hits.ids) {
    const mid = m.merchant[pid]!;
    if (mid !== 0 && ref.locationsByMerchant[mid]) perMerchant.set(mid, (perMerchant.get(mid) ?? 0) + 1);
  }
  const runs = perMerchant.size;
  let pairs = 0;
  for (const mid of perMerchant.keys())
    pairs += new Set(ref.locationsByMerchant[mid]!.map((l) => cellKey(cellOf(l.lat), cellOf(l.lng)))).size;
  const wideMerchant = Math.max(...perMerchant.keys()) > 0xffff;
  const longest = Math.max(...perMerchant.values());
  return (
    100 +
    cellStartBytes(cells, occupiedCells(ref, perMerchant.keys()), pairs) +
    (runs > 0x10000 ? 4 : 2) * pairs +
    (wideMerchant ? 4 : 2) * runs +
    (hits.ids.length > 0xffff ? 4 : 2) * (runs + 1) +
    (hits.tiered ? (longest > 0xffff ? 4 : longest > 0xff ? 2 : 1) * 3 * runs : 0)
  );
}

for (const [layout, wide, merchants] of [
  ['8 and 16 bits (runs of ~100 hits)', false, 200],
  ['16 bits (runs of ~1,000 hits)', false, 20],
  ['Int32 (merchant ids past 65,535, a run of 70,000 hits)', true, 200],
] as const)
  test(`a regrouped list's cells in ${layout} select as the walk does and weigh what they should`, () => {
    // Wide: merchants 70,001.. and one merchant holding 70,000 of the hits.
    const mids = Array.from({ length: merchants }, (_, i) => (wide ? 70_001 : 1) + i);
    const ref = region(mids);
    const n = wide ? 100_000 : 20_000;
    const m = emptyCatalogMemory(n);
    for (let pid = 1; pid < n; pid++) {
      m.merchant[pid] =
        wide && pid <= 70_000 ? mids[0]! : random() < 0.03 ? 0 : mids[Math.floor(random() * merchants)]!;
      m.price[pid] = 100 * (1 + Math.floor(random() * 4));
      m.quebec[pid] = random() < 0.3 ? 1 : 0;
    }
    const { kept, capped } = assertSelectsAsTheWalk(ref, m, tieredList(n), 24, () => ({
      point: { lat: 45.3 + random() * 0.3, lng: -76 + random() * 0.4 },
      radius: 3 + random() * 30,
    }));
    assert.ok(capped >= 6, `only ${capped} queries were capped`);
    assert.equal(kept.grouped, true);
    const cells = new Set(ref.locations.map((l) => cellKey(cellOf(l.lat), cellOf(l.lng)))).size;
    assert.equal(hitCellsBytes(kept), expectedBytes(ref, m, kept, cells));
  });

/** Merchants 1..count, one store each in its own grid cell, `perRow` cells a row from (45, -80). */
const gridRegion = (count: number, perRow: number) =>
  storesRegion(
    Array.from({ length: count }, (_, i) => ({
      merchantId: i + 1,
      lat: 45 + (Math.floor(i / perRow) + 0.5) * 0.05,
      lng: -80 + ((i % perRow) + 0.5) * 0.05,
    })),
  );

// A short list is in a few of the placement's cells: only those are listed (with their starts),
// in 16 bits up to 65,536 cells of the placement and in Int32 past it, and it selects as the walk.
for (const [count, perRow] of [
  [3_600, 60],
  [70_000, 300],
] as const)
  test(`a short list over ${count.toLocaleString('en')} cells lists only its occupied cells and selects as the walk does`, () => {
    const ref = gridRegion(count, perRow);
    const n = 30_000;
    const m = emptyCatalogMemory(n);
    // Products of 150 merchants around the middle of the grid's first rows, and of 30 anywhere.
    const near = Array.from(
      { length: 150 },
      (_, i) => 1 + (i % 15) + perRow * Math.floor(i / 15) + perRow * 5 + 20,
    );
    const far = Array.from({ length: 30 }, () => 1 + Math.floor(random() * count));
    for (let pid = 1; pid < n; pid++) {
      const pool = random() < 0.1 ? far : near;
      m.merchant[pid] = pool[Math.floor(random() * pool.length)]!;
      m.price[pid] = 100 * (1 + Math.floor(random() * 4));
    }
    const pids = Array.from({ length: 600 }, () => 1 + Math.floor(random() * (n - 1)));
    const original: Hits = {
      ids: Int32Array.from(new Set(pids)).sort(),
      bm: Float32Array.from(new Set(pids), () => random() * 10),
    };
    const { kept, found } = assertSelectsAsTheWalk(
      ref,
      m,
      original,
      16,
      () => ({ point: { lat: 45 + random() * 1, lng: -80 + random() * 2 }, radius: 2 + random() * 40 }),
      (q) => q % 3 !== 0,
    );
    assert.ok(found >= 4, `only ${found} queries found hits`);
    const shape = hitCellsShape(kept)!;
    assert.equal(shape.placementCells, count);
    assert.equal(shape.listed, true);
    const mids = new Set(Array.from(kept.ids, (pid) => m.merchant[pid]!));
    assert.equal(shape.cells, occupiedCells(ref, mids));
    assert.equal(shape.bytes.starts, (count <= 0x10000 ? 2 : 4) * shape.cells + 2 * (shape.cells + 1));
    assert.equal(hitCellsBytes(kept), expectedBytes(ref, m, kept, count));
    assert.ok(shape.bytes.starts < count, `${shape.bytes.starts} bytes of cell starts for ${count} cells`);
  });

test('the text-hit cache counts a list again once its cells are built, and stays within its bound', async () => {
  const database = { kind: 'sqlite' } as unknown as Database;
  const mids = Array.from({ length: 300 }, (_, i) => 1 + i);
  const ref = region(mids);
  const n = 40_000;
  const m = emptyCatalogMemory(n);
  for (let pid = 1; pid < n; pid++) m.merchant[pid] = mids[Math.floor(random() * 300)]!;
  const lists: Hits[] = [];
  const use = (hits: Hits) => {
    const area = searchArea(ref, areaAround(ref, { lat: 45.45, lng: -75.8 }, 20)).area;
    nearCandidateHits(ref, m, hits, area, 'distance', 20, true);
  };
  // A tiered list of 40,000 hits: 256 + 160,000 + 40,000 bytes before its cells.
  const first = await cached(database, 'h:a', async () => tieredList(n));
  lists.push(first);
  assert.equal(cachedBytes(database), 256 + 5 * (n - 1));
  use(first);
  assert.equal(hitCellsBytes(first), 0, 'a list used once is walked');
  use(first);
  const cellBytes = hitCellsBytes(first);
  assert.ok(cellBytes > 300 * 8, `cells of ${cellBytes} bytes`);
  assert.equal(cachedBytes(database), 256 + 5 * (n - 1) + cellBytes);
  // More lists than 1 MB holds: the bound is kept on the counted (true) bytes, oldest out first.
  for (let k = 0; k < 6; k++) {
    const h = await cached(database, `h:${k}`, async () => tieredList(n));
    lists.push(h);
    use(h);
    use(h);
    assert.ok(cachedBytes(database) <= 2 ** 20, `${cachedBytes(database)} bytes counted`);
  }
  const held = async (key: string) => {
    let computed = false;
    await cached(database, key, async () => {
      computed = true;
      return tieredList(10);
    });
    return !computed;
  };
  assert.equal(await held('h:5'), true, 'the last list is held');
  assert.equal(await held('h:a'), false, 'the first list was evicted');
});
