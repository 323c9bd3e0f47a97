// The search's in-memory parts, one at a time, in process (no HTTP): CPU time to build each and
// the V8 heap (after two full GCs), heap committed and ArrayBuffers (the typed arrays) after it.
// Results go in docs/PERFORMANCE.md ("Serving on every core (issue 19)").
//
//   npx node --expose-gc bench/memory-parts.ts --data DIR [--searches N] [--queries FILE]
//
// --searches N: then N searches of the realistic shopper mix (bench/realistic-queries.ts), and the
// text-hit cache they leave: the bytes it counts against its bound (text-match.ts cachedBytes) and
// the ArrayBuffers it really added (the lists, their regrouping and cells; text index excluded),
// the V8 heap it added (its entries' objects and keys), its entries, and glibc's main arena
// (`[heap]` in /proc/self/smaps: where buffers under 128 KiB live with MALLOC_MMAP_THRESHOLD_).
// --queries FILE: the texts of FILE in turn (bench/distinct-queries.ts) at the mix's points.
//
// DIR is a SQLite DATA_DIR seeded by `npm run bench:seed -- --db sqlite --keep DIR`; nothing is
// written to it. Whole-server RSS after a search load is what `npm run bench:search` reports.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { openDatabase } from '../src/db/database.ts';
import { browseIndex } from '../src/modules/search/browse-index.ts';
import { hitCacheParts } from '../src/modules/search/hit-cache.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';
import { search } from '../src/modules/search/search.service.ts';
import { TEXT_INDEX_ARRAYS } from '../src/modules/search/text-index-file.ts';
import { textIndexBuilt } from '../src/modules/search/text-index-state.ts';
import { cachedBytes } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const USAGE =
  'Usage: npx node --expose-gc bench/memory-parts.ts --data DIR [--searches N] [--queries FILE]\n';
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    searches: { type: 'string', default: '0' },
    queries: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (values.help || !values.data || !gc) {
  (values.help ? process.stdout : process.stderr).write(USAGE);
  process.exit(values.help ? 0 : 2);
}
const mb = (b: number) => +(b / 1048576).toFixed(1);
/** Resident kB of the mappings named `name` in /proc/self/smaps (`[heap]`: glibc's main arena). */
function smapsRssKb(name: string): number {
  let inside = false;
  let kb = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inside = line.trimEnd().endsWith(name);
    else if (inside && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}
let cpu0 = process.cpuUsage();
function step(label: string, extra: Record<string, unknown> = {}) {
  const c = process.cpuUsage(cpu0);
  gc!();
  gc!();
  const m = process.memoryUsage();
  console.log(
    JSON.stringify({
      step: label,
      cpu_ms: Math.round((c.user + c.system) / 1000),
      heap_used_mb: mb(m.heapUsed),
      heap_total_mb: mb(m.heapTotal),
      array_buffers_mb: mb(m.arrayBuffers),
      rss_mb: mb(m.rss),
      ...extra,
    }),
  );
  cpu0 = process.cpuUsage();
}

console.log(JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg() }));
const database = openDatabase({ dataDir: values.data, lock: false });
step('open');
const ref = await reference(database);
step('reference', { locations: ref.locations.length, merchants: ref.merchants.length });
const m = await catalogMemory(database);
step('catalogue facts + browse index', {
  products: m.merchant.length,
  stock_slots: m.invLoc.length,
  facts_mb: mb(
    [m.merchant, m.category, m.price, m.quebec, m.gtin, m.multi, m.invStart, m.invLoc, m.invAvail].reduce(
      (a, x) => a + x.byteLength,
      0,
    ),
  ),
});
const ix = browseIndex(m);
step('browse index (patched)', {
  gtin_groups: ix.groups,
  index_mb: mb(
    [
      ix.start,
      ix.ids,
      ix.builtMerchant,
      ix.groupKeys,
      ix.group,
      ix.categoryBits,
      ix.groupSize,
      ix.groupMember,
    ].reduce((a, x) => a + x.byteLength, 0),
  ),
});
const searches = Number(values.searches);
if (searches > 0) {
  // The text index first (its 55 MB are not the cache's), as a server has it after its first minute.
  const index = await textIndexBuilt(database);
  const d = index?.data;
  step('text index', {
    index_mb: mb(index?.bytes ?? 0),
    terms: d?.df.length,
    arrays_mb: d ? Object.fromEntries(TEXT_INDEX_ARRAYS.map((k) => [k, mb(d[k].byteLength)])) : undefined,
  });
  const buffers0 = process.memoryUsage().arrayBuffers;
  const heap0 = process.memoryUsage().heapUsed;
  const arena0 = smapsRssKb('[heap]');
  const texts = values.queries
    ? readFileSync(values.queries, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : undefined;
  let seed = 42;
  const shopper = realisticShopper(() => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  });
  const now = new Date();
  for (let i = 0; i < searches; i++) {
    const drawn = shopper.text();
    await search(database, {
      q: texts ? texts[i % texts.length]! : drawn,
      ...shopper.point(),
      radius_km: shopper.radius(),
      per_page: 20,
      now,
    });
  }
  gc!();
  gc!();
  step(`${searches} ${texts ? `searches of ${values.queries}` : 'realistic searches'}`, {
    cache_counted_mb: mb(cachedBytes(database)),
    cache_parts_mb: Object.fromEntries(
      Object.entries(hitCacheParts(database)).map(([k, v]) => [
        k,
        k === 'entries' || k === 'lists' ? v : mb(v),
      ]),
    ),
    cache_array_buffers_mb: mb(process.memoryUsage().arrayBuffers - buffers0),
    heap_added_mb: mb(process.memoryUsage().heapUsed - heap0),
    main_arena_added_mb: mb((smapsRssKb('[heap]') - arena0) * 1024),
  });
}
for (const s of getHeapSpaceStatistics())
  if (s.space_size > 1048576)
    console.log(
      JSON.stringify({ space: s.space_name, size_mb: mb(s.space_size), used_mb: mb(s.space_used_size) }),
    );
await database.close();
