// Mixed realistic load through HTTP (npm run bench:load). Results go in docs/PERFORMANCE.md
// ("Load and soak").
//
//   npx node bench/load.ts [--duration 60] [--connections 200]
//                          [--sqlite .bench-data/load-sqlite] [--products 1000000]
//                          [--pg postgres://postgres@127.0.0.1:5432/test [--pg-schema load_1m] --instances 2]
//                          [--rate R] [--without home,suggest] [--service 3] [--log-level info]
//                          [--cpu-prof DIR]
//
// Dataset: SQLite uses --sqlite DIR as is when it holds a database; otherwise, for the full size, a
// copy of --source (default .bench-data/sqlite-1m in the repository, gitignored; never written to); otherwise `comptoir seed
// --demo --merchants M --products N` (M = N/50, at most 20,000). --products N picks a smaller region
// (its own directory or schema). With --pg the same runs on a PostgreSQL schema (seeded when empty)
// with --instances server processes; each virtual client's requests alternate across instances.
//
// Then real server processes (`comptoir serve`, NODE_ENV=production, LOG_LEVEL=info to a file under
// /tmp) on loopback ports, a 10 s warm-up, and --duration seconds at --connections connections of
// the weighted mix (bench/mixed-load.ts MIX): searches (the queries of the Outaouais retail
// vocabulary at random positions of the region), product, merchant, search and home pages,
// suggestions, cart adds and views (a cart cookie per virtual client), checkouts (pay in store,
// Idempotency-Key) and merchant stock syncs (PUT /api/v1/merchant/inventory with API keys created
// for the run). --rate R sends R requests/s in total instead (Poisson arrivals over at most
// --connections sockets, open loop, like independent users with think time); without it every connection sends its next request as soon as the
// previous one is answered (closed loop: the latency then measures the queue, see PERFORMANCE.md).
// Prints per route: count, req/s, p50/p95/p99/max, non-2xx; totals; server RSS and CPU;
// the load generator's CPU (it shares the machine); load average before and after.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
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
  scrape,
  startServers,
  stopServers,
  summarise,
} from './mixed-load.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    ...DATASET_OPTIONS,
    /** Total requests/s (open loop): the same connections, paced; default: as fast as answered. */
    rate: { type: 'string' },
    /** Seconds per route of the service-time pass (1 connection, one route at a time); 0 skips it. */
    service: { type: 'string', default: '3' },
    /** Routes left out of the mix: comma-separated parts of their names (e.g. "home"). */
    without: { type: 'string' },
    /** Directory for a V8 CPU profile of each server (.cpuprofile, written when it stops). */
    'cpu-prof': { type: 'string' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const { target, instances: INSTANCES } = await prepareTarget(values, values.pg ? 2 : 1);
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
  connections: CONNECTIONS,
  duration_s: DURATION,
  rate: values.rate ? Number(values.rate) : 'unpaced (closed loop)',
  log_level: values['log-level'],
  ...(without.length ? { without: Object.keys(MIX).filter((r) => !(r in mix)) } : {}),
};
console.log(JSON.stringify(header));
console.error(
  `fixtures: ${fx.offers.length} offers in stock, ${fx.merchantSlugs.length} merchants, ${fx.syncers.length} API keys`,
);

const servers = await startServers(target, INSTANCES, values['log-level']!, values['cpu-prof']);
try {
  const recorder = new Recorder();
  if (Number(values.warmup) > 0) {
    console.error(`warm-up ${values.warmup} s…`);
    await runMix({
      servers,
      fx,
      connections: Math.min(20, CONNECTIONS),
      seconds: Number(values.warmup),
      recorder,
      mix,
    });
    recorder.reset();
  }
  // The loop-delay gauge covers the time since the previous scrape: one now, so the first sample of
  // the run does not carry the start-up and warm-up.
  await Promise.all(servers.map((s) => scrape(s.base)));
  const cpu0 = servers.map((s) => cpuSeconds(s.child.pid!));
  const me0 = process.cpuUsage();
  const load0 = loadavg()[0]!;
  const rss = servers.map(() => [] as number[]);
  // Longest event-loop stall of each server, per second (a blocked loop holds every request).
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
        stalls[i]!.push(((await scrape(s.base)).nodejs_eventloop_delay_seconds_max ?? 0) * 1000);
      }),
    )
      .catch(() => {})
      .finally(() => {
        scraping = false;
      });
  }, 1000);
  console.error(`load: ${DURATION} s at ${CONNECTIONS} connections on ${INSTANCES} instance(s)…`);
  const t0 = performance.now();
  const run = { servers, fx, connections: CONNECTIONS, seconds: DURATION, recorder, mix };
  const { errors, timeouts } = values.rate
    ? await runPaced({ ...run, rate: Number(values.rate) })
    : await runMix(run);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const me = process.cpuUsage(me0);
  const summary = summarise(recorder, seconds);
  const serverStats = await Promise.all(
    servers.map(async (s, i) => {
      const m = await scrape(s.base);
      const mem = memoryOf(s.child.pid!);
      const dbCount = m.comptoir_db_query_duration_seconds_count ?? 0;
      return {
        port: s.port,
        rss_mb_end: Math.round(mem.rss_mb),
        rss_mb_max_during_run: Math.round(Math.max(...rss[i]!)),
        rss_mb_peak: Math.round(mem.peak_mb),
        heap_used_mb: Math.round((m.nodejs_heap_used_bytes ?? 0) / 2 ** 20),
        cpu_cores_avg: +((cpuSeconds(s.child.pid!) - cpu0[i]!) / seconds).toFixed(2),
        db_queries: dbCount,
        db_query_mean_ms: dbCount
          ? +(((m.comptoir_db_query_duration_seconds_sum ?? 0) / dbCount) * 1000).toFixed(2)
          : 0,
        db_query_errors: m.comptoir_db_query_errors_total ?? 0,
        reservations_pending: m.comptoir_reservations_pending ?? 0,
        loop_stall_max_ms: Math.round(Math.max(0, ...stalls[i]!)),
        loop_stalls_over_1s: stalls[i]!.filter((x) => x > 1000).length,
        loop_stalls_over_100ms: stalls[i]!.filter((x) => x > 100).length,
        log: s.logFile,
      };
    }),
  );

  const slow = summary.rows.filter((r) => r.p95_ms >= 50).map((r) => `${r.route} p95 ${r.p95_ms} ms`);
  // Timeouts are counted per route (status "timeout"); `errors` are the connection errors that are not.
  const failures = summary.non2xx_or_timeout + errors;
  console.log('\nper route');
  console.table(summary.rows);
  console.log('servers');
  console.table(serverStats);
  const result = {
    backend: target.kind,
    products: fx.products,
    instances: INSTANCES,
    connections: CONNECTIONS,
    seconds: +seconds.toFixed(1),
    requests: summary.total,
    rps: summary.rps,
    p50_ms: summary.p50_ms,
    p95_ms: summary.p95_ms,
    p99_ms: summary.p99_ms,
    non2xx_or_timeout: summary.non2xx_or_timeout,
    timeouts,
    connection_errors_not_in_table: errors,
    loadgen_cpu_cores: +((me.user + me.system) / 1e6 / seconds).toFixed(2),
    // Server CPU per answered request (ms): what the mix costs, less sensitive to a shared machine than latency.
    server_cpu_ms_per_request: +(
      (serverStats.reduce((a, s) => a + s.cpu_cores_avg, 0) * seconds * 1000) /
      Math.max(1, summary.total)
    ).toFixed(2),
    loop_stall_max_ms: Math.max(...serverStats.map((s) => s.loop_stall_max_ms)),
    loadavg_1m_before: +load0.toFixed(2),
    loadavg_1m_after: +loadavg()[0]!.toFixed(2),
    target_zero_errors: failures === 0 ? 'met' : `NOT met (${failures})`,
    target_p95_under_50ms: slow.length === 0 ? 'met' : `NOT met: ${slow.join('; ')}`,
  };
  console.log(JSON.stringify(result));

  // Service time: each route alone on one connection (no queue), what one request costs the server.
  const service = Number(values.service);
  if (service > 0) {
    const rows = [];
    for (const route of Object.keys(mix)) {
      const rec = new Recorder();
      await runMix({
        servers: servers.slice(0, 1),
        fx,
        connections: 1,
        seconds: service,
        recorder: rec,
        mix: { [route]: 1 },
      });
      const r = summarise(rec, service).rows.find((x) => x.route === route);
      if (r)
        rows.push({
          route,
          count: r.count,
          p50_ms: r.p50_ms,
          p95_ms: r.p95_ms,
          p99_ms: r.p99_ms,
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
