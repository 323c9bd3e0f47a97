// Search benchmark through HTTP (npm run bench:search). Prints figures; results go in
// docs/PERFORMANCE.md ("Search").
//
//   npx node bench/search.ts [--sqlite .bench-data/sqlite-1m] [--pg postgres://...] [--duration 10]
//                            [--merchants 20000 --products 1000000]   # seeds a missing dataset first
//                            [--skip-pg] [--skip-sqlite] [--warmup 10] [--cache on] [--pg-schema S]
//                            [--workers 1,auto]   # server processes (WEB_CONCURRENCY), side by side
//                            [--instances 1,2]    # PostgreSQL: separate servers on one database
//                            [--set realistic]    # a realistic shopper mix instead of the 30 queries
//                            [--queries FILE]     # searches written by someone else (a held-out list)
//
// For each backend and server layout it starts real servers (`comptoir serve`, child processes on
// loopback ports), then drives them with autocannon: the `queries` of the Outaouais retail
// vocabulary, random user positions in the region (a municipality plus jitter), 10 km radius, top
// 20, facets on; at 1 and 16 connections; and the suggest endpoint with prefixes of the same
// queries. Layouts, side by side in one run: one server per `--workers` value (WEB_CONCURRENCY: a
// primary handing connections to its workers), and on PostgreSQL also `--instances` separate
// one-process servers on the same schema (instances share events through LISTEN/NOTIFY; autocannon
// spreads its connections over them in turn, as a round-robin proxy would). Latency percentiles
// are computed from every response time; RSS is the sum of VmRSS / VmHWM over every process of
// every instance after the runs (PSS beside it: the workers' shared pages counted once); CPU per
// request is that of every process too, and on PostgreSQL also that of the database's backends
// serving the instances (it shares the same cores).
// --queries FILE replaces the drawn searches of the measured runs by a file's (bench/query-file.ts:
// JSON lines, a JSON array or CSV/TSV with a header; each with its own point, radius and filters),
// taken in file order and again from the top when the list ends; the unmeasured warm-up keeps the
// --set draws, so the file's texts reach each server first in the measured runs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { processTree } from './mixed-load.ts';
import { describeProblems, readQueryFile, searchPathOf } from './query-file.ts';
import { QUERIES, realisticShopper } from './realistic-queries.ts';

interface Instance extends PromiseLike<{ errors: number; non2xx: number }> {
  on(event: 'response', cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => Instance;

const { values } = parseArgs({
  options: {
    sqlite: { type: 'string', default: fileURLToPath(new URL('../.bench-data/sqlite-1m', import.meta.url)) },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
    duration: { type: 'string', default: '10' },
    /** Seconds of unmeasured load first (4 connections): JIT tiers, caches, page cache settle. */
    warmup: { type: 'string', default: '10' },
    // Seconds of no load after the server is ready, before anything else: its background warm-up
    // of the text-hit cache (SEARCH_WARM_UP_SECONDS) can then run undisturbed, as on a fresh server.
    settle: { type: 'string', default: '0' },
    merchants: { type: 'string', default: '20000' },
    products: { type: 'string', default: '1000000' },
    'skip-pg': { type: 'boolean', default: false },
    'skip-sqlite': { type: 'boolean', default: false },
    variants: { type: 'string', default: 'default' },
    // Server runs with the search cache on and/or off (COMPTOIR_SEARCH_CACHE), compared in one run.
    cache: { type: 'string', default: 'on' },
    // Server processes (WEB_CONCURRENCY: an integer or auto), one server per value, side by side.
    workers: { type: 'string', default: '1,auto' },
    // PostgreSQL only: counts of separate server instances (one process each) on the same schema.
    instances: { type: 'string', default: '1,2' },
    // NODE_OPTIONS of the server (e.g. the V8 heap flags of src/serve/cluster.ts SERVER_V8_FLAGS,
    // which a one-process server takes from there); `none` for none. Several: one server each.
    'node-options': { type: 'string', default: 'none' },
    // Which searches: the vocabulary's 30 queries at 10 km (vocabulary), or a realistic shopper mix
    // (bench/realistic-queries.ts: common words, prefixes, typos, brands, 5/10/25 km around the towns).
    set: { type: 'string', default: 'vocabulary' },
    // A file of searches (held-out list) for the measured runs instead of the --set draws.
    queries: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:search -- [options]
  --sqlite DIR         SQLite DATA_DIR (seeded when missing)   [.bench-data/sqlite-1m]
  --pg URL             PostgreSQL server                        [postgres://postgres@127.0.0.1:5432/test]
  --pg-schema S        schema on that server                    [bench_search_1m]
  --merchants N --products N   size of a dataset to seed        [20000, 1000000]
  --duration S         seconds per measured run                 [10]
  --warmup S           seconds of unmeasured load first         [10]
  --settle S           seconds idle after /readyz first (the servers' background
                       text-hit warm-up, SEARCH_WARM_UP_SECONDS, runs meanwhile) [0]
  --cache on,off       search cache settings, one server each   [on]
  --workers 1,auto     server processes (WEB_CONCURRENCY), one server each, side by side [1,auto]
  --instances 1,2      PostgreSQL: also N separate one-process servers on the same schema,
                       connections spread over them in turn (1 = only the --workers runs) [1,2]
  --variants default,… extra query strings                      [default]
  --node-options 'A|B' NODE_OPTIONS of the server, '|'-separated, one server each; none = unset [none]
  --set vocabulary|realistic   searches: the vocabulary's 30 queries at 10 km, or a realistic
                       shopper mix (bench/realistic-queries.ts)                 [vocabulary]
  --queries FILE       measured searches from a file, in its order, round and round (the warm-up
                       keeps the --set draws): JSON lines {"q": "...", "lat": .., "lng"|"lon": ..,
                       "radius_km"|"radius": .., optional category, sort, lang, page, per_page,
                       in_stock, quebec, open_now, fulfilment}, a JSON array of those, or CSV/TSV
                       with a header row (q|query|text, lat|latitude, lng|lon|longitude,
                       radius|radius_km, same optional columns; commas, semicolons or tabs;
                       French decimal commas in quoted fields; UTF-8 with or without BOM;
                       # comment lines). Missing radius: 10 km. Bad lines are listed with their
                       line numbers, and the run goes on without them.
                       e.g. bench/data/shopper-queries-heldout-like.csv
  --skip-sqlite --skip-pg

Each layout prints its rows as JSON lines, then the run ends with one table per backend, layouts
side by side: searches/s and p95 at 1 and 16 connections, their ratio, server CPU per search (every
process; on PostgreSQL the database backends' too), suggest, cold start and RSS.`);
  process.exit(0);
}
const DURATION = Number(values.duration);
if (values.set !== 'vocabulary' && values.set !== 'realistic') {
  console.error('--set is vocabulary or realistic');
  process.exit(2);
}
/** --queries FILE: the measured searches' paths, in file order. */
const filePaths = (() => {
  if (!values.queries) return undefined;
  const f = readQueryFile(values.queries);
  for (const line of describeProblems(values.queries, f)) console.error(line);
  if (!f.queries.length) {
    console.error(`${values.queries}: no search to run`);
    process.exit(2);
  }
  return f.queries.map((x) => searchPathOf(x.params));
})();
/** The next search of the file (round and round); reset per layout so each sees the same order. */
let fileNext = 0;

function pgUrl(url: string, schema: string) {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}

interface Muni {
  lat: number;
  lng: number;
  spread_km: number;
}

async function municipalities(env: Record<string, string>): Promise<Muni[]> {
  const database = openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR ?? '/tmp',
    lock: false,
    poolSize: 1,
  });
  try {
    const rows = await database.db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute();
    return rows.length ? rows : [{ lat: 45.4765, lng: -75.7013, spread_km: 10 }];
  } finally {
    await database.close();
  }
}

async function productCount(env: Record<string, string>): Promise<number> {
  const database = openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR ?? '/tmp',
    lock: false,
  });
  try {
    const r = await database.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await database.close();
  }
}

function seed(env: Record<string, string>) {
  console.log(`seeding ${values.merchants} merchants / ${values.products} products…`);
  const r = spawnSync(
    process.execPath,
    [
      'src/cli/main.ts',
      'seed',
      '--demo',
      '--merchants',
      values.merchants!,
      '--products',
      values.products!,
      '--json',
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`seed failed (${r.status})`);
  console.log(r.stdout.trim());
}

interface Started {
  child: ChildProcess;
  base: string;
  /** Seconds from spawning to the first `/readyz` 200 (every worker of the server ready). */
  coldStart: number;
}

/** A loopback port free now (the kernel's pick), so servers of other jobs on the machine are not hit. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A server, started again on another port when it could not listen (a port taken meanwhile). */
async function startServer(env: Record<string, string>, secret: string): Promise<Started> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(env, secret, await freePort());
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startServerOnce(env: Record<string, string>, secret: string, port: number): Promise<Started> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SESSION_SECRET: secret,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const started = performance.now();
  for (let i = 0; i < 6000 && !exited; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) {
        const coldStart = +((performance.now() - started) / 1000).toFixed(2);
        console.log(JSON.stringify({ cold_start_s: coldStart, env: env.WEB_CONCURRENCY, base }));
        return { child, base, coldStart };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error('server did not become ready');
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** A field of `/proc/PID/status` in kB (VmRSS, VmHWM, RssAnon...), read once per call of `statusKb`. */
function statusKb(pid: number) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
}

/** A GET on a new connection (the primary of a multi-worker server hands each to the next worker). */
function freshGet(url: string) {
  return new Promise<{ worker: string; body: string }>((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ worker: String(res.headers['x-comptoir-worker'] ?? '0'), body }));
    }).on('error', reject);
  });
}

/**
 * The parts of each process's memory: anonymous RSS (V8 heap, buffers and typed arrays, SQLite's
 * page cache, zlib/brotli contexts, malloc arenas) and file-backed RSS (code, the SQLite file's
 * mmap window); per worker, V8's heap and `external` (ArrayBuffers: the catalogue's typed arrays)
 * from /metrics, asked on new connections until every worker answered. The rest of the anonymous
 * RSS (native) is SQLite's cache, compression contexts and allocator slack.
 */
async function memoryParts(base: string, pid: number) {
  const mb = (b: number) => Math.round(b / 1048576);
  const procs = processTree(pid).map((p) => {
    const kb = statusKb(p);
    return { pid: p, anon_mb: Math.round(kb('RssAnon') / 1024), file_mb: Math.round(kb('RssFile') / 1024) };
  });
  const workers = new Map<string, Record<string, number>>();
  for (let i = 0; i < 40 && workers.size < Math.max(1, procs.length - 1); i++) {
    const r = await freshGet(`${base}/metrics`);
    const text = r.body;
    const v = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    workers.set(r.worker, {
      rss_mb: mb(v('process_resident_memory_bytes')),
      heap_used_mb: mb(v('nodejs_heap_used_bytes')),
      heap_total_mb: mb(v('nodejs_heap_total_bytes')),
      external_mb: mb(v('nodejs_external_memory_bytes')),
    });
  }
  return { processes: procs, workers: Object.fromEntries(workers) };
}

/**
 * Proportional set size of a process in kB (/proc/PID/smaps_rollup): a page shared by n processes
 * counts 1/n in each. The workers of one server share the Node binary's and libraries' pages, which
 * summed RSS counts once per process; summed PSS is what the server takes from the machine.
 */
function pssKb(pid: number) {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // gone, or smaps_rollup unreadable (kernel before 4.14): PSS not reported
  }
}

/** RSS of the servers: the sum over all their processes (now and peak), and each process's; PSS beside. */
function rss(pids: number[]) {
  const parts = pids.flatMap(processTree).map((p) => {
    const kb = statusKb(p);
    return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024), pss: pssKb(p) };
  });
  return {
    processes: parts.length,
    rss_mb: parts.reduce((a, p) => a + p.rss, 0),
    pss_mb: Math.round(parts.reduce((a, p) => a + p.pss, 0) / 1024),
    peak_mb: parts.reduce((a, p) => a + p.peak, 0),
    per_process_mb: parts.map((p) => p.rss),
  };
}

let rng = 42;
const random = () => {
  rng = (rng * 1103515245 + 12345) & 0x7fffffff;
  return rng / 0x7fffffff;
};

const shopper = realisticShopper(() => random());

/** A measured search: the file's next one with --queries, else a drawn one. */
function measuredPath(munis: Muni[], extra = '') {
  if (!filePaths) return searchPath(munis, extra);
  const path = filePaths[fileNext++ % filePaths.length]!;
  return path + extra;
}

function searchPath(munis: Muni[], extra = '') {
  if (values.set === 'realistic') {
    const q = shopper.text();
    const { lat, lng } = shopper.point();
    return `/api/v1/search?q=${encodeURIComponent(q)}&lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=${shopper.radius()}&per_page=20${extra}`;
  }
  const m = munis[Math.floor(random() * munis.length)]!;
  const km = (random() - 0.5) * 2 * Math.max(1, m.spread_km);
  const lat = m.lat + km / 111.32;
  const lng =
    m.lng + ((random() - 0.5) * 2 * Math.max(1, m.spread_km)) / (111.32 * Math.cos((m.lat * Math.PI) / 180));
  const q = QUERIES[Math.floor(random() * QUERIES.length)]!;
  return `/api/v1/search?q=${encodeURIComponent(q)}&lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=10&per_page=20${extra}`;
}

function suggestPath() {
  const q = QUERIES[Math.floor(random() * QUERIES.length)]!;
  const len = 3 + Math.floor(random() * Math.max(1, q.length - 2));
  return `/api/v1/suggest?lang=fr&q=${encodeURIComponent(q.slice(0, len))}`;
}

function pct(sorted: number[], p: number) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The servers being measured (their process trees' CPU time is read around each run). */
let serverPids: number[] = [];
/** Clock ticks (user + system) of one process, from /proc/PID/stat; 0 once it has gone. */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
/** CPU seconds (user + system, from /proc) of every process of every server so far. */
function serverCpuSeconds(): number {
  let ticks = 0;
  for (const pid of serverPids) for (const p of processTree(pid)) ticks += ticksOf(p);
  return ticks / 100; // USER_HZ
}
/** CPU ticks of each process of the servers (the launcher, a cluster's primary, each worker). */
function ticksByProcess(): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of serverPids) for (const p of processTree(pid)) out.set(p, ticksOf(p));
  return out;
}

/**
 * PostgreSQL: the backends serving the benchmark's servers (found by the application_name set in
 * their DATABASE_URL) and their CPU ticks, when the database runs on this machine (/proc readable).
 * A backend that closed during a run loses its ticks; one that opened counts from zero.
 */
const PG_APP = `comptoir-bench-search-${process.pid}`;
let pgMonitor: pg.Client | undefined;
async function dbBackendTicks(): Promise<Map<number, number> | undefined> {
  if (!pgMonitor) return undefined;
  const r = await pgMonitor.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1',
    [PG_APP],
  );
  const out = new Map<number, number>();
  for (const { pid } of r.rows) if (existsSync(`/proc/${pid}/stat`)) out.set(pid, ticksOf(pid));
  return r.rows.length && !out.size ? undefined : out;
}
function dbCpuSeconds(before: Map<number, number> | undefined, after: Map<number, number> | undefined) {
  if (!before || !after) return undefined;
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / 100;
}

/** autocannon's target: one server, or several whose connections it assigns in turn. */
const target = (bases: string[]) => (bases.length === 1 ? bases[0] : bases);

async function run(bases: string[], name: string, connections: number, path: () => string) {
  const times: number[] = [];
  let errors = 0;
  const cpu0 = serverCpuSeconds();
  const each0 = ticksByProcess();
  const db0 = await dbBackendTicks();
  const instance = autocannon({
    url: target(bases),
    connections,
    duration: DURATION,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }),
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    times.push(ms);
    if (status >= 400) errors++;
  });
  const result = await instance;
  const cpu = serverCpuSeconds() - cpu0;
  const each = [...ticksByProcess()].map(([pid, t]) => ({ pid, s: (t - (each0.get(pid) ?? 0)) / 100 }));
  const db = dbCpuSeconds(db0, await dbBackendTicks());
  times.sort((a, b) => a - b);
  const perReq = (s: number) => +((s * 1000) / Math.max(1, times.length)).toFixed(2);
  const row = {
    run: name,
    connections,
    requests: times.length,
    rps: Math.round(times.length / DURATION),
    p50_ms: +pct(times, 50).toFixed(2),
    p95_ms: +pct(times, 95).toFixed(2),
    p99_ms: +pct(times, 99).toFixed(2),
    errors: errors + result.errors + result.non2xx,
    // Server CPU per request (every process of every instance): holds on a loaded machine where
    // wall times and throughput do not.
    server_cpu_ms_per_req: perReq(cpu),
    // The same per process, in process-tree order (launcher, primary, workers): which one spends it.
    server_cpu_ms_per_req_by_process: each.map((p) => perReq(p.s)),
    // PostgreSQL's backends serving these servers, on the same cores (PostgreSQL only).
    ...(db === undefined ? {} : { db_cpu_ms_per_req: perReq(db) }),
  };
  console.log(JSON.stringify(row));
  return row;
}

async function warmup(bases: string[], path: () => string) {
  const seconds = Number(values.warmup);
  if (!(seconds > 0)) return;
  await autocannon({
    url: target(bases),
    connections: 4,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }) }],
  });
}

/** A server layout: `instances` separate servers, each of `workers` processes (WEB_CONCURRENCY). */
interface Layout {
  instances: number;
  workers: string;
}

/**
 * The layouts to compare: one server per `--workers` value; on PostgreSQL also each `--instances`
 * count above 1 as that many one-process servers (SQLite allows one server per data directory).
 */
function layouts(kind: 'sqlite' | 'postgres'): Layout[] {
  const out: Layout[] = values.workers!.split(',').map((workers) => ({ instances: 1, workers }));
  if (kind === 'postgres')
    for (const n of values.instances!.split(',').map(Number))
      if (n > 1) out.push({ instances: n, workers: '1' });
  return out;
}

const layoutName = (l: Layout) =>
  l.instances === 1 ? `workers ${l.workers}` : `${l.instances} instances × workers ${l.workers}`;

async function bench(kind: 'sqlite' | 'postgres', env: Record<string, string>) {
  if ((await productCount(env)) === 0) seed(env);
  const products = await productCount(env);
  const munis = await municipalities(env);
  const rows = [];
  const mems: Record<string, ReturnType<typeof rss>> = {};
  const sideBySide = [];
  for (const nodeOptions of values['node-options']!.split('|'))
    for (const layout of layouts(kind))
      for (const c of values.cache!.split(',')) {
        const cache = `${c}, ${layoutName(layout)}${nodeOptions === 'none' ? '' : `, NODE_OPTIONS ${nodeOptions}`}`;
        const serverEnv = {
          ...env,
          COMPTOIR_SEARCH_CACHE: c === 'off' ? '0' : '1',
          WEB_CONCURRENCY: layout.workers,
          ...(nodeOptions === 'none' ? {} : { NODE_OPTIONS: nodeOptions }),
        };
        // Every layout sees the same sequence of queries and positions.
        rng = 42;
        fileNext = 0;
        const secret = randomBytes(24).toString('hex');
        const servers: Started[] = [];
        try {
          // One after the other: each instance's cold start is its own, not a race for the cores.
          for (let i = 0; i < layout.instances; i++) servers.push(await startServer(serverEnv, secret));
          serverPids = servers.map((s) => s.child.pid!);
          const bases = servers.map((s) => s.base);
          if (Number(values.settle) > 0)
            await new Promise((r) => setTimeout(r, Number(values.settle) * 1000));
          // Warm-up (not measured): a server that has just started runs searches about twice as slowly
          // for its first seconds (JIT tiers, caches, SQLite and OS page caches); production runs warm.
          for (let i = 0; i < 100; i++) await fetch(bases[i % bases.length] + suggestPath());
          await warmup(bases, () => searchPath(munis));
          const variants = values.variants!.split(',');
          const mine = [];
          for (const v of variants) {
            const extra = v === 'default' ? '' : `&${v}`;
            const name = `search ${v}, cache ${cache}`;
            mine.push(await run(bases, name, 1, () => measuredPath(munis, extra)));
            mine.push(await run(bases, name, 16, () => measuredPath(munis, extra)));
          }
          mine.push(await run(bases, `suggest, cache ${cache}`, 1, suggestPath));
          mine.push(await run(bases, `suggest, cache ${cache}`, 16, suggestPath));
          rows.push(...mine);
          const [one, sixteen] = mine.filter((r) => r.run === `search default, cache ${cache}`);
          const [s1] = mine.filter((r) => r.run.startsWith('suggest'));
          if (one && sixteen)
            console.log(
              JSON.stringify({
                cache,
                search_ratio_16_over_1: +(sixteen.rps / Math.max(1, one.rps)).toFixed(2),
              }),
            );
          mems[cache] = rss(serverPids);
          for (const s of servers)
            console.log(
              JSON.stringify({ cache, base: s.base, memory_parts: await memoryParts(s.base, s.child.pid!) }),
            );
          console.log(JSON.stringify({ backend: kind, products, cache, ...mems[cache] }));
          const cpu = (r?: { server_cpu_ms_per_req: number; db_cpu_ms_per_req?: number }) =>
            r
              ? `${r.server_cpu_ms_per_req}${r.db_cpu_ms_per_req === undefined ? '' : ` + db ${r.db_cpu_ms_per_req}`}`
              : '';
          sideBySide.push({
            layout: cache,
            processes: mems[cache].processes,
            'search/s 1c': one?.rps,
            'p95 1c ms': one?.p95_ms,
            'search/s 16c': sixteen?.rps,
            'p95 16c ms': sixteen?.p95_ms,
            'ratio 16/1': one && sixteen ? +(sixteen.rps / Math.max(1, one.rps)).toFixed(2) : undefined,
            'cpu ms/search 1c': cpu(one),
            'cpu ms/search 16c': cpu(sixteen),
            'suggest/s 1c': s1?.rps,
            'suggest p95 1c ms': s1?.p95_ms,
            'cold start s': servers.map((s) => s.coldStart).join(' / '),
            'RSS MB': mems[cache].rss_mb,
            'PSS MB': mems[cache].pss_mb,
          });
        } finally {
          await Promise.all(servers.map((s) => stopServer(s.child)));
          serverPids = [];
        }
      }
  return { kind, products, rows, mems, sideBySide };
}

console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    duration_s: DURATION,
    searches: filePaths ? `${values.queries} (${filePaths.length})` : values.set,
  }),
);
const out = [];
if (!values['skip-sqlite']) {
  if (!existsSync(values.sqlite!)) console.log(`no dataset at ${values.sqlite}: it will be seeded`);
  out.push(await bench('sqlite', { DATA_DIR: values.sqlite! }));
}
if (!values['skip-pg']) {
  pgMonitor = new pg.Client({ connectionString: values.pg });
  await pgMonitor.connect();
  await pgMonitor.query(`create schema if not exists ${values['pg-schema']}`);
  // What PostgreSQL figures depend on (a stored text index to load or to build, its lock held by
  // another session, tables never analysed, other sessions busy): bench/pg-search-state.ts's
  // verdict, printed before the run so that figures are compared only when it says comparable.
  const state = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('./pg-search-state.ts', import.meta.url)),
      '--pg',
      values.pg!,
      '--pg-schema',
      values['pg-schema']!,
    ],
    { encoding: 'utf8' },
  );
  console.log(
    `postgres state before the run: ${state.stdout.trim().split('\n').pop() || state.stderr.trim()}`,
  );
  try {
    const url = new URL(pgUrl(values.pg!, values['pg-schema']!));
    url.searchParams.set('application_name', PG_APP);
    out.push(
      await bench('postgres', {
        DATABASE_URL: url.toString(),
        DATA_DIR: '/tmp/comptoir-bench-pg-data',
      }),
    );
  } finally {
    await pgMonitor.end();
    pgMonitor = undefined;
  }
}
console.log(JSON.stringify({ loadavg_end: loadavg().map((x) => +x.toFixed(2)) }));
console.log('\nsummary');
for (const b of out) {
  for (const [cache, mem] of Object.entries(b.mems))
    console.log(
      `${b.kind} (${b.products} products), cache ${cache}: server RSS ${mem.rss_mb} MB (peak ${mem.peak_mb} MB), PSS ${mem.pss_mb} MB`,
    );
  console.table(b.rows);
}
console.log('\nside by side (searches at 1 and 16 connections; CPU per search of every server process)');
for (const b of out) {
  console.log(`${b.kind}, ${b.products} products`);
  console.table(b.sideBySide);
  console.log(JSON.stringify({ backend: b.kind, side_by_side: b.sideBySide }));
}
