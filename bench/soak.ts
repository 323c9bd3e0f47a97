// Soak: a moderate, steady mixed load for minutes with the server's memory sampled (npm run
// bench:soak). Results go in docs/PERFORMANCE.md ("Load and soak").
//
//   npx node bench/soak.ts [--minutes 10] [--rate 40] [--connections 20] [--sample 10]
//                          [--sqlite DIR | --products N | --pg URL [--pg-schema S] [--instances N]]
//
// Same dataset and server set-up as bench/load.ts (the 1M SQLite region copied to
// .bench-data/load-sqlite by default), the same request mix arriving at --rate requests/s in
// total (Poisson arrivals, open loop, over at most --connections sockets). Every --sample seconds: the server's RSS (/proc), V8 heap used/total and external memory
// (its /metrics), requests and p95 of the last interval. At the end: the series, a least-squares
// slope (MB/min) of RSS and heap over the samples after the first --settle seconds (caches and JIT
// fill up first), and a verdict: "growth trend" when the heap slope exceeds --max-slope MB/min with
// r² ≥ 0.5 (a steady climb, not GC noise), else "no growth trend".
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  cpuSeconds,
  DATASET_OPTIONS,
  loadFixtures,
  machine,
  memoryOf,
  prepareTarget,
  Recorder,
  runPaced,
  scrape,
  startServers,
  stopServers,
  summarise,
} from './mixed-load.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '40' },
    connections: { type: 'string', default: '20' },
    sample: { type: 'string', default: '10' },
    settle: { type: 'string', default: '60' },
    'max-slope': { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
    ...DATASET_OPTIONS,
  },
});
if (values.help) {
  console.log(`npm run bench:soak -- [options]     (or: npx node bench/soak.ts [options])

The realistic mix of bench/load.ts at a steady open-loop rate for minutes, the server's memory
sampled; prints the series, the RSS and heap slopes (MB/min) and a growth verdict.

  --minutes M           length of the soak                                     [10]
  --rate R              requests/s in total (Poisson arrivals)                 [40]
  --connections N       most sockets                                           [20]
  --sample S            seconds between memory samples                         [10]
  --settle S            samples before this are left out of the slopes         [60]
  --max-slope MB        heap slope (MB/min, r² ≥ 0.5) reported as growth       [1]
  --sqlite DIR          SQLite DATA_DIR (a copy of --source when empty; the soak writes to it)
  --source DIR          the 1M region to copy (never written to)               [.bench-data/sqlite-1m]
  --products N          region size (a smaller one is seeded)                  [1000000]
  --pg URL              PostgreSQL instead of SQLite; --pg-schema S, --instances N
  --keys N              merchant API keys for the stock syncs                  [200]
  --log-level L         server log level                                       [info]
  --help, -h            this text

Workers: WEB_CONCURRENCY from the environment (default 1).`);
  process.exit(0);
}
const SECONDS = Math.round(Number(values.minutes) * 60);
const RATE = Number(values.rate);
const SAMPLE = Number(values.sample);
const SETTLE = Number(values.settle);
const { target, instances: INSTANCES } = await prepareTarget(values, 1);
const fx = await loadFixtures(target.env, { keys: Number(values.keys) });
console.log(
  JSON.stringify({
    ...machine(),
    dataset: target.label,
    products: fx.products,
    instances: INSTANCES,
    minutes: SECONDS / 60,
    rate: RATE,
    connections: Number(values.connections),
    sample_s: SAMPLE,
    log_level: values['log-level'],
  }),
);

/** Records into the whole-run totals and into the current sampling window. */
class TeeRecorder extends Recorder {
  window = new Recorder();
  override record(route: string, status: number, ms: number) {
    super.record(route, status, ms);
    this.window.record(route, status, ms);
  }
}

interface Sample {
  t_s: number;
  instance: number;
  rss_mb: number;
  /** RSS of the server's main process split: anonymous (heaps, caches) and file-backed (code, mmap). */
  anon_mb: number;
  file_mb: number;
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
  req: number;
  p95_ms: number;
  errors: number;
  load1: number;
}

/** Least squares y = a + b·x; returns the slope b and r². */
function regression(xs: number[], ys: number[]) {
  const n = xs.length;
  if (n < 3) return { slope: 0, r2: 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxx ? sxy / sxx : 0;
  const r2 = sxx && syy ? (sxy * sxy) / (sxx * syy) : 0;
  return { slope, r2 };
}

const mb = (b: number | undefined) => +((b ?? 0) / 2 ** 20).toFixed(1);
/** RssAnon and RssFile of one process from /proc, in MB (0 when it is gone). */
function rssParts(pid: number) {
  let s = '';
  try {
    s = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {}
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { anon_mb: +(kb('RssAnon') / 1024).toFixed(1), file_mb: +(kb('RssFile') / 1024).toFixed(1) };
}
const servers = await startServers(target, INSTANCES, values['log-level']!);
try {
  const rec = new TeeRecorder();
  const samples: Sample[] = [];
  const cpu0 = servers.map((s) => cpuSeconds(s.child.pid!));
  const t0 = performance.now();
  const take = async () => {
    const t = Math.round((performance.now() - t0) / 1000);
    const w = summarise(rec.window, SAMPLE);
    rec.window.reset();
    for (const [i, s] of servers.entries()) {
      const m = await scrape(s.base);
      const row: Sample = {
        t_s: t,
        instance: i,
        rss_mb: +memoryOf(s.child.pid!).rss_mb.toFixed(1),
        ...rssParts(s.child.pid!),
        heap_used_mb: mb(m.nodejs_heap_used_bytes),
        heap_total_mb: mb(m.nodejs_heap_total_bytes),
        external_mb: mb(m.nodejs_external_memory_bytes),
        req: w.total,
        p95_ms: w.p95_ms,
        errors: w.non2xx_or_timeout,
        load1: +loadavg()[0]!.toFixed(2),
      };
      samples.push(row);
      console.log(JSON.stringify(row));
    }
  };
  await take();
  const sampler = setInterval(() => {
    take().catch((err) => console.error('sample failed', err));
  }, SAMPLE * 1000);
  const { connectionErrors } = await runPaced({
    servers,
    fx,
    connections: Number(values.connections),
    seconds: SECONDS,
    recorder: rec,
    rate: RATE,
  });
  clearInterval(sampler);
  await take();
  const seconds = (performance.now() - t0) / 1000;

  console.log('\nmemory series');
  console.table(samples);
  const whole = summarise(rec, seconds);
  console.log('per route (whole soak)');
  console.table(whole.rows);
  const verdicts = servers.map((s, i) => {
    const after = samples.filter((x) => x.instance === i && x.t_s >= SETTLE);
    const xs = after.map((x) => x.t_s / 60);
    const rss = regression(
      xs,
      after.map((x) => x.rss_mb),
    );
    const heap = regression(
      xs,
      after.map((x) => x.heap_used_mb),
    );
    const growth = heap.slope > Number(values['max-slope']) && heap.r2 >= 0.5;
    return {
      instance: i,
      port: s.port,
      samples_after_settle: after.length,
      rss_first_mb: after[0]?.rss_mb,
      rss_last_mb: after.at(-1)?.rss_mb,
      rss_slope_mb_per_min: +rss.slope.toFixed(2),
      rss_r2: +rss.r2.toFixed(2),
      heap_first_mb: after[0]?.heap_used_mb,
      heap_last_mb: after.at(-1)?.heap_used_mb,
      heap_slope_mb_per_min: +heap.slope.toFixed(2),
      heap_r2: +heap.r2.toFixed(2),
      cpu_cores_avg: +((cpuSeconds(s.child.pid!) - cpu0[i]!) / seconds).toFixed(2),
      verdict: growth ? 'growth trend' : 'no growth trend',
    };
  });
  console.log('trend (least squares after the first %d s)', SETTLE);
  console.table(verdicts);
  console.log(
    JSON.stringify({
      backend: target.kind,
      products: fx.products,
      minutes: +(seconds / 60).toFixed(1),
      requests: whole.total,
      rps: whole.rps,
      p50_ms: whole.p50_ms,
      p95_ms: whole.p95_ms,
      p99_ms: whole.p99_ms,
      non2xx_or_timeout: whole.non2xx_or_timeout,
      connection_errors: connectionErrors,
      loadavg_1m_end: +loadavg()[0]!.toFixed(2),
      verdicts: verdicts.map((v) => ({
        instance: v.instance,
        rss_slope_mb_per_min: v.rss_slope_mb_per_min,
        heap_slope_mb_per_min: v.heap_slope_mb_per_min,
        heap_r2: v.heap_r2,
        verdict: v.verdict,
      })),
    }),
  );
} finally {
  await stopServers(servers);
}
