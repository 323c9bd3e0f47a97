// SQLite's memory-mapped window (SQLITE_MMAP_MB) against none, in one process: two connections to
// the same region, one per setting (each with a server's 16 MiB page cache, its own catalogue facts
// and text index, loaded as a server loads them), the realistic shopper mix answered by both in
// turn (which goes first alternates), each search's CPU time (this thread) and wall time, and a
// check that both answer the same. The window's pages count in RSS as file-backed memory; without
// it SQLite reads those pages into its page cache instead (docs/PERFORMANCE.md, issue 19).
//
//   npx node bench/sqlite-mmap.ts --data DIR [--mmap 32,0] [--queries 3000] [--warmup 300]
//
// DIR is a SQLite DATA_DIR with its facts snapshot and text index file; nothing is written to it.
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '../src/db/database.ts';
import '../src/modules/search/index.ts';
import { catalogMemory, useFactsSnapshot } from '../src/modules/search/memory.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { SearchParams } from '../src/modules/search/search.types.ts';
import { textIndexBuilt } from '../src/modules/search/text-index-state.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    mmap: { type: 'string', default: '32,0' },
    queries: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '300' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values.data) {
  (values.help ? process.stdout : process.stderr).write(
    'Usage: npx node bench/sqlite-mmap.ts --data DIR [--mmap 32,0] [--queries 3000] [--warmup 300]\n',
  );
  process.exit(values.help ? 0 : 2);
}
const quiet = { info() {}, warn: (o: object, msg: string) => console.error(msg, o) };
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

const runs: { name: string; database: Database; cpu: number[]; wall: number[] }[] = [];
for (const mb of values.mmap!.split(',')) {
  process.env.SQLITE_MMAP_MB = mb;
  process.env.SQLITE_CACHE_MB = '16';
  const database = openDatabase({ dataDir: values.data, lock: false });
  useFactsSnapshot(database, { write: false, log: quiet });
  await catalogMemory(database);
  if (!(await textIndexBuilt(database))) console.error(`mmap ${mb}: no text index (FTS5 answers)`);
  runs.push({ name: `mmap ${mb} MB`, database, cpu: [], wall: [] });
}
let seed = 42;
const shopper = realisticShopper(() => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
});
const now = new Date();
const query = (): SearchParams => ({
  q: shopper.text(),
  ...shopper.point(),
  radius_km: shopper.radius(),
  per_page: 20,
  now,
});
console.log(
  JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), runs: runs.map((r) => r.name) }),
);
const warm = Number(values.warmup);
const n = Number(values.queries);
for (let i = 0; i < warm + n; i++) {
  const q = query();
  const order = i % 2 === 0 ? runs : [...runs].reverse();
  const answers: unknown[] = [];
  for (const r of order) {
    const c0 = cpuMs();
    const w0 = performance.now();
    answers.push(await search(r.database, q));
    if (i < warm) continue;
    r.wall.push(performance.now() - w0);
    r.cpu.push(cpuMs() - c0);
  }
  for (const a of answers.slice(1))
    assert.deepStrictEqual(a, answers[0], `query ${i} differs: ${JSON.stringify(q)}`);
}
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000;
const p95 = (xs: number[]) =>
  Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]! * 1000) / 1000;
for (const r of runs)
  console.log(
    JSON.stringify({
      run: r.name,
      queries: r.cpu.length,
      cpu_ms_mean: mean(r.cpu),
      wall_ms_mean: mean(r.wall),
      wall_ms_p95: p95(r.wall),
    }),
  );
console.log(JSON.stringify({ identical: n, loadavg_end: loadavg() }));
for (const r of runs) await r.database.close();
