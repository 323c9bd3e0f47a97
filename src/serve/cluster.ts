/**
 * `comptoir serve` on every core (docs/decisions/0008-serving-on-every-core.md): with
 * WEB_CONCURRENCY > 1 the CLI takes the data-directory lock and applies migrations, then
 * `serveCluster` replaces its process with the lean primary (cluster-primary.ts: same pid, none of
 * the application loaded), which forks that many workers (node:cluster). Each worker opens the
 * same database (SQLite in WAL mode: readers in parallel, writes serialised by SQLite's lock with
 * busy_timeout) and keeps its own search facts in memory; the primary listens on the port and
 * hands each connection to the next worker in turn (cluster-connections.ts). A text's first
 * search in one worker is replayed by the others while they are idle (cluster-search-warm.ts).
 * Stock and catalogue events are relayed worker → primary → every other worker over the IPC
 * channel (on PostgreSQL, through LISTEN/NOTIFY as between instances); so are rate-limit counts
 * (src/serve/cluster-rate-limit.ts; PostgreSQL: the shared table). `/readyz` answers 200 only
 * once every worker has loaded its facts. SIGTERM (or SIGINT) on the primary stops every worker
 * gracefully, then releases the lock.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { collectStartupGarbage } from '../lib/heap.ts';
import { catalogMemory, useFactsSnapshot, warmTextHitsInBackground } from '../modules/search/index.ts';
import { createPlatform } from '../server.ts';
import { ClusterEventBus } from './cluster-bus.ts';
import { acceptFromPrimary } from './cluster-connections.ts';
import { isControl } from './cluster-messages.ts';
import { announceLine, LEAN_PRIMARY_ENV, type LeanPrimaryPlan, runPrimary } from './cluster-primary.ts';
import { clusterRateLimitStore } from './cluster-rate-limit.ts';
import { relayFirstSearches } from './cluster-search-warm.ts';

/** The number of server processes configured: WEB_CONCURRENCY (or WORKERS), `auto` = one per core. */
export function workerCount(config: Pick<Config, 'WEB_CONCURRENCY' | 'WORKERS'>): number {
  const v = config.WEB_CONCURRENCY ?? config.WORKERS ?? 1;
  return v === 'auto' ? Math.max(1, availableParallelism()) : v;
}

/**
 * V8 heap settings of a search server (docs/PERFORMANCE.md, "Serving on every core (issue 19)"):
 * a young generation of 16 MB semi-spaces (8 MB for a one-process server: start-flags.ts) instead
 * of the default that grows to 64 MB (128 MB of RSS held by new space on this machine), and an old
 * generation grown by 30 % over the live heap
 * after each major GC instead of up to 4× (cluster workers: 100 %, given in their execArgv by
 * start-flags.ts WORKER_START_FLAGS, which this setting then leaves as it is). On the 1M region, after the search benchmark, one server
 * held 570 MB with the run-time setting alone and 475 MB with both. The growth setting is applied at run time
 * (`applyServerHeapSettings`); the semi-space size only at process start: cluster workers get it
 * in their execArgv, a one-process server by re-executing itself with it (start-flags.ts). Flags
 * the operator set win.
 */
const RUNTIME_FLAGS = ['--heap-growing-percent=30'];

const given = () => `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
/** The flags of `flags` not already set (by name) in `given`. */
export function unsetFlags(flags: string[], given: string): string[] {
  return flags.filter((f) => !given.includes(f.split('=')[0]!));
}

/** Applies the server's run-time heap setting (see above) to this process. */
export function applyServerHeapSettings(): void {
  for (const f of unsetFlags(RUNTIME_FLAGS, given())) setFlagsFromString(f);
}

/** True in a process forked by `serveCluster` (it must run `runWorker`, not the command again). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The primary of a multi-process server, once the CLI has checked the configuration, taken the
 * lock and migrated `database`: prints the announce line (`json`: one JSON object) once every
 * worker listens, and runs until SIGTERM/SIGINT or a worker's death (cluster-primary.ts).
 *
 * The CLI's process has loaded the whole application (≈ 110 MB of anonymous memory that a primary
 * never uses), so it closes its connection, keeping the lock, and replaces itself with the lean
 * primary program (cluster-primary-main.ts) by `process.execve`: same pid, so the lock file,
 * signals and the service manager are unaffected. Where execve is missing (Windows) or
 * `COMPTOIR_LEAN_PRIMARY=0`, it stays in this process.
 */
export function serveCluster(
  database: Database,
  count: number,
  opts: { json: boolean },
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): void {
  const announce = (url: string) =>
    process.stdout.write(`${announceLine(opts.json, url, database.kind, count)}\n`);
  const exec = { file: process.argv[1]!, args: process.argv.slice(2) };
  if (typeof process.execve !== 'function' || process.env.COMPTOIR_LEAN_PRIMARY === '0') {
    runPrimary({ count, announce, release: () => database.close(), log, exec });
    return;
  }
  const plan: LeanPrimaryPlan = {
    count,
    json: opts.json,
    kind: database.kind,
    lockDir: database.kind === 'sqlite' && database.file ? dirname(database.file) : undefined,
    exec,
  };
  const program = fileURLToPath(new URL('./cluster-primary-main.ts', import.meta.url));
  // Closes the connection only: `database.close()` would also release the lock, which the new
  // program (same pid) takes charge of.
  void database.db
    .destroy()
    .then(() =>
      process.execve!(process.execPath, [process.execPath, ...process.execArgv, program], {
        ...process.env,
        [LEAN_PRIMARY_ENV]: JSON.stringify(plan),
      }),
    )
    .catch((err: unknown) => {
      log(`could not start the primary (${(err as Error).message}): stopping`);
      void database.close().finally(() => process.exit(1));
    });
}

/**
 * A worker: opens the database without the lock (its primary holds it), builds the platform with
 * the relaying bus, asks the primary for connections, loads the search facts, then reports ready.
 * `/readyz` answers 503 until the primary says every worker is ready; every response names the
 * worker that served it (`x-comptoir-worker`), for operators and tests.
 */
export async function runWorker(config: Config): Promise<void> {
  applyServerHeapSettings();
  const id = cluster.worker?.id ?? 0;
  const database = openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, lock: false });
  const sqlite = database.kind === 'sqlite';
  const platform = await createPlatform(config, {
    database,
    events: sqlite ? new ClusterEventBus(id, process) : undefined,
    rateLimitStore: sqlite ? clusterRateLimitStore(process) : undefined,
    // One checkpoint thread per server is enough (docs/PERFORMANCE.md, "Writes in the mix").
    backgroundCheckpoints: id === 1 ? true : 'other-worker',
    logStalls: true,
  });
  let allReady = false;
  process.on('message', (m: unknown) => {
    if (!isControl(m)) return;
    if (m.t === 'comptoir:all-ready') allReady = true;
    else if (m.t === 'comptoir:stop') void stop();
  });
  platform.app.addHook('onRequest', async (req, reply) => {
    if (!allReady && (req.url === '/readyz' || req.url.startsWith('/readyz?')))
      return reply.code(503).send({ status: 'warming_up' });
  });
  // Stopping: each connection closes after the answer in progress, so drain() below ends fast.
  let draining = false;
  platform.app.addHook('onSend', async (_req, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    reply.header('x-comptoir-worker', String(id));
    return payload;
  });
  // A text's first search here is replayed by the other workers while idle, and theirs here.
  const stopRelay = relayFirstSearches(platform.app, database, id);
  let connections: ReturnType<typeof acceptFromPrimary> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        // Requests in progress finish first (the primary no longer hands out connections).
        stopRelay();
        draining = true;
        await connections?.drain(5_000);
        await platform.close();
        await database.close();
      } finally {
        process.exit(0);
      }
    })();
    return stopping;
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The primary is gone (killed): nothing hands out connections any more.
  process.once('disconnect', stop);
  // The primary listens and hands this worker connections (cluster-connections.ts); it announces
  // the server once every worker asked.
  await platform.app.ready();
  connections = acceptFromPrimary(platform.app.server, config.PORT, config.HOST);
  // Every worker starts from the snapshot; the first one alone writes it (one file, one writer).
  useFactsSnapshot(database, { write: id === 1, log: platform.app.log });
  await catalogMemory(database);
  collectStartupGarbage();
  process.send?.({ t: 'comptoir:ready' });
  // Each worker has its own text-hit cache: each warms it, in the background (search/warm-up.ts).
  void warmTextHitsInBackground(database, config.SEARCH_WARM_UP_SECONDS, platform.app.log, 1000);
}
