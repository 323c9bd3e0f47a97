/**
 * /readyz answers only "database_unreachable" to the probe; why the database failed reaches the log.
 * Runs on the database DATABASE_URL names (SQLite otherwise).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import opsRoutes from '../../src/http/ops/ops.routes.ts';
import { createTestDatabase } from '../helpers/db.ts';

test('a readiness probe on an unreachable database is a 503 and a warning with the error', async () => {
  const testDb = await createTestDatabase();
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  try {
    await app.register(opsRoutes, { database: testDb.database, config: {} } as never);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).json().status, 'ready');
    assert.ok(!logs.some((l) => /readiness check/.test(l)), 'nothing logged while ready');
    // The pool is gone: every query fails, as with a database that went away.
    await testDb.database.close();
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(r.statusCode, 503);
    assert.deepEqual(r.json(), { status: 'database_unreachable' });
    const line = logs
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } })
      .find((l) => l.msg === 'readiness check: database unreachable');
    assert.ok(line, 'the failure is in the log');
    assert.equal(line.level, 40, 'at warn');
    assert.ok(line.err?.message, 'with its error');
  } finally {
    await app.close();
    await testDb.cleanup();
  }
});
