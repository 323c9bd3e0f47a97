import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createUserWithHash } from '../../src/modules/accounts/index.ts';
import { openSse } from '../../src/modules/events/index.ts';
import { createPlatform, type Platform } from '../../src/server.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { openEventStream } from '../helpers/http-agent.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { sessionCookie } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

/** Reads a text/event-stream with fetch and hands out parsed events as they arrive. */
describe('real-time stock (SSE)', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let base: string;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    // Keep-alive sockets of fetch would otherwise hold the server's close.
    p.app.server.closeAllConnections();
    await p.close();
  });

  const sync = (b: string, key: string, rows: object[]) =>
    fetch(`${b}/api/v1/merchant/inventory`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(rows),
    });

  test('an API stock update reaches a consumer stream watching that product, and only those', async () => {
    const s = await openEventStream(
      `${base}/api/v1/stream?products=${region.products.sirop},${region.products.tire}`,
    );
    assert.equal(s.status, 200);
    assert.match(String(s.headers.get('content-type')), /text\/event-stream/);
    const metrics1 = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics1, /comptoir_sse_clients 1\b/);
    const res = await sync(base, region.merchants.erabliere.api_key, [
      { sku: 'OEUFS-12', on_hand: 5 },
      { sku: 'SIROP-540', on_hand: 7 },
    ]);
    assert.equal(res.status, 200);
    // The sync published its events before answering; a marker published now on a watched product
    // arrives after all of them on the same stream, so nothing else can still be on its way.
    await p.context.events.publish('stock', {
      product_id: region.products.tire,
      sku: 'MARKER',
      location_id: 0,
      merchant_id: 0,
      available: -1,
    });
    await s.until(() => s.events.some((e) => (e.data as { sku: string }).sku === 'MARKER'));
    assert.deepEqual(s.events.slice(0, -1), [
      {
        event: 'stock',
        data: {
          product_id: region.products.sirop,
          sku: 'SIROP-540',
          location_id: region.merchants.erabliere.location_id,
          available: 7,
        },
      },
    ]);
    await s.close();
    // The server notices the closed socket on its own time: poll the gauge.
    await waitFor(
      async () => /comptoir_sse_clients 0\b/.test(await (await fetch(`${base}/metrics`)).text()),
      {
        what: 'the SSE client gauge to drop to 0',
      },
    );
  });

  test('a cap on products per connection; malformed lists are a 400', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => i + 1).join(',');
    const tooMany = await fetch(`${base}/api/v1/stream?products=${ids}&lang=en`);
    assert.equal(tooMany.status, 400);
    assert.match((await tooMany.json()).error.message, /at most 200/);
    const bad = await fetch(`${base}/api/v1/stream?products=1,abc`);
    assert.equal(bad.status, 400);
  });

  test('the merchant stream (API key) carries its own order and stock events only', async () => {
    const unauth = await fetch(`${base}/api/v1/merchant/stream`);
    assert.equal(unauth.status, 401);
    const s = await openEventStream(`${base}/api/v1/merchant/stream`, {
      authorization: `Bearer ${region.merchants.sports.api_key}`,
    });
    await p.context.events.publish('order', {
      order_id: 1,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.publish('order', {
      order_id: 2,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'placed',
    });
    await sync(base, region.merchants.sports.api_key, [{ sku: 'VELO-MT', on_hand: 2 }]);
    await s.until(() => s.events.length >= 2);
    assert.deepEqual(
      s.events.map((e) => e.event),
      ['order', 'stock'],
    );
    assert.deepEqual(s.events[0].data, {
      order_id: 2,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'placed',
    });
    await s.close();
  });

  test('the merchant stream also accepts the session of the merchant’s staff (back-office dashboard)', async () => {
    const { db } = p.context.database;
    const userId = await createUserWithHash(db, {
      email: 'staff@sports.example',
      name: 'Staff',
      passwordHash: null,
      roles: [{ role: 'merchant_staff', merchant_id: region.merchants.sports.merchant_id }],
    });
    const cookie = await sessionCookie(db, userId);
    const s = await openEventStream(`${base}/api/v1/merchant/stream`, { cookie });
    await p.context.events.publish('order', {
      order_id: 3,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.publish('order', {
      order_id: 4,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'accepted',
    });
    // A marker of this merchant, published last, arrives after everything published before it.
    await p.context.events.publish('order', {
      order_id: 5,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'marker',
    });
    await s.until(() => s.events.some((e) => (e.data as { order_id: number }).order_id === 5));
    assert.deepEqual(s.events.slice(0, -1), [
      {
        event: 'order',
        data: { order_id: 4, merchant_id: region.merchants.sports.merchant_id, status: 'accepted' },
      },
    ]);
    await s.close();
    const other = await fetch(
      `${base}/api/v1/merchant/stream?merchant_id=${region.merchants.erabliere.merchant_id}`,
      {
        headers: { cookie },
      },
    );
    assert.equal(other.status, 403);
  });

  test('heartbeats keep the stream alive and closing the client unsubscribes', async () => {
    let closed = 0;
    const server = createServer((req, res) => {
      const conn = openSse(req, res, { heartbeatMs: 50 });
      conn.onClose(() => closed++);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const s = await openEventStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await s.until(() => s.comments.filter((c) => c === 'ping').length >= 2);
    await s.close();
    await waitFor(() => closed === 1, { what: 'the server to see the client go' });
    assert.equal(closed, 1);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('a failing teardown step is logged and the others still run', async () => {
    const logged: { obj: { err?: unknown }; msg: string }[] = [];
    let closed = 0;
    const server = createServer((req, res) => {
      const conn = openSse(req, res, { log: { error: (obj, msg) => logged.push({ obj, msg }) } });
      conn.onClose(() => {
        throw new Error('unsubscribe failed');
      });
      conn.onClose(() => closed++);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const s = await openEventStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await s.close();
    await waitFor(() => closed === 1, { what: 'the server to see the client go' });
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.msg, 'SSE stream teardown step failed');
    assert.equal((logged[0]?.obj.err as Error | undefined)?.message, 'unsubscribe failed');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('two instances on one PostgreSQL schema: an update through one reaches an SSE client of the other', {
    skip: TEST_DB_KIND !== 'postgres' && 'PostgreSQL only (SQLite runs one instance)',
  }, async () => {
    const second = p.testDb.reopen();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
      DATA_DIR: p.testDb.dataDir,
      DATABASE_URL: process.env.DATABASE_URL as string,
    });
    const b: Platform = await createPlatform(config, { database: second, lock: false, logger: false });
    try {
      await b.app.listen({ port: 0, host: '127.0.0.1' });
      const baseB = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
      const s = await openEventStream(`${baseB}/api/v1/stream?products=${region.products.chaussures}`);
      const t0 = Date.now();
      const res = await sync(base, region.merchants.sports.api_key, [{ sku: 'CH-COURSE-9', on_hand: 11 }]);
      assert.equal(res.status, 200);
      await s.until(() => s.events.length >= 1);
      assert.ok(Date.now() - t0 < 2000);
      assert.deepEqual(s.events[0], {
        event: 'stock',
        data: {
          product_id: region.products.chaussures,
          sku: 'CH-COURSE-9',
          location_id: region.merchants.sports.location_id,
          available: 11,
        },
      });
      // And the other way round.
      const s2 = await openEventStream(`${base}/api/v1/stream?products=${region.products.chaussures}`);
      await fetch(`${baseB}/api/v1/merchant/inventory`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${region.merchants.sports.api_key}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify([{ sku: 'CH-COURSE-9', on_hand: 12 }]),
      });
      await s2.until(() => s2.events.length >= 1);
      assert.equal((s2.events[0].data as { available: number }).available, 12);
      await s.until(() => s.events.length >= 2);
      assert.equal(s.events.length, 2, 'no duplicate delivery on the publishing instance');
      await s.close();
      await s2.close();

      // Many events in one tick travel in a few NOTIFYs of at most 8,000 bytes, none lost.
      const got: number[] = [];
      const off = b.context.events.subscribe('stock', (e) => got.push(e.available));
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          p.context.events.publish('stock', {
            product_id: 1,
            sku: `BATCH-${i}-${'x'.repeat(40)}`,
            location_id: 1,
            merchant_id: 1,
            available: i,
          }),
        ),
      );
      // Sent by instance A (settled: every NOTIFY is out); instance B receives them over the network.
      await p.context.events.settled();
      await waitFor(() => got.length >= 500, { timeoutMs: 2000, what: '500 events on instance B' });
      assert.deepEqual(
        got,
        Array.from({ length: 500 }, (_, i) => i),
      );

      // The LISTEN connections are killed: each instance reconnects and events flow again.
      const schema = p.testDb.pgSchema as string;
      const killed = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n
        from pg_stat_activity where query = ${`LISTEN "comptoir_${schema}"`}`.execute(p.context.database.db);
      assert.ok(killed.rows[0].n >= 2, 'both instances had a LISTEN connection');
      got.length = 0;
      // Reconnection happens on the instances' own timers: publish until B hears it (each try
      // waits for its NOTIFY to be sent, then briefly for B).
      await waitFor(
        async () => {
          await p.context.events.publish('stock', {
            product_id: 1,
            sku: 'X',
            location_id: 1,
            merchant_id: 1,
            available: 42,
          });
          await p.context.events.settled();
          return got.includes(42);
        },
        {
          timeoutMs: 5000,
          intervalMs: 50,
          what: 'events to reach instance B after its listener reconnected',
        },
      );
      off();
    } finally {
      await b.close();
      await second.close();
    }
  });
});
