// Mixed realistic load through HTTP (npm run bench:load). Results go in docs/PERFORMANCE.md
// ("Load and soak"). `--help` lists the options.
//
//   npx node bench/load.ts [--duration 60] [--connections 200]
//                          [--sqlite .bench-data/load-sqlite] [--products 1000000] [--workers N|auto]
//                          [--pg postgres://postgres@127.0.0.1:5432/test [--pg-schema load_1m] --instances 2]
//                          [--rate R | --find-rate [--p95 50] [--step 20] [--rate-max 2000]]
//                          [--without home,suggest] [--service 3] [--log-level info] [--cpu-prof DIR]
//
// Dataset: SQLite uses --sqlite DIR as is when it holds a database; otherwise, for the full size, a
// copy of --source (default .bench-data/sqlite-1m in the repository, gitignored; never written to); otherwise `comptoir seed
// --demo --merchants M --products N` (M = N/50, at most 20,000). --products N picks a smaller region
// (its own directory or schema). With --pg the same runs on a PostgreSQL schema (seeded when empty)
// with --instances server processes; each virtual client's requests alternate across instances.
//
// Then real server processes (`comptoir serve`, NODE_ENV=production, LOG_LEVEL=info to a file under
// /tmp; --workers sets their WEB_CONCURRENCY) on loopback ports, a 10 s warm-up, and --duration seconds at --connections connections of
// the weighted mix (bench/mixed-load.ts MIX): searches (the queries of the Outaouais retail
// vocabulary at random positions of the region), product, merchant, search and home pages,
// suggestions, cart adds and views (a cart cookie per virtual client), checkouts (pay in store,
// Idempotency-Key) and merchant stock syncs (PUT /api/v1/merchant/inventory with API keys created
// for the run). --rate R sends R requests/s in total instead (Poisson arrivals over at most
// --connections sockets, open loop, like independent users with think time); without it every connection sends its next request as soon as the
// previous one is answered (closed loop: the latency then measures the queue, see PERFORMANCE.md).
// --find-rate searches the highest open-loop rate whose p95 stays within --p95 ms with no error
// (see findRate below), on the same warm servers, one short run per rate.
// Prints per route: count, req/s, p50/p95/p99/max, non-2xx, and the mean time inside the servers
// (their /metrics); totals; in the service pass, each route's server CPU per request; server RSS and CPU (summed over
// every process of a server: the primary and its workers), per-worker /metrics (summed, or the
// maximum for loop stalls); the load generator's CPU (it shares the machine); load average before and after.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  checkSoldOut,
  cpuSeconds,
  DATASET_OPTIONS,
  loadFixtures,
  MIX,
  machine,
  memoryOf,
  prepareTarget,
  Recorder,
  runMix,
  runPaced,
  type Server,
  scrapeWorkers,
  startServers,
  stockMark,
  stopServers,
  summarise,
  workersOf,
} from './mixed-load.ts';

const HELP = `npm run bench:load -- [options]     (or: npx node bench/load.ts [options])

Dataset and servers
  --sqlite DIR          SQLite DATA_DIR, used as is when it holds a database  [.bench-data/load-sqlite]
                        (else a copy of --source at 1M products, else seeded); the load writes to it
  --source DIR          the 1M region to copy (never written to)               [.bench-data/sqlite-1m]
  --products N          region size (a smaller one gets its own directory/schema, seeded) [1000000]
  --merchants N         merchants when seeding                                 [products/50, ≤ 20000]
  --pg URL              PostgreSQL instead of SQLite (schema seeded when empty)
  --pg-schema S         its schema                                             [load_1m]
  --instances N         separate server processes (PostgreSQL only)            [1; 2 with --pg]
  --workers N|auto      WEB_CONCURRENCY of each server (a primary and N workers) [environment, else 1]
  --keys N              merchant API keys created for the stock syncs          [200]
  --log-level L         server log level (to /tmp/comptoir-load-PORT.log)       [info]
  --cpu-prof DIR        write a V8 CPU profile of each server process into DIR when it stops

Load
  --duration S          seconds of the measured run                            [60]
  --connections N       connections (closed loop) / most sockets (open loop)   [200]
  --warmup S            seconds of unmeasured mix first (≤ 20 connections)     [10]
  --rate R              open loop: R requests/s in total, Poisson arrivals     [closed loop]
  --without a,b         leave routes out of the mix (parts of their names)
  --service S           then each route alone on 1 connection for S s, with the
                        server CPU per request of each route (0: skip)         [3]

Highest rate (open loop)
  --find-rate           find the highest rate that keeps p95 ≤ --p95 ms with no failure (5xx,
                        timeout, connection error, non-2xx other than 409 sold out, which is allowed):
                        short runs of --step s, the rate ×1.5 from --rate (or 100) until a run
                        fails, then halving the interval until it is within 5% (at least 5 req/s);
                        prints each step and the answer
  --p95 MS              the p95 bound                                          [50]
  --per-route           the bound holds for every route's p95, not only the whole mix's
  --step S              seconds per step                                       [20]
  --rate-max R          never offer more than this                             [2000]
  --help, -h            this text

Errors: a 409 out_of_stock (a cart add or checkout of an item another virtual client's checkout
just took) is a correct answer, counted apart (sold_out_409) and never hidden; after the run the
bench checks each against the database (checkouts hold the item's units, or the store has fewer
than asked, and no reservation leaked: every stock level the run reserved holds exactly the units of
its held and committed reservations) and prints the check. The zero-errors target is judged on
failures: 5xx, timeouts, connection errors and any other non-2xx answer (another 4xx, a 409 that
is not out_of_stock); failures_5xx_timeout_or_connection keeps its old meaning.

Every figure of a server (CPU, RSS) is the sum over its processes (primary and workers); its
/metrics are read from each worker. Figures on a shared machine are indicative: the load generator
runs on the same cores (its CPU is printed), and so is the load average. Each server logs its
event-loop stalls of 50 ms or more with what held the loop (the request whose handler start and
answer surround the longest gap, or "tick" for work outside requests); the bench prints them
(logged_stalls_50ms in the result; needs --log-level warn or lower). db_lock_waits: writes
that waited for another worker's SQLite write lock (without blocking); wal_checkpoints: checkpoints
done off the event loop by the servers' background thread, the longest in wal_checkpoint_max_ms.`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    ...DATASET_OPTIONS,
    /** WEB_CONCURRENCY of every server (default: the environment's). */
    workers: { type: 'string' },
    /** Total requests/s (open loop): the same connections, paced; default: as fast as answered. */
    rate: { type: 'string' },
    /** Seconds per route of the service-time pass (1 connection, one route at a time); 0 skips it. */
    service: { type: 'string', default: '3' },
    /** Routes left out of the mix: comma-separated parts of their names (e.g. "home"). */
    without: { type: 'string' },
    /** Directory for a V8 CPU profile of each server (.cpuprofile, written when it stops). */
    'cpu-prof': { type: 'string' },
    'find-rate': { type: 'boolean', default: false },
    p95: { type: 'string', default: '50' },
    'per-route': { type: 'boolean', default: false },
    step: { type: 'string', default: '20' },
    'rate-max': { type: 'string', default: '2000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const P95 = Number(values.p95);
const { target, instances: INSTANCES } = await prepareTarget(values, values.pg ? 2 : 1);
if (values.workers) target.env.WEB_CONCURRENCY = values.workers;
const fx = await loadFixtures(target.env, { keys: Number(values.keys) });
const without = (values.without ?? '').split(',').filter(Boolean);
const mix = Object.fromEntries(
  Object.entries(MIX).filter(([route]) => !without.some((w) => route.includes(w))),
);
const header = {
  ...machine(),
  dataset: target.label,
  products: fx.products,
  instances: INSTANCES,
  web_concurrency: target.env.WEB_CONCURRENCY ?? process.env.WEB_CONCURRENCY ?? '1',
  connections: CONNECTIONS,
  duration_s: values['find-rate'] ? `${values.step} per step` : DURATION,
  rate: values['find-rate']
    ? `find the highest with p95 ≤ ${P95} ms${values['per-route'] ? ' on every route' : ''}`
    : values.rate
      ? Number(values.rate)
      : 'unpaced (closed loop)',
  log_level: values['log-level'],
  ...(without.length ? { without: Object.keys(MIX).filter((r) => !(r in mix)) } : {}),
};
console.log(JSON.stringify(header));
console.error(
  `fixtures: ${fx.offers.length} offers in stock, ${fx.merchantSlugs.length} merchants, ${fx.syncers.length} API keys`,
);

/** Per-worker /metrics of a server, combined: counters and memory summed, loop stall the largest. */
async function scrapeServer(s: Server) {
  const all = await scrapeWorkers(s.base, workersOf(s.child.pid!));
  const sum = (k: string) => all.reduce((n, m) => n + (m[k] ?? 0), 0);
  return {
    workers: all.length,
    sum,
    max: (k: string) => Math.max(0, ...all.map((m) => m[k] ?? 0)),
    keys: new Set(all.flatMap((m) => Object.keys(m))),
    stallMs: Math.max(0, ...all.map((m) => (m.nodejs_eventloop_delay_seconds_max ?? 0) * 1000)),
  };
}

/**
 * One measured run on warm servers (open loop at `rate`, or closed loop without): the mix's figures
 * per route and overall, and per server its CPU (every process), RSS, loop stalls and /metrics.
 */
async function measure(servers: Server[], seconds: number, rate?: number) {
  const recorder = new Recorder();
  // The loop-delay gauge covers the time since the previous scrape: one now, so the first sample of
  // the run does not carry the start-up, the warm-up or the previous step.
  const before = await Promise.all(servers.map(scrapeServer));
  const dbBefore = before.map((m) => m.sum('comptoir_db_query_duration_seconds_count'));
  const cpu0 = servers.map((s) => cpuSeconds(s.child.pid!));
  const me0 = process.cpuUsage();
  const load0 = loadavg()[0]!;
  const rss = servers.map(() => [] as number[]);
  // Longest event-loop stall of each server (any of its workers), per second.
  const stalls = servers.map(() => [] as number[]);
  let scraping = false;
  const sampler = setInterval(() => {
    servers.forEach((s, i) => {
      rss[i]!.push(memoryOf(s.child.pid!).rss_mb);
    });
    if (scraping) return;
    scraping = true;
    Promise.all(
      servers.map(async (s, i) => {
        stalls[i]!.push((await scrapeServer(s)).stallMs);
      }),
    )
      .catch(() => {})
      .finally(() => {
        scraping = false;
      });
  }, 1000);
  const t0 = performance.now();
  const wall0 = Date.now();
  const run = { servers, fx, connections: CONNECTIONS, seconds, recorder, mix };
  const { errors, timeouts } = rate ? await runPaced({ ...run, rate }) : await runMix(run);
  const elapsed = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const me = process.cpuUsage(me0);
  const summary = summarise(recorder, elapsed);
  const after = await Promise.all(servers.map(scrapeServer));
  const serverRoutes = insideServers(before, after);
  const serverStats = await Promise.all(
    servers.map(async (s, i) => {
      const m = after[i]!;
      const mem = memoryOf(s.child.pid!);
      // The counters since the server started, less those before this run (the warm-up's).
      const dbCount = m.sum('comptoir_db_query_duration_seconds_count');
      const cpu = cpuSeconds(s.child.pid!) - cpu0[i]!;
      return {
        port: s.port,
        processes: mem.processes,
        rss_mb_end: Math.round(mem.rss_mb),
        rss_mb_max_during_run: Math.round(Math.max(...rss[i]!)),
        rss_mb_peak: Math.round(mem.peak_mb),
        heap_used_mb: Math.round(m.sum('nodejs_heap_used_bytes') / 2 ** 20),
        cpu_cores_avg: +(cpu / elapsed).toFixed(2),
        db_queries: dbCount - dbBefore[i]!,
        db_query_mean_ms_since_start: dbCount
          ? +((m.sum('comptoir_db_query_duration_seconds_sum') / dbCount) * 1000).toFixed(2)
          : 0,
        db_query_errors: m.sum('comptoir_db_query_errors_total'),
        db_lock_waits: m.sum('comptoir_db_lock_waits_total') - before[i]!.sum('comptoir_db_lock_waits_total'),
        db_lock_wait_ms_mean: (() => {
          const n = m.sum('comptoir_db_lock_waits_total') - before[i]!.sum('comptoir_db_lock_waits_total');
          const sec =
            m.sum('comptoir_db_lock_wait_seconds_total') -
            before[i]!.sum('comptoir_db_lock_wait_seconds_total');
          return n ? +((sec / n) * 1000).toFixed(1) : 0;
        })(),
        wal_checkpoints:
          m.sum('comptoir_wal_checkpoints_total') - before[i]!.sum('comptoir_wal_checkpoints_total'),
        wal_checkpoint_max_ms: Math.round(m.max('comptoir_wal_checkpoint_seconds_max') * 1000),
        reservations_pending: m.sum('comptoir_reservations_pending'),
        loop_stall_max_ms: Math.round(Math.max(0, ...stalls[i]!)),
        loop_stalls_over_1s: stalls[i]!.filter((x) => x > 1000).length,
        loop_stalls_over_100ms: stalls[i]!.filter((x) => x > 100).length,
        log: s.logFile,
      };
    }),
  );
  const stallLog = servers.map((s) => stallsInLog(s.logFile, wall0, Date.now()));
  return { summary, serverStats, serverRoutes, errors, timeouts, elapsed, me, load0, recorder, stallLog };
}

/**
 * The servers' own stall log over the run ("event loop stalled", src/http/ops/loop-stalls.ts: each
 * stall of 50 ms or more with the two marks around the longest gap — `GET /x start` → `GET /x
 * answered` is that request's own work; `tick` at either end, work outside requests): per pair of
 * marks, the stalls, the longest, the longest gap; the 15 longest.
 */
function stallsInLog(file: string, from: number, to: number) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { stalls: 0, rows: [] };
  }
  const byRoute = new Map<string, { stalls: number; max_ms: number; longest_gap_ms: number }>();
  let stalls = 0;
  for (const line of text.split('\n')) {
    if (!line.includes('event loop stalled')) continue;
    let e: { time: number; stall_ms: number; gap_ms?: number; from?: string; to?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line being written
    }
    if (e.time < from || e.time > to) continue;
    stalls++;
    const k = `${e.from ?? '?'} → ${e.to ?? '?'}`;
    const v = byRoute.get(k) ?? { stalls: 0, max_ms: 0, longest_gap_ms: 0 };
    v.stalls++;
    v.max_ms = Math.max(v.max_ms, e.stall_ms);
    v.longest_gap_ms = Math.max(v.longest_gap_ms, e.gap_ms ?? 0);
    byRoute.set(k, v);
  }
  return {
    stalls,
    rows: [...byRoute]
      .map(([held, v]) => ({ held_between: held, ...v }))
      .sort((a, b) => b.max_ms - a.max_ms)
      .slice(0, 15),
  };
}

/**
 * Per server route, over the run: requests and mean ms inside the servers (from Fastify's request
 * start to the response, every worker; a request waiting for a busy loop before Fastify sees it is
 * not in it, which is what the client's latency adds).
 */
function insideServers(
  before: Awaited<ReturnType<typeof scrapeServer>>[],
  after: Awaited<ReturnType<typeof scrapeServer>>[],
) {
  const routes = new Set<string>();
  for (const m of after) for (const k of m.keys) if (k.startsWith('http_count ')) routes.add(k.slice(11));
  const delta = (k: string) => after.reduce((n, m, i) => n + m.sum(k) - (before[i]?.sum(k) ?? 0), 0);
  return [...routes]
    .map((route) => {
      const count = delta(`http_count ${route}`);
      return { route, count, mean_ms: count ? +((delta(`http_sum ${route}`) / count) * 1000).toFixed(2) : 0 };
    })
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count * b.mean_ms - a.count * a.mean_ms);
}

/** 5xx, timeouts (status 0), connection errors (< 0): the failures of --find-rate's steps. */
function failuresOf(rows: ReturnType<typeof summarise>['rows']) {
  let n = 0;
  for (const r of rows)
    for (const part of r.statuses.split(' ').filter(Boolean)) {
      const [code, count] = part.split('×');
      if (code === 'timeout' || code === 'error' || Number(code) >= 500) n += Number(count);
    }
  return n;
}

/**
 * The highest open-loop rate that keeps p95 ≤ P95 ms (the whole mix's, or every route's with
 * --per-route) with no failure (any non-2xx but a 409 out_of_stock, a timeout, a connection
 * error): from --rate (or 100) the rate grows ×1.5 until a step fails or --rate-max is reached,
 * then the interval between the highest passing and the lowest failing rate is halved until it is
 * within 5 % (at least 5 req/s). Each step is a run of --step seconds on the same warm servers, a
 * 3 s pause between steps (the servers drain their queues).
 * Every request sent is answered or times out, and latency counts from the planned arrival: a
 * server (or load generator) that falls behind shows in the p95 and the timeouts.
 */
async function findRate(servers: Server[]) {
  const step = Number(values.step);
  const max = Number(values['rate-max']);
  let pass = 0;
  let fail = Number.POSITIVE_INFINITY;
  let rate = Math.min(max, Number(values.rate ?? 100));
  const steps = [];
  for (let i = 0; i < 20; i++) {
    const r = await measure(servers, step, rate);
    const worst = r.summary.rows.reduce((a, b) => (b.p95_ms > a.p95_ms ? b : a), r.summary.rows[0]!);
    const failures = r.summary.failures + r.errors;
    const p95 = values['per-route'] ? worst.p95_ms : r.summary.p95_ms;
    const ok = p95 <= P95 && failures === 0;
    const cpu = r.serverStats.reduce((a, s) => a + s.cpu_cores_avg, 0);
    const row = {
      step: i + 1,
      offered_rps: rate,
      served_rps: r.summary.rps,
      p50_ms: r.summary.p50_ms,
      p95_ms: r.summary.p95_ms,
      p99_ms: r.summary.p99_ms,
      worst_route: `${worst.route} p95 ${worst.p95_ms}`,
      failures,
      server_cores: +cpu.toFixed(2),
      server_cpu_ms_per_request: +((cpu * r.elapsed * 1000) / Math.max(1, r.summary.total)).toFixed(2),
      loadgen_cores: +((r.me.user + r.me.system) / 1e6 / r.elapsed).toFixed(2),
      loop_stall_max_ms: Math.max(...r.serverStats.map((s) => s.loop_stall_max_ms)),
      loadavg_1m: +loadavg()[0]!.toFixed(2),
      verdict: ok ? 'pass' : 'fail',
    };
    steps.push(row);
    console.log(JSON.stringify(row));
    if (ok) pass = Math.max(pass, rate);
    else fail = Math.min(fail, rate);
    let next: number;
    if (fail === Number.POSITIVE_INFINITY) {
      if (rate >= max) break;
      next = Math.min(max, Math.round(rate * 1.5));
    } else {
      if (fail - pass <= Math.max(5, 0.05 * pass)) break;
      next = Math.round((pass + fail) / 2);
    }
    rate = next;
    await new Promise((res) => setTimeout(res, 3000));
  }
  console.log('\nsteps');
  console.table(steps);
  const answer = {
    highest_rate_with_p95_ok:
      pass || `none (even ${Math.min(...steps.map((s) => s.offered_rps))} req/s failed)`,
    lowest_failing_rate: Number.isFinite(fail) ? fail : `none up to ${max}`,
    p95_bound_ms: P95,
    bound_on: values['per-route'] ? 'every route' : 'the whole mix',
    step_seconds: step,
    instances: servers.length,
    processes_per_server: servers.map((s) => memoryOf(s.child.pid!).processes),
  };
  console.log(JSON.stringify(answer));
}

const servers = await startServers(target, INSTANCES, values['log-level']!, values['cpu-prof']);
try {
  if (Number(values.warmup) > 0) {
    console.error(`warm-up ${values.warmup} s…`);
    await runMix({
      servers,
      fx,
      connections: Math.min(20, CONNECTIONS),
      seconds: Number(values.warmup),
      recorder: new Recorder(),
      mix,
    });
  }
  if (values['find-rate']) {
    console.error(`finding the highest open-loop rate with p95 ≤ ${P95} ms on ${INSTANCES} instance(s)…`);
    await findRate(servers);
  } else {
    console.error(`load: ${DURATION} s at ${CONNECTIONS} connections on ${INSTANCES} instance(s)…`);
    const mark = await stockMark(target.env);
    const r = await measure(servers, DURATION, values.rate ? Number(values.rate) : undefined);
    const { summary, serverStats, errors, timeouts, elapsed: seconds, me, load0 } = r;
    const slow = summary.rows.filter((x) => x.p95_ms >= 50).map((x) => `${x.route} p95 ${x.p95_ms} ms`);
    // Timeouts are counted per route (status "timeout"); `errors` are the connection errors that are not.
    // A 409 out_of_stock is an expected refusal, checked against the database below; anything else fails.
    const failures = summary.failures + errors;
    const soldOut = r.recorder.refusals.some((x) => x.soldOut)
      ? await checkSoldOut(target.env, mark, r.recorder.refusals)
      : undefined;
    console.log('\nper route');
    console.table(summary.rows);
    console.log('inside the servers per route (mean ms from request start to response, every worker)');
    console.table(r.serverRoutes);
    console.log('servers');
    console.table(serverStats);
    for (const [i, st] of r.stallLog.entries()) {
      console.log(
        `server ${servers[i]!.port}: ${st.stalls} stalls of 50 ms or more in its log, by what held the loop (the marks around the longest gap)`,
      );
      if (st.rows.length) console.table(st.rows);
    }
    if (soldOut) {
      console.log(
        `409 sold out, checked against the database: ${soldOut.levels_reserved_by_run} stock levels reserved by the run's checkouts, ${soldOut.reservation_leaks} with reserved ≠ their held and committed reservations`,
      );
      console.table(soldOut.refused);
    }
    const result = {
      backend: target.kind,
      products: fx.products,
      instances: INSTANCES,
      processes_per_server: serverStats.map((s) => s.processes),
      connections: CONNECTIONS,
      seconds: +seconds.toFixed(1),
      requests: summary.total,
      rps: summary.rps,
      p50_ms: summary.p50_ms,
      p95_ms: summary.p95_ms,
      p99_ms: summary.p99_ms,
      non2xx_or_timeout: summary.non2xx_or_timeout,
      sold_out_409: summary.sold_out_409,
      sold_out_409_explained: soldOut ? soldOut.all_explained : 'none',
      failures: failures,
      failures_5xx_timeout_or_connection: failuresOf(summary.rows) + errors,
      timeouts,
      connection_errors_not_in_table: errors,
      loadgen_cpu_cores: +((me.user + me.system) / 1e6 / seconds).toFixed(2),
      // Server CPU per answered request (ms, every process of every server): what the mix costs,
      // less sensitive to a shared machine than latency.
      server_cpu_ms_per_request: +(
        (serverStats.reduce((a, s) => a + s.cpu_cores_avg, 0) * seconds * 1000) /
        Math.max(1, summary.total)
      ).toFixed(2),
      loop_stall_max_ms: Math.max(...serverStats.map((s) => s.loop_stall_max_ms)),
      logged_stalls_50ms: r.stallLog.reduce((n, st) => n + st.stalls, 0),
      loadavg_1m_before: +load0.toFixed(2),
      loadavg_1m_after: +loadavg()[0]!.toFixed(2),
      target_zero_errors:
        failures === 0
          ? `met (failures 0; ${summary.sold_out_409} expected 409 sold out${soldOut && !soldOut.all_explained ? ', NOT all explained by the stock check' : ''})`
          : `NOT met (${failures} failures)`,
      target_p95_under_50ms: slow.length === 0 ? 'met' : `NOT met: ${slow.join('; ')}`,
    };
    console.log(JSON.stringify(result));
  }

  // Service time: each route alone on one connection (no queue), what one request costs the server.
  const service = Number(values.service);
  if (service > 0) {
    const rows = [];
    for (const route of Object.keys(mix)) {
      const rec = new Recorder();
      // Server CPU around the route's run (every process): what one request of it costs, less
      // sensitive to a shared machine than its latency.
      const cpu0 = cpuSeconds(servers[0]!.child.pid!);
      await runMix({
        servers: servers.slice(0, 1),
        fx,
        connections: 1,
        seconds: service,
        recorder: rec,
        mix: { [route]: 1 },
      });
      const cpu = cpuSeconds(servers[0]!.child.pid!) - cpu0;
      const r = summarise(rec, service).rows.find((x) => x.route === route);
      if (r)
        rows.push({
          route,
          count: r.count,
          p50_ms: r.p50_ms,
          p95_ms: r.p95_ms,
          p99_ms: r.p99_ms,
          max_ms: r.max_ms,
          server_cpu_ms_per_request: +((cpu * 1000) / Math.max(1, r.count)).toFixed(2),
          non2xx_or_timeout: r.non2xx_or_timeout,
        });
    }
    console.log(`service time per route (1 connection, ${service} s each, server ${servers[0]!.port})`);
    console.table(rows);
    console.log(JSON.stringify({ service_time: rows }));
  }
} finally {
  await stopServers(servers);
}
