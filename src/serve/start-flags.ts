/**
 * The start-time V8 flag of a one-process server (docs/PERFORMANCE.md, "Serving on every core
 * (issue 19)"): `--max-semi-space-size` can only be given when the process starts, so `comptoir
 * serve` / `start` without it replaces itself (`process.execve`: same PID, so signals, service
 * managers and the data-directory lock are unaffected) with the same command plus the flag, before
 * the CLI's commands are imported (src/cli/main.ts). A flag the operator set (execArgv or
 * NODE_OPTIONS) wins; cluster workers get it from the primary (src/serve/cluster-primary.ts);
 * `COMPTOIR_START_FLAGS=0` turns the re-exec off. The same re-exec sets the server's start-time
 * environment (SERVER_START_ENV).
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { constants, enableCompileCache, getCompileCacheDir } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * Flags a one-process server needs from its start: a young generation of 8 MB semi-spaces. On the
 * 1M region after the held-out-like search list, one process held 474 MB with 8 against 506 with
 * 16, at no more CPU per search (1.38 against 1.55 ms at 16 connections, quiet machine;
 * docs/PERFORMANCE.md, lead, session 2026-12-05e): the one-process server is the one with a 500 MB
 * budget.
 */
export const SERVER_START_FLAGS = ['--max-semi-space-size=8'];
/**
 * The same for each worker of a multi-process server (cluster-primary.ts), a layout sized for
 * throughput, not the one-process budget: 16 MB semi-spaces, as before (with two workers busy on
 * two cores, 8 MB cost ≈ 30 % more CPU per search in the same period, one run); and an old
 * generation grown by 100 % over the live heap after each mark-compact, where a one-process server
 * grows it by 30 (cluster.ts applyServerHeapSettings). A worker's live heap is ≈ 70-95 MB and the
 * realistic searches promote ≈ 100 KB each (the caches' turnover): with 30 % a worker ran a
 * mark-compact every ≈ 200-220 searches, whose concurrent marking on V8's helper threads takes
 * CPU from the other worker's core. With 100 %, in process over 6,000 realistic searches (3
 * alternating rounds): 10 mark-compacts instead of 27-30, helper-thread CPU 0.30-0.37 ms a
 * search instead of 0.56-0.81, all threads −4 to −18 %, RSS +43-48 MB per worker
 * (docs/PERFORMANCE.md, "What besides queueing makes the 16-connection tail", session 2026-12-05f).
 */
export const WORKER_START_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=100'];
/** Carries across the re-exec the flags it added, so a primary tells them from the operator's. */
const ADDED_FLAGS_ENV = 'COMPTOIR_ADDED_START_FLAGS';

/**
 * A cluster worker's execArgv: the primary's, without the flags the re-exec added for a
 * one-process server, plus WORKER_START_FLAGS where the operator set none of the same name.
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const added = new Set((env[ADDED_FLAGS_ENV] ?? '').split(' ').filter(Boolean));
  const own = execArgv.filter((f) => !added.has(f));
  return [...own, ...missingStartFlags(WORKER_START_FLAGS, `${own.join(' ')} ${env.NODE_OPTIONS ?? ''}`)];
}

/** The flags of `flags` whose name is not in `given` (execArgv and NODE_OPTIONS joined). */
export function missingStartFlags(flags: string[], given: string): string[] {
  return flags.filter((f) => !given.includes(f.split('=')[0]!));
}

/**
 * The environment a server process needs from its start (docs/PERFORMANCE.md, "Memory within
 * budget"), added where the operator set none: glibc's allocator with 2 arenas instead of up to 8
 * per core (the threads of compression, V8's GC and libuv each grew an arena of their own), and
 * SQLite's page cache at 16 MiB per connection instead of 64 (src/db/database.ts), and blocks of
 * 128 KiB or more (the text-hit cache's lists and their regroupings, the text index build's
 * arrays) in mappings of their own, returned to the system when freed: glibc otherwise raises that
 * threshold after the first such free and keeps later ones in its arenas, about 27 MB of a server
 * after the realistic search benchmark ("Memory with the text index"); and no SQLite memory-mapped
 * window (src/db/sqlite-dialect.ts: 64 MB when unset): its pages count in RSS as file-backed memory
 * (25-36 MB of a server after that benchmark with 32 MB), for pages the page cache serves as well:
 * the first 32 MB of a 1.3 GB file (the merchants and locations tables, the first product rows);
 * CPU per search +1.3 % on average in process (docs/PERFORMANCE.md, "Memory within 500 MB on the
 * 1M region", session 2026-12-05c). All are read once when the process starts, and cluster
 * workers inherit them from their primary.
 */
export const SERVER_START_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  SQLITE_CACHE_MB: '16',
  SQLITE_MMAP_MB: '0',
};

/** Whether this command line starts a server that may re-execute itself (see above). */
function isServerStart(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const cmd = argv[2];
  if (cmd !== 'serve' && cmd !== 'start') return false;
  if (cluster.isWorker || env.COMPTOIR_START_FLAGS === '0') return false;
  return !argv.includes('--help') && !argv.includes('-h');
}

/**
 * The argv to re-execute this process with, or null when it needs no re-exec: not a server
 * command, a cluster worker, flags already given, re-exec turned off or not available.
 */
export function startFlagsArgv(
  argv: readonly string[] = process.argv,
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] | null {
  if (!isServerStart(argv, env)) return null;
  const missing = missingStartFlags(SERVER_START_FLAGS, `${execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`);
  if (!missing.length) return null;
  return [process.execPath, ...execArgv, ...missing, ...argv.slice(1)];
}

/** The variables of SERVER_START_ENV a server start must add to `env` (none when not a server start). */
export function startEnv(
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  if (!isServerStart(argv, env)) return {};
  return Object.fromEntries(Object.entries(SERVER_START_ENV).filter(([k]) => env[k] === undefined));
}

/**
 * Replaces this process with itself plus the missing start flags and environment, when it needs
 * them (see above).
 */
export function reexecWithStartFlags(): void {
  if (typeof process.execve !== 'function') return;
  const flags = startFlagsArgv();
  const env = startEnv();
  if (!flags && !Object.keys(env).length) return;
  const argv = flags ?? [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  // startFlagsArgv's argv: node, its execArgv, the missing flags, then the script and its arguments.
  const added = flags
    ? flags.slice(1 + process.execArgv.length, flags.length - (process.argv.length - 1))
    : [];
  process.execve(process.execPath, argv, {
    ...process.env,
    ...env,
    ...compileCacheEnv(),
    ...(added.length ? { [ADDED_FLAGS_ENV]: added.join(' ') } : {}),
  });
}

/**
 * NODE_COMPILE_CACHE for the process a re-exec starts, when this one has the compile cache on:
 * the new process then reads its entry files from the cache from its first line, and never loads
 * the type stripper (≈ 0.1 s of CPU per node start; docs/PERFORMANCE.md, issue 19 item 6).
 */
export function compileCacheEnv(
  dir: string | undefined = getCompileCacheDir() && serverCacheDir,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return dir && !env.NODE_COMPILE_CACHE && !env.NODE_DISABLE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: dir } : {};
}

/**
 * Turns on Node's compile cache for a server (`serve`, `start`, and cluster workers) in
 * DATA_DIR/.compile-cache, unless NODE_COMPILE_CACHE already chose a directory or
 * NODE_DISABLE_COMPILE_CACHE=1 turned it off, and only once the data directory exists: Node then keeps the compiled code of the modules
 * (and, for TypeScript, their stripped source) between starts (docs/PERFORMANCE.md, issue 19).
 * Returns whether it is on.
 */
export function serverCompileCache(
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const cmd = argv[2];
  if (cmd !== 'serve' && cmd !== 'start') return false;
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return false;
  const dataDir = resolve(env.DATA_DIR ?? './data');
  // Never creates the data directory: the configuration check and the database's open do.
  if (!existsSync(dataDir)) return false;
  const dir = join(dataDir, '.compile-cache');
  const r = enableCompileCache(dir);
  const on =
    r.status === constants.compileCacheStatus.ENABLED ||
    r.status === constants.compileCacheStatus.ALREADY_ENABLED;
  if (on) serverCacheDir = dir;
  return on;
}

/**
 * The directory serverCompileCache gave Node (getCompileCacheDir names the subdirectory Node made
 * in it for this version, which NODE_COMPILE_CACHE must not be given).
 */
let serverCacheDir: string | undefined;
