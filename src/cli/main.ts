/**
 * The CLI's entry point (npm start, bin/comptoir.js, tests). A server keeps Node's compile cache
 * in its data directory (serverCompileCache; bin/comptoir.js turns it on before this file is
 * loaded, so no TypeScript is stripped), and writes it once its modules are loaded, so the next
 * start skips most of their parsing, compiling and type stripping. A server started without its
 * start-time V8 flag or environment then re-executes itself with them (src/serve/start-flags.ts);
 * the commands (cli.ts) are imported only afterwards, so the process that is replaced has parsed
 * almost nothing. A one-process server on SQLite then starts reading its search facts snapshot in a
 * worker thread (src/serve/facts-prefetch.ts), on another core while the commands' modules load.
 *
 * COMPTOIR_START_TRACE=1 prints each step of a start on stderr (`start-trace {...}` lines: the
 * `comptoir:` performance marks, with the wall clock and the process's CPU time; bench/cold-start.ts).
 */
import { flushCompileCache, getCompileCacheDir } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { startFactsPrefetchEarly } from '../serve/facts-prefetch.ts';
import { reexecWithStartFlags, serverCompileCache } from '../serve/start-flags.ts';

if (process.env.COMPTOIR_START_TRACE === '1') traceStart();
// Before the re-exec, which passes the cache on (NODE_COMPILE_CACHE): the new process strips no types.
serverCompileCache();
reexecWithStartFlags();
// On another core while the commands' modules load (src/serve/facts-prefetch.ts).
startFactsPrefetchEarly();
await import('./cli.ts');
performance.mark('comptoir:modules imported', { detail: process.cpuUsage() });
if (getCompileCacheDir()) flushCompileCache();

/** Writes the start's `comptoir:` marks to stderr (pipes and files: synchronous on Linux). */
function traceStart() {
  const line = (mark: string, epoch: number, cpu: NodeJS.CpuUsage | null) =>
    process.stderr.write(
      `start-trace ${JSON.stringify({ pid: process.pid, mark, epoch, cpu_ms: cpu ? (cpu.user + cpu.system) / 1000 : null })}\n`,
    );
  // CPU time survives the re-exec (same process): these lines are written before it happens.
  line('node started', performance.timeOrigin, null);
  line('entry', performance.timeOrigin + performance.now(), process.cpuUsage());
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.name.startsWith('comptoir:'))
        line(e.name.slice(9), performance.timeOrigin + e.startTime, (e as PerformanceMark).detail);
  }).observe({ type: 'mark' });
}
