// The regrouped hit lists' cells (candidates.ts HitCells) in figures, by list length: how many
// lists are regrouped during a realistic shopper mix, how many cells of the placement each
// occupies, and the bytes of their cell starts as built (occupied cells listed where smaller) and
// as they were before (an Int32 start for every cell of the placement), for every regrouping and
// for the lists the text-hit cache still holds at the end. In process, no HTTP.
//
//   npx node --expose-gc bench/hit-cells-bytes.ts --data DIR [--searches N] [--seed S]
//
// DIR is a SQLite DATA_DIR seeded by `npm run bench:seed -- --db sqlite --keep DIR`; nothing is
// written to it (copy the 1M region first anyway: see docs/PERFORMANCE.md). The mix is
// memory-parts.ts's (same seed: the same searches).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { type HitCellsShape, hitCellsShape, whenHitCellsBuilt } from '../src/modules/search/candidates.ts';
import { hitCacheParts } from '../src/modules/search/hit-cache.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { reference } from '../src/modules/search/reference.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { Hits } from '../src/modules/search/search.types.ts';
import { textIndexBuilt } from '../src/modules/search/text-index-state.ts';
import { realisticShopper } from './realistic-queries.ts';

const USAGE = 'Usage: npx node --expose-gc bench/hit-cells-bytes.ts --data DIR [--searches N] [--seed S]\n';
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    searches: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '42' },
    help: { type: 'boolean', default: false },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (values.help || !values.data || !gc) {
  (values.help ? process.stdout : process.stderr).write(USAGE);
  process.exit(values.help ? 0 : 2);
}

interface Built extends HitCellsShape {
  length: number;
}
const builds: Built[] = [];
const alive: { hits: WeakRef<Hits>; at: number }[] = [];
whenHitCellsBuilt((hits) => {
  const s = hitCellsShape(hits)!;
  alive.push({ hits: new WeakRef(hits), at: builds.length });
  builds.push({ length: hits.ids.length, ...s });
});

console.log(JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg() }));
const database = openDatabase({ dataDir: values.data, lock: false });
await reference(database);
await catalogMemory(database);
await textIndexBuilt(database);
let seed = Number(values.seed);
const shopper = realisticShopper(() => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
});
const now = new Date();
const cpu0 = process.cpuUsage();
for (let i = 0, n = Number(values.searches); i < n; i++)
  await search(database, {
    q: shopper.text(),
    ...shopper.point(),
    radius_km: shopper.radius(),
    per_page: 20,
    now,
  });
const cpu = process.cpuUsage(cpu0);
gc!();
gc!();

const bounds = [100, 300, 1_000, 3_000, 10_000, 100_000, Number.POSITIVE_INFINITY];
/**
 * The layout before the compact cells: an Int32 start for every cell of the placement, Int32 run
 * starts, part ends in 16 bits (Int32 past 65,535 hits a run); the other arrays as now.
 */
function before(r: Built): Built['bytes'] {
  return {
    ...r.bytes,
    starts: 4 * (r.placementCells + 1),
    runStart: 4 * (r.runs + 1),
    partEnds: r.partEnds * (r.partEndBytes === 4 ? 4 : 2),
  };
}
const sumOf = (b: Built['bytes']) => Object.values(b).reduce((a, x) => a + x, 0);
/** Figures per list length, bytes before and after by array (100 bytes a list for the objects). */
function table(label: string, rows: Built[]) {
  const out: Record<string, unknown>[] = [];
  const ranges = bounds.map((hi, b) => [b === 0 ? 0 : bounds[b - 1]!, hi] as const);
  for (const [lo, hi] of [...ranges, [0, Number.POSITIVE_INFINITY] as const]) {
    const inRange = rows.filter((r) => r.length >= lo && r.length < hi);
    if (inRange.length === 0) continue;
    const sum = (f: (r: Built) => number) => inRange.reduce((a, r) => a + f(r), 0);
    const by = (f: (r: Built) => Built['bytes']) =>
      Object.fromEntries(
        (['starts', 'runStart', 'runMerchant', 'partEnds', 'cellRuns'] as const).map((k) => [
          k,
          sum((r) => f(r)[k]),
        ]),
      );
    const bytesBefore = sum((r) => 100 + sumOf(before(r)));
    const bytesAfter = sum((r) => r.total);
    out.push({
      table: label,
      length:
        lo === 0 && hi === Number.POSITIVE_INFINITY
          ? 'all'
          : `${lo}-${hi === Number.POSITIVE_INFINITY ? '' : hi - 1}`,
      lists: inRange.length,
      listed: inRange.filter((r) => r.listed).length,
      hits: sum((r) => r.length),
      runs: sum((r) => r.runs),
      mean_cells: +(sum((r) => r.cells) / inRange.length).toFixed(1),
      before: by(before),
      after: by((r) => r.bytes),
      bytes_before: bytesBefore,
      bytes_after: bytesAfter,
      mean_bytes_before: Math.round(bytesBefore / inRange.length),
      mean_bytes_after: Math.round(bytesAfter / inRange.length),
      mb_before: +(bytesBefore / 1048576).toFixed(2),
      mb_after: +(bytesAfter / 1048576).toFixed(2),
    });
  }
  for (const row of out) console.log(JSON.stringify(row));
}
console.log(
  JSON.stringify({
    searches: Number(values.searches),
    cpu_ms_per_search: +((cpu.user + cpu.system) / 1000 / Number(values.searches)).toFixed(3),
    placement_cells: builds[0]?.placementCells,
    regroupings: builds.length,
    cache: hitCacheParts(database),
  }),
);
table('every regrouping', builds);
// Held at the end: lists still alive after the GCs whose latest regrouping is this one.
const latest = new Map<Hits, number>();
for (const a of alive) {
  const h = a.hits.deref();
  if (h) latest.set(h, a.at);
}
table(
  'held at the end',
  [...latest.values()].map((at) => builds[at]!),
);
await database.close();
