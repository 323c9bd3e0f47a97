// PostgreSQL text hits, in process: for each distinct text of the realistic shopper mix
// (bench/realistic-queries.ts, the search's own parseQuery / prepareWords / matchExpr), the time
// and the PostgreSQL backend's CPU of reading its hit list the way textHits reads it now (ids as
// one text, ts_rank only for lists of MAX_BM25_HITS or fewer, else title / other tiers) against
// the former read (every match ranked by ts_rank as row objects), alternating which goes first.
// Checks that both find the same products (the former read's set; its order within a tiered list
// is ts_rank's, the new one SQLite's tiers; past MAX_TEXT_HITS matches, the former kept the rows
// its scan met first, the new one the lowest ids, so those are counted, not compared). Nothing is
// written.
//
//   npx node bench/pg-text-hits.ts [--pg URL] [--pg-schema bench_search_1m] [--texts 300] [--seed 7]
//                                  [--only new|old] [--pg-options '-c jit=off']
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { tsMatchesWithRank } from '../src/modules/search/search.repository.ts';
import { MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { matchExpr, prepareWords, textHits } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const USAGE =
  'Usage: npx node bench/pg-text-hits.ts [--pg URL] [--pg-schema S] [--texts N] [--seed N] [--only new|old] [--pg-options "-c jit=off"]\n';
const { values } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
    texts: { type: 'string', default: '300' },
    seed: { type: 'string', default: '7' },
    only: { type: 'string' },
    'pg-options': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
// Every textHits call reads the database (the comparison is of reads, not of the cache).
process.env.COMPTOIR_SEARCH_CACHE = '0';

const url = new URL(values.pg!);
url.searchParams.set(
  'options',
  `-c search_path=${values['pg-schema']},public ${values['pg-options']}`.trim(),
);
url.searchParams.set('application_name', 'pg-text-hits');
// One connection: its backend's CPU (/proc, PostgreSQL on this machine) is the reads' CPU.
const database = openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp', poolSize: 1 });
const backend = Number(
  (await database.pool!.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid,
);
/** CPU of the backend in ms (USER_HZ ticks of 10 ms: only sums over many reads mean something). */
const backendCpuMs = () => {
  const f = readFileSync(`/proc/${backend}/stat`, 'utf8');
  const p = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(p[11]) + Number(p[12])) * 10;
};
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

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

const old = async (expr: string) => {
  const rows = await tsMatchesWithRank(database.db, expr, MAX_TEXT_HITS);
  rows.sort((a, b) => Number(b.bm) - Number(a.bm) || Number(a.product_id) - Number(b.product_id));
  return Int32Array.from(rows, (r) => Number(r.product_id));
};
const now = async (expr: string) => (await textHits(database, expr)).ids;

const totals = {
  old: { wall: 0, cpu: 0, db: 0 },
  new: { wall: 0, cpu: 0, db: 0 },
};
const slow: { expr: string; n: number; old: number; new: number }[] = [];
let tiered = 0;
let differ = 0;
let pastLimit = 0;
let i = 0;
for (const expr of exprs) {
  const order: ('old' | 'new')[] =
    values.only === 'new'
      ? ['new']
      : values.only === 'old'
        ? ['old']
        : i++ % 2
          ? ['old', 'new']
          : ['new', 'old'];
  const got: Partial<Record<'old' | 'new', Int32Array>> = {};
  const wall: Partial<Record<'old' | 'new', number>> = {};
  for (const which of order) {
    const w0 = performance.now();
    const c0 = cpuMs();
    const d0 = backendCpuMs();
    got[which] = await (which === 'old' ? old : now)(expr);
    wall[which] = performance.now() - w0;
    totals[which].wall += wall[which];
    totals[which].cpu += cpuMs() - c0;
    totals[which].db += backendCpuMs() - d0;
  }
  if (got.old && got.new) {
    const a = [...got.old].sort((x, y) => x - y);
    const b = [...got.new].sort((x, y) => x - y);
    // Past MAX_TEXT_HITS the former read kept whichever rows its scan met first; now the lowest ids.
    if (a.length === MAX_TEXT_HITS) pastLimit++;
    else if (a.length !== b.length || a.some((x, k) => x !== b[k])) {
      differ++;
      console.error(`different products for ${expr}: ${a.length} before, ${b.length} after`);
    }
  }
  const n = (got.new ?? got.old)!.length;
  if (n > 4000) tiered++;
  slow.push({ expr, n, old: wall.old ?? 0, new: wall.new ?? 0 });
}
const per = (x: number) => Math.round((x / exprs.size) * 100) / 100;
slow.sort((a, b) => b.old + b.new - (a.old + a.new));
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    texts: exprs.size,
    lists_over_4000: tiered,
    different_sets: differ,
    lists_past_limit: pastLimit,
    ms_per_text: Object.fromEntries(
      Object.entries(totals)
        .filter(([k]) => !values.only || k === values.only)
        .map(([k, t]) => [k, { wall: per(t.wall), node_cpu: per(t.cpu), db_cpu: per(t.db) }]),
    ),
    slowest: slow
      .slice(0, 8)
      .map((s) => ({ ...s, old: Math.round(s.old * 10) / 10, new: Math.round(s.new * 10) / 10 })),
  }),
);
await database.close();
