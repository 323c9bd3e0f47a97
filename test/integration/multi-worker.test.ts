/**
 * `comptoir serve` on every core (issue 19, docs/decisions/0008): WEB_CONCURRENCY=2 starts a
 * primary and two workers sharing the port and the database. A stock update through the merchant
 * API, served by one worker, must reach the in-memory search facts of every worker; the primary
 * holds the data-directory lock for the whole deployment; SIGTERM stops every process, and so does
 * a worker that dies (the primary then exits 1). Runs on both databases (on PostgreSQL the workers
 * relay events through LISTEN/NOTIFY).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { approveMerchants } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Answer {
  worker: string;
  status: number;
  body: string;
}

/**
 * One request on a new connection (no keep-alive): the primary hands connections to its workers
 * in turn, so consecutive calls reach every worker; `x-comptoir-worker` names the one that answered.
 */
function fresh(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({
            worker: String(res.headers['x-comptoir-worker'] ?? ''),
            status: res.statusCode ?? 0,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The process ids of `pid`'s children (the workers of a primary). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) out.push(...list.split(/\s+/).map(Number));
  }
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe('serve with WEB_CONCURRENCY=2: every worker serves current search facts', () => {
  let tdb: TestDatabase;
  let region: MiniRegion;
  let server: ServerProcess;

  before(async () => {
    tdb = await createTestDatabase();
    region = await seedMiniRegion(tdb.database.db);
    await approveMerchants(tdb.database.db, region);
    await rebuildSearchIndex(tdb.database);
    // Three processes start (a primary and two workers): generous on a loaded 2-core machine.
    server = await startServerProcess({ ...tdb.childEnv, WEB_CONCURRENCY: '2' }, 240_000);
  });
  after(async () => {
    await server?.stop();
    await tdb?.cleanup();
  });

  /** Whether SIROP-540 is among the in-stock hits for "sirop", per worker, until both answered. */
  async function inStockByWorker(expected: boolean) {
    const seen = new Map<string, boolean>();
    let last = '';
    await waitFor(
      async () => {
        const r = await fresh(
          server.base,
          '/api/v1/search?q=sirop&in_stock=1&lat=45.3956&lng=-75.8436&radius_km=25',
        );
        assert.equal(r.status, 200, r.body);
        const skus = (JSON.parse(r.body) as { results: { sku: string }[] }).results.map((x) => x.sku);
        seen.set(r.worker, skus.includes('SIROP-540'));
        last = `${r.worker}: ${skus.join(', ')}`;
        return seen.size === 2 && [...seen.values()].every((v) => v === expected);
      },
      { timeoutMs: 60_000, what: `SIROP-540 ${expected ? 'in stock' : 'out of stock'} on both workers` },
    ).catch((err: Error) => {
      throw new Error(`${err.message} (last answer, worker ${last})`);
    });
    return seen;
  }

  test('two workers answer, on one port, after /readyz said ready', async () => {
    const workers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await fresh(server.base, '/readyz');
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).status, 'ready');
      workers.add(r.worker);
    }
    assert.deepEqual([...workers].sort(), ['1', '2']);
    assert.equal(childrenOf(server.child.pid!).length, 2);
  });

  test('the primary runs the lean program, not the application: a fraction of what a worker holds', () => {
    const pid = server.child.pid!;
    // Same pid as the command that was started (it replaced itself: the lock and signals see one process).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      cmdline.some((a) => a.endsWith(join('src', 'serve', 'cluster-primary-main.ts'))),
      cmdline.join(' '),
    );
    const anonMb = (p: number) =>
      Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;
    const primary = anonMb(pid);
    // The primary that had loaded the CLI's app held about as much anonymous memory as a worker.
    for (const w of childrenOf(pid))
      assert.ok(
        primary * 2 < anonMb(w),
        `anonymous memory: primary ${primary.toFixed(0)} MB, worker ${anonMb(w).toFixed(0)} MB`,
      );
  });

  test('a stock update through the merchant API reaches the search facts of every worker', async () => {
    const before = await inStockByWorker(true);
    assert.deepEqual([...before.keys()].sort(), ['1', '2']);

    const auth = {
      authorization: `Bearer ${region.merchants.erabliere.api_key}`,
      'content-type': 'application/json',
    };
    // Updates alternate out of stock / in stock until each worker has served one: every update is
    // followed by both workers answering with the new facts (the one that did not serve it learns it
    // through the relayed stock event).
    const servedBy = new Set<string>();
    for (let i = 0; servedBy.size < 2; i++) {
      assert.ok(i < 8, 'both workers served an update');
      const onHand = i % 2 === 0 ? 0 : 3;
      const put = await fresh(server.base, '/api/v1/merchant/inventory', {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify([{ sku: 'SIROP-540', location_code: 'principal', on_hand: onHand }]),
      });
      assert.equal(put.status, 200, put.body);
      assert.equal(JSON.parse(put.body).updated, 1);
      servedBy.add(put.worker);
      await inStockByWorker(onHand > 0);
    }
  });

  test('rate limits count once across workers: the 21st balance check in a minute is refused', async () => {
    // A fresh client address (X-Forwarded-For from loopback is believed) keeps this count apart.
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.19' };
    const answers: Answer[] = [];
    for (let i = 0; i < 21; i++)
      answers.push(
        await fresh(server.base, '/api/v1/gift-cards/balance', { method: 'POST', headers, body: '{}' }),
      );
    assert.deepEqual(new Set(answers.map((a) => a.worker)), new Set(['1', '2']), 'both workers counted');
    assert.deepEqual(
      answers.slice(0, 20).map((a) => a.status),
      Array(20).fill(400),
      'the first 20 reach the route (an empty body is refused there)',
    );
    assert.equal(answers[20]!.status, 429, 'the 21st is refused although each worker saw about 10');
  });

  test('the data directory stays locked: a second deployment on the same files is refused', {
    skip: TEST_DB_KIND !== 'sqlite' && 'the data-directory lock is SQLite only',
  }, () => {
    const lock = readFileSync(join(tdb.dataDir, 'comptoir.lock'), 'utf8');
    assert.equal(lock, String(server.child.pid), 'the primary holds the lock');
    const second = spawnSync(process.execPath, ['src/cli/main.ts', 'serve', '--json'], {
      cwd: root,
      env: {
        ...process.env,
        ...tdb.childEnv,
        WEB_CONCURRENCY: '2',
        PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(second.status, 1, second.stderr);
    assert.equal(JSON.parse(second.stdout).error.code, 'config');
    assert.match(second.stderr, new RegExp(`in use by process ${server.child.pid}`));
    assert.equal(readFileSync(join(tdb.dataDir, 'comptoir.lock'), 'utf8'), lock, 'the lock is unchanged');
  });

  test('SIGTERM stops every worker, then the primary (exit 0) and releases the lock', async () => {
    const workers = childrenOf(server.child.pid!);
    assert.equal(workers.length, 2);
    await server.stop();
    assert.equal(server.child.exitCode, 0, server.stderr.join('\n'));
    await waitFor(() => workers.every((pid) => !alive(pid)), {
      timeoutMs: 30_000,
      what: 'the workers to exit',
    });
    if (TEST_DB_KIND === 'sqlite') assert.equal(existsSync(join(tdb.dataDir, 'comptoir.lock')), false);
  });
});

describe('a worker that dies stops the whole server', () => {
  let tdb: TestDatabase;
  let server: ServerProcess;
  before(async () => {
    tdb = await createTestDatabase();
    server = await startServerProcess({ ...tdb.childEnv, WEB_CONCURRENCY: '2' }, 240_000);
  });
  after(async () => {
    await server?.stop();
    await tdb?.cleanup();
  });

  test('SIGKILL on one worker: the other stops, the primary exits 1 and releases the lock', async () => {
    const [victim, other] = childrenOf(server.child.pid!);
    assert.ok(victim && other, 'two workers');
    const exited = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
    process.kill(victim, 'SIGKILL');
    assert.equal(await exited, 1, server.stderr.join('\n'));
    assert.match(server.stderr.join('\n'), /worker \d+ exited \(SIGKILL\): stopping/);
    await waitFor(() => !alive(other), { timeoutMs: 30_000, what: 'the other worker to exit' });
    if (TEST_DB_KIND === 'sqlite') assert.equal(existsSync(join(tdb.dataDir, 'comptoir.lock')), false);
  });
});

describe('WEB_CONCURRENCY is validated', () => {
  for (const bad of ['0', 'many'])
    test(`WEB_CONCURRENCY=${bad} stops the start with a configuration error`, () => {
      const r = spawnSync(process.execPath, ['src/cli/main.ts', 'serve', '--json'], {
        cwd: root,
        env: { ...process.env, WEB_CONCURRENCY: bad, PORT: '0', DATA_DIR: '/nonexistent/never-created' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, 'config');
      assert.match(r.stderr, /WEB_CONCURRENCY/);
      assert.equal(existsSync('/nonexistent/never-created'), false);
    });
});
