// Browsing without words (queries with no `q`): the old path and the new one, same run, same data.
// Results go in docs/PERFORMANCE.md ("Browsing without words").
//
//   npx node bench/browse.ts [--data .bench-data/browse-100k] [--merchants 2000 --products 100000]
//                            [--duration 10] [--warmup 5] [--paths legacy,new] [--pg postgres://...]
//
// Seeds the dataset first when the directory holds none (`comptoir seed --demo`). For each path it
// starts a real server (`comptoir serve`, a child process on a loopback port, killed at the end;
// COMPTOIR_BROWSE_LEGACY=1 selects the path served before browse.ts) and drives it with autocannon
// at 1 and 16 connections with a mix of requests without words at random positions in the region
// (a municipality plus jitter): category pages (API and the HTML page /fr/recherche?category=...,
// 25 km), "everything near me" (25 km, any sort, sometimes in_stock / quebec / fulfilment) and the
// home page's nearby products (10 km, by distance, 12 results). Facets are always computed.
// `--mix far` draws positions anywhere in the extent of the region's locations and `--mix wide`
// radii of 40 to 200 km around a town (not part of `all`, which stays comparable with earlier runs).
// cpu_ms_per_req is the server's CPU time per request (/proc), the figure a busy machine distorts least.
// Before the warm-up, one request per municipality with a 100 km radius builds the browse summaries
// every later request reads (built lazily, on a place's first browse): its time, server CPU and the
// RSS it adds are printed apart (`prime`), so the measured runs are the steady state.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { DEMO_CATEGORY_SLUGS } from '../src/tools/demo/index.ts';
import { type RegionExtent, regionExtent } from './region-extent.ts';

interface Instance extends PromiseLike<{ errors: number; non2xx: number }> {
  on(event: 'response', cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => Instance;

const USAGE = `Usage: npx node bench/browse.ts [--data DIR] [--pg URL] [--merchants N] [--products N]
                               [--duration S] [--warmup S] [--paths legacy,new]
                               [--mix all|category|near|home|far|wide, or several: near,far,wide]
`;
let values: Record<string, string | boolean | undefined>;
try {
  values = parseArgs({
    options: {
      data: {
        type: 'string',
        default: fileURLToPath(new URL('../.bench-data/browse-100k', import.meta.url)),
      },
      pg: { type: 'string' },
      merchants: { type: 'string', default: '2000' },
      products: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '5' },
      paths: { type: 'string', default: 'legacy,new' },
      mix: { type: 'string', default: 'all' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const DURATION = Number(values.duration);
const env: Record<string, string> = values.pg
  ? { DATABASE_URL: String(values.pg), DATA_DIR: String(values.data) }
  : { DATA_DIR: String(values.data) };

interface Muni {
  lat: number;
  lng: number;
  spread_km: number;
}

/** The extent of the region's store locations (the `far` mix draws positions anywhere in it). */
let extent: RegionExtent = { minLat: 0, maxLat: 0, minLng: 0, maxLng: 0 };

async function facts(): Promise<{ products: number; munis: Muni[] }> {
  const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR!, lock: false });
  try {
    const n = await database.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst()
      .catch(() => undefined);
    const munis = n
      ? await database.db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute()
      : [];
    if (n) extent = await regionExtent(database.db);
    return { products: Number(n?.n ?? 0), munis };
  } finally {
    await database.close();
  }
}

function seed() {
  console.log(`seeding ${values.merchants} merchants / ${values.products} products into ${env.DATA_DIR}…`);
  const r = spawnSync(
    process.execPath,
    [
      'src/cli/main.ts',
      'seed',
      '--demo',
      '--merchants',
      String(values.merchants),
      '--products',
      String(values.products),
      '--json',
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`seed failed (${r.status})`);
  console.log(r.stdout.trim());
}

async function startServer(extra: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = 40000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      ...env,
      ...extra,
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
  for (let i = 0; i < 600 && !exited; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base };
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('server did not become ready');
}

let rng = 7;
const random = () => {
  rng = (rng * 1103515245 + 12345) & 0x7fffffff;
  return rng / 0x7fffffff;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;

function position(munis: Muni[]) {
  const m = pick(munis);
  const lat = m.lat + ((random() - 0.5) * 2 * Math.max(1, m.spread_km)) / 111.32;
  const lng =
    m.lng + ((random() - 0.5) * 2 * Math.max(1, m.spread_km)) / (111.32 * Math.cos((m.lat * Math.PI) / 180));
  return `lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}`;
}

const SORTS = ['relevance', 'distance', 'price_asc', 'price_desc'];
const FILTERS = ['', '', '', '&in_stock=1', '&quebec=1', '&fulfilment=pickup', '&fulfilment=delivery'];

function category(munis: Muni[]) {
  const c = pick(DEMO_CATEGORY_SLUGS);
  return random() < 0.5
    ? `/fr/recherche?category=${c}&${position(munis)}`
    : `/api/v1/search?category=${c}&${position(munis)}&radius_km=25&sort=${pick(SORTS)}${pick(FILTERS)}`;
}
const near = (munis: Muni[]) =>
  `/api/v1/search?${position(munis)}&radius_km=25&sort=${pick(SORTS)}${pick(FILTERS)}&per_page=20`;
const home = (munis: Muni[]) => `/api/v1/search?${position(munis)}&radius_km=10&sort=distance&per_page=12`;
// Positions anywhere in the region (not only around a town centre), 25 km, as `near`.
const far = () => {
  const lat = extent.minLat + random() * (extent.maxLat - extent.minLat);
  const lng = extent.minLng + random() * (extent.maxLng - extent.minLng);
  return `/api/v1/search?lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=25&sort=${pick(SORTS)}${pick(FILTERS)}&per_page=20`;
};
// Large radii around a town (40 to 200 km: most or all of the region), as `near`.
const wide = (munis: Muni[]) =>
  `/api/v1/search?${position(munis)}&radius_km=${pick([40, 50, 75, 100, 200])}&sort=${pick(SORTS)}${pick(FILTERS)}&per_page=20`;

function mixOf(munis: Muni[], mix: string): () => string {
  if (mix === 'category') return () => category(munis);
  if (mix === 'near') return () => near(munis);
  if (mix === 'home') return () => home(munis);
  if (mix === 'far') return far;
  if (mix === 'wide') return () => wide(munis);
  return () => {
    const r = random();
    return r < 0.45 ? category(munis) : r < 0.8 ? near(munis) : home(munis);
  };
}

/** CPU time (user + system) the server process has used, in ms (from /proc: immune to how busy the machine is). */
function cpuMs(pid: number) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function pct(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function run(base: string, name: string, connections: number, path: () => string, seconds = DURATION) {
  const times: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }) }],
  });
  instance.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
    times.push(ms);
    if (status >= 400) errors++;
  });
  const result = await instance;
  times.sort((a, b) => a - b);
  return {
    run: name,
    connections,
    requests: times.length,
    rps: Math.round(times.length / seconds),
    p50_ms: +pct(times, 50).toFixed(2),
    p95_ms: +pct(times, 95).toFixed(2),
    p99_ms: +pct(times, 99).toFixed(2),
    errors: errors + result.errors + result.non2xx,
  };
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
let { products, munis } = await facts();
if (products === 0) {
  seed();
  ({ products, munis } = await facts());
}
const rows = [];
for (const path of String(values.paths).split(',')) {
  const { child, base } = await startServer({ COMPTOIR_BROWSE_LEGACY: path === 'legacy' ? '1' : '0' });
  try {
    const mixes = values.mix === 'all' ? ['all', 'category', 'near', 'home'] : String(values.mix).split(',');
    const rssMb = () =>
      Math.round(
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
      );
    {
      const rss0 = rssMb();
      const cpu0 = cpuMs(child.pid!);
      const t0 = performance.now();
      for (const m of munis) {
        const r = await fetch(`${base}/api/v1/search?lat=${m.lat}&lng=${m.lng}&radius_km=100&per_page=1`);
        if (!r.ok) throw new Error(`prime: ${r.status}`);
        await r.arrayBuffer();
      }
      console.log(
        JSON.stringify({
          path,
          run: 'prime',
          requests: munis.length,
          ms: Math.round(performance.now() - t0),
          server_cpu_ms: Math.round(cpuMs(child.pid!) - cpu0),
          rss_mb_before: rss0,
          rss_mb_after: rssMb(),
        }),
      );
    }
    // Not measured: JIT tiers, the memory facts and derived indexes, page caches.
    if (Number(values.warmup) > 0) await run(base, 'warmup', 4, mixOf(munis, 'all'), Number(values.warmup));
    for (const mix of mixes) {
      for (const connections of [1, 16]) {
        const cpu0 = cpuMs(child.pid!);
        const r = await run(base, mix, connections, mixOf(munis, mix));
        const cpu_ms_per_req = +((cpuMs(child.pid!) - cpu0) / Math.max(1, r.requests)).toFixed(1);
        const row = { path, products, ...r, cpu_ms_per_req };
        console.log(JSON.stringify(row));
        rows.push(row);
      }
    }
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    console.log(
      JSON.stringify({
        path,
        rss_mb: rssMb(),
        peak_rss_mb: Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024),
        loadavg: loadavg().map((x) => +x.toFixed(2)),
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
console.table(rows);
