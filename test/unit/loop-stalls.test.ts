import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import { logLoopStalls } from '../../src/http/ops/loop-stalls.ts';

// A request that holds the event loop is named in the log line of the stall it caused: the longest
// gap between marks runs from its handler's start to its answer.
test('a stall of 50 ms or more is logged with the route that held the loop', async () => {
  let logged!: (entry: { stall_ms: number; gap_ms: number; from: string; to: string }) => void;
  const stall = new Promise<{ stall_ms: number; gap_ms: number; from: string; to: string }>((resolve) => {
    logged = resolve;
  });
  const stream = new Writable({
    write(chunk, _enc, cb) {
      const entry = JSON.parse(String(chunk)) as {
        msg: string;
        stall_ms: number;
        gap_ms: number;
        from: string;
        to: string;
      };
      if (entry.msg === 'event loop stalled') logged(entry);
      cb();
    },
  });
  const app = Fastify({ logger: { level: 'warn', stream } });
  logLoopStalls(app);
  app.get('/slow', async () => {
    const end = performance.now() + 120;
    while (performance.now() < end) {} // holds the loop, like a long synchronous statement
    return { ok: true };
  });
  app.get('/fast', async () => ({ ok: true }));
  try {
    await app.inject({ method: 'GET', url: '/fast' });
    assert.equal((await app.inject({ method: 'GET', url: '/slow' })).statusCode, 200);
    const entry = await stall;
    assert.ok(entry.stall_ms >= 50, `stall of ${entry.stall_ms} ms`);
    assert.ok(entry.gap_ms >= 100, `longest gap ${entry.gap_ms} ms`);
    assert.deepEqual([entry.from, entry.to], ['GET /slow start', 'GET /slow answered']);
  } finally {
    await app.close();
  }
});
