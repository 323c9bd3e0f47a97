// PostgreSQL text hits from the in-process text index (src/modules/search/text-index-pg.ts) against
// the database path, per new text: for each distinct text of the realistic shopper mix
// (bench/realistic-queries.ts, the search's own parseQuery / prepareWords / matchExpr), textHits
// with the index (long lists from memory, a short one's ts_rank from the database) and without it
// (tsMatchLists, then ts_rank for a short list), alternating which goes first, the cache off. Both
// must give the same hits (ids and relevance). First the index's build on its worker thread: wall
// time, this process's CPU (the worker's included), the RSS it peaked at, its bytes. Nothing is
// written on a schema without migration 074; on one with it (any seeded after it), the
// worker loads the stored index if any, else builds and stores it (bench/pg-text-index-store.ts
// measures both).
//
//   npx node bench/pg-text-index.ts [--pg URL] [--pg-schema bench_search_1m] [--texts 300] [--seed 7]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { MAX_BM25_HITS } from '../src/modules/search/search.types.ts';
import { textIndexBuilt, textIndexStatus } from '../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHits } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
    texts: { type: 'string', default: '300' },
    seed: { type: 'string', default: '7' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npx node bench/pg-text-index.ts [--pg URL] [--pg-schema S] [--texts N] [--seed N]\n',
  );
  process.exit(0);
}
// Every textHits call reads (the comparison is of reads, not of the cache).
process.env.COMPTOIR_SEARCH_CACHE = '0';

const url = new URL(values.pg!);
url.searchParams.set('options', `-c search_path=${values['pg-schema']},public`);
url.searchParams.set('application_name', 'pg-text-index');
// One connection: its backend's CPU (/proc, PostgreSQL on this machine) is the reads' CPU.
const database = openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp', poolSize: 1 });
const backendCpuMs = () => {
  const f = readFileSync(`/proc/${backend}/stat`, 'utf8');
  const p = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(p[11]) + Number(p[12])) * 10;
};
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
const mb = (b: number) => Math.round(b / 2 ** 20);

// The build, on its worker thread.
const rss0 = process.memoryUsage().rss;
let rssPeak = rss0;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 50);
const p0 = process.cpuUsage();
const b0 = performance.now();
const index = await textIndexBuilt(database);
const buildMs = performance.now() - b0;
const p1 = process.cpuUsage(p0);
clearInterval(sampler);
if (!index) throw new Error(`no index: ${JSON.stringify(textIndexStatus(database))}`);
global.gc?.();
const build = {
  wall_ms: Math.round(buildMs),
  process_cpu_ms: Math.round((p1.user + p1.system) / 1000),
  rss_before_mb: mb(rss0),
  rss_peak_mb: mb(rssPeak),
  rss_after_mb: mb(process.memoryUsage().rss),
  index_mb: mb(index.bytes),
  documents: index.data!.docs,
};

// Read after the build: the pool closes a connection idle for 10 s (a new backend then).
const backend = Number(
  (await database.pool!.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid,
);
let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const shopper = realisticShopper(random);
const exprs = new Set<string>();
for (let i = 0; exprs.size < Number(values.texts) && i < 100 * Number(values.texts); i++) {
  const text = shopper.text();
  shopper.point();
  shopper.radius();
  const words = await prepareWords(database, parseQuery(text, { prefixLast: true }));
  if (words.length > 0) exprs.add(matchExpr(database, words, 'all'));
}

type Way = 'database' | 'index';
const zero = () => ({ wall: 0, cpu: 0, db: 0, n: 0 });
const totals = { all: { database: zero(), index: zero() }, long: { database: zero(), index: zero() } };
let differ = 0;
let long = 0;
let i = 0;
for (const expr of exprs) {
  const order: Way[] = i++ % 2 ? ['database', 'index'] : ['index', 'database'];
  const got: Partial<Record<Way, { ids: Int32Array; bm: ArrayLike<number> }>> = {};
  const cost: Partial<Record<Way, { wall: number; cpu: number; db: number }>> = {};
  for (const way of order) {
    process.env.COMPTOIR_TEXT_INDEX = way === 'index' ? '1' : '0';
    const w0 = performance.now();
    const c0 = cpuMs();
    const d0 = backendCpuMs();
    got[way] = await textHits(database, expr);
    cost[way] = { wall: performance.now() - w0, cpu: cpuMs() - c0, db: backendCpuMs() - d0 };
  }
  const a = got.database!;
  const b = got.index!;
  if (a.ids.length !== b.ids.length || a.ids.some((x, k) => x !== b.ids[k] || a.bm[k] !== b.bm[k])) {
    differ++;
    console.error(
      `different hits for ${expr}: ${a.ids.length} from the database, ${b.ids.length} from the index`,
    );
  }
  const isLong = a.ids.length > MAX_BM25_HITS;
  if (isLong) long++;
  for (const way of ['database', 'index'] as const)
    for (const t of isLong ? [totals.all[way], totals.long[way]] : [totals.all[way]]) {
      t.wall += cost[way]!.wall;
      t.cpu += cost[way]!.cpu;
      t.db += cost[way]!.db;
      t.n++;
    }
}
const per = (t: ReturnType<typeof zero>) => ({
  wall: Math.round((t.wall / t.n) * 100) / 100,
  node_cpu: Math.round((t.cpu / t.n) * 100) / 100,
  db_cpu: Math.round((t.db / t.n) * 100) / 100,
});
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    build,
    texts: exprs.size,
    lists_over_4000: long,
    different_hits: differ,
    ms_per_text: { database: per(totals.all.database), index: per(totals.all.index) },
    ms_per_long_text: { database: per(totals.long.database), index: per(totals.long.index) },
  }),
);
await database.close();
