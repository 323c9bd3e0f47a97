/**
 * The primary of a multi-process `comptoir serve` (docs/decisions/0008-serving-on-every-core.md):
 * forks the workers, listens and hands them connections in turn (cluster-connections.ts), relays
 * events, first searches and rate-limit counts between them, reports readiness and stops them all.
 * It imports no part of the application (only the IPC message shapes, the connection hand-out,
 * the rate-limit counters and the lock), so that the process it normally runs in
 * (src/serve/cluster-primary-main.ts, started by `serveCluster` in place of the CLI) holds tens of
 * MB instead of the whole app graph the CLI loaded (docs/PERFORMANCE.md, "Memory within budget").
 */
import cluster, { type Worker } from 'node:cluster';
import { createConnectionBalancer, isAcceptMessage, isClosedMessage } from './cluster-connections.ts';
import { isControl, isEventMessage, isSearchedMessage } from './cluster-messages.ts';
import { createRateLimitCounters, isRateLimitMessage } from './cluster-rate-limit.ts';
import { workerExecArgv } from './start-flags.ts';

/** How long a worker has to finish its requests at shutdown before it is killed. */
const STOP_GRACE_MS = 10_000;

export interface PrimaryOptions {
  /** How many workers to fork. */
  count: number;
  /** Called once, with the server's URL, when every worker listens. */
  announce(url: string): void;
  /** Called when every worker has exited, before this process exits (closes the database, releases the lock). */
  release(): Promise<void>;
  log?(line: string): void;
  /** What the workers run (default: this process's own script and arguments). */
  exec?: { file: string; args: string[] };
}

/** The line a multi-process server prints once it listens (`--json`: one JSON object). */
export function announceLine(json: boolean, url: string, kind: string, workers: number): string {
  return json
    ? JSON.stringify({ url, database: kind, workers })
    : `Comptoir is running: ${url}/fr  (${kind}, ${workers} workers)`;
}

/** The primary's workers (cluster.workers keeps one until it has both exited and disconnected). */
function forkedWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
}

/**
 * Forks `count` workers (they call `runWorker`), calls `announce(url)` once all listen, tells them
 * when all are ready, and stops them all on SIGTERM/SIGINT before `release`. A worker that dies
 * stops the whole server (exit code 1) for the service manager to restart.
 */
export function runPrimary(opts: PrimaryOptions): void {
  const { count, announce, release } = opts;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const listening = new Map<number, string>();
  const ready = new Set<number>();
  let announced = false;
  let stopping = false;
  let allReady = false;
  // Rate-limit counters of every worker (SQLite; on PostgreSQL workers share the rate_limits table).
  const counters = createRateLimitCounters();
  // The primary listens and hands each connection to the next worker in turn (cluster-connections.ts).
  const balancer = createConnectionBalancer();

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
            // Its channel is already closed: a signal stops it instead.
            w.process.kill('SIGTERM');
          }
        }),
    );
    counters.close();
    balancer.close();
    void Promise.all(exits)
      .then(() => release())
      .finally(() => process.exit(code));
  };

  cluster.setupPrimary({
    ...(opts.exec ? { exec: opts.exec.file, args: opts.exec.args } : {}),
    execArgv: workerExecArgv(),
  });
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (isEventMessage(m) || isSearchedMessage(m)) return broadcast(m, worker.id);
      if (isRateLimitMessage(m)) {
        if (worker.isConnected())
          try {
            worker.send(counters.answer(m) as never);
          } catch {
            // The worker is exiting: nobody waits for this answer.
          }
        return;
      }
      if (isClosedMessage(m)) return balancer.closed(worker);
      if (isAcceptMessage(m)) {
        balancer.accept(worker, m).then(
          (url) => {
            if (stopping) return;
            listening.set(worker.id, url);
            if (!announced && listening.size >= count) {
              announced = true;
              announce(url);
            }
          },
          (err: Error) => {
            log(`could not listen on ${m.host}:${m.port} (${err.message}): stopping`);
            stop(1);
          },
        );
        return;
      }
      if (!isControl(m)) return;
      if (m.t === 'comptoir:ready') {
        ready.add(worker.id);
        updateReadiness();
      }
    });
    worker.on('exit', (code, signal) => {
      balancer.remove(worker);
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

/** The environment variable that carries a `LeanPrimaryPlan` across `process.execve`. */
export const LEAN_PRIMARY_ENV = 'COMPTOIR_CLUSTER_PRIMARY';

/** What the CLI hands to the lean primary when it replaces itself with it (see cluster.ts). */
export interface LeanPrimaryPlan {
  count: number;
  json: boolean;
  kind: string;
  /** The SQLite data directory whose lock this process (same pid) already holds. */
  lockDir?: string;
  /** The CLI's script and arguments, which the workers run. */
  exec: { file: string; args: string[] };
}
