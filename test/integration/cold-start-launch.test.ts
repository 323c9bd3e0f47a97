/**
 * How `comptoir serve` starts (issue 19, item 6; docs/PERFORMANCE.md): launched as the installed
 * command (bin/comptoir.js) without its start flags, it replaces itself once (same pid) with the
 * V8 flag, the allocator and SQLite cache settings, and its compile cache passed on in
 * NODE_COMPILE_CACHE, so the new process strips no TypeScript; launched with all of them already
 * given (a service manager's command line), it starts once. Either way `/readyz` says 200 only
 * once the search facts are loaded, and a server on SQLite never loads the pg driver.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Started {
  child: ChildProcess;
  base: string;
  /** The `start-trace` lines (COMPTOIR_START_TRACE=1, src/cli/main.ts), in order. */
  marks: { pid: number; mark: string }[];
  /** The server's environment and command line as /proc shows them (after any re-exec). */
  environ: Map<string, string>;
  cmdline: string[];
  stop(): Promise<void>;
}

/** Starts `node [execArgv] bin/comptoir.js serve --json` and resolves once /readyz said 200. */
async function launch(env: Record<string, string>, execArgv: string[] = []): Promise<Started> {
  const clean = { ...process.env };
  for (const k of [
    'MALLOC_ARENA_MAX',
    'MALLOC_MMAP_THRESHOLD_',
    'SQLITE_MMAP_MB',
    'SQLITE_CACHE_MB',
    'NODE_COMPILE_CACHE',
    'NODE_OPTIONS',
  ])
    delete clean[k];
  const child = spawn(process.execPath, [...execArgv, 'bin/comptoir.js', 'serve', '--json'], {
    cwd: root,
    env: {
      ...clean,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
      COMPTOIR_START_TRACE: '1',
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const marks: Started['marks'] = [];
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(stdout);
      if (m) resolve(m[1]!.replace('://localhost', '://127.0.0.1'));
    });
    void exited.then(() => reject(new Error(`server exited: ${stderr}`)));
  });
  // Listening is not ready: /readyz answers 503 until the search facts are loaded.
  let status = 0;
  for (let i = 0; status !== 200; i++) {
    status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (child.exitCode !== null || i > 2400) throw new Error(`never ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const l of stderr.split('\n'))
    if (l.startsWith('start-trace ')) marks.push(JSON.parse(l.slice(12)) as { pid: number; mark: string });
  const pid = child.pid!;
  const environ = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
  );
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  return {
    child,
    base,
    marks,
    environ,
    cmdline,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('comptoir serve: one re-exec at most, and what it passes on', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb?.cleanup();
  });

  test('without its flags: replaces itself once (same pid) with the flag, the environment and the compile cache', async (t) => {
    const s = await launch(tdb.childEnv);
    // Stopped even when an assertion fails: the next test's server needs the data-directory lock.
    t.after(() => s.stop());
    const starts = s.marks.filter((m) => m.mark === 'node started');
    assert.equal(starts.length, 2, JSON.stringify(s.marks));
    assert.ok(
      s.marks.every((m) => m.pid === s.child.pid),
      'the re-exec keeps the pid',
    );
    assert.ok(s.cmdline.includes('--max-semi-space-size=8'), s.cmdline.join(' '));
    // So that a multi-process primary gives its workers their own value, not this one.
    assert.equal(s.environ.get('COMPTOIR_ADDED_START_FLAGS'), '--max-semi-space-size=8');
    assert.equal(s.environ.get('MALLOC_ARENA_MAX'), '2');
    assert.equal(s.environ.get('MALLOC_MMAP_THRESHOLD_'), '131072');
    assert.equal(s.environ.get('SQLITE_CACHE_MB'), '16');
    assert.equal(s.environ.get('SQLITE_MMAP_MB'), '0');
    // The data directory exists (the test database made it): the new process reads its cache.
    assert.equal(s.environ.get('NODE_COMPILE_CACHE'), join(tdb.dataDir, '.compile-cache'));
    const r = await fetch(`${s.base}/readyz`);
    assert.deepEqual(await r.json(), { status: 'ready', database: TEST_DB_KIND });
  });

  test('with its flags and environment given: starts once, and the operator keeps the values it chose', async (t) => {
    const s = await launch(
      {
        ...tdb.childEnv,
        MALLOC_ARENA_MAX: '4',
        MALLOC_MMAP_THRESHOLD_: '262144',
        SQLITE_CACHE_MB: '32',
        SQLITE_MMAP_MB: '48',
      },
      ['--max-semi-space-size=4'],
    );
    t.after(() => s.stop());
    assert.equal(s.marks.filter((m) => m.mark === 'node started').length, 1, JSON.stringify(s.marks));
    assert.ok(s.cmdline.includes('--max-semi-space-size=4'));
    assert.ok(!s.cmdline.includes('--max-semi-space-size=8'));
    assert.equal(s.environ.get('COMPTOIR_ADDED_START_FLAGS'), undefined);
    assert.equal(s.environ.get('MALLOC_ARENA_MAX'), '4');
    assert.equal(s.environ.get('MALLOC_MMAP_THRESHOLD_'), '262144');
    assert.equal(s.environ.get('SQLITE_CACHE_MB'), '32');
    assert.equal(s.environ.get('SQLITE_MMAP_MB'), '48');
    const r = await fetch(`${s.base}/readyz`);
    assert.equal(r.status, 200);
  });

  test('COMPTOIR_START_FLAGS=0: no re-exec, nothing added', async (t) => {
    const s = await launch({ ...tdb.childEnv, COMPTOIR_START_FLAGS: '0' });
    t.after(() => s.stop());
    assert.equal(s.marks.filter((m) => m.mark === 'node started').length, 1);
    assert.equal(s.environ.get('MALLOC_ARENA_MAX'), undefined);
    assert.equal(s.environ.get('NODE_COMPILE_CACHE'), undefined);
  });
});
