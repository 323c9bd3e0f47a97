// Browsing without words, in process (no HTTP): the time of browse.ts itself per request, the path
// that ranks every nearby product one by one (`walk`, what was served before issue 19) against the
// summarised path (single-location merchants counted a bucket at a time), same process, same data,
// same queries, alternating; and a check that both give the same answer on every query.
// Results go in docs/PERFORMANCE.md ("Browsing without words (issue 19)").
//
//   npx node bench/browse-core.ts --data DIR [--queries 300] [--pg URL] [--kinds category,near,home]
//
// Kinds: category (25 km, one category), near (25 km), home (10 km, by distance) around a town,
// far (25 km anywhere in the extent of the region's locations), wide (40-200 km around a town).
//
// The dataset is one bench/browse.ts seeds (`comptoir seed --demo`); nothing is written to it.
import assert from 'node:assert/strict';
import { openDatabase } from '../src/db/database.ts';
import { boundingBox } from '../src/modules/common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from '../src/modules/search/area.ts';
import { type BrowseQuery, browse } from '../src/modules/search/browse.ts';
import { browseIndex, summaryBytes } from '../src/modules/search/browse-index.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';
import { RANKING, type SortKey } from '../src/modules/search/search.types.ts';
import { benchArgs, machine, percentile, pickWith, seededRandom } from './cli.ts';
import { regionExtent } from './region-extent.ts';

const USAGE =
  'Usage: npx node bench/browse-core.ts --data DIR [--queries N] [--pg URL] [--kinds category,near,home,far,wide]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    pg: { type: 'string' },
    queries: { type: 'string', default: '300' },
    kinds: { type: 'string', default: 'category,near,home' },
  },
  (v) => Boolean(v.data),
);

const random = seededRandom(11);
const pick = pickWith(random);

const database = openDatabase({
  databaseUrl: values.pg as string | undefined,
  dataDir: String(values.data),
  lock: false,
});
try {
  const loadStart = performance.now();
  const ref = await reference(database);
  const m = await catalogMemory(database);
  const loadMs = performance.now() - loadStart;
  const munis = await database.db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute();
  const products = m.merchant.reduce((n, x) => n + (x ? 1 : 0), 0);
  console.log(
    JSON.stringify({
      ...machine({ memory: true }),
      products,
      load_ms: Math.round(loadMs),
    }),
  );
  const SORTS: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  const FILTERS = [
    {},
    {},
    {},
    { inStock: true },
    { quebec: true },
    { fulfilment: 'pickup' },
    { fulfilment: 'delivery' },
  ];
  const KINDS = ['category', 'near', 'home', 'far', 'wide'] as const;
  type Kind = (typeof KINDS)[number];
  const kinds = String(values.kinds).split(',') as Kind[];
  for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind ${k}\n${USAGE}`);
  const extent = await regionExtent(database.db);
  const query = (kind: Kind): BrowseQuery => {
    const mu = pick(munis);
    const spread = Math.max(1, Number(mu.spread_km));
    const point =
      kind === 'far'
        ? {
            lat: extent.minLat + random() * (extent.maxLat - extent.minLat),
            lng: extent.minLng + random() * (extent.maxLng - extent.minLng),
          }
        : {
            lat: Number(mu.lat) + ((random() - 0.5) * 2 * spread) / 111.32,
            lng:
              Number(mu.lng) +
              ((random() - 0.5) * 2 * spread) / (111.32 * Math.cos((Number(mu.lat) * Math.PI) / 180)),
          };
    const radius = kind === 'home' ? 10 : kind === 'wide' ? pick([40, 50, 75, 100, 200]) : 25;
    const f = (kind === 'home' ? {} : pick(FILTERS)) as {
      inStock?: boolean;
      quebec?: boolean;
      fulfilment?: 'pickup' | 'delivery';
    };
    const box = boundingBox(point.lat, point.lng, radius);
    const openMask = openMaskAt(ref, new Date());
    const delivers = deliversTo(ref, { ...point, source: 'coordinates' });
    const { keeps } = searchArea(ref, { point, box, radius, fulfilment: f.fulfilment, openMask, delivers });
    return {
      point,
      radius,
      keeps,
      box,
      fulfilment: f.fulfilment,
      delivers,
      openNow: false,
      openMask,
      categoryId: kind === 'category' ? pick(ref.categories).id : 0,
      quebec: f.quebec === true,
      inStock: f.inStock === true,
      sort: kind === 'home' ? 'distance' : pick(SORTS),
      offset: 0,
      limit: kind === 'home' ? 12 : 20,
      lang: 'fr',
      weights: RANKING,
    };
  };
  const times: Record<string, { walk: number[]; summarised: number[] }> = {};
  // CPU time of the process per call (user + system, ms): what other work on the machine distorts least.
  const cpu: Record<string, { walk: number[]; summarised: number[] }> = {};
  for (const k of kinds) {
    times[k] = { walk: [], summarised: [] };
    cpu[k] = { walk: [], summarised: [] };
  }
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  // Warm-up: builds the summaries the queries read (a real server keeps them between requests).
  for (let i = 0; i < 30; i++) browse(ref, m, query(pick(kinds)));
  const n = Number(values.queries);
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length]!;
    const q = query(kind);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const walked = browse(ref, m, q, { walk: true });
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const summarised = browse(ref, m, q);
    const t2 = performance.now();
    const c2 = process.cpuUsage(c1);
    cpu[kind]!.walk.push(cpuMs(c1) - cpuMs(c0));
    cpu[kind]!.summarised.push(cpuMs(c2));
    times[kind]!.walk.push(t1 - t0);
    times[kind]!.summarised.push(t2 - t1);
    assert.deepStrictEqual(summarised, walked, `query ${i} (${kind}) differs`);
  }
  const rows = [];
  for (const k of kinds) {
    for (const path of ['walk', 'summarised'] as const) {
      const t = times[k]![path];
      rows.push({
        run: k,
        path,
        queries: t.length,
        p50_ms: Math.round(percentile(t, 50) * 100) / 100,
        p95_ms: Math.round(percentile(t, 95) * 100) / 100,
        max_ms: Math.round(percentile(t, 100) * 100) / 100,
        cpu_ms_mean: Math.round((cpu[k]![path].reduce((a, b) => a + b, 0) / (t.length || 1)) * 100) / 100,
        cpu_ms_p95: Math.round(percentile(cpu[k]![path], 95) * 100) / 100,
      });
    }
  }
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);
  console.log(
    JSON.stringify({
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      // The location summaries' typed arrays (capacity included), as built by these queries.
      summary_bytes: summaryBytes(browseIndex(m)),
      identical: true,
    }),
  );
} finally {
  await database.close();
}
