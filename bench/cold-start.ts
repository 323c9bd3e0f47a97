/**
 * Cold start of `comptoir serve` (issue 19, item 6): spawns the server on an existing DATA_DIR,
 * polls `/readyz` every 20 ms and prints, as JSON, the seconds from spawning to the first answer
 * and to the first 200, and the server's CPU time (user + system, from /proc; every thread, and its
 * main thread alone) and RSS at that moment. CPU holds on a loaded machine; wall times do not.
 *
 * `--mode` compares the start with and without what a previous start left in the data directory
 * (issue 19, item 6): `cold` removes the search facts snapshot and turns Node's compile cache off
 * (NODE_DISABLE_COMPILE_CACHE=1), `warm` keeps both, `no-cache` keeps the snapshot only,
 * `alternate` runs cold then warm, `runs` times. Each server stays up `--settle` seconds after it
 * is ready, so it writes the snapshot and the compile cache the next start reads. Writes into DIR.
 *
 * `--trace` adds each step of the start (COMPTOIR_START_TRACE=1, src/cli/main.ts): seconds from
 * spawning and CPU seconds at that step, and what the step took of both.
 *
 * `--launch` is how the server is started: `main` (`node src/cli/main.ts serve`, which re-executes
 * itself for its start flags), `bin` (`node bin/comptoir.js serve`, the installed `comptoir`
 * command, also re-executing) or `flags` (`node --max-semi-space-size=16 bin/comptoir.js serve`
 * with MALLOC_ARENA_MAX=2 and SQLITE_CACHE_MB=16 set, as `npm start` or a service manager gives
 * them: one node start). Several, comma-separated, alternate. `--root` runs another checkout of
 * the source (a copy of an older commit, for a before/after in the same window).
 *
 *     node bench/cold-start.ts --data DIR [--runs 2] [--mode alternate] [--launch main,flags] [--trace]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_START_ENV } from '../src/serve/start-flags.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    runs: { type: 'string', default: '1' },
    'node-options': { type: 'string' },
    'node-args': { type: 'string', multiple: true },
    mode: { type: 'string', default: 'warm' },
    settle: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    trace: { type: 'boolean', default: false },
    launch: { type: 'string', default: 'main' },
    root: { type: 'string', multiple: true },
    entry: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`node bench/cold-start.ts --data DIR [--runs N] [--node-options OPTS]
  --data DIR           SQLite DATA_DIR, already seeded       [.bench-data/sqlite-1m]
  --runs N             servers started one after the other  [1]
  --node-options OPTS  NODE_OPTIONS of the server            [unset]
  --node-args=ARGS     node's own arguments before the script, as one string (repeat: alternate,
                       e.g. V8 flags a launcher could give)  [none]
  --mode M             cold | warm | no-cache | alternate    [warm]
  --settle S           seconds up after ready                [3]
  --workers N          WEB_CONCURRENCY                       [1]
  --launch L[,L]       main | bin | flags (see the file's head)  [main]
  --root DIR           source checkout to run (repeat: alternate) [.]
  --entry FILE         run FILE (e.g. a bundle) in place of bin/comptoir.js, with the compile
                       cache bin/comptoir.js would turn on (repeat: alternate)  [bin/comptoir.js]
  --trace              print each step of the start (wall and CPU)`);
  process.exit(0);
}

const TICK = 100; // USER_HZ on Linux
/** CPU seconds (user + system) of a process so far, or of its main thread only (`thread`). */
function cpuSeconds(pid: number, thread = false): number {
  const stat = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}
const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

const modeList = values.mode === 'alternate' ? ['cold', 'warm'] : [values.mode!];
const launches = values.launch!.split(',');
for (const l of launches) if (!['main', 'bin', 'flags'].includes(l)) throw new Error(`unknown launch ${l}`);
const roots = values.root ?? ['.'];
const nodeArgs = values['node-args'] ?? [''];
const entries = values.entry ?? ['bin/comptoir.js'];
/** Every run: modes × launches × roots × node arguments × entries, alternating within each of the `runs` rounds. */
const modes = Array.from({ length: Number(values.runs) }, () =>
  modeList.flatMap((mode) =>
    launches.flatMap((launch) =>
      roots.flatMap((root) =>
        nodeArgs.flatMap((args) => entries.map((entry) => ({ mode, launch, root, args, entry }))),
      ),
    ),
  ),
).flat();
/** A port nobody listens on now (the OS picks it; other benchmarks may run beside this one). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
for (const { mode, launch, root, args: extra, entry } of modes) {
  const port = await freePort();
  if (!['cold', 'warm', 'no-cache'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: resolve(values.data!),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(24).toString('hex'),
    PUBLIC_URL: base,
    WEB_CONCURRENCY: values.workers,
  };
  if (mode === 'cold') rmSync(join(values.data!, 'search-facts.snapshot'), { force: true });
  if (mode !== 'warm') env.NODE_DISABLE_COMPILE_CACHE = '1';
  else delete env.NODE_DISABLE_COMPILE_CACHE;
  if (values.trace) env.COMPTOIR_START_TRACE = '1';
  // What bin/comptoir.js does before importing its entry: an entry run directly gets the same cache.
  if (entry !== 'bin/comptoir.js' && mode === 'warm')
    env.NODE_COMPILE_CACHE = join(resolve(values.data!), '.compile-cache');
  if (values['node-options']) env.NODE_OPTIONS = values['node-options'];
  else delete env.NODE_OPTIONS;
  const load = loadavg();
  const started = performance.now();
  const spawnedAt = Date.now();
  if (launch === 'flags') Object.assign(env, SERVER_START_ENV);
  const args =
    launch === 'main'
      ? ['src/cli/main.ts', 'serve']
      : launch === 'bin'
        ? [entry, 'serve']
        : ['--max-semi-space-size=16', entry, 'serve'];
  const child = spawn(process.execPath, [...extra.split(' ').filter(Boolean), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', values.trace ? 'pipe' : 'inherit'],
  });
  const steps: { mark: string; epoch: number; cpu_ms: number | null }[] = [];
  if (values.trace) {
    let rest = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines)
        if (l.startsWith('start-trace ')) steps.push(JSON.parse(l.slice(12)));
        else process.stderr.write(`${l}\n`);
    });
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let firstAnswer: number | undefined;
  let result: Record<string, number | string> | undefined;
  while (!exited && performance.now() - started < 600_000) {
    try {
      const r = await fetch(`${base}/readyz`);
      firstAnswer ??= (performance.now() - started) / 1000;
      if (r.ok) {
        const pid = child.pid!;
        steps.push({ mark: '/readyz 200', epoch: Date.now(), cpu_ms: cpuSeconds(pid) * 1000 });
        result = {
          mode,
          launch,
          ...(roots.length > 1 ? { root } : {}),
          ...(nodeArgs.length > 1 || extra ? { node_args: extra } : {}),
          ...(entries.length > 1 || values.entry ? { entry } : {}),
          first_answer_s: +firstAnswer.toFixed(2),
          ready_s: +((performance.now() - started) / 1000).toFixed(2),
          cpu_s: +cpuSeconds(pid).toFixed(2),
          // The start's critical path when other cores are free: work moved to other threads
          // (the snapshot's worker, the thread pool) is not in it.
          main_thread_cpu_s: +cpuSeconds(pid, true).toFixed(2),
          rss_mb: rssMb(pid),
          load_before: load,
        };
        break;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  if (result) await new Promise((r) => setTimeout(r, Number(values.settle) * 1000));
  if (!exited) {
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  }
  console.log(JSON.stringify(result ?? { error: 'not ready' }));
  if (values.trace) printSteps(steps, spawnedAt);
}

/** The steps of one start: wall seconds from spawning and CPU seconds, cumulated and per step. */
function printSteps(steps: { mark: string; epoch: number; cpu_ms: number | null }[], spawnedAt: number) {
  let wall = 0;
  let cpu = 0;
  for (const s of steps) {
    const w = (s.epoch - spawnedAt) / 1000;
    const c = s.cpu_ms === null ? null : s.cpu_ms / 1000;
    console.log(
      `  ${s.mark.padEnd(30)} wall ${w.toFixed(3)} s (+${(w - wall).toFixed(3)})` +
        (c === null ? '' : `  cpu ${c.toFixed(3)} s (+${(c - cpu).toFixed(3)})`),
    );
    wall = w;
    if (c !== null) cpu = c;
  }
}
