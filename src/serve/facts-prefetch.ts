/**
 * A one-process server on SQLite reads its search facts snapshot in a worker thread from its
 * first lines (src/cli/main.ts, before the CLI's modules are imported), and that thread also
 * checks it and takes the browse index's arrays kept in it (src/modules/search/snapshot-prefetch.worker.ts),
 * so that both run on another core while the main thread loads modules and registers routes
 * (issue 19, item 6; docs/PERFORMANCE.md). The CLI hands the result to the search module
 * (prefetchFactsSnapshot), which uses it only if the file did not change since (size and time).
 * Anything that goes wrong in the thread leaves the start as it was without it: the main thread
 * reads the file and builds the index itself.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { getCompileCacheDir } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PrefetchedSnapshot } from '../modules/search/index.ts';

const WORKER = new URL('../modules/search/snapshot-prefetch.worker.ts', import.meta.url).href;

/**
 * The thread's first lines, plain JavaScript: Node's compile cache is per thread, so it is turned
 * on (the server's directory) before the TypeScript is loaded, which then is not stripped again
 * (the type stripper alone costs ≈ 0.1 s of CPU).
 */
const BOOT = `const { workerData } = require('node:worker_threads');
const mod = require('node:module');
if (workerData.cacheDir) mod.enableCompileCache(workerData.cacheDir);
import(workerData.url).finally(() => { if (workerData.cacheDir) mod.flushCompileCache(); });`;

let early: { path: string; read: Promise<PrefetchedSnapshot | undefined> } | undefined;

/** Starts reading the snapshot at `path` in a worker thread; resolves undefined if that fails. */
function start(path: string): Promise<PrefetchedSnapshot | undefined> {
  // getCompileCacheDir names the directory Node made for this version inside the one it was given.
  const cacheDir = getCompileCacheDir();
  return new Promise((done) => {
    let worker: Worker;
    try {
      worker = new Worker(BOOT, {
        eval: true,
        workerData: { url: WORKER, path, cacheDir: cacheDir ? dirname(cacheDir) : undefined },
      });
    } catch {
      // An optimisation only: without the thread, the main thread reads the file (and reports its failures).
      done(undefined);
      return;
    }
    // Never keeps a process alive on its own (a start that fails before using it exits).
    worker.unref();
    worker.once('message', (m: PrefetchedSnapshot | null) => done(m ?? undefined));
    worker.once('error', () => done(undefined));
    worker.once('exit', () => done(undefined));
  });
}

/**
 * From the entry, before the CLI's modules load: starts the read when this process is about to
 * serve alone on SQLite from a data directory that has a snapshot (what the CLI would decide
 * later, from the same environment; anything else starts nothing here). Returns whether it started.
 */
export function startFactsPrefetchEarly(
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const cmd = argv[2];
  if (cmd !== 'serve' && cmd !== 'start') return false;
  if (argv.includes('--help') || argv.includes('-h') || cluster.isWorker || env.DATABASE_URL) return false;
  if ((env.WEB_CONCURRENCY ?? env.WORKERS ?? '1') !== '1') return false;
  const path = join(resolve(env.DATA_DIR ?? './data'), 'search-facts.snapshot');
  if (!existsSync(path)) return false;
  early = { path, read: start(path) };
  return true;
}

/** The read of the snapshot at `path`: the one started early if it is that file, else one started now. */
export function factsPrefetch(path: string): Promise<PrefetchedSnapshot | undefined> {
  const e = early;
  early = undefined;
  if (e?.path === path) return e.read;
  // No snapshot yet (a first start): no thread to start.
  return existsSync(path) ? start(path) : Promise.resolve(undefined);
}
