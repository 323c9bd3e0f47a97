/**
 * Cold start of `comptoir serve` (issue 19, item 6): spawns the server on an existing DATA_DIR,
 * polls `/readyz` every 20 ms and prints, as JSON, the seconds from spawning to the first answer
 * and to the first 200, and the server's CPU time (user + system, from /proc) and RSS at that
 * moment. CPU holds on a loaded machine; wall times do not.
 *
 *     node bench/cold-start.ts --data .bench-data/sqlite-1m [--runs 2] [--node-options '...']
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    runs: { type: 'string', default: '1' },
    'node-options': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`node bench/cold-start.ts --data DIR [--runs N] [--node-options OPTS]
  --data DIR           SQLite DATA_DIR, already seeded       [.bench-data/sqlite-1m]
  --runs N             servers started one after the other  [1]
  --node-options OPTS  NODE_OPTIONS of the server            [unset]`);
  process.exit(0);
}

const TICK = 100; // USER_HZ on Linux
/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}
const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

for (let run = 0; run < Number(values.runs); run++) {
  const port = 36000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: values.data,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(24).toString('hex'),
    PUBLIC_URL: base,
  };
  if (values['node-options']) env.NODE_OPTIONS = values['node-options'];
  else delete env.NODE_OPTIONS;
  const load = loadavg();
  const started = performance.now();
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let firstAnswer: number | undefined;
  let result: Record<string, number> | undefined;
  while (!exited && performance.now() - started < 600_000) {
    try {
      const r = await fetch(`${base}/readyz`);
      firstAnswer ??= (performance.now() - started) / 1000;
      if (r.ok) {
        const pid = child.pid!;
        result = {
          first_answer_s: +firstAnswer.toFixed(2),
          ready_s: +((performance.now() - started) / 1000).toFixed(2),
          cpu_s: +cpuSeconds(pid).toFixed(2),
          rss_mb: rssMb(pid),
          load_before: load,
        };
        break;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  console.log(JSON.stringify(result ?? { error: 'not ready' }));
}
