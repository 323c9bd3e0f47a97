/**
 * `comptoir serve` on every core (docs/decisions/0008-serving-on-every-core.md): with
 * WEB_CONCURRENCY > 1 the primary process holds the data-directory lock, applies migrations, then
 * forks that many workers (node:cluster). Each worker opens the same database (SQLite in WAL mode:
 * readers in parallel, writes serialised by SQLite's lock with busy_timeout), keeps its own search
 * facts in memory and listens on the shared port; the primary hands connections out round-robin.
 * Stock and catalogue events are relayed worker → primary → every other worker over the IPC
 * channel (on PostgreSQL, through LISTEN/NOTIFY as between instances); so are rate-limit counts
 * (src/serve/cluster-rate-limit.ts; PostgreSQL: the shared table). `/readyz` answers 200 only
 * once every worker has loaded its facts. SIGTERM (or SIGINT) on the primary stops every worker
 * gracefully, then releases the lock.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { collectStartupGarbage } from '../lib/heap.ts';
import { catalogMemory, useFactsSnapshot } from '../modules/search/index.ts';
import { createPlatform } from '../server.ts';
import { ClusterEventBus, isEventMessage } from './cluster-bus.ts';
import { clusterRateLimitStore, createRateLimitCounters, isRateLimitMessage } from './cluster-rate-limit.ts';
import { SERVER_START_FLAGS } from './start-flags.ts';

/** How long a worker has to finish its requests at shutdown before it is killed. */
const STOP_GRACE_MS = 10_000;

/** Messages between the primary and its workers (besides relayed events). */
type ControlMessage =
  | { t: 'comptoir:listening'; url: string }
  | { t: 'comptoir:ready' }
  | { t: 'comptoir:all-ready' }
  | { t: 'comptoir:stop' };

function isControl(m: unknown): m is ControlMessage {
  return typeof m === 'object' && m !== null && String((m as { t?: unknown }).t).startsWith('comptoir:');
}

/** The number of server processes configured: WEB_CONCURRENCY (or WORKERS), `auto` = one per core. */
export function workerCount(config: Pick<Config, 'WEB_CONCURRENCY' | 'WORKERS'>): number {
  const v = config.WEB_CONCURRENCY ?? config.WORKERS ?? 1;
  return v === 'auto' ? Math.max(1, availableParallelism()) : v;
}

/**
 * V8 heap settings of a search server (docs/PERFORMANCE.md, "Serving on every core (issue 19)"):
 * a young generation of 16 MB semi-spaces instead of the default that grows to 64 MB (128 MB of
 * RSS held by new space on this machine), and an old generation grown by 30 % over the live heap
 * after each major GC instead of up to 4×. On the 1M region, after the search benchmark, one server
 * held 570 MB with the run-time setting alone and 475 MB with both. The growth setting is applied at run time
 * (`applyServerHeapSettings`); the semi-space size only at process start: cluster workers get it
 * in their execArgv, a one-process server by re-executing itself with it (start-flags.ts). Flags
 * the operator set win.
 */
const START_FLAGS = SERVER_START_FLAGS;
const RUNTIME_FLAGS = ['--heap-growing-percent=30'];

const given = () => `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
/** The flags of `flags` not already set (by name) in `given`. */
export function unsetFlags(flags: string[], given: string): string[] {
  return flags.filter((f) => !given.includes(f.split('=')[0]!));
}

/** Applies the server's run-time heap setting (see START_FLAGS) to this process. */
export function applyServerHeapSettings(): void {
  for (const f of unsetFlags(RUNTIME_FLAGS, given())) setFlagsFromString(f);
}

/** The primary's workers (cluster.workers keeps one until it has both exited and disconnected). */
function forkedWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
}

/** True in a process forked by `serveCluster` (it must run `runWorker`, not the command again). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The primary: forks `count` workers running the same command (they call `runWorker`), prints
 * `announce(url)` once all listen, tells them when all are ready, and stops them all on
 * SIGTERM/SIGINT before closing `database` (releasing the lock). A worker that dies stops the
 * whole server (exit code 1) for the service manager to restart.
 */
export function serveCluster(
  database: Database,
  count: number,
  announce: (url: string) => void,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): void {
  const listening = new Map<number, string>();
  const ready = new Set<number>();
  let announced = false;
  let stopping = false;
  let allReady = false;
  // Rate-limit counters of every worker (SQLite; on PostgreSQL workers share the rate_limits table).
  const counters = createRateLimitCounters();

  const broadcast = (m: unknown, except?: number) => {
    for (const w of forkedWorkers())
      if (w.id !== except && w.isConnected())
        try {
          w.send(m as never);
        } catch {
          // A worker that is exiting misses the message (the server is stopping with it).
        }
  };
  const updateReadiness = () => {
    // Once all are ready they stay so: a worker that dies stops the server, none is forked again.
    const live = forkedWorkers();
    if (allReady || live.length !== count || !live.every((w) => ready.has(w.id))) return;
    allReady = true;
    broadcast({ t: 'comptoir:all-ready' });
  };
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const exits = forkedWorkers().map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
          w.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          try {
            w.send({ t: 'comptoir:stop' });
          } catch {
            w.process.kill('SIGTERM');
          }
        }),
    );
    counters.close();
    void Promise.all(exits)
      .then(() => database.close())
      .finally(() => process.exit(code));
  };

  cluster.setupPrimary({
    execArgv: [...process.execArgv, ...unsetFlags(START_FLAGS, given())],
  });
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (isEventMessage(m)) return broadcast(m, worker.id);
      if (isRateLimitMessage(m)) {
        if (worker.isConnected())
          try {
            worker.send(counters.answer(m) as never);
          } catch {
            // The worker is exiting: nobody waits for this answer.
          }
        return;
      }
      if (!isControl(m)) return;
      if (m.t === 'comptoir:listening') {
        listening.set(worker.id, m.url);
        if (!announced && listening.size >= count) {
          announced = true;
          announce(m.url);
        }
      } else if (m.t === 'comptoir:ready') {
        ready.add(worker.id);
        updateReadiness();
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker.id);
      ready.delete(worker.id);
      if (stopping) return;
      // Exit 0 is a worker stopped on purpose (a service manager signals every process of the
      // group): it is not replaced, and the server stops with the last one.
      if (code === 0 && !signal) {
        if (forkedWorkers().every((w) => w.isDead())) stop(0);
        return;
      }
      // A worker that dies (crash, out of memory) stops the server with exit 1: the service
      // manager restarts the whole deployment. (Forking a replacement in place left the server
      // unanswering in a manual test on 2026-12-04; not supported until that is understood.)
      log(`worker ${worker.id} exited (${signal ?? code})${allReady ? '' : ' during start-up'}: stopping`);
      stop(1);
    });
  };
  for (let i = 0; i < count; i++) fork();
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
}

/**
 * A worker: opens the database without the lock (its primary holds it), builds the platform with
 * the relaying bus, listens on the shared port, loads the search facts, then reports ready.
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
  platform.app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-comptoir-worker', String(id));
    return payload;
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
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
  const address = await platform.app.listen({ port: config.PORT, host: config.HOST });
  process.send?.({ t: 'comptoir:listening', url: address.replace('://127.0.0.1', '://localhost') });
  // Every worker starts from the snapshot; the first one alone writes it (one file, one writer).
  useFactsSnapshot(database, { write: id === 1, log: platform.app.log });
  await catalogMemory(database);
  collectStartupGarbage();
  process.send?.({ t: 'comptoir:ready' });
}
