// The first browse of an area in a process (issue 19 item 4): what building the summaries of the
// area's merchants (browse-index.ts) costs a shopper's request, with and without the browse
// warm-up (warm-up.ts warmBrowseSummaries) run first; the summaries' bytes for the whole region,
// RSS, and a check that the answers equal the product-by-product path's (`walk`).
//
//   npx node bench/browse-first-use.ts --data DIR [--pg URL] [--warm] [--radius 25]
//
// One browse per municipality (sort relevance, no filter, then a category page and a price sort
// there), in a fresh process: run it once without --warm and once with. Thread CPU per browse.
// Nothing is written to the dataset.
import assert from 'node:assert/strict';
import { openDatabase } from '../src/db/database.ts';
import { boundingBox } from '../src/modules/common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from '../src/modules/search/area.ts';
import { type BrowseQuery, browse } from '../src/modules/search/browse.ts';
import { browseIndex, merchantSummaryBytes, summaryBytes } from '../src/modules/search/browse-index.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';
import { RANKING, type SortKey } from '../src/modules/search/search.types.ts';
import { warmBrowseSummaries } from '../src/modules/search/warm-up.ts';
import { benchArgs, loadAverage, threadCpuMs } from './cli.ts';

const USAGE = 'Usage: npx node bench/browse-first-use.ts --data DIR [--pg URL] [--warm] [--radius KM]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    pg: { type: 'string' },
    warm: { type: 'boolean', default: false },
    radius: { type: 'string', default: '25' },
  },
  (v) => Boolean(v.data),
);

const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const database = openDatabase({
  databaseUrl: values.pg as string | undefined,
  dataDir: String(values.data),
  lock: false,
});
try {
  const ref = await reference(database);
  const m = await catalogMemory(database);
  const ix = browseIndex(m);
  const rssLoaded = process.memoryUsage().rss;
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      loadavg: loadAverage(),
      warm: values.warm === true,
      rss_loaded_mb: mb(rssLoaded),
    }),
  );
  if (values.warm) {
    const report = await warmBrowseSummaries(database, { cpuMs: 60_000, maxGapMs: 1e9 });
    console.log(
      JSON.stringify({
        warm_up: report,
        location_summaries_mb: mb(summaryBytes(ix)),
        merchant_summaries_mb: mb(merchantSummaryBytes(ix)),
        rss_mb: mb(process.memoryUsage().rss),
      }),
    );
  }
  const radius = Number(values.radius);
  const query = (mu: { lat: number; lng: number }, sort: SortKey, categoryId: number): BrowseQuery => {
    const point = { lat: mu.lat, lng: mu.lng };
    const box = boundingBox(point.lat, point.lng, radius);
    const openMask = openMaskAt(ref, new Date());
    const delivers = deliversTo(ref, { ...point, source: 'coordinates' });
    const { keeps } = searchArea(ref, { point, box, radius, openMask, delivers });
    return {
      point,
      radius,
      keeps,
      box,
      delivers,
      openNow: false,
      openMask,
      categoryId,
      quebec: false,
      inStock: false,
      sort,
      offset: 0,
      limit: 20,
      lang: 'fr',
      weights: RANKING,
    };
  };
  const rows = [];
  let first = 0;
  for (const mu of ref.municipalities) {
    const qs = [
      query(mu, 'relevance', 0),
      query(mu, 'price_asc', 0),
      query(mu, 'relevance', ref.categories[0]!.id),
    ];
    const cpu: number[] = [];
    for (const q of qs) {
      const c0 = threadCpuMs();
      const got = browse(ref, m, q);
      cpu.push(Math.round((threadCpuMs() - c0) * 10) / 10);
      assert.deepStrictEqual(got, browse(ref, m, q, { walk: true }), `${mu.name} differs`);
    }
    first = Math.max(first, cpu[0]!);
    rows.push({ town: mu.name, first_ms: cpu[0], price_ms: cpu[1], category_ms: cpu[2] });
  }
  console.table(rows);
  console.log(
    JSON.stringify({
      worst_first_browse_cpu_ms: first,
      location_summaries_mb: mb(summaryBytes(ix)),
      merchant_summaries_mb: mb(merchantSummaryBytes(ix)),
      rss_mb: mb(process.memoryUsage().rss),
      identical: true,
    }),
  );
} finally {
  await database.close();
}
