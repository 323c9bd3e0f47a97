/**
 * The start-time V8 flag of a one-process server (docs/PERFORMANCE.md, "Serving on every core
 * (issue 19)"): `--max-semi-space-size=16` can only be given when the process starts, so `comptoir
 * serve` / `start` without it replaces itself (`process.execve`: same PID, so signals, service
 * managers and the data-directory lock are unaffected) with the same command plus the flag, before
 * the CLI's commands are imported (src/cli/main.ts). A flag the operator set (execArgv or
 * NODE_OPTIONS) wins; cluster workers get it from the primary (src/serve/cluster.ts); `COMPTOIR_START_FLAGS=0` turns the re-exec off.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { constants, enableCompileCache } from 'node:module';
import { join, resolve } from 'node:path';

/** Flags a server process needs from its start (kept in step with cluster.ts's START_FLAGS). */
export const SERVER_START_FLAGS = ['--max-semi-space-size=16'];

/** The flags of `flags` whose name is not in `given` (execArgv and NODE_OPTIONS joined). */
export function missingStartFlags(flags: string[], given: string): string[] {
  return flags.filter((f) => !given.includes(f.split('=')[0]!));
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
  const cmd = argv[2];
  if (cmd !== 'serve' && cmd !== 'start') return null;
  if (cluster.isWorker || env.COMPTOIR_START_FLAGS === '0') return null;
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const missing = missingStartFlags(SERVER_START_FLAGS, `${execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`);
  if (!missing.length) return null;
  return [process.execPath, ...execArgv, ...missing, ...argv.slice(1)];
}

/** Replaces this process with itself plus the missing start flags, when it needs them (see above). */
export function reexecWithStartFlags(): void {
  const next = typeof process.execve === 'function' ? startFlagsArgv() : null;
  if (next) process.execve!(process.execPath, next, process.env);
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
  const r = enableCompileCache(join(dataDir, '.compile-cache'));
  return (
    r.status === constants.compileCacheStatus.ENABLED ||
    r.status === constants.compileCacheStatus.ALREADY_ENABLED
  );
}
