/**
 * A multi-process server hands its connections to the workers in turn (src/serve/cluster-connections.ts):
 * 16 keep-alive connections opened together (a load test's, a proxy's pool) are served 8 by each of
 * the 2 workers, each connection by one worker for its life, whether a worker was busy when it
 * arrived or not. Node's own cluster hand-out gave the next connection to whichever worker
 * acknowledged its previous one first (6/10 to 4/12 measured at 16 connections under load).
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { approveMerchants } from '../helpers/factories.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** A GET through `agent`: the worker that answered and the socket it came on. */
function get(base: string, path: string, agent: Agent | false) {
  return new Promise<{ status: number; worker: string; socket: object }>((resolve, reject) => {
    const req = request(`${base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          worker: String(res.headers['x-comptoir-worker'] ?? ''),
          socket: req.socket!,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve with WEB_CONCURRENCY=2: connections handed to the workers in turn', () => {
  let tdb: TestDatabase;
  let server: ServerProcess;

  before(async () => {
    tdb = await createTestDatabase();
    const region = await seedMiniRegion(tdb.database.db);
    await approveMerchants(tdb.database.db, region);
    await rebuildSearchIndex(tdb.database);
    server = await startServerProcess({ ...tdb.childEnv, WEB_CONCURRENCY: '2' }, 240_000);
    await waitFor(async () => (await get(server.base, '/readyz', false)).status === 200, {
      timeoutMs: 120_000,
      what: 'both workers ready',
    });
  });
  after(async () => {
    await server?.stop();
    await tdb?.cleanup();
  });

  test('16 keep-alive connections opened together: 8 served by each worker, each by one', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const path = '/api/v1/search?q=sirop&lat=45.3956&lng=-75.8436&radius_km=25';
      const first = await Promise.all(Array.from({ length: 16 }, () => get(server.base, path, agent)));
      assert.ok(first.every((r) => r.status === 200));
      assert.equal(new Set(first.map((r) => r.socket)).size, 16, '16 connections');
      const perWorker = (rs: { worker: string }[]) =>
        [
          ...rs.reduce((m, r) => m.set(r.worker, (m.get(r.worker) ?? 0) + 1), new Map<string, number>()),
        ].sort();
      assert.deepEqual(perWorker(first), [
        ['1', 8],
        ['2', 8],
      ]);
      // The same connections again: each stays with its worker.
      const workerOf = new Map(first.map((r) => [r.socket, r.worker]));
      const again = await Promise.all(Array.from({ length: 16 }, () => get(server.base, path, agent)));
      for (const r of again) assert.equal(r.worker, workerOf.get(r.socket));
    } finally {
      agent.destroy();
    }
  });
});
