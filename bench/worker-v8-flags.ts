// What a search worker's V8 flags cost per search, in CPU rather than in wall time (issue 19, the
// 16-connection tail): on a shared machine a server's throughput and p95 move with everyone's
// load, its CPU per search much less. Prints figures; results go in docs/PERFORMANCE.md.
//
//   npx node bench/worker-v8-flags.ts --sqlite /tmp/copy-1m [--config NAME=FLAGS …] [--rounds 3]
//                                     [--warm 3000] [--searches 8000]
//
// Each configuration runs in a child process of its own (node FLAGS this file --child): the
// platform in process (app.inject, so routing, validation and the answer's serialisation allocate
// as in a server), the catalogue facts loaded, then bench:search's realistic searches (same
// generator and seed) — `--warm` unmeasured, then `--searches` measured, one after the other. It
// reports CPU per search of the whole process (every thread) and of its main thread (the rest is
// V8's helper threads: concurrent marking and sweeping, parallel scavenges, compilation), GC pauses
// on the main thread by kind (count, total, longest), the requests' own time (p50, p99, max: a
// pause inside a request lengthens it and every request queued behind it), and RSS and the V8
// heap at the end. Configurations alternate within each round, so they meet the same machine load.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { benchArgs, percentile, seededRandom } from './cli.ts';

const DEFAULT_CONFIGS = [
  'semi16=--max-semi-space-size=16',
  'semi32=--max-semi-space-size=32',
  'growth100=--max-semi-space-size=16 --heap-growing-percent=100',
  'pool1=--max-semi-space-size=16 --v8-pool-size=1',
];

const values = benchArgs(
  `npx node bench/worker-v8-flags.ts --sqlite DATA_DIR [options]
  --sqlite DIR        a private copy of a region (read only here)
  --config NAME=FLAGS node flags of one configuration (space-separated); repeat   [${DEFAULT_CONFIGS.join('; ')}]
  --rounds N          rounds, the configurations alternating in each              [3]
  --warm N            realistic searches before measuring                         [3000]
  --searches N        realistic searches measured                                 [8000]
  --seed N            seed of the realistic searches (bench:search uses 42)       [42]

A worker's run-time heap setting (--heap-growing-percent=30, src/serve/cluster.ts) is applied as
in a worker unless the flags name it. Prints one JSON line per run, then a table.`,
  {
    sqlite: { type: 'string' },
    config: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '3' },
    warm: { type: 'string', default: '3000' },
    searches: { type: 'string', default: '8000' },
    seed: { type: 'string', default: '42' },
    child: { type: 'boolean', default: false },
  },
  (v) => Boolean(v.sqlite),
);

const r2 = (x: number) => Math.round(x * 100) / 100;

async function child() {
  const { benchConfig, inProcessPlatform } = await import('./in-process.ts');
  const { applyServerHeapSettings } = await import('../src/serve/cluster.ts');
  const { realisticShopper, shopperSearchPath } = await import('./realistic-queries.ts');
  applyServerHeapSettings();
  const { platform } = await inProcessPlatform(await benchConfig(values.sqlite!));
  const app = platform.app;
  const random = seededRandom(Number(values.seed));
  const shopper = realisticShopper(random);
  const path = () => shopperSearchPath(shopper);
  for (let i = 0; i < Number(values.warm); i++) {
    await app.inject({ url: path() });
    await new Promise((r) => setImmediate(r));
  }
  const gcs: { kind: number; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcs.push({
        kind: (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0,
        ms: e.duration,
      });
  });
  obs.observe({ entryTypes: ['gc'] });
  const n = Number(values.searches);
  const own: number[] = [];
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const res = await app.inject({ url: path() });
    own.push(performance.now() - s);
    if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}`);
    // A turn of the event loop between requests, as in a server (and GC entries get delivered).
    await new Promise((r) => setImmediate(r));
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  // The observer's last entries arrive asynchronously.
  await new Promise((r) => setTimeout(r, 100));
  obs.disconnect();
  const all = (cpu.user + cpu.system) / 1000;
  const mainMs = (main.user + main.system) / 1000;
  const byKind = (k: number) => {
    const g = gcs.filter((x) => x.kind === k);
    return {
      count: g.length,
      total_ms: r2(g.reduce((a, x) => a + x.ms, 0)),
      max_ms: r2(Math.max(0, ...g.map((x) => x.ms))),
    };
  };
  const heap = getHeapStatistics();
  console.log(
    JSON.stringify({
      flags: process.execArgv.join(' '),
      searches: n,
      wall_s: r2(wall / 1000),
      cpu_ms_per_search: { all: r2(all / n), main: r2(mainMs / n), helpers: r2((all - mainMs) / n) },
      gc: {
        // perf_hooks kinds: 1 scavenge (minor), 4 mark-compact (major), 8 incremental, 16 weak callbacks.
        minor: byKind(1),
        major: byKind(4),
        incremental: byKind(8),
        total_ms_per_search: r2(gcs.reduce((a, x) => a + x.ms, 0) / n),
      },
      own_ms: {
        p50: r2(percentile(own, 50)),
        p99: r2(percentile(own, 99)),
        p999: r2(percentile(own, 99.9)),
        max: r2(Math.max(...own)),
      },
      rss_mb: Math.round(process.memoryUsage.rss() / 2 ** 20),
      heap_mb: {
        total: Math.round(heap.total_heap_size / 2 ** 20),
        used: Math.round(heap.used_heap_size / 2 ** 20),
        external: Math.round(((heap as { external_memory?: number }).external_memory ?? 0) / 2 ** 20),
      },
    }),
  );
  await platform.close();
  process.exit(0);
}

function runChild(flags: string[]): Promise<Record<string, unknown>> {
  const file = fileURLToPath(import.meta.url);
  const args = [
    ...flags,
    file,
    '--child',
    '--sqlite',
    values.sqlite!,
    '--warm',
    values.warm,
    '--searches',
    values.searches,
    '--seed',
    values.seed,
  ];
  return new Promise((ok, fail) => {
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('exit', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1);
      if (code !== 0 || !line) fail(new Error(`child ${flags.join(' ')} exited ${code}: ${out.slice(-500)}`));
      else ok(JSON.parse(line));
    });
  });
}

if (values.child) await child();
else {
  const configs = (values.config?.length ? values.config : DEFAULT_CONFIGS).map((c) => {
    const eq = c.indexOf('=');
    return {
      name: c.slice(0, eq),
      flags: c
        .slice(eq + 1)
        .split(' ')
        .filter(Boolean),
    };
  });
  console.log(
    JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), configs, node: process.version }),
  );
  const rows: Record<string, unknown>[] = [];
  for (let round = 1; round <= Number(values.rounds); round++)
    for (const c of round % 2 === 1 ? configs : [...configs].reverse()) {
      const load = r2(loadavg()[0]!);
      const r = await runChild(c.flags);
      const row = { config: c.name, round, load, ...r };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  type Row = {
    config: string;
    round: number;
    load: number;
    cpu_ms_per_search: { all: number; main: number; helpers: number };
    gc: {
      minor: { count: number; total_ms: number };
      major: { count: number; total_ms: number; max_ms: number };
      total_ms_per_search: number;
    };
    own_ms: { p99: number; p999: number; max: number };
    rss_mb: number;
    heap_mb: { total: number };
  };
  console.table(
    (rows as unknown as Row[]).map((x) => ({
      run: `${x.config} #${x.round}`,
      load: x.load,
      'CPU ms/search': x.cpu_ms_per_search.all,
      main: x.cpu_ms_per_search.main,
      helpers: x.cpu_ms_per_search.helpers,
      'GC ms/search': x.gc.total_ms_per_search,
      scavenges: x.gc.minor.count,
      'mark-compacts': x.gc.major.count,
      'longest MC ms': x.gc.major.max_ms,
      'own p99 ms': x.own_ms.p99,
      'own p99.9 ms': x.own_ms.p999,
      'own max ms': x.own_ms.max,
      'RSS MB': x.rss_mb,
      'heap MB': x.heap_mb.total,
    })),
  );
}
