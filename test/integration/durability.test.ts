import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InProcessEventBus } from '../../src/modules/events/index.ts';
import { paymentMethods } from '../../src/modules/payments/index.ts';
import { expireCheckouts } from '../../src/workflows/checkout/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const STOCK = 400;
let tdb: TestDatabase;
let region: MiniRegion;

before(async () => {
  tdb = await createTestDatabase();
  region = await seedMiniRegion(tdb.database.db);
  await tdb.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
  await tdb.database.db
    .updateTable('inventory_levels')
    .set({ on_hand: STOCK })
    .where('product_id', 'in', [region.products.oeufs, region.products.sirop])
    .execute();
});
after(async () => {
  await tdb?.cleanup();
});

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--json'], {
    env: {
      ...process.env,
      ...tdb.childEnv,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.includes('"url"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
  return { child, url };
}

/** One customer: a cart with two lines from one merchant, checked out; returns the order ids if acknowledged. */
async function customer(url: string): Promise<number[] | undefined> {
  const m = region.merchants.erabliere;
  const c = await (await fetch(`${url}/api/v1/carts`, { method: 'POST' })).json();
  const auth = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
  for (const [pid, q] of [
    [region.products.oeufs, 2],
    [region.products.sirop, 1],
  ]) {
    const r = await fetch(`${url}/api/v1/carts/${c.cart_id}/items`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ product_id: pid, quantity: q }),
    });
    if (r.status !== 201) return undefined;
  }
  const r = await fetch(`${url}/api/v1/carts/${c.cart_id}/checkout`, {
    method: 'POST',
    headers: { ...auth, 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      customer: { name: 'Durable', email: 'durable@example.test' },
      fulfilment: { [m.merchant_id]: { method: 'pickup', location_id: m.location_id } },
    }),
  });
  if (r.status !== 201) return undefined;
  const body = (await r.json()) as { orders: { order_id: number }[] };
  return body.orders.map((o) => o.order_id);
}

describe('durability: SIGKILL during a stream of checkouts', () => {
  it('every acknowledged order survives, stock is conserved, no reservation leaks', {
    timeout: 120_000,
  }, async () => {
    const acknowledged: number[] = [];
    let attempts = 0;
    for (let round = 0; round < 3; round++) {
      const { child, url } = await startServer();
      let stop = false;
      const workers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          attempts++;
          try {
            const ids = await customer(url);
            if (ids) acknowledged.push(...ids);
          } catch {
            // connection reset by the kill: not acknowledged
          }
        }
      });
      // Kill mid-stream: once this round has acknowledged a few orders, after a short random delay.
      const start = acknowledged.length;
      const deadline = Date.now() + 8000;
      while (acknowledged.length < start + 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 200)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      stop = true;
      await Promise.all(workers);
    }
    assert.ok(acknowledged.length > 0, 'some checkouts were acknowledged');

    // After the crash: a fresh connection, the sweeper run as if their expiry had passed.
    const database = tdb.reopen();
    try {
      const db = database.db;
      await expireCheckouts(
        { db, events: new InProcessEventBus(), payments: paymentMethods({}) },
        new Date(Date.now() + 3_600_000),
      );
      const orders = await db
        .selectFrom('orders')
        .select([
          'id',
          'status',
          'total_cents',
          'subtotal_cents',
          'gst_cents',
          'qst_cents',
          'delivery_fee_cents',
        ])
        .execute();
      const ids = new Set(orders.map((o) => o.id));
      for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged order ${id} exists`);
      for (const o of orders)
        assert.equal(o.total_cents, o.subtotal_cents + o.delivery_fee_cents + o.gst_cents + o.qst_cents);
      const linesPerOrder = await db
        .selectFrom('order_lines')
        .select(['order_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('order_id')
        .execute();
      assert.equal(linesPerOrder.length, orders.length, 'every order has its lines');
      for (const pid of [region.products.oeufs, region.products.sirop]) {
        const lvl = await db
          .selectFrom('inventory_levels')
          .select(['on_hand', 'reserved'])
          .where('product_id', '=', pid)
          .executeTakeFirstOrThrow();
        const sold = await db
          .selectFrom('order_lines as l')
          .innerJoin('orders as o', 'o.id', 'l.order_id')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('l.quantity'), eb.lit(0)).as('q'))
          .where('l.product_id', '=', pid)
          .where('o.status', '=', 'completed')
          .executeTakeFirstOrThrow();
        const promised = await db
          .selectFrom('order_lines as l')
          .innerJoin('orders as o', 'o.id', 'l.order_id')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('l.quantity'), eb.lit(0)).as('q'))
          .where('l.product_id', '=', pid)
          .where('o.status', 'in', ['placed', 'accepted', 'ready'])
          .executeTakeFirstOrThrow();
        // on_hand = available + reserved + sold, against the stock we started with; reserved is exactly what orders hold.
        assert.equal(lvl.on_hand + Number(sold.q), STOCK);
        assert.equal(lvl.reserved, Number(promised.q), `no reservation leak for product ${pid}`);
      }
      const held = await db.selectFrom('reservations').select('id').where('status', '=', 'held').execute();
      assert.equal(held.length, 0);
      console.log(
        `durability: ${attempts} attempts, ${acknowledged.length} acknowledged orders, ${orders.length} orders in the database`,
      );
    } finally {
      await database.close();
    }
  });
});
