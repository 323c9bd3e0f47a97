// A search request's work in process, as the API route does it: `search()` and the answer's JSON
// (JSON.stringify, then its UTF-8 length as the Content-Length), per request: thread CPU and the
// bytes it allocates on the V8 heap (the heap's growth, read where no collection ran in between: a
// request whose heap shrank is not counted; run with a large young generation, as below, so that
// few are). With --baseline CHECKOUT, the same requests are answered by that checkout (the code
// before a change) and by this tree in one process, alternating request by request (which tree goes
// first alternates too), each tree with its own caches fed the same sequence, and every answer's
// JSON compared byte for byte. Results go in docs/PERFORMANCE.md ("CPU per search under 16
// connections").
//
//   npx node --max-semi-space-size=64 --min-semi-space-size=64 bench/search-request.ts --data DIR
//        [--baseline CHECKOUT] [--queries 3000] [--warmup 600] [--seed 7] [--queries-file FILE]
//
// The searches: bench/search-core.ts --set realistic's (benchQueries), or a query file's
// (bench/query-file.ts), round and round. Both trees prepared as a server (search-trees.ts: facts
// from the snapshot, text index from its file). Nothing is written to the dataset. Run it in a
// server's start environment (MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 SQLITE_CACHE_MB=16
// SQLITE_MMAP_MB=0: src/serve/start-flags.ts), which the figures depend on.
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import { type Database, openDatabase } from '../src/db/database.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { SearchParams } from '../src/modules/search/search.types.ts';
import { benchArgs, loadAverage, machine, round, seededRandom, threadCpuMs } from './cli.ts';
import { readQueryFile } from './query-file.ts';
import { benchQueries } from './realistic-queries.ts';
import { baselineSearch, servingTrees } from './search-trees.ts';

const values = benchArgs(
  'Usage: npx node --max-semi-space-size=64 --min-semi-space-size=64 bench/search-request.ts --data DIR [--baseline CHECKOUT] [--queries 3000] [--warmup 600] [--seed 7] [--queries-file FILE]\n',
  {
    data: { type: 'string' },
    baseline: { type: 'string' },
    queries: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '600' },
    seed: { type: 'string', default: '7' },
    'queries-file': { type: 'string' },
  },
  (v) => v.data !== undefined,
);

type SearchFn = (database: Database, params: SearchParams) => Promise<unknown>;
interface Tree {
  name: string;
  search: SearchFn;
  cpu: number[];
  bytes: number[];
}

const database = openDatabase({ dataDir: String(values.data), lock: false });
const baseline = await baselineSearch(values.baseline);
await servingTrees(database, values.baseline);
const trees: Tree[] = [
  ...(baseline ? [{ name: 'before', search: baseline as SearchFn, cpu: [], bytes: [] }] : []),
  { name: baseline ? 'after' : 'current', search: search as SearchFn, cpu: [], bytes: [] },
];
console.log(JSON.stringify({ ...machine(), baseline: baseline !== undefined }));

let query: (i: number) => SearchParams;
const file = values['queries-file'];
if (file) {
  const f = readQueryFile(file);
  const now = new Date();
  query = (i) => ({ ...f.queries[i % f.queries.length]!.params, now });
} else query = await benchQueries(database, seededRandom(Number(values.seed)), 'realistic');

/** One request: the search, its JSON and the JSON's UTF-8 length (the route's Content-Length). */
async function request(t: Tree, params: SearchParams, measured: boolean): Promise<string> {
  const heap0 = getHeapStatistics().used_heap_size;
  const c0 = threadCpuMs();
  const json = JSON.stringify(await t.search(database, params));
  Buffer.byteLength(json);
  const cpu = threadCpuMs() - c0;
  const grown = getHeapStatistics().used_heap_size - heap0;
  if (measured) {
    t.cpu.push(cpu);
    if (grown >= 0) t.bytes.push(grown);
  }
  return json;
}

const warmup = Number(values.warmup);
const total = warmup + Number(values.queries);
let differ = 0;
for (let i = 0; i < total; i++) {
  const params = query(i);
  const order = i % 2 === 0 ? trees : [...trees].reverse();
  const out: string[] = [];
  for (const t of order) out.push(await request(t, structuredClone(params), i >= warmup));
  if (out.length === 2 && out[0] !== out[1]) differ++;
}
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
for (const t of trees)
  console.log(
    JSON.stringify({
      run: t.name,
      requests: t.cpu.length,
      cpu_ms_per_request: round(mean(t.cpu), 4),
      kb_allocated_per_request: round(mean(t.bytes) / 1024, 1),
      requests_without_gc: t.bytes.length,
    }),
  );
console.log(JSON.stringify({ loadavg: loadAverage(), answers_differing: differ }));
if (trees.length === 2) assert.equal(differ, 0, 'the two trees answered differently');
process.exit(0);
