// Kept browse answers (src/modules/search/browse-cache.ts), in process, no HTTP:
//  1. identity: every browse run with the cache off and on, compared in full (assert.deepStrictEqual),
//     over random and shared points (the towns' centres and the region's centre, as place.ts resolves
//     `near`), radii 2-50 km, categories, filters, sorts and pages, with product and stock writes
//     between browses (stock, price, category, GTIN joins, archiving) so that kept answers go stale;
//  2. CPU per browse (thread CPU, process.cpuUsage), cache off and on alternating query by query on
//     the same queries (home page, near me, category pages): points shared by shoppers, random
//     points (the cost of a miss), and shared points with product and stock writes between browses;
//  3. the bytes the cache counts against the heap it holds (filled to its bound, after a GC);
//  4. a busy day: stock decrements at N per second (orders, tills; --decrement-to-zero of them set
//     the stock to 0, and a decrement from 1 crosses zero too) between shoppers' browses at
//     --browse-rate per second, hit rate and CPU per browse with stock changes recorded as before
//     (every one makes its merchant's kept answers stale) and as now (only those crossing zero),
//     alternating block by block on the same queries and writes.
// Results go in docs/PERFORMANCE.md.
//
//   npx node --expose-gc bench/browse-cache.ts --data DIR [--identity 3000] [--cpu 600] [--seed 7]
//     [--busy 400] [--decrements 0,10,50,200] [--browse-rate 20] [--decrement-to-zero 0.05]
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
  'Usage: npx node --expose-gc bench/browse-cache.ts --data DIR [--identity N] [--cpu N] [--seed N]\n' +
  '  [--busy N] [--decrements N,N,..] [--browse-rate N] [--decrement-to-zero SHARE]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    identity: { type: 'string', default: '3000' },
    cpu: { type: 'string', default: '600' },
    seed: { type: 'string', default: '7' },
    busy: { type: 'string', default: '400' },
    decrements: { type: 'string', default: '0,10,50,200' },
    'browse-rate': { type: 'string', default: '20' },
    'decrement-to-zero': { type: 'string', default: '0.05' },
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

  // A sale: one unit less of a product in stock at one of its merchant's locations (stock rows
  // read from the memory), or with --decrement-to-zero's share its last units sold at once.
  const toZero = Number(values['decrement-to-zero']);
  const decrements = { writes: 0, crossing: 0 };
  const decrement = () => {
    for (let tries = 0; tries < 20; tries++) {
      const p = pick(activeIds);
      if (!m.merchant[p] || m.multi[p] === 1 || p + 1 >= m.invStart.length) continue;
      const a = m.invStart[p]!;
      const b = m.invStart[p + 1]!;
      if (b === a) continue;
      const i = a + Math.floor(random() * (b - a));
      const left = m.invAvail[i]!;
      if (left <= 0) continue;
      const now = random() < toZero ? 0 : left - 1;
      setAvailable(m, p, m.invLoc[i]!, now);
      decrements.writes++;
      if (now === 0) decrements.crossing++;
      return m.merchant[p]!;
    }
    return 0;
  };

  // 1. Identity.
  clearBrowseCache();
  const s0 = { ...browseCacheStats };
  const nIdentity = Number(values.identity);
  const recent: BrowseQuery[] = [];
  for (let i = 0; i < nIdentity; i++) {
    if (i % 20 === 19) for (let w = Math.floor(random() * 4); w >= 0; w--) write();
    // Sales between most browses (answers kept through them show the quantities of now).
    for (let w = Math.floor(random() * 3); w > 0; w--) decrement();
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
      decrements,
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
  for (const [kind, unique, every] of nCpu > 0 ? KINDS : []) {
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
  if (rows.length) console.table(rows);

  // 4. A busy day: shoppers' browses (as in 2, at shared points) with stock decrements between
  // them at a rate per second. "before": every stock change also noted as a change of its
  // merchant (the recording before stock changes were told apart: a positive entry in `touched`);
  // "after": as memory.ts records it now. The two run one after the other on the same queries
  // (the cache is one per process), each from an empty cache warmed by its first 100 queries;
  // which goes first alternates from one rate to the next.
  const nBusy = Number(values.busy);
  const browseRate = Number(values['browse-rate']);
  const busyRows = [];
  const rates = String(values.decrements)
    .split(',')
    .map(Number)
    .filter((x) => nBusy > 0 && x >= 0);
  for (const [r, perSecond] of rates.entries()) {
    const perBrowse = perSecond / browseRate;
    const stats = {
      before: { cpu: [] as number[], hits: 0, stale: 0, writes: 0, crossing: 0 },
      after: { cpu: [] as number[], hits: 0, stale: 0, writes: 0, crossing: 0 },
    };
    // The same shoppers' queries for both modes: drawn once.
    const qs = Array.from({ length: nBusy }, () => shopper(true));
    for (const mode of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
      const st = stats[mode];
      clearBrowseCache();
      for (const q of qs.slice(0, 100)) run(q, defaultBytes); // warm: the common answers kept
      let owed = 0;
      for (const q of qs) {
        owed += perBrowse;
        for (; owed >= 1; owed--) {
          const c0 = decrements.crossing;
          const mid = decrement();
          st.writes++;
          if (decrements.crossing > c0) st.crossing++;
          // Before: a stock change made its merchant's kept answers stale whatever the quantity
          // (memory.ts recorded +mid for every one; it records -mid for a quiet one now).
          const t = m.touched;
          if (mode === 'before' && mid && t && t[t.length - 1] === -mid) t[t.length - 1] = mid;
        }
        const h = browseCacheStats.hits;
        const s = browseCacheStats.stale;
        const c0 = process.cpuUsage();
        run(q, defaultBytes);
        st.cpu.push(cpuMs(process.cpuUsage(c0)));
        st.hits += browseCacheStats.hits - h;
        st.stale += browseCacheStats.stale - s;
      }
    }
    for (const mode of ['before', 'after'] as const) {
      const st = stats[mode];
      busyRows.push({
        decrements_per_s: perSecond,
        browses_per_s: browseRate,
        recording: mode,
        browses: st.cpu.length,
        decrements: st.writes,
        crossing_zero: st.crossing,
        hit_rate: round(st.hits / st.cpu.length),
        stale: st.stale,
        cpu_ms_mean: round(st.cpu.reduce((a, b) => a + b, 0) / st.cpu.length),
        cpu_ms_p50: round(percentile(st.cpu, 50)),
        cpu_ms_p95: round(percentile(st.cpu, 95)),
      });
    }
  }
  for (const r of busyRows) console.log(JSON.stringify(r));
  if (busyRows.length) console.table(busyRows);

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
