// Shared by bench/load.ts and bench/soak.ts: the dataset (copied or seeded), real server processes
// (`comptoir serve` on loopback ports), and a weighted mix of realistic requests driven by
// autocannon, with latency percentiles per route.
//
// Virtual clients: one per connection. A client's state (its cart cookie, the lines in its cart)
// lives in a shared pool, not in the connection: each request takes the next free client, so with
// several instances a client's consecutive requests land on different instances, as behind a
// round-robin proxy.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/database.ts';
import { generateApiKey } from '../src/modules/merchants/index.ts';

export const root = fileURLToPath(new URL('../', import.meta.url));

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', cb: (client: Client, status: number, bytes: number, ms: number) => void): void;
  stop(): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
}
interface Client {
  requestIterator: { context: { route?: string } };
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => AutocannonInstance;

// ---------------------------------------------------------------------------------------------
// Dataset

/** The options bench/load.ts and bench/soak.ts share: which dataset, how many servers, how logged. */
export const DATASET_OPTIONS = {
  sqlite: { type: 'string' },
  source: { type: 'string', default: join(root, '.bench-data/sqlite-1m') },
  products: { type: 'string', default: '1000000' },
  merchants: { type: 'string' },
  pg: { type: 'string' },
  'pg-schema': { type: 'string' },
  instances: { type: 'string' },
  keys: { type: 'string', default: '200' },
  'log-level': { type: 'string', default: 'info' },
} as const;

/**
 * The dataset the options name (copied or seeded, see prepareSqlite / preparePostgres) and the
 * number of server instances: `--instances`, else `defaultInstances` (SQLite allows only one).
 */
export async function prepareTarget(
  values: {
    sqlite?: string;
    source?: string;
    products?: string;
    merchants?: string;
    pg?: string;
    'pg-schema'?: string;
    instances?: string;
  },
  defaultInstances: number,
): Promise<{ target: Target; instances: number }> {
  const products = Number(values.products);
  const merchants = Number(values.merchants ?? Math.max(1, Math.min(20_000, Math.round(products / 50))));
  const instances = Number(values.instances ?? defaultInstances);
  if (!values.pg && instances !== 1)
    throw new Error('--instances > 1 needs --pg (SQLite is one server process per data directory)');
  const target = values.pg
    ? await preparePostgres({
        url: values.pg,
        schema: values['pg-schema'] ?? `load_${products === 1_000_000 ? '1m' : products}`,
        products,
        merchants,
      })
    : await prepareSqlite({
        dir: values.sqlite ?? `${root}.bench-data/load-sqlite${products === 1_000_000 ? '' : `-${products}`}`,
        source: values.source,
        products,
        merchants,
      });
  return { target, instances };
}

export interface Target {
  kind: 'sqlite' | 'postgres';
  /** Environment of the server processes (DATA_DIR, DATABASE_URL). */
  env: Record<string, string>;
  label: string;
}

function pgUrl(url: string, schema: string) {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}

function open(env: Record<string, string>): Database {
  return openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR ?? '/tmp',
    lock: false,
    poolSize: 2,
  });
}

export async function productCount(env: Record<string, string>): Promise<number> {
  const database = open(env);
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

function seed(env: Record<string, string>, merchants: number, products: number) {
  process.stderr.write(`seeding ${merchants} merchants / ${products} products (comptoir seed --demo)…\n`);
  const r = spawnSync(
    process.execPath,
    [
      'src/cli/main.ts',
      'seed',
      '--demo',
      '--merchants',
      String(merchants),
      '--products',
      String(products),
      '--json',
    ],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`seed failed (${r.status})`);
  process.stderr.write(`${r.stdout.trim()}\n`);
}

/**
 * The SQLite data directory to load: used as is when it holds a database; else a copy of `source`
 * (the 1M region other benchmarks keep, never written to) when the full size is asked for; else a
 * freshly seeded region.
 */
export async function prepareSqlite(opts: {
  dir: string;
  source?: string;
  products: number;
  merchants: number;
}): Promise<Target> {
  const db = join(opts.dir, 'comptoir.db');
  if (!existsSync(db)) {
    mkdirSync(opts.dir, { recursive: true });
    const src = opts.source ? join(opts.source, 'comptoir.db') : '';
    if (src && existsSync(src) && opts.products === 1_000_000) {
      process.stderr.write(`copying ${src} to ${opts.dir} (the load writes carts, orders, stock)…\n`);
      if (existsSync(`${src}-wal`) || existsSync(join(opts.source!, 'comptoir.lock')))
        throw new Error(`${opts.source} is open in another process (WAL or lock file present): not copying.`);
      copyFileSync(src, db);
      // The search facts snapshot too, when there is one: a deployed server starts from its own
      // (without it each run began by reading the facts from the tables and writing a snapshot,
      // seconds of work that could reach into the measured run).
      // Likewise the text index file: without it the first run built the index (30-50 s of a
      // core at 1M) during its measured load, FTS5 answering meanwhile.
      for (const file of ['search-facts.snapshot', 'search-text.index']) {
        const from = join(opts.source!, file);
        if (existsSync(from)) copyFileSync(from, join(opts.dir, file));
      }
    } else {
      seed({ DATA_DIR: opts.dir }, opts.merchants, opts.products);
    }
  }
  return { kind: 'sqlite', env: { DATA_DIR: opts.dir }, label: `SQLite ${opts.dir}` };
}

/** A PostgreSQL schema holding the region; seeded when empty. */
export async function preparePostgres(opts: {
  url: string;
  schema: string;
  products: number;
  merchants: number;
}): Promise<Target> {
  const c = new pg.Client({ connectionString: opts.url });
  await c.connect();
  await c.query(`create schema if not exists ${opts.schema}`);
  await c.end();
  const dataDir = `/tmp/comptoir-load-pg-${opts.schema}`;
  mkdirSync(dataDir, { recursive: true });
  const env = { DATABASE_URL: pgUrl(opts.url, opts.schema), DATA_DIR: dataDir };
  if ((await productCount(env)) === 0) seed(env, opts.merchants, opts.products);
  return { kind: 'postgres', env, label: `PostgreSQL schema ${opts.schema}` };
}

// ---------------------------------------------------------------------------------------------
// What the mix needs from the data: products in stock at pickup locations, merchants, API keys.

export interface Fixtures {
  products: number;
  offers: { product_id: number; location_id: number; merchant_id: number }[];
  merchantSlugs: string[];
  /** Per API key: the SKUs (at a location code) it may sync. */
  syncers: { key: string; rows: { sku: string; location_code: string }[] }[];
  munis: { lat: number; lng: number; spread_km: number }[];
  queries: string[];
}

let rng = 0x2545f491;
export const random = () => {
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return (rng >>> 0) / 0x100000000;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;

export async function loadFixtures(env: Record<string, string>, opts: { keys: number }): Promise<Fixtures> {
  const database = open(env);
  const { db } = database;
  try {
    const products = await productCount(env);
    const max = await db
      .selectFrom('products')
      .select((eb) => eb.fn.max('id').as('m'))
      .executeTakeFirstOrThrow();
    const maxId = Number(max.m ?? 0);
    // Random product ids all over the catalogue (the page cache sees a realistic spread).
    const offers: Fixtures['offers'] = [];
    for (let round = 0; round < 10 && offers.length < 20_000; round++) {
      const ids = [...new Set(Array.from({ length: 5000 }, () => 1 + Math.floor(random() * maxId)))];
      const rows = await db
        .selectFrom('products as p')
        .innerJoin('inventory_levels as il', 'il.product_id', 'p.id')
        .innerJoin('locations as l', 'l.id', 'il.location_id')
        .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
        .select(['p.id as product_id', 'il.location_id', 'p.merchant_id'])
        .where('p.id', 'in', ids)
        .where('p.status', '=', 'active')
        .where('m.status', '=', 'approved')
        .where('l.pickup', '=', 1)
        .whereRef('il.on_hand', '>', 'il.reserved')
        .execute();
      offers.push(...rows);
    }
    if (offers.length === 0)
      throw new Error('no product in stock at a pickup location: is the region seeded?');
    const merchants = await db
      .selectFrom('merchants')
      .select(['id', 'slug'])
      .where('status', '=', 'approved')
      .orderBy('id')
      .limit(20_000)
      .execute();
    // API keys for the stock syncs: new ones per run (only their hash is stored); older bench keys go.
    await db.deleteFrom('api_keys').where('name', '=', 'bench-load').execute();
    const syncMerchants = [...new Set(offers.map((o) => o.merchant_id))].slice(0, opts.keys);
    const syncers: Fixtures['syncers'] = [];
    for (const merchantId of syncMerchants) {
      const k = generateApiKey();
      await db
        .insertInto('api_keys')
        .values({ merchant_id: merchantId, name: 'bench-load', prefix: k.prefix, key_hash: k.hash })
        .execute();
      const rows = await db
        .selectFrom('products as p')
        .innerJoin('inventory_levels as il', 'il.product_id', 'p.id')
        .innerJoin('locations as l', 'l.id', 'il.location_id')
        .select(['p.sku', 'l.code as location_code'])
        .where('p.merchant_id', '=', merchantId)
        .where('p.status', '=', 'active')
        .orderBy('p.id')
        .limit(50)
        .execute();
      if (rows.length) syncers.push({ key: k.key, rows });
    }
    const munis = await db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute();
    // The demo generator's vocabulary (French/English retail terms, realistic consumer queries).
    const vocabulary = JSON.parse(readFileSync(join(root, 'src/tools/demo/vocabulary.json'), 'utf8')) as {
      queries: [string, number][];
    };
    return {
      products,
      offers,
      merchantSlugs: merchants.map((m) => m.slug),
      syncers,
      munis: munis.length ? munis : [{ lat: 45.4765, lng: -75.7013, spread_km: 10 }],
      queries: vocabulary.queries.map((q) => q[0]),
    };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

export interface Server {
  child: ChildProcess;
  base: string;
  port: number;
  logFile: string;
}

/** A loopback port free now (the kernel's pick), so servers of other jobs on the machine are not hit. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `instances` servers on loopback ports. `cpuProfDir` writes a V8 CPU profile of each server
 * (NODE_OPTIONS --cpu-prof) into that directory when it stops: where a loaded server spends its time.
 */
export async function startServers(
  target: Target,
  instances: number,
  logLevel: string,
  cpuProfDir?: string,
): Promise<Server[]> {
  const secret = randomBytes(32).toString('hex');
  const out: Server[] = [];
  for (let i = 0; i < instances; i++) {
    const port = await freePort();
    const logFile = `/tmp/comptoir-load-${port}.log`;
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
      cwd: root,
      env: {
        ...process.env,
        ...target.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: logLevel,
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        INSECURE_COOKIES: '1',
        ...(cpuProfDir
          ? {
              NODE_OPTIONS:
                `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${cpuProfDir}`.trim(),
            }
          : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[server ${port}] ${d}`));
    out.push({ child, base: `http://127.0.0.1:${port}`, port, logFile });
  }
  for (const s of out) {
    let exited = false;
    s.child.once('exit', () => {
      exited = true;
    });
    let ready = false;
    for (let i = 0; i < 900 && !exited && !ready; i++) {
      try {
        ready = (await fetch(`${s.base}/readyz`)).ok;
      } catch {}
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    if (!ready) {
      await stopServers(out);
      throw new Error(`server on port ${s.port} did not become ready`);
    }
  }
  return out;
}

export async function stopServers(servers: Server[]) {
  await Promise.all(
    servers.map(async (s) => {
      if (s.child.exitCode !== null || s.child.signalCode !== null) return;
      const gone = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      const t = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }),
  );
}

/**
 * A process and its descendants, from /proc/PID/task/TID/children: a server started with
 * WEB_CONCURRENCY > 1 is a primary and its workers, and both its CPU and its memory are theirs too.
 */
export function processTree(pid: number): number[] {
  const out = [pid];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {} // gone meanwhile
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch {} // a thread that ended meanwhile
    for (const c of children ? children.split(/\s+/) : []) out.push(...processTree(Number(c)));
  }
  return out;
}

/**
 * Resident memory of a server, now and at its peak (VmHWM), from /proc: summed over its process
 * tree (the primary and its workers), with the number of processes.
 */
export function memoryOf(pid: number) {
  let rss = 0;
  let peak = 0;
  const pids = processTree(pid);
  for (const p of pids) {
    let s = '';
    try {
      s = readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      continue;
    }
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    rss += kb('VmRSS');
    peak += kb('VmHWM');
  }
  return { rss_mb: rss / 1024, peak_mb: peak / 1024, processes: pids.length };
}

/**
 * CPU seconds (user + system) used so far by a server: every process of its tree (the primary and
 * its workers). A worker that exited takes its seconds with it.
 */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(parts[11]) + Number(parts[12]);
    } catch {} // exited meanwhile
  }
  return ticks / 100; // clock ticks (USER_HZ = 100 on Linux)
}

/** The server's own view (GET /metrics): heap is not there, but DB timings and gauges are. */
export async function scrape(base: string): Promise<Record<string, number>> {
  return parseMetrics(await (await fetch(`${base}/metrics`)).text());
}

/** A GET on a new connection, and the worker that answered (`x-comptoir-worker`, "0" without). */
function freshGet(url: string) {
  return new Promise<{ worker: string; body: string }>((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ worker: String(res.headers['x-comptoir-worker'] ?? '0'), body }));
      })
      .on('error', reject);
  });
}

/**
 * /metrics of each worker of a server started with WEB_CONCURRENCY > 1 (each keeps its own
 * counters, heap and event loop): asked on new connections, which the primary hands to its workers
 * in turn, until each of `workers` answered (at most four tries each). One server process: one scrape.
 */
export async function scrapeWorkers(base: string, workers: number): Promise<Record<string, number>[]> {
  if (workers <= 1) return [await scrape(base)];
  const seen = new Map<string, Record<string, number>>();
  for (let i = 0; i < workers * 4 && seen.size < workers; i++) {
    const r = await freshGet(`${base}/metrics`);
    seen.set(r.worker, parseMetrics(r.body));
  }
  return [...seen.values()];
}

/** The worker processes of a server: its children when it has any (a primary), else itself. */
export function workersOf(pid: number): number {
  return Math.max(1, processTree(pid).length - 1);
}

function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    // Time inside the server per route (Fastify's request start to the response), all statuses:
    // `http_sum GET /:lang/p/:id` (seconds) and `http_count GET /:lang/p/:id`.
    const h =
      /^comptoir_http_request_duration_seconds_(sum|count)\{method="([^"]*)",route="([^"]*)",[^}]*\} (\S+)$/.exec(
        line,
      );
    if (h) {
      const key = `http_${h[1]} ${h[2]} ${h[3]}`;
      out[key] = (out[key] ?? 0) + Number(h[4]);
      continue;
    }
    const m =
      /^(comptoir_db_query_duration_seconds_(?:sum|count)|comptoir_db_query_errors_total|comptoir_db_lock_waits_total|comptoir_db_lock_wait_seconds_total|comptoir_wal_checkpoints_total|comptoir_wal_checkpoint_seconds_max|comptoir_reservations_pending|comptoir_sse_clients|process_resident_memory_bytes|nodejs_heap_used_bytes|nodejs_heap_total_bytes|nodejs_external_memory_bytes|nodejs_eventloop_delay_seconds\{quantile="1"\}) (\S+)$/.exec(
        line,
      );
    if (m) out[m[1]!.replace('{quantile="1"}', '_max')] = Number(m[2]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The mix

/** Route → weight (share of requests). */
export const MIX: Record<string, number> = {
  'GET /api/v1/search': 18,
  'GET /fr/recherche (page)': 8,
  'GET /api/v1/suggest': 12,
  'GET /fr/p/:id (product page)': 20,
  'GET /fr/m/:slug (merchant page)': 8,
  'GET /fr (home)': 5,
  'GET /api/v1/products/:id': 5,
  'POST /api/v1/carts/:id/items (add)': 10,
  'GET /fr/panier (cart page)': 6,
  'POST /api/v1/carts/:id/checkout': 4,
  'PUT /api/v1/merchant/inventory (stock sync)': 4,
};
const CART_CREATE = 'POST /api/v1/carts';
/** A request unanswered after this long is given up (and counted as a timeout of its route). */
export const TIMEOUT_MS = 10_000;

interface Visitor {
  cart?: { id: number; token: string };
  lines: { merchant_id: number; location_id: number }[];
}

export interface RouteStats {
  times: number[];
  statuses: Map<number, number>;
}

/**
 * A 409 answer and whether it is the expected business refusal `out_of_stock` (the item sold out
 * under another virtual client: its checkout took the last units, a stock sync lowered them), with
 * the lines the server named (product, variant, store, requested, available) for checking.
 */
export interface Refusal {
  route: string;
  soldOut: boolean;
  lines: {
    product_id?: number;
    variant_id?: number;
    location_id: number;
    requested: number;
    available: number;
  }[];
}

/** Reads a 409's body: sold out (`error.code` out_of_stock, lines in `error.details.lines`) or not. */
export function refusalOf(route: string, body: string): Refusal {
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; details?: { lines?: Refusal['lines'] } } })
      .error;
    const soldOut = e?.code === 'out_of_stock';
    return { route, soldOut, lines: soldOut ? (e?.details?.lines ?? []) : [] };
  } catch {
    return { route, soldOut: false, lines: [] };
  }
}

export class Recorder {
  readonly routes = new Map<string, RouteStats>();
  /** Every 409 answer, read (see refusalOf). */
  readonly refusals: Refusal[] = [];
  record(route: string, status: number, ms: number) {
    let r = this.routes.get(route);
    if (!r) {
      r = { times: [], statuses: new Map() };
      this.routes.set(route, r);
    }
    r.times.push(ms);
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
  }
  reset() {
    this.routes.clear();
    this.refusals.length = 0;
  }
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) : 0;

export function summarise(rec: Recorder, seconds: number) {
  const rows = [];
  let total = 0;
  let bad = 0;
  let soldOutAll = 0;
  let done = 0;
  const all: number[] = [];
  for (const [route, r] of [...rec.routes].sort((a, b) => b[1].times.length - a[1].times.length)) {
    const times = [...r.times].sort((a, b) => a - b);
    all.push(...times);
    const non2xx = [...r.statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0);
    const answered = times.length - (r.statuses.get(0) ?? 0);
    // Expected business refusals: a 409 out_of_stock (never more than the 409s counted).
    const soldOut = Math.min(
      r.statuses.get(409) ?? 0,
      rec.refusals.filter((x) => x.route === route && x.soldOut).length,
    );
    total += times.length;
    done += answered;
    bad += non2xx;
    soldOutAll += soldOut;
    rows.push({
      route,
      count: times.length,
      rps: +(answered / seconds).toFixed(1),
      p50_ms: +pct(times, 50).toFixed(1),
      p95_ms: +pct(times, 95).toFixed(1),
      p99_ms: +pct(times, 99).toFixed(1),
      max_ms: +(times.at(-1) ?? 0).toFixed(1),
      non2xx_or_timeout: non2xx,
      /** 409 out_of_stock: a correct answer (the item sold out), not a failure. */
      sold_out_409: soldOut,
      /** Every other non-2xx answer, timeout or connection error. */
      failures: non2xx - soldOut,
      statuses: [...r.statuses]
        .filter(([s]) => s < 200 || s >= 300)
        .flatMap(([s, c]) => {
          const label = s === 0 ? 'timeout' : s < 0 ? 'error' : String(s);
          if (s !== 409 || soldOut === 0) return [`${label}×${c}`];
          return [`409 sold out×${soldOut}`, ...(c > soldOut ? [`409 other×${c - soldOut}`] : [])];
        })
        .join(' '),
    });
  }
  all.sort((a, b) => a - b);
  return {
    rows,
    total,
    /** Answered requests per second (timeouts excluded). */
    rps: +(done / seconds).toFixed(1),
    non2xx_or_timeout: bad,
    /** 409 out_of_stock answers (expected refusals). */
    sold_out_409: soldOutAll,
    /** Non-2xx answers other than those, timeouts and connection errors. */
    failures: bad - soldOutAll,
    p50_ms: +pct(all, 50).toFixed(1),
    p95_ms: +pct(all, 95).toFixed(1),
    p99_ms: +pct(all, 99).toFixed(1),
  };
}

type Req = { method: string; path: string; headers: Record<string, string>; body?: string };
/** One request of the mix, for one virtual client. */
interface Planned {
  route: string;
  req: Req;
  visitor: Visitor;
  pending?: { merchant_id: number; location_id: number };
}

/**
 * The weighted mix over a pool of `visitors` virtual clients: `next()` plans a request for the next
 * free client, `done()` hands the answer back (cart id and token, lines in the cart) and frees it.
 */
function createMix(fx: Fixtures, visitors: number, weights: Record<string, number> = MIX) {
  const mix = Object.entries(weights);
  const weight = mix.reduce((n, [, w]) => n + w, 0);
  const free: Visitor[] = Array.from({ length: visitors }, () => ({ lines: [] }));
  const take = () => free.shift() ?? { lines: [] };
  const common = { 'accept-encoding': 'br, gzip', 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' };

  const searchParams = () => {
    const m = pick(fx.munis);
    const spread = Math.max(1, m.spread_km);
    const lat = m.lat + ((random() - 0.5) * 2 * spread) / 111.32;
    const lng = m.lng + ((random() - 0.5) * 2 * spread) / (111.32 * Math.cos((m.lat * Math.PI) / 180));
    return `q=${encodeURIComponent(pick(fx.queries))}&lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=10`;
  };

  type Built = {
    route: string;
    req: Omit<Req, 'headers'> & { headers?: Record<string, string> };
    pending?: Planned['pending'];
  };
  const build = (route: string, v: Visitor): Built => {
    const cookie: Record<string, string> = v.cart ? { cookie: `cart_token=${v.cart.token}` } : {};
    switch (route) {
      case 'GET /api/v1/search':
        return { route, req: { method: 'GET', path: `/api/v1/search?${searchParams()}&per_page=20` } };
      case 'GET /fr/recherche (page)':
        return {
          route,
          req: { method: 'GET', path: `/fr/recherche?${searchParams()}`, headers: { accept: 'text/html' } },
        };
      case 'GET /api/v1/suggest': {
        const q = pick(fx.queries);
        const len = 3 + Math.floor(random() * Math.max(1, q.length - 2));
        return {
          route,
          req: { method: 'GET', path: `/api/v1/suggest?lang=fr&q=${encodeURIComponent(q.slice(0, len))}` },
        };
      }
      case 'GET /fr/p/:id (product page)':
        return {
          route,
          req: {
            method: 'GET',
            path: `/fr/p/${pick(fx.offers).product_id}`,
            headers: { accept: 'text/html', ...cookie },
          },
        };
      case 'GET /fr/m/:slug (merchant page)':
        return {
          route,
          req: { method: 'GET', path: `/fr/m/${pick(fx.merchantSlugs)}`, headers: { accept: 'text/html' } },
        };
      case 'GET /fr (home)':
        return { route, req: { method: 'GET', path: '/fr', headers: { accept: 'text/html', ...cookie } } };
      case 'GET /api/v1/products/:id':
        return { route, req: { method: 'GET', path: `/api/v1/products/${pick(fx.offers).product_id}` } };
      case 'PUT /api/v1/merchant/inventory (stock sync)': {
        const s = pick(fx.syncers);
        const n = 1 + Math.floor(random() * 5);
        const rows = new Map<string, { sku: string; location_code: string; on_hand: number }>();
        for (let i = 0; i < n; i++) {
          const r = pick(s.rows);
          rows.set(`${r.sku}@${r.location_code}`, { ...r, on_hand: 100 + Math.floor(random() * 100) });
        }
        return {
          route,
          req: {
            method: 'PUT',
            path: '/api/v1/merchant/inventory',
            headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
            body: JSON.stringify([...rows.values()]),
          },
        };
      }
      case 'GET /fr/panier (cart page)':
        return {
          route,
          req: { method: 'GET', path: '/fr/panier', headers: { accept: 'text/html', ...cookie } },
        };
      case 'POST /api/v1/carts/:id/checkout':
      case 'POST /api/v1/carts/:id/items (add)': {
        if (!v.cart) return { route: CART_CREATE, req: { method: 'POST', path: '/api/v1/carts' } };
        if (route.endsWith('(add)') ? v.lines.length >= 4 : v.lines.length === 0) {
          // A full cart goes to checkout; an empty one gets an item first.
          return build(
            route.endsWith('(add)')
              ? 'POST /api/v1/carts/:id/checkout'
              : 'POST /api/v1/carts/:id/items (add)',
            v,
          );
        }
        if (route.endsWith('(add)')) {
          const o = pick(fx.offers);
          return {
            route,
            pending: { merchant_id: o.merchant_id, location_id: o.location_id },
            req: {
              method: 'POST',
              path: `/api/v1/carts/${v.cart.id}/items`,
              headers: { 'content-type': 'application/json', ...cookie },
              body: JSON.stringify({ product_id: o.product_id, location_id: o.location_id, quantity: 1 }),
            },
          };
        }
        const fulfilment: Record<string, { method: 'pickup'; location_id: number }> = {};
        for (const l of v.lines)
          fulfilment[l.merchant_id] ??= { method: 'pickup', location_id: l.location_id };
        return {
          route,
          req: {
            method: 'POST',
            path: `/api/v1/carts/${v.cart.id}/checkout`,
            headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...cookie },
            body: JSON.stringify({
              customer: { name: 'Client Charge', email: 'charge@example.test' },
              fulfilment,
              payment: { method: 'in_store' },
            }),
          },
        };
      }
      default:
        throw new Error(`unknown route ${route}`);
    }
  };
  const choose = () => {
    let x = random() * weight;
    for (const [route, w] of mix) {
      x -= w;
      if (x < 0) return route;
    }
    return mix[0]![0];
  };

  return {
    next(): Planned {
      const visitor = take();
      const b = build(choose(), visitor);
      return { ...b, visitor, req: { ...b.req, headers: { ...common, ...(b.req.headers ?? {}) } } };
    },
    done(p: Planned, status: number, body: string) {
      const v = p.visitor;
      if (p.route === CART_CREATE && status === 201) {
        const c = JSON.parse(body) as { cart_id: number; token: string };
        v.cart = { id: c.cart_id, token: c.token };
        v.lines = [];
      } else if (p.route === 'POST /api/v1/carts/:id/items (add)' && status === 201 && p.pending) {
        v.lines.push(p.pending);
      } else if (p.route === 'POST /api/v1/carts/:id/checkout') {
        // Confirmed: the checkout emptied the cart. Refused: start a new cart.
        v.lines = [];
        if (status !== 201) v.cart = undefined;
      }
      free.push(v);
    },
  };
}

/** `errors`: failures not in the per-route table (connection errors of autocannon). */
export interface RunResult {
  errors: number;
  timeouts: number;
}

/**
 * Closed loop (autocannon): `connections` in total, split evenly across the servers; each sends its
 * next request as soon as the previous one is answered. Latency then includes the queue in front
 * of a saturated server (Little's law: latency ≈ connections / throughput).
 */
export async function runMix(opts: {
  servers: Server[];
  fx: Fixtures;
  connections: number;
  seconds: number;
  recorder: Recorder;
  mix?: Record<string, number>;
}): Promise<RunResult> {
  const { recorder } = opts;
  const mix = createMix(opts.fx, opts.connections, opts.mix);
  // Requests sent and not answered: those older than the timeout when the run ends timed out
  // (autocannon drops them silently from its latencies); they count as TIMEOUT_MS in percentiles.
  const inflight = new Map<{ planned?: Planned }, { route: string; t0: number }>();
  const request = {
    setupRequest: (req: Record<string, unknown>, context: { planned?: Planned }) => {
      const p = mix.next();
      context.planned = p;
      inflight.set(context, { route: p.route, t0: performance.now() });
      return { ...req, method: p.req.method, path: p.req.path, headers: p.req.headers, body: p.req.body };
    },
    onResponse: (status: number, body: string, context: { planned?: Planned }) => {
      inflight.delete(context);
      if (status === 409 && context.planned) recorder.refusals.push(refusalOf(context.planned.route, body));
      if (context.planned) mix.done(context.planned, status, body);
    },
  };
  const perServer = opts.servers.map(
    (_, i) =>
      Math.floor(opts.connections / opts.servers.length) +
      (i < opts.connections % opts.servers.length ? 1 : 0),
  );
  const runs = opts.servers.map((s, i) => {
    const inst = autocannon({
      url: s.base,
      connections: perServer[i],
      duration: opts.seconds,
      timeout: TIMEOUT_MS / 1000,
      requests: [request],
    });
    inst.on('response', (client, status, _bytes, ms) => {
      const ctx = client.requestIterator.context as { planned?: Planned };
      recorder.record(ctx.planned?.route ?? '?', status, ms);
    });
    return inst;
  });
  const results = await Promise.all(runs);
  const end = performance.now();
  for (const { route, t0 } of inflight.values())
    if (end - t0 >= TIMEOUT_MS - 50) recorder.record(route, 0, TIMEOUT_MS);
  const timeouts = results.reduce((n, r) => n + r.timeouts, 0);
  // autocannon's errors include its timeouts (recorded per route above); the rest are not recorded.
  return { errors: results.reduce((n, r) => n + r.errors, 0) - timeouts, timeouts };
}

/**
 * Open loop: requests arrive at `rate` per second in total (Poisson arrivals, like independent
 * users with think time), whether or not earlier ones are answered, over at most `connections`
 * keep-alive sockets; each request goes to the next server in turn (round robin). Latency is
 * measured from the planned arrival time, so waiting for a free socket counts (no coordinated
 * omission).
 */
export async function runPaced(opts: {
  servers: Server[];
  fx: Fixtures;
  connections: number;
  seconds: number;
  rate: number;
  recorder: Recorder;
  mix?: Record<string, number>;
}): Promise<{ errors: number; timeouts: number; connectionErrors: number }> {
  const { recorder } = opts;
  const mix = createMix(opts.fx, opts.connections, opts.mix);
  const perServer = Math.max(1, Math.ceil(opts.connections / opts.servers.length));
  const agents = opts.servers.map(() => new http.Agent({ keepAlive: true, maxSockets: perServer }));
  let errors = 0;
  let timeouts = 0;
  let rr = 0;
  const pending = new Set<Promise<void>>();
  const send = (p: Planned, at: number) => {
    const i = rr++ % opts.servers.length;
    const s = opts.servers[i]!;
    return new Promise<void>((resolve) => {
      let finished = false;
      const finish = (status: number, body: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const ms = status === 0 ? TIMEOUT_MS : performance.now() - at;
        recorder.record(p.route, status, ms);
        if (status === 409) recorder.refusals.push(refusalOf(p.route, body));
        mix.done(p, status, body);
        resolve();
      };
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.port,
          method: p.req.method,
          path: p.req.path,
          headers: p.req.headers,
          agent: agents[i],
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          res.on('error', () => {
            errors++;
            finish(-1, '');
          });
        },
      );
      const timer = setTimeout(
        () => {
          timeouts++;
          req.destroy();
          finish(0, '');
        },
        Math.max(0, TIMEOUT_MS - (performance.now() - at)),
      );
      req.on('error', () => {
        if (finished) return;
        errors++;
        finish(-1, '');
      });
      if (p.req.body) req.end(p.req.body);
      else req.end();
    });
  };
  const t0 = performance.now();
  let next = t0;
  for (;;) {
    next += (-Math.log(1 - random()) * 1000) / opts.rate;
    if (next - t0 >= opts.seconds * 1000) break;
    const wait = next - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const pr = send(mix.next(), next).finally(() => pending.delete(pr));
    pending.add(pr);
  }
  await Promise.all(pending);
  for (const a of agents) a.destroy();
  // Connection errors and timeouts are recorded per route (status "error" / "timeout").
  return { errors: 0, timeouts, connectionErrors: errors };
}

export function machine() {
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {}
  return {
    date: new Date().toISOString(),
    commit,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

export function ensureDir(path: string) {
  mkdirSync(dirname(path), { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// Are the 409 "sold out" answers genuine? Stock bookkeeping before and after a run.

/** What the run's stock check starts from: the last reservation id and every level with units reserved. */
export interface StockMark {
  lastReservation: number;
  reserved: Map<string, number>;
}

export async function stockMark(env: Record<string, string>): Promise<StockMark> {
  const database = open(env);
  try {
    const last = await database.db
      .selectFrom('reservations')
      .select((eb) => eb.fn.max('id').as('m'))
      .executeTakeFirst();
    const rows = await database.db
      .selectFrom('inventory_levels')
      .select(['product_id', 'location_id', 'reserved'])
      .where('reserved', '>', 0)
      .execute();
    return {
      lastReservation: Number(last?.m ?? 0),
      reserved: new Map(rows.map((r) => [`${r.product_id}:${r.location_id}`, Number(r.reserved)])),
    };
  } finally {
    await database.close();
  }
}

/**
 * After a run: (1) no reservation leak — every stock level the run's checkouts reserved holds
 * exactly the units reserved before plus those of the run's reservations still held or committed
 * (the mix never completes nor cancels an order; released ones gave their units back); (2) each
 * line refused as sold out is explained: checkouts hold its units (reserved), or the level now has
 * fewer available than were asked.
 */
export async function checkSoldOut(env: Record<string, string>, mark: StockMark, refusals: Refusal[]) {
  const database = open(env);
  try {
    const run = await database.db
      .selectFrom('reservations')
      .select(['product_id', 'location_id', 'status', (eb) => eb.fn.sum<number>('quantity').as('units')])
      .where('id', '>', mark.lastReservation)
      .groupBy(['product_id', 'location_id', 'status'])
      .execute();
    const byLevel = new Map<string, { held: number; committed: number; released: number }>();
    for (const r of run) {
      const k = `${r.product_id}:${r.location_id}`;
      const v = byLevel.get(k) ?? { held: 0, committed: 0, released: 0 };
      v[r.status as 'held' | 'committed' | 'released'] += Number(r.units);
      byLevel.set(k, v);
    }
    const lines = refusals
      .filter((r) => r.soldOut)
      .flatMap((r) => r.lines.map((l) => ({ ...l, id: l.variant_id ?? l.product_id ?? 0, route: r.route })));
    const keys = [...new Set([...byLevel.keys(), ...lines.map((l) => `${l.id}:${l.location_id}`)])];
    const levels = new Map<string, { on_hand: number; reserved: number }>();
    for (let i = 0; i < keys.length; i += 200) {
      const part = keys.slice(i, i + 200).map((k) => k.split(':').map(Number) as [number, number]);
      const rows = await database.db
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .where((eb) =>
          eb.or(part.map(([p, l]) => eb.and([eb('product_id', '=', p), eb('location_id', '=', l)]))),
        )
        .execute();
      for (const r of rows)
        levels.set(`${r.product_id}:${r.location_id}`, {
          on_hand: Number(r.on_hand),
          reserved: Number(r.reserved),
        });
    }
    let leaks = 0;
    for (const [k, v] of byLevel) {
      const expected = (mark.reserved.get(k) ?? 0) + v.held + v.committed;
      if ((levels.get(k)?.reserved ?? 0) !== expected) leaks++;
    }
    const refused = lines.map((l) => {
      const k = `${l.id}:${l.location_id}`;
      const now = levels.get(k);
      const taken = (byLevel.get(k)?.held ?? 0) + (byLevel.get(k)?.committed ?? 0);
      return {
        route: l.route,
        product: l.id,
        location: l.location_id,
        requested: l.requested,
        available_when_refused: l.available,
        units_to_run_checkouts: taken,
        on_hand_now: now?.on_hand ?? 0,
        reserved_now: now?.reserved ?? 0,
        // Sold out for real: checkouts (this run's or the warm-up's) hold its units, or it is short now.
        explained:
          l.available < l.requested &&
          ((now?.reserved ?? 0) > 0 || (now ? now.on_hand - now.reserved : 0) < l.requested),
      };
    });
    return {
      levels_reserved_by_run: byLevel.size,
      reservation_leaks: leaks,
      refused,
      all_explained: leaks === 0 && refused.every((r) => r.explained),
    };
  } finally {
    await database.close();
  }
}
