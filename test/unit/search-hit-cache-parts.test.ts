import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import type { Hits } from '../../src/modules/search/search.types.ts';

// The text-hit cache's bound is read once, at its module's load: 1 MB here, so that eviction shows.
process.env.COMPTOIR_SEARCH_CACHE_MB = '1';
process.env.COMPTOIR_SEARCH_CACHE = '1';
const { cached, cachedBytes, hitCacheParts, hitCacheStats } = await import(
  '../../src/modules/search/hit-cache.ts'
);

// What the memory benches read of the cache (bench/memory-parts.ts, bench/memory-probe.ts): its
// parts must add up to what it counts against its bound, and the process-wide totals must follow
// insertions, evictions and replacements.

const list = (n: number, tiered: boolean): Hits =>
  tiered
    ? { ids: new Int32Array(n), bm: new Uint8Array(n), tiered: true }
    : { ids: new Int32Array(n), bm: new Float32Array(n) };

test('the cache parts add up to its counted bytes, and the totals follow evictions', async () => {
  const database = { kind: 'sqlite' } as unknown as Database;
  const entries0 = hitCacheStats.entries;
  const bytes0 = hitCacheStats.bytes;
  await cached(database, 'h:small', async () => list(1_000, false));
  await cached(database, 'h:large', async () => list(40_000, true));
  await cached(database, 'w:[]', async () => []);
  let parts = hitCacheParts(database);
  assert.equal(parts.entries, 3);
  assert.equal(parts.lists, 2);
  // 1,000 ids and relevance under 128 KiB (its hit order is counted, not made until a regrouping);
  // 40,000 ids over it, their tiers under.
  assert.equal(parts.smallArrays, 8_000 + 40_000);
  assert.equal(parts.largeArrays, 160_000);
  assert.equal(parts.others, 512);
  assert.equal(parts.cells, 0);
  assert.equal(parts.counted, 256 + 12_000 + 256 + 200_000 + 512);
  assert.equal(parts.counted, cachedBytes(database));
  assert.equal(hitCacheStats.entries - entries0, 3);
  assert.equal(hitCacheStats.bytes - bytes0, parts.counted);

  // Past the 1 MB bound: the oldest go, and the totals with them.
  for (let k = 0; k < 20; k++) await cached(database, `h:${k}`, async () => list(20_000, true));
  parts = hitCacheParts(database);
  assert.ok(parts.counted <= 2 ** 20);
  assert.ok(parts.entries < 23);
  assert.equal(hitCacheStats.entries - entries0, parts.entries);
  assert.equal(hitCacheStats.bytes - bytes0, parts.counted);
});
