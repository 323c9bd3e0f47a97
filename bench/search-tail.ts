// Where the p95 of realistic searches at 16 connections goes (issue 19): queue wait against own
// service time, per worker. Prints figures; results go in docs/PERFORMANCE.md.
//
//   npx node bench/search-tail.ts --run head=/work/main@/tmp/copy-1m [--run base=/tmp/base@/tmp/copy-b]
//                                 [--rounds 2] [--workers auto] [--duration 10] [--warmup 10]
//
// Each run starts a real server as bench/search.ts does (`comptoir serve` from the run's tree, on
// its data directory, NODE_ENV=production), with bench/search-tail-probe.ts loaded into every
// process (NODE_OPTIONS=--import): per request it records when the client sent it (a header this
// bench adds), when the worker began it, its route handler's start and return, the response's
// end, thread CPU at those points, and every GC pause. The load is bench:search's realistic set
// in bench:search's order (same generator and seed: 100 suggests, `--warmup` s at 4 connections,
// `--duration` s at 1 connection, then the measured `--duration` s at `--connections`). Runs
// alternate (`--rounds`), so two trees or settings meet the same machine load.
//
// For the requests at or above the p95 (server view: response end − client send) it splits the
// latency into the worker's own service (before the handler, the handler, the response) and the
// wait before the worker began it: serving other requests (short or long ones), GC outside
// requests, first-search replays and warm-up turns, and the rest (the worker's loop doing other
// work, or its process not on a core). Per process it also reads each thread's CPU in the measured
// window from /proc (main thread, V8's helper threads — concurrent and parallel GC, compilation —,
// worker threads such as the WAL checkpointer, libuv's pool), and splits the main thread's into
// requests, replays, warm-up and the rest; the event-loop delay per second; the stall log's lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, percentile, seededRandom } from './cli.ts';
import { processTree } from './mixed-load.ts';
import { QUERIES, realisticShopper, shopperSearchPath } from './realistic-queries.ts';
import type { Rec } from './search-tail-probe.ts';

interface Instance extends PromiseLike<{ errors: number; non2xx: number }> {
  on(event: 'response', cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => Instance;

const values = benchArgs(
  `npx node bench/search-tail.ts --run NAME=TREE@DATA_DIR[@K=V,K=V] [--run …] [options]
  --run NAME=TREE@DATA_DIR[@ENV]  a server: its source tree (\`comptoir serve\` run from there), its
                       SQLite data directory (a private copy: the server writes to it), and
                       extra environment (comma-separated K=V, e.g. NODE_OPTIONS parts go in
                       TAIL_NODE_OPTIONS; node's own flags for the server command, which
                       its workers inherit, space-separated in TAIL_EXEC_ARGV, e.g.
                       TAIL_EXEC_ARGV=--max-semi-space-size=32 --single-threaded-gc);
                       several --run alternate within each round
  --rounds N           rounds of the runs, alternating                       [1]
  --workers N|auto     WEB_CONCURRENCY                                        [auto]
  --connections N      connections of the measured run                        [16]
  --duration S         seconds of the 1-connection run and of the measured run [10]
  --warmup S           seconds at 4 connections first (unmeasured)           [10]
  --seed N             seed of the realistic searches (bench:search uses 42)  [42]
  --long MS            a request whose own service takes this long is "long"  [5]

Prints, per run: client p50/p95/p99 and searches/s; per worker its requests, connections, own
service and wait percentiles, CPU/wall of its service, GC pauses, CPU of every process and of
this load generator; then the decomposition of the requests at or above the p95, in ms and
shares: own service (pre-handler, handler, response) and wait (behind others' short or long
requests, GC, replays and warm-up, the rest), and how often the other worker was idle at their
send; per process the CPU of its threads in the measured window (ms per search), the main thread's
split, replays and warm-up turns in the window, event-loop delay per second, stall log lines.`,
  {
    run: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '1' },
    workers: { type: 'string', default: 'auto' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    long: { type: 'string', default: '5' },
  },
  (v) => Boolean(v.run?.length),
);

interface RunSpec {
  name: string;
  tree: string;
  data: string;
  env: Record<string, string>;
}
const runs: RunSpec[] = (values.run ?? []).map((spec) => {
  const eq = spec.indexOf('=');
  const [tree, data, env] = spec.slice(eq + 1).split('@');
  if (eq < 1 || !tree || !data) throw new Error(`--run ${spec}: NAME=TREE@DATA_DIR[@K=V,…]`);
  return {
    name: spec.slice(0, eq),
    tree: resolve(tree),
    data: resolve(data),
    env: Object.fromEntries(
      (env ? env.split(',') : []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const LONG_MS = Number(values.long);
const probe = fileURLToPath(new URL('./search-tail-probe.ts', import.meta.url));
const wall = () => performance.timeOrigin + performance.now();

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

async function startServer(run: RunSpec, probeDir: string) {
  const port = await freePort();
  const { TAIL_NODE_OPTIONS, TAIL_EXEC_ARGV, ...extra } = run.env;
  const execArgv = (TAIL_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...execArgv, 'src/cli/main.ts', 'serve'], {
    cwd: run.tree,
    env: {
      ...process.env,
      ...extra,
      DATA_DIR: run.data,
      WEB_CONCURRENCY: values.workers,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(24).toString('hex'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      NODE_OPTIONS: `--import ${probe}${TAIL_NODE_OPTIONS ? ` ${TAIL_NODE_OPTIONS}` : ''}`,
      TAIL_PROBE_DIR: probeDir,
    },
    // The server's output (its log with the event-loop stall warnings, V8's traces such as
    // `--trace-gc` in TAIL_EXEC_ARGV) goes to files beside the probe's.
    stdio: ['ignore', openSync(`${probeDir}.out`, 'w'), openSync(`${probeDir}.log`, 'w')],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base };
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error('server did not become ready');
}

function ticks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
/** CPU of each thread of a process (ms), by thread id, with its name (Node names its threads). */
function threadTicks(pid: number): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {} // gone meanwhile
  for (const task of tasks) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      const st = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(task, { name: Number(task) === pid ? 'main' : name, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {} // a thread that ended meanwhile
  }
  return out;
}

/** CPU by thread name between two threadTicks readings (a thread born meanwhile counts from 0). */
function threadCpuByName(
  a: Map<string, { name: string; ms: number }>,
  b: Map<string, { name: string; ms: number }>,
) {
  const out: Record<string, number> = {};
  for (const [tid, t] of b) out[t.name] = (out[t.name] ?? 0) + t.ms - (a.get(tid)?.ms ?? 0);
  return out;
}

const rssMb = (pid: number) => {
  try {
    return Math.round(
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    );
  } catch {
    return 0; // a short-lived child that ended meanwhile
  }
};

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r2 = (x: number) => Math.round(x * 100) / 100;

interface ProbeFile {
  pid: number;
  recs: Rec[];
  gcs: [number, number, number][];
  /** [kind (0 replay, 1 browse warm-up turn, 2 text warm-up turn), start, end, cpu ms]. */
  background?: [number, number, number, number][];
  /** Per second: [wall at its end, p50, p99, max] of the event-loop delay, ms. */
  delays?: [number, number, number, number][];
  /** The V8 heap at exit, MB. */
  heapMb?: Record<string, number>;
}

/** Total length of the parts of [a, b] covered by the (disjoint, sorted by start) intervals. */
function overlap(intervals: [number, number][], a: number, b: number): number {
  let t = 0;
  for (const [s, e] of intervals) {
    if (s >= b) break;
    if (e <= a) continue;
    t += Math.min(b, e) - Math.max(a, s);
  }
  return t;
}

/** Merges intervals into disjoint ones sorted by start. */
function union(intervals: [number, number][]): [number, number][] {
  const s = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const textOf = (url: string) => new URL(url, 'http://x').searchParams.get('q') ?? '';

async function once(run: RunSpec, round: number) {
  const probeDir = `/tmp/search-tail-probe-${process.pid}-${run.name}-${round}`;
  rmSync(probeDir, { recursive: true, force: true });
  const load0 = loadavg()[0]!;
  const { child, base } = await startServer(run, probeDir);
  // bench:search's generator and order, so the measured run sees what bench:search's does.
  const random = seededRandom(Number(values.seed));
  const shopper = realisticShopper(random);
  const request = {
    setupRequest: (req: Record<string, unknown>) => ({
      ...req,
      path: shopperSearchPath(shopper),
      headers: { ...(req.headers as object), 'x-tail-sent': String(wall()) },
    }),
  };
  try {
    for (let i = 0; i < 100; i++) {
      const q = QUERIES[Math.floor(random() * QUERIES.length)]!;
      const len = 3 + Math.floor(random() * Math.max(1, q.length - 2));
      await fetch(`${base}/api/v1/suggest?lang=fr&q=${encodeURIComponent(q.slice(0, len))}`);
    }
    if (Number(values.warmup) > 0)
      await autocannon({ url: base, connections: 4, duration: Number(values.warmup), requests: [request] });
    await autocannon({ url: base, connections: 1, duration: DURATION, requests: [request] });
    const pids = processTree(child.pid!);
    const t0 = pids.map(ticks);
    const th0 = pids.map(threadTicks);
    const cpu0 = process.cpuUsage();
    const times: number[] = [];
    const from = wall();
    const inst = autocannon({ url: base, connections: CONNECTIONS, duration: DURATION, requests: [request] });
    inst.on('response', (_c, _s, _b, ms) => times.push(ms));
    const result = await inst;
    const to = wall();
    const cpu1 = process.cpuUsage(cpu0);
    const t1 = pids.map(ticks);
    const th1 = pids.map(threadTicks);
    const rss = pids.map(rssMb);
    // Each process's node flags (what its workers were started with).
    const flags = pids.map((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const script = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
        return argv.slice(1, script < 0 ? argv.length : script).join(' ');
      } catch {
        return '?';
      }
    });
    const stopped = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await stopped;
    const files: ProbeFile[] = existsSync(probeDir)
      ? readdirSync(probeDir).map((f) => JSON.parse(readFileSync(`${probeDir}/${f}`, 'utf8')))
      : [];
    rmSync(probeDir, { recursive: true, force: true });
    // The server's stall log (src/http/ops/loop-stalls.ts): pino lines with their time.
    const stalls = [`${probeDir}.out`, `${probeDir}.log`]
      .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
      .flatMap((l) => {
        try {
          const o = JSON.parse(l) as { msg?: string; time?: number; stall_ms?: number; pid?: number };
          return o.msg === 'event loop stalled' ? [o] : [];
        } catch {
          return [];
        }
      });
    return analyse(run, round, {
      files,
      from,
      to,
      times,
      errors: result.errors + result.non2xx,
      load0,
      pids,
      cpuS: t1.map((t, i) => (t - (t0[i] ?? 0)) / 100),
      threads: th1.map((t, i) => threadCpuByName(th0[i]!, t)),
      flags,
      stalls,
      rss,
      loadGenCpuS: (cpu1.user + cpu1.system) / 1e6,
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

function analyse(
  run: RunSpec,
  round: number,
  m: {
    files: ProbeFile[];
    from: number;
    to: number;
    times: number[];
    errors: number;
    load0: number;
    pids: number[];
    cpuS: number[];
    threads: Record<string, number>[];
    flags: string[];
    stalls: { time?: number; stall_ms?: number; pid?: number }[];
    rss: number[];
    loadGenCpuS: number;
  },
) {
  const seconds = (m.to - m.from) / 1000;
  const n = m.times.length;
  const client = {
    searches_per_s: Math.round(n / seconds),
    p50_ms: r2(percentile(m.times, 50)),
    p95_ms: r2(percentile(m.times, 95)),
    p99_ms: r2(percentile(m.times, 99)),
    errors: m.errors,
  };
  // Every request each worker served in the measured window, and the texts it had seen before.
  type W = {
    pid: number;
    all: Rec[];
    recs: Rec[];
    busy: [number, number][];
    gcs: [number, number, number][];
    background: [number, number, number, number][];
    delays: [number, number, number, number][];
    heapMb: Record<string, number>;
  };
  const workers: W[] = m.files.map((f) => {
    const all = f.recs.filter((r) => r.end > 0).sort((a, b) => a.start - b.start);
    return {
      pid: f.pid,
      all,
      recs: all.filter((r) => r.sent >= m.from && r.sent < m.to),
      busy: union(all.map((r) => [r.start, r.end])),
      gcs: f.gcs,
      background: f.background ?? [],
      delays: f.delays ?? [],
      heapMb: f.heapMb ?? {},
    };
  });
  const firstUse = new Set<Rec>();
  for (const w of workers) {
    const seen = new Set<string>();
    for (const r of w.all) {
      const t = textOf(r.url);
      if (!seen.has(t)) firstUse.add(r);
      seen.add(t);
    }
  }
  const perWorker = workers.map((w) => {
    const service = w.recs.map((r) => r.end - r.start);
    const wait = w.recs.map((r) => r.start - r.sent);
    const cpuService = w.recs.map((r) => r.cpuEnd - r.cpuStart);
    const gcIn = w.gcs.filter((g) => g[0] >= m.from && g[0] < m.to);
    const longs = w.recs.filter((r) => r.cpuEnd - r.cpuStart >= LONG_MS);
    const cpuOf = (f: (r: Rec) => number) => r2(mean(w.recs.map(f)));
    return {
      pid: w.pid,
      requests: w.recs.length,
      connections: new Set(w.recs.map((r) => r.socket)).size,
      busy_share: r2(w.busy.length ? overlap(w.busy, m.from, m.to) / (m.to - m.from) : 0),
      service_ms: {
        mean: r2(mean(service)),
        p50: r2(percentile(service, 50)),
        p95: r2(percentile(service, 95)),
        max: r2(Math.max(0, ...service)),
      },
      wait_ms: {
        mean: r2(mean(wait)),
        p50: r2(percentile(wait, 50)),
        p95: r2(percentile(wait, 95)),
        min: r2(Math.min(...wait)),
      },
      // Thread CPU per request: before the handler (parse, routing, validation, hooks), the
      // handler (the search), the response (serialisation, onSend hooks, compression, write).
      cpu_ms: {
        before_handler: cpuOf((r) => (r.cpuHandlerStart || r.cpuStart) - r.cpuStart),
        handler: cpuOf(
          (r) => (r.cpuHandlerEnd || r.cpuHandlerStart || r.cpuStart) - (r.cpuHandlerStart || r.cpuStart),
        ),
        response: cpuOf((r) => r.cpuEnd - (r.cpuHandlerEnd || r.cpuHandlerStart || r.cpuStart)),
        p50: r2(percentile(cpuService, 50)),
        p95: r2(percentile(cpuService, 95)),
        p99: r2(percentile(cpuService, 99)),
        max: r2(Math.max(0, ...cpuService)),
      },
      service_cpu_over_wall: r2(
        cpuService.reduce((a, b) => a + b, 0) /
          Math.max(
            1e-9,
            service.reduce((a, b) => a + b, 0),
          ),
      ),
      long_requests: longs.length,
      long_share_of_service: r2(
        longs.reduce((a, r) => a + r.end - r.start, 0) /
          Math.max(
            1e-9,
            service.reduce((a, b) => a + b, 0),
          ),
      ),
      long_that_are_first_uses: longs.filter((r) => firstUse.has(r)).length,
      first_uses: w.recs.filter((r) => firstUse.has(r)).length,
      gc: {
        count: gcIn.length,
        total_ms: r2(gcIn.reduce((a, g) => a + g[1], 0)),
        max_ms: r2(Math.max(0, ...gcIn.map((g) => g[1]))),
        major: gcIn.filter((g) => g[2] === 4).length,
        // Share of the pause time inside a request's service (it lengthens that request).
        inside_requests_share: r2(
          gcIn.reduce((a, g) => a + overlap(w.busy, g[0], g[0] + g[1]), 0) /
            Math.max(
              1e-9,
              gcIn.reduce((a, g) => a + g[1], 0),
            ),
        ),
      },
      // Replays (0) and warm-up turns (1 browse, 2 text) begun in the window, and in all.
      background: Object.fromEntries(
        (['replays', 'browse_warm_up', 'text_warm_up'] as const).map((name, kind) => {
          const of = w.background.filter((b) => b[0] === kind);
          const inW = of.filter((b) => b[1] >= m.from && b[1] < m.to);
          return [
            name,
            {
              in_window: inW.length,
              in_window_cpu_ms: r2(inW.reduce((a, b) => a + b[3], 0)),
              in_window_wall_ms: r2(inW.reduce((a, b) => a + b[2] - b[1], 0)),
              in_all: of.length,
              last_end_s_before_window: of.length
                ? r2((m.from - Math.max(...of.map((b) => b[2]))) / 1000)
                : null,
            },
          ];
        }),
      ),
      // Event-loop delay per second of the window (the probe's 1 ms timer, late by this much).
      loop_delay_ms: (() => {
        const d = w.delays.filter((x) => x[0] > m.from + 1000 && x[0] <= m.to);
        return {
          seconds: d.length,
          p50_median: r2(
            percentile(
              d.map((x) => x[1]),
              50,
            ),
          ),
          p99_median: r2(
            percentile(
              d.map((x) => x[2]),
              50,
            ),
          ),
          p99_worst: r2(Math.max(0, ...d.map((x) => x[2]))),
          max: r2(Math.max(0, ...d.map((x) => x[3]))),
        };
      })(),
      heap_mb_at_exit: {
        total: w.heapMb.total_heap_size,
        used: w.heapMb.used_heap_size,
        limit: w.heapMb.heap_size_limit,
        external: w.heapMb.external_memory,
        malloced: w.heapMb.malloced_memory,
      },
      request_cpu_ms_in_window: r2(w.recs.reduce((a, r) => a + r.cpuEnd - r.cpuStart, 0)),
    };
  });

  // The tail: requests whose server-seen latency (end − sent) is at or above its p95.
  const every = workers.flatMap((w) => w.recs.map((r) => ({ r, w })));
  const lat = every.map(({ r }) => r.end - r.sent);
  const p95 = percentile(lat, 95);
  const tail = every.filter(({ r }) => r.end - r.sent >= p95);
  const parts = {
    own_before_handler: 0,
    own_handler: 0,
    own_response: 0,
    wait_behind_short: 0,
    wait_behind_long: 0,
    wait_behind_long_first_use: 0,
    wait_gc_outside_requests: 0,
    wait_background: 0,
    wait_rest: 0,
  };
  let otherIdle = 0;
  let aheadSum = 0;
  let ownLong = 0;
  let ownCpu = 0;
  let ownWall = 0;
  let gcInOwn = 0;
  let gcInLatency = 0;
  for (const { r, w } of tail) {
    const hs = r.handlerStart || r.start;
    const he = r.handlerEnd || hs;
    parts.own_before_handler += hs - r.start;
    parts.own_handler += he - hs;
    parts.own_response += r.end - he;
    ownCpu += r.cpuEnd - r.cpuStart;
    ownWall += r.end - r.start;
    if (r.cpuEnd - r.cpuStart >= LONG_MS) ownLong++;
    let short = 0;
    let long = 0;
    let longFirst = 0;
    let ahead = 0;
    for (const o of w.all) {
      if (o === r) continue;
      if (o.start >= r.start) break;
      const ov = Math.max(0, Math.min(r.start, o.end) - Math.max(r.sent, o.start));
      if (ov <= 0) continue;
      ahead++;
      if (o.cpuEnd - o.cpuStart >= LONG_MS) {
        long += ov;
        if (firstUse.has(o)) longFirst += ov;
      } else short += ov;
    }
    const gcOut = w.gcs
      .filter((g) => g[0] < r.start && g[0] + g[1] > r.sent)
      .reduce((a, g) => {
        const s = Math.max(g[0], r.sent);
        const e = Math.min(g[0] + g[1], r.start);
        return a + Math.max(0, e - s - overlap(w.busy, s, e));
      }, 0);
    // Every GC pause of its worker between its send and its end: in its own service, in the
    // requests it queued behind (each delays all those waiting), or between requests.
    gcInLatency += w.gcs
      .filter((g) => g[0] < r.end && g[0] + g[1] > r.sent)
      .reduce((a, g) => a + Math.min(g[0] + g[1], r.end) - Math.max(g[0], r.sent), 0);
    gcInOwn += w.gcs
      .filter((g) => g[0] < r.end && g[0] + g[1] > r.start)
      .reduce((a, g) => a + Math.min(g[0] + g[1], r.end) - Math.max(g[0], r.start), 0);
    // Replays and warm-up turns run between requests: their time within this one's wait.
    const bgOut = w.background
      .filter((b) => b[1] < r.start && b[2] > r.sent)
      .reduce((a, b) => a + Math.max(0, Math.min(b[2], r.start) - Math.max(b[1], r.sent)), 0);
    const wait = r.start - r.sent;
    parts.wait_behind_short += short;
    parts.wait_behind_long += long;
    parts.wait_behind_long_first_use += longFirst;
    parts.wait_gc_outside_requests += gcOut;
    parts.wait_background += bgOut;
    parts.wait_rest += Math.max(0, wait - short - long - gcOut - bgOut);
    aheadSum += ahead;
    // Was the other worker free when this one was sent (nothing in service or waiting there)?
    const others = workers.filter((x) => x !== w);
    if (others.some((x) => !x.all.some((o) => o.sent <= r.sent && o.end > r.sent))) otherIdle++;
  }
  const total = tail.reduce((a, { r }) => a + r.end - r.sent, 0);
  const k = Math.max(1, tail.length);
  const decomposition = Object.fromEntries(
    Object.entries(parts).map(([key, v]) => [
      key,
      { mean_ms: r2(v / k), share: r2(v / Math.max(1e-9, total)) },
    ]),
  );
  // A closed-loop model of a quiet machine: each worker on a core of its own, its connections'
  // requests served in turn with their measured thread CPU as service time; a request then waits
  // for the requests of the worker's other connections (the previous ones in its order), so its
  // latency is the sum of `per` consecutive services. Its p95, and the same with every request's
  // CPU capped at --long ms (the long requests — mostly first uses of a text — made ordinary),
  // and with every CPU cut by 10 %, say which lever moves the tail.
  const model = (f: (cpu: number) => number, split: 'even' | 'measured' = 'even') => {
    const lats: number[] = [];
    for (const w of workers) {
      const per =
        split === 'measured'
          ? new Set(w.recs.map((r) => r.socket)).size
          : Math.max(1, Math.round(CONNECTIONS / Math.max(1, workers.length)));
      const s = w.recs.map((r) => f(r.cpuEnd - r.cpuStart));
      let sum = 0;
      for (let i = 0; i < s.length; i++) {
        sum += s[i]!;
        if (i >= per) sum -= s[i - per]!;
        if (i >= per - 1) lats.push(sum);
      }
    }
    return {
      mean_ms: r2(mean(lats)),
      p95_ms: r2(percentile(lats, 95)),
      p95_over_mean: r2(percentile(lats, 95) / Math.max(1e-9, mean(lats))),
    };
  };
  const out = {
    run: run.name,
    round,
    load_at_start: r2(m.load0),
    load_at_end: r2(loadavg()[0]!),
    window: [m.from, m.to],
    client,
    server_view: {
      requests: every.length,
      p95_ms: r2(p95),
      p50_ms: r2(percentile(lat, 50)),
      own_service_p95_ms: r2(
        percentile(
          every.map(({ r }) => r.end - r.start),
          95,
        ),
      ),
    },
    cpu_ms_per_search: {
      by_process: m.cpuS.map((s) => r2((s * 1000) / Math.max(1, n))),
      load_generator: r2((m.loadGenCpuS * 1000) / Math.max(1, n)),
    },
    rss_mb_by_process: m.rss,
    flags_by_process: m.flags,
    // Each process's threads' CPU in the measured window, ms per search: main (the event loop),
    // V8Worker (V8's helpers: concurrent marking and sweeping, parallel scavenges, compilation),
    // WorkerThread (worker_threads: the WAL checkpointer), libuv-worker, and the rest.
    thread_cpu_ms_per_search: m.threads.map((t) =>
      Object.fromEntries(
        Object.entries(t)
          .filter(([, ms]) => ms > 0)
          .map(([name, ms]) => [name, r2(ms / Math.max(1, n))]),
      ),
    ),
    // The main thread's CPU of each worker in the window, split (ms per search of that worker).
    main_thread_split: workers.map((w, i) => {
      const idx = m.pids.indexOf(w.pid);
      const main = idx >= 0 ? (m.threads[idx]!.main ?? 0) : 0;
      const k2 = Math.max(1, perWorker[i]!.requests);
      const req = perWorker[i]!.request_cpu_ms_in_window;
      const bg = Object.values(perWorker[i]!.background).reduce((a, b) => a + b.in_window_cpu_ms, 0);
      return {
        pid: w.pid,
        main: r2(main / k2),
        requests: r2(req / k2),
        replays_and_warm_up: r2(bg / k2),
        rest: r2((main - req - bg) / k2),
      };
    }),
    stall_log_in_window: m.stalls
      .filter((x) => (x.time ?? 0) >= m.from && (x.time ?? 0) < m.to)
      .map((x) => x.stall_ms ?? 0),
    quiet_model: {
      as_measured: model((c) => c),
      // The connections as the primary actually split them between the workers.
      measured_split: model((c) => c, 'measured'),
      long_capped: model((c) => Math.min(c, LONG_MS)),
      cpu_minus_10pct: model((c) => c * 0.9),
    },
    workers: perWorker,
    tail: {
      requests: tail.length,
      mean_latency_ms: r2(total / k),
      decomposition,
      requests_ahead_mean: r2(aheadSum / k),
      own_service_long: ownLong,
      own_cpu_over_wall: r2(ownCpu / Math.max(1e-9, ownWall)),
      gc_inside_own_ms_mean: r2(gcInOwn / k),
      gc_within_latency_share: r2(gcInLatency / Math.max(1e-9, total)),
      other_worker_idle_at_send: r2(otherIdle / k),
    },
  };
  console.log(JSON.stringify(out));
  return out;
}

console.log(
  JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), runs, node: process.version }),
);
const results = [];
for (let round = 1; round <= Number(values.rounds); round++)
  for (const run of round % 2 === 1 ? runs : [...runs].reverse()) results.push(await once(run, round));
console.log('\nsummary (16-connection run; tail = server-seen latency ≥ its p95)');
console.table(
  results.map((x) => ({
    run: `${x.run} #${x.round}`,
    load: `${x.load_at_start}→${x.load_at_end}`,
    'search/s': x.client.searches_per_s,
    'p95 ms': x.client.p95_ms,
    'p99 ms': x.client.p99_ms,
    'tail mean ms': x.tail.mean_latency_ms,
    'own %': Math.round(
      100 *
        (x.tail.decomposition.own_before_handler!.share +
          x.tail.decomposition.own_handler!.share +
          x.tail.decomposition.own_response!.share),
    ),
    'behind short %': Math.round(100 * x.tail.decomposition.wait_behind_short!.share),
    'behind long %': Math.round(100 * x.tail.decomposition.wait_behind_long!.share),
    'gc %': Math.round(100 * x.tail.decomposition.wait_gc_outside_requests!.share),
    'bg %': Math.round(100 * x.tail.decomposition.wait_background!.share),
    'rest %': Math.round(100 * x.tail.decomposition.wait_rest!.share),
    'other idle %': Math.round(100 * x.tail.other_worker_idle_at_send),
    conns: x.workers.map((w) => w.connections).join('/'),
    'model p95': x.quiet_model.as_measured.p95_ms,
    'model p95 split': x.quiet_model.measured_split.p95_ms,
    'model p95 long capped': x.quiet_model.long_capped.p95_ms,
    'cpu ms/search': x.cpu_ms_per_search.by_process.reduce((a, b) => a + b, 0).toFixed(2),
    'loadgen ms/search': x.cpu_ms_per_search.load_generator,
    'V8Worker ms/search': x.thread_cpu_ms_per_search.reduce((a, t) => a + (t.V8Worker ?? 0), 0).toFixed(2),
    'gc ms/s/worker': x.workers.map((w) => Math.round(w.gc.total_ms / Number(values.duration))).join('/'),
    'RSS MB': x.rss_mb_by_process.join('/'),
  })),
);
