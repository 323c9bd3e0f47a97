// The search's in-memory parts, one at a time, in process (no HTTP): CPU time to build each and
// the V8 heap (after two full GCs), heap committed and ArrayBuffers (the typed arrays) after it.
// Results go in docs/PERFORMANCE.md ("Serving on every core (issue 19)").
//
//   npx node --expose-gc bench/memory-parts.ts --data DIR
//
// DIR is a SQLite DATA_DIR seeded by `npm run bench:seed -- --db sqlite --keep DIR`; nothing is
// written to it. Whole-server RSS after a search load is what `npm run bench:search` reports.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { openDatabase } from '../src/db/database.ts';
import { browseIndex } from '../src/modules/search/browse-index.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';

const USAGE = 'Usage: npx node --expose-gc bench/memory-parts.ts --data DIR\n';
const { values } = parseArgs({
  options: { data: { type: 'string' }, help: { type: 'boolean', default: false } },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (values.help || !values.data || !gc) {
  (values.help ? process.stdout : process.stderr).write(USAGE);
  process.exit(values.help ? 0 : 2);
}
const mb = (b: number) => +(b / 1048576).toFixed(1);
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
      ix.builtGtin,
      ix.group,
      ix.categoryBits,
      ix.groupSize,
      ix.groupMember,
    ].reduce((a, x) => a + x.byteLength, 0),
  ),
});
for (const s of getHeapSpaceStatistics())
  if (s.space_size > 1048576)
    console.log(
      JSON.stringify({ space: s.space_name, size_mb: mb(s.space_size), used_mb: mb(s.space_used_size) }),
    );
await database.close();
