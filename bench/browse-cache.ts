// Kept browse answers (src/modules/search/browse-cache.ts), in process, no HTTP:
//  1. identity: every browse run with the cache off and on, compared in full (assert.deepStrictEqual),
//     over random and shared points (the towns' centres and the region's centre, as place.ts resolves
//     `near`), radii 2-50 km, categories, filters, sorts and pages, with product and stock writes
//     between browses (stock, price, category, GTIN joins, archiving) so that kept answers go stale;
//  2. CPU per browse (thread CPU, process.cpuUsage), cache off and on alternating query by query on
//     the same queries (home page, near me, category pages): points shared by shoppers, random
//     points (the cost of a miss), and shared points with product and stock writes between browses;
//  3. the bytes the cache counts against the heap it holds (filled to its bound, after a GC).
// Results go in docs/PERFORMANCE.md.
//
//   npx node --expose-gc bench/browse-cache.ts --data DIR [--identity 3000] [--cpu 600] [--seed 7]
//
// Writes go to the catalogue facts in this process's memory only; nothing is written to DIR.
import assert from 'node:assert/strict';
import { openDatabase } from '../src/db/database.ts';
import { boundingBox } from '../src/modules/common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from '../src/modules/search/area.ts';
import { type BrowseQuery, browse } from '../src/modules/search/browse.ts';
import { browseCacheLimits, browseCacheStats, clearBrowseCache } from '../src/modules/search/browse-cache.ts';
import { browseIndex, summariseMerchant } from '../src/modules/search/browse-index.ts';
import { catalogMemory, setAvailable, setProduct } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';
import { RANKING, type SortKey } from '../src/modules/search/search.types.ts';
import { benchArgs, loadAverage, machine, percentile, pickWith, round, seededRandom } from './cli.ts';

const USAGE =
  'Usage: npx node --expose-gc bench/browse-cache.ts --data DIR [--identity N] [--cpu N] [--seed N]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    identity: { type: 'string', default: '3000' },
    cpu: { type: 'string', default: '600' },
    seed: { type: 'string', default: '7' },
  },
  (v) => Boolean(v.data),
);

const random = seededRandom(Number(values.seed));
const pick = pickWith(random);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const database = openDatabase({ dataDir: String(values.data), lock: false });
try {
  const ref = await reference(database);
  const m = await catalogMemory(database);
  const defaultBytes = browseCacheLimits.maxBytes;
  // Every merchant's summaries, as a server's warm-up builds them (warm-up.ts).
  const ix = browseIndex(m);
  ref.locationsByMerchant.forEach((locs, mid) => {
    if (locs) summariseMerchant(ix, m, mid, locs);
  });
  console.log(
    JSON.stringify({
      ...machine(),
      products: m.merchant.reduce((n, x) => n + (x ? 1 : 0), 0),
      locations: ref.locations.length,
      cache_bytes: defaultBytes,
    }),
  );
  // Points shoppers share: each town's centre (`near=<town>`) and the region's (no place given).
  const shared = [...ref.municipalities.map((t) => ({ lat: t.lat, lng: t.lng })), ref.center];
  const SORTS: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  const now = new Date();
  const query = (o: { shared: boolean; radii: number[]; filters: boolean }): BrowseQuery => {
    const base = pick(shared);
    const point = o.shared
      ? base
      : { lat: base.lat + (random() - 0.5) * 0.12, lng: base.lng + (random() - 0.5) * 0.17 };
    const radius = pick(o.radii);
    const f = o.filters ? random() : 1;
    const fulfilment = f < 0.06 ? 'pickup' : f < 0.12 ? 'delivery' : undefined;
    const openNow = o.filters && random() < 0.08;
    const box = boundingBox(point.lat, point.lng, radius);
    const openMask = openMaskAt(ref, now);
    const delivers = deliversTo(ref, { ...point, source: o.shared ? 'near' : 'coordinates' });
    const { keeps } = searchArea(ref, { point, box, radius, fulfilment, openNow, openMask, delivers });
    const home = !o.filters || random() < 0.3;
    return {
      point,
      radius,
      keeps,
      box,
      fulfilment,
      delivers,
      openNow,
      openMask,
      categoryId: o.filters && random() < 0.35 ? pick(ref.categories).id : 0,
      quebec: o.filters && random() < 0.08,
      inStock: o.filters && random() < 0.08,
      sort: home ? 'distance' : pick(SORTS),
      offset: o.filters && random() < 0.15 ? 20 * Math.floor(1 + random() * 3) : 0,
      limit: home ? 12 : 20,
      lang: random() < 0.8 ? 'fr' : 'en',
      weights: RANKING,
    };
  };
  const run = (q: BrowseQuery, bytes: number) => {
    browseCacheLimits.maxBytes = bytes;
    return browse(ref, m, q);
  };

  // Writes: products near the shared points (where kept answers are), all through memory.ts.
  const activeIds: number[] = [];
  for (let p = 1; p < m.merchant.length; p++) if (m.merchant[p]) activeIds.push(p);
  const writes = { stock: 0, price: 0, category: 0, gtin: 0, archive: 0 };
  const factsOf = (p: number) => ({
    id: p,
    merchant_id: m.merchant[p]!,
    category_id: m.category[p]! || null,
    quebec_label: m.quebec[p] ? m.quebecLabels[m.quebec[p]! - 1]! : null,
    price_cents: m.price[p]!,
    gtin: m.gtin[p]! > 0 ? String(m.gtin[p]) : null,
    status: 'active',
    parent_id: null,
  });
  const write = () => {
    const p = pick(activeIds);
    if (!m.merchant[p] || m.gtin[p]! < 0 || m.multi[p] === 1 || m.parentOf.has(p)) return;
    const r = random();
    if (r < 0.6) {
      const locs = ref.locationsByMerchant[m.merchant[p]!] ?? [];
      if (!locs.length) return;
      setAvailable(m, p, pick(locs).id, random() < 0.4 ? 0 : Math.floor(random() * 9));
      writes.stock++;
    } else if (r < 0.75) {
      setProduct(m, { ...factsOf(p), price_cents: 100 + Math.floor(random() * 5000) });
      writes.price++;
    } else if (r < 0.85) {
      setProduct(m, { ...factsOf(p), category_id: pick(ref.categories).id });
      writes.category++;
    } else if (r < 0.95) {
      const other = pick(activeIds);
      if (m.gtin[other]! <= 0) return;
      setProduct(m, { ...factsOf(p), gtin: String(m.gtin[other]) });
      writes.gtin++;
    } else {
      setProduct(m, { ...factsOf(p), status: 'archived' });
      writes.archive++;
    }
  };

  // 1. Identity.
  clearBrowseCache();
  const s0 = { ...browseCacheStats };
  const nIdentity = Number(values.identity);
  const recent: BrowseQuery[] = [];
  for (let i = 0; i < nIdentity; i++) {
    if (i % 20 === 19) for (let w = Math.floor(random() * 4); w >= 0; w--) write();
    // Half the browses repeat one of the last 60 asked (as shoppers sharing a point do).
    const q =
      recent.length > 0 && random() < 0.5
        ? pick(recent)
        : query({ shared: random() < 0.6, radii: [2, 5, 10, 25, 50], filters: true });
    if (recent.length === 60) recent.shift();
    recent.push(q);
    const off = run(q, 0);
    const on = run(q, defaultBytes);
    assert.deepStrictEqual(on, off, `browse ${i} differs with the cache`);
  }
  console.log(
    JSON.stringify({
      identity: 'identical',
      browses: nIdentity,
      hits: browseCacheStats.hits - s0.hits,
      misses: browseCacheStats.misses - s0.misses,
      stale: browseCacheStats.stale - s0.stale,
      writes,
      cache_entries: browseCacheStats.entries,
      cache_bytes: browseCacheStats.bytes,
    }),
  );

  // 2. CPU per browse, off and on alternating (which goes first alternates too), on what shoppers
  // ask without words: the home page's nearby products (10 km, by distance, 12), "everything near
  // me" (25 km, by relevance) and category pages (25 km, one category), in French or English.
  const shopper = (sharedPoint: boolean): BrowseQuery => {
    const r = random();
    const q = query({ shared: sharedPoint, radii: r < 0.4 ? [10] : [25], filters: false });
    return {
      ...q,
      sort: r < 0.4 ? 'distance' : 'relevance',
      limit: r < 0.4 ? 12 : 20,
      categoryId: r < 0.6 ? 0 : pick(ref.categories).id,
    };
  };
  const nCpu = Number(values.cpu);
  const rows = [];
  const KINDS = [
    ['shared points', false, 0],
    ['random points', true, 0],
    ['shared points, 1 write / 20 browses', false, 20],
    ['shared points, 1 write / 4 browses', false, 4],
  ] as const;
  for (const [kind, unique, every] of KINDS) {
    clearBrowseCache();
    const h0 = { ...browseCacheStats };
    const cpu = { off: [] as number[], on: [] as number[] };
    // The cache on, split by what the lookup found.
    const onHit: number[] = [];
    const onMiss: number[] = [];
    for (let i = 0; i < nCpu; i++) {
      if (every && i % every === every - 1) write();
      const q = shopper(!unique);
      for (const path of i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const hits = browseCacheStats.hits;
        const c0 = process.cpuUsage();
        run(q, path === 'on' ? defaultBytes : 0);
        const ms = cpuMs(process.cpuUsage(c0));
        cpu[path].push(ms);
        if (path === 'on') (browseCacheStats.hits > hits ? onHit : onMiss).push(ms);
      }
    }
    const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
    for (const path of ['off', 'on'] as const)
      rows.push({
        kind,
        cache: path,
        browses: cpu[path].length,
        cpu_ms_mean: round(cpu[path].reduce((a, b) => a + b, 0) / cpu[path].length),
        cpu_ms_p50: round(percentile(cpu[path], 50)),
        cpu_ms_p95: round(percentile(cpu[path], 95)),
        hit_rate: path === 'on' ? round((browseCacheStats.hits - h0.hits) / nCpu) : null,
        hit_ms_mean: path === 'on' ? mean(onHit) : null,
        miss_ms_mean: path === 'on' ? mean(onMiss) : null,
      });
  }
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);

  // 3. Bytes counted against the heap: the cache filled to its bound with wide answers.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    const held = () => {
      gc();
      const u = process.memoryUsage();
      return u.heapUsed + u.arrayBuffers;
    };
    // The same queries twice: the first pass builds what they read besides the cache (summaries
    // of merchants changed above, scratch), the second is measured.
    const fill: BrowseQuery[] = [];
    for (let i = 0; i < 3000; i++) fill.push(query({ shared: false, radii: [10, 25, 50], filters: true }));
    const fillUp = () => {
      clearBrowseCache();
      for (const q of fill) {
        run(q, defaultBytes);
        if (browseCacheStats.bytes > defaultBytes * 0.97) break;
      }
    };
    fillUp();
    clearBrowseCache();
    const before = held();
    fillUp();
    const after = held();
    console.log(
      JSON.stringify({
        memory: 'cache filled',
        entries: browseCacheStats.entries,
        counted_mb: round(browseCacheStats.bytes / 2 ** 20),
        heap_delta_mb: round((after - before) / 2 ** 20),
        bound_mb: round(defaultBytes / 2 ** 20),
      }),
    );
  } else console.log(JSON.stringify({ memory: 'skipped: run with --expose-gc' }));
  browseCacheLimits.maxBytes = defaultBytes;
  console.log(JSON.stringify({ loadavg_end: loadAverage() }));
} finally {
  await database.close();
}
