import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  /** Every line the server wrote on stdout (pino JSON lines when LOG_LEVEL is not silent). */
  stdout: string[];
  stderr: string[];
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `node src/cli/main.ts serve --json` as a real child process on a free loopback port
 * (PORT=0) and resolves once it prints its address. `env` adds to the process environment
 * (DATA_DIR / DATABASE_URL from TestDatabase.childEnv, SESSION_SECRET, LOG_LEVEL...).
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--json'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
      TILE_URL: 'http://127.0.0.1:9/tiles/{z}/{x}/{y}.png',
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start: ${stderr.join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      try {
        const o = JSON.parse(line) as { url?: string; level?: number };
        if (o.url && o.level === undefined) {
          clearTimeout(timer);
          resolve(o.url.replace('://localhost', '://127.0.0.1'));
        }
      } catch {}
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${child.exitCode}): ${stderr.join('\n')}`));
    });
  });
  // Listening is not ready: the search warm-up runs after listen, and /readyz says 503 meanwhile.
  for (let waited = 0; ; waited += 50) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (exited || waited > timeoutMs) throw new Error(`server never became ready: ${stderr.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    base,
    stdout,
    stderr,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    },
  };
}
