// Search benchmark through HTTP (npm run bench:search). Prints figures; results go in
// docs/PERFORMANCE.md ("Search").
//
//   npx node bench/search.ts [--sqlite .bench-data/sqlite-1m] [--pg postgres://...] [--duration 10]
//                            [--merchants 20000 --products 1000000]   # seeds a missing dataset first
//                            [--skip-pg] [--skip-sqlite] [--warmup 10] [--cache on,off] [--pg-schema S]
//                            [--workers 1,auto]   # server processes (WEB_CONCURRENCY), side by side
//
// For each backend it starts a real server (`comptoir serve`, a child process on a loopback port),
// then drives it with autocannon: the `queries` of the Outaouais retail vocabulary, random user
// positions in the region (a municipality plus jitter), 10 km radius, top 20, facets on; at 1 and 16
// connections; and the suggest endpoint with prefixes of the same queries. Latency percentiles are
// computed from every response time; RSS is the server's VmRSS / VmHWM after the runs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';

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
    merchants: { type: 'string', default: '20000' },
    products: { type: 'string', default: '1000000' },
    'skip-pg': { type: 'boolean', default: false },
    'skip-sqlite': { type: 'boolean', default: false },
    variants: { type: 'string', default: 'default' },
    // Server runs with the search cache on and off (COMPTOIR_SEARCH_CACHE), compared in one run.
    cache: { type: 'string', default: 'on,off' },
    // Server processes (WEB_CONCURRENCY: an integer or auto), one server per value, side by side.
    workers: { type: 'string', default: '1' },
    // NODE_OPTIONS of the server (e.g. the V8 heap flags of src/serve/cluster.ts SERVER_V8_FLAGS,
    // which a one-process server takes from there); `none` for none. Several: one server each.
    'node-options': { type: 'string', default: 'none' },
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
  --cache on,off       search cache settings, one server each   [on,off]
  --workers 1,auto     server processes (WEB_CONCURRENCY), one server each, side by side [1]
  --variants default,… extra query strings                      [default]
  --node-options 'A|B' NODE_OPTIONS of the server, '|'-separated, one server each; none = unset [none]
  --skip-sqlite --skip-pg`);
  process.exit(0);
}
const DURATION = Number(values.duration);
// The demo generator's vocabulary: its `queries` are realistic consumer searches.
const vocabulary = JSON.parse(
  readFileSync(new URL('../src/tools/demo/vocabulary.json', import.meta.url), 'utf8'),
) as {
  queries: [string, number][];
};
const QUERIES = vocabulary.queries.map((q) => q[0]);

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

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = 38000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(24).toString('hex'),
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
        // Cold start: from spawning the process to the first /readyz 200 (every worker ready).
        console.log(
          JSON.stringify({
            cold_start_s: +((performance.now() - started) / 1000).toFixed(2),
            env: env.WEB_CONCURRENCY,
          }),
        );
        return { child, base };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error('server did not become ready');
}

/** The process and its descendants (a multi-worker server is a primary and its workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/) : []) out.push(...processTree(Number(c)));
  }
  return out;
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

/** RSS of the server: the sum over its processes (now and peak), and each process's. */
function rss(pid: number) {
  const parts = processTree(pid).map((p) => {
    const kb = statusKb(p);
    return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
  });
  return {
    processes: parts.length,
    rss_mb: parts.reduce((a, p) => a + p.rss, 0),
    peak_mb: parts.reduce((a, p) => a + p.peak, 0),
    per_process_mb: parts.map((p) => p.rss),
  };
}

let rng = 42;
const random = () => {
  rng = (rng * 1103515245 + 12345) & 0x7fffffff;
  return rng / 0x7fffffff;
};

function searchPath(munis: Muni[], extra = '') {
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

/** The server being measured (its process tree's CPU time is read around each run). */
let serverPid: number | undefined;
/** CPU seconds (user + system, from /proc) of the server's processes so far. */
function serverCpuSeconds(): number {
  if (serverPid === undefined) return 0;
  let ticks = 0;
  for (const p of processTree(serverPid)) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100; // USER_HZ
}

async function run(base: string, name: string, connections: number, path: () => string) {
  const times: number[] = [];
  let errors = 0;
  const cpu0 = serverCpuSeconds();
  const instance = autocannon({
    url: base,
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
  times.sort((a, b) => a - b);
  const row = {
    run: name,
    connections,
    requests: times.length,
    rps: Math.round(times.length / DURATION),
    p50_ms: +pct(times, 50).toFixed(2),
    p95_ms: +pct(times, 95).toFixed(2),
    p99_ms: +pct(times, 99).toFixed(2),
    errors: errors + result.errors + result.non2xx,
    // Server CPU per request: holds on a loaded machine where wall times and throughput do not.
    server_cpu_ms_per_req: +(((serverCpuSeconds() - cpu0) * 1000) / Math.max(1, times.length)).toFixed(2),
  };
  console.log(JSON.stringify(row));
  return row;
}

async function warmup(base: string, path: () => string) {
  const seconds = Number(values.warmup);
  if (!(seconds > 0)) return;
  await autocannon({
    url: base,
    connections: 4,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }) }],
  });
}

async function bench(kind: 'sqlite' | 'postgres', env: Record<string, string>) {
  if ((await productCount(env)) === 0) seed(env);
  const products = await productCount(env);
  const munis = await municipalities(env);
  const rows = [];
  const mems: Record<string, ReturnType<typeof rss>> = {};
  for (const nodeOptions of values['node-options']!.split('|'))
    for (const workers of values.workers!.split(','))
      for (const c of values.cache!.split(',')) {
        const cache = `${c}, workers ${workers}${nodeOptions === 'none' ? '' : `, NODE_OPTIONS ${nodeOptions}`}`;
        const { child, base } = await startServer({
          ...env,
          COMPTOIR_SEARCH_CACHE: c === 'off' ? '0' : '1',
          WEB_CONCURRENCY: workers,
          ...(nodeOptions === 'none' ? {} : { NODE_OPTIONS: nodeOptions }),
        });
        serverPid = child.pid;
        try {
          // Warm-up (not measured): a server that has just started runs searches about twice as slowly
          // for its first seconds (JIT tiers, caches, SQLite and OS page caches); production runs warm.
          for (let i = 0; i < 100; i++) await fetch(base + suggestPath());
          await warmup(base, () => searchPath(munis));
          const variants = values.variants!.split(',');
          for (const v of variants) {
            const extra = v === 'default' ? '' : `&${v}`;
            const name = `search ${v}, cache ${cache}`;
            rows.push(await run(base, name, 1, () => searchPath(munis, extra)));
            rows.push(await run(base, name, 16, () => searchPath(munis, extra)));
          }
          rows.push(await run(base, `suggest, cache ${cache}`, 1, suggestPath));
          rows.push(await run(base, `suggest, cache ${cache}`, 16, suggestPath));
          const [one, sixteen] = rows.filter((r) => r.run === `search default, cache ${cache}`);
          if (one && sixteen)
            console.log(
              JSON.stringify({
                cache,
                search_ratio_16_over_1: +(sixteen.rps / Math.max(1, one.rps)).toFixed(2),
              }),
            );
          mems[cache] = rss(child.pid!);
          console.log(JSON.stringify({ cache, memory_parts: await memoryParts(base, child.pid!) }));
          console.log(JSON.stringify({ backend: kind, products, cache, ...mems[cache] }));
        } finally {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      }
  return { kind, products, rows, mems };
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
  }),
);
const out = [];
if (!values['skip-sqlite']) {
  if (!existsSync(values.sqlite!)) console.log(`no dataset at ${values.sqlite}: it will be seeded`);
  out.push(await bench('sqlite', { DATA_DIR: values.sqlite! }));
}
if (!values['skip-pg']) {
  const c = new pg.Client({ connectionString: values.pg });
  await c.connect();
  await c.query(`create schema if not exists ${values['pg-schema']}`);
  await c.end();
  out.push(
    await bench('postgres', {
      DATABASE_URL: pgUrl(values.pg!, values['pg-schema']!),
      DATA_DIR: '/tmp/comptoir-bench-pg-data',
    }),
  );
}
console.log('\nsummary');
for (const b of out) {
  for (const [cache, mem] of Object.entries(b.mems))
    console.log(
      `${b.kind} (${b.products} products), cache ${cache}: server RSS ${mem.rss_mb} MB (peak ${mem.peak_mb} MB)`,
    );
  console.table(b.rows);
}
