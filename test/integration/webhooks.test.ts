import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '../../src/lib/errors.ts';
import {
  backoffMs,
  createWebhook,
  isPrivateAddress,
  listDeliveries,
  runWebhookWorker,
} from '../../src/modules/webhooks/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Verifies a Comptoir-Signature header the way a receiver should. */
function verify(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhooks', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let server: Server;
  let url: string;
  let auth: string;
  let secret: string;
  let answer = 200;
  const received: Received[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    p = await createTestPlatform({ WEBHOOKS_ALLOW_PRIVATE: '1' });
    region = await seedMiniRegion(p.context.database.db);
    auth = `Bearer ${region.merchants.erabliere.api_key}`;
  });
  after(async () => {
    await p.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const work = (now?: Date) => runWebhookWorker(p.context.database.db, { allowPrivate: true, now });
  const sync = (rows: object[]) =>
    p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: auth },
      payload: rows,
    });

  test('creation returns the secret once; the list never shows it; bad input is a 400', async () => {
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/merchant/webhooks',
      headers: { authorization: auth },
      payload: { url, events: ['inventory.low', 'order.created', 'order.updated'] },
    });
    assert.equal(res.statusCode, 201, res.body);
    secret = res.json().secret;
    assert.match(secret, /^whsec_/);
    const list = await p.app.inject({ url: '/api/v1/merchant/webhooks', headers: { authorization: auth } });
    assert.equal(list.json().webhooks.length, 1);
    assert.doesNotMatch(list.body, /whsec_/);
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/merchant/webhooks?lang=en',
      headers: { authorization: auth },
      payload: { url: 'ftp://x', events: ['order.shipped'] },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.details.fields[0].field, 'events.0');
  });

  test('inventory.low is signed, carries a delivery id, and fires once when crossing the threshold', async () => {
    received.length = 0;
    assert.equal((await sync([{ sku: 'SIROP-540', on_hand: 2 }])).statusCode, 200);
    assert.equal((await sync([{ sku: 'SIROP-540', on_hand: 1 }])).statusCode, 200); // already low: no new event
    const r = await work();
    assert.deepEqual(r, { delivered: 1, failed: 0 });
    assert.equal(received.length, 1);
    const got = received[0];
    assert.equal(got.headers['comptoir-event'], 'inventory.low');
    assert.ok(verify(secret, String(got.headers['comptoir-signature']), got.body));
    assert.ok(!verify('whsec_wrong', String(got.headers['comptoir-signature']), got.body));
    const body = JSON.parse(got.body);
    assert.equal(body.id, got.headers['comptoir-delivery']);
    assert.equal(body.event, 'inventory.low');
    assert.deepEqual(body.data, {
      product_id: region.products.sirop,
      sku: 'SIROP-540',
      location_id: region.merchants.erabliere.location_id,
      // The store's code too, as POS systems name their stores.
      location_code: 'principal',
      available: 2,
      threshold: 3,
    });
    await sync([{ sku: 'SIROP-540', on_hand: 10 }]);
    await sync([{ sku: 'SIROP-540', on_hand: 3 }]);
    await work();
    assert.equal(received.length, 2);
    assert.equal(JSON.parse(received[1].body).data.available, 3);
  });

  test('failed deliveries are retried with exponential backoff and the same delivery id', async () => {
    received.length = 0;
    answer = 500;
    await sync([{ sku: 'OEUFS-12', on_hand: 0 }]);
    assert.deepEqual(await work(), { delivered: 0, failed: 1 });
    const [d1] = await listDeliveries(p.context.database.db, region.merchants.erabliere.merchant_id, 1);
    assert.equal(d1.status, 'pending');
    assert.equal(d1.attempts, 1);
    assert.equal(d1.last_status_code, 500);
    const wait = Date.parse(d1.next_attempt_at) - Date.now();
    assert.ok(wait > 25_000 && wait <= 30_000, `first retry after ~30 s (${wait})`);
    assert.deepEqual(await work(), { delivered: 0, failed: 0 }, 'not due yet');
    assert.deepEqual(await work(new Date(Date.now() + 31_000)), { delivered: 0, failed: 1 });
    const [d2] = await listDeliveries(p.context.database.db, region.merchants.erabliere.merchant_id, 1);
    assert.equal(d2.attempts, 2);
    assert.ok(Date.parse(d2.next_attempt_at) - Date.now() > 55_000, 'second retry after ~60 s');
    answer = 200;
    assert.deepEqual(await work(new Date(Date.now() + 61_000)), { delivered: 1, failed: 0 });
    assert.equal(received.length, 3);
    assert.equal(new Set(received.map((r) => r.headers['comptoir-delivery'])).size, 1);
    const [d3] = await listDeliveries(p.context.database.db, region.merchants.erabliere.merchant_id, 1);
    assert.equal(d3.status, 'delivered');
    assert.deepEqual([1, 2, 3, 4, 20].map(backoffMs), [30_000, 60_000, 120_000, 240_000, 6 * 3600_000]);
  });

  test('a delivery claimed by a worker that died is sent again after its lease; two workers never send it twice', async () => {
    received.length = 0;
    const { db } = p.context.database;
    await p.context.events.publish('order', {
      order_id: 601,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.settled(); // the subscriber has queued the deliveries
    const both = await Promise.all([work(), work()]);
    assert.equal(both[0].delivered + both[1].delivered, 1);
    assert.equal(received.length, 1);
    await p.context.events.publish('order', {
      order_id: 602,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.settled(); // the subscriber has queued the deliveries
    // Simulate a crash right after the claim.
    const [d] = await listDeliveries(db, region.merchants.erabliere.merchant_id, 1);
    await db
      .updateTable('webhook_deliveries')
      .set({ status: 'sending', next_attempt_at: new Date(Date.now() + 60_000).toISOString() })
      .where('id', '=', d.id)
      .execute();
    assert.deepEqual(await work(), { delivered: 0, failed: 0 });
    assert.deepEqual(await work(new Date(Date.now() + 61_000)), { delivered: 1, failed: 0 });
    assert.equal(received.length, 2);
  });

  test('order events from ctx.events become order.created / order.updated deliveries, once each', async () => {
    received.length = 0;
    const merchant_id = region.merchants.erabliere.merchant_id;
    await p.context.events.publish('order', { order_id: 501, merchant_id, status: 'placed' });
    await p.context.events.publish('order', { order_id: 501, merchant_id, status: 'placed' });
    await p.context.events.publish('order', { order_id: 501, merchant_id, status: 'accepted' });
    // Another merchant's order never reaches this merchant's webhook.
    await p.context.events.publish('order', {
      order_id: 502,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'placed',
    });
    await p.context.events.settled(); // the subscriber has queued the deliveries
    await work();
    assert.deepEqual(
      received.map((r) => [r.headers['comptoir-event'], JSON.parse(r.body).data]),
      [
        ['order.created', { order_id: 501, status: 'placed' }],
        ['order.updated', { order_id: 501, status: 'accepted' }],
      ],
    );
  });

  test('private, loopback and link-local targets are refused unless the operator allows them', async () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ])
      assert.ok(isPrivateAddress(a), a);
    for (const a of ['93.184.215.14', '2606:4700::1111', '8.8.8.8']) assert.ok(!isPrivateAddress(a), a);
    const { db } = p.context.database;
    const merchantId = region.merchants.sports.merchant_id;
    for (const target of [
      url.replace('http:', 'https:'),
      'https://localhost:9/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest/meta-data',
    ]) {
      await assert.rejects(
        createWebhook(db, merchantId, { url: target, events: ['inventory.low'] }, { allowPrivate: false }),
        (err: unknown) =>
          err instanceof ValidationError && err.issues[0].message === 'merchant_api.webhook_url_private',
        target,
      );
    }
    // Outside development, plain http:// is refused even to a public address (no DNS needed here).
    await assert.rejects(
      createWebhook(
        db,
        merchantId,
        { url: 'http://93.184.215.14/hooks', events: ['inventory.low'] },
        { allowPrivate: false },
      ),
      (err: unknown) =>
        err instanceof ValidationError && err.issues[0].message === 'merchant_api.webhook_url_https',
    );
    // The check runs again at delivery time: a target accepted earlier (the operator allowed private
    // addresses then, or its DNS now points inside) is refused when sending.
    received.length = 0;
    await p.context.events.publish('order', {
      order_id: 900,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.settled(); // the subscriber has queued the deliveries
    const r = await runWebhookWorker(db, { allowPrivate: false });
    assert.deepEqual(r, { delivered: 0, failed: 1 });
    assert.equal(received.length, 0);
    const [d] = await listDeliveries(db, region.merchants.erabliere.merchant_id, 1);
    assert.equal(d.last_error, 'private address refused');
  });

  test('deleting a webhook stops its deliveries', async () => {
    const list = await p.app.inject({ url: '/api/v1/merchant/webhooks', headers: { authorization: auth } });
    const id = list.json().webhooks[0].id;
    const del = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/merchant/webhooks/${id}`,
      headers: { authorization: auth },
    });
    assert.equal(del.statusCode, 204);
    received.length = 0;
    await p.context.events.publish('order', {
      order_id: 777,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    await p.context.events.settled(); // the subscriber has queued the deliveries
    await work(new Date(Date.now() + 3600_000));
    assert.equal(received.length, 0);
  });
});
