import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { approveMerchants, placeOrder as placeApiOrder } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

let p: TestPlatform;
let region: MiniRegion;
const events: { name: string; payload: unknown }[] = [];

before(async () => {
  p = await createTestPlatform();
  region = await seedMiniRegion(p.context.database.db);
  await approveMerchants(p.context.database.db, region);
  p.context.events.subscribe('order', (e) => events.push({ name: 'order', payload: e }));
  p.context.events.subscribe('stock', (e) => events.push({ name: 'stock', payload: e }));
});
after(async () => {
  await p?.close();
});
const db = () => p.context.database.db;

async function placeOrder(
  lang: 'fr' | 'en',
  productId: number,
  quantity: number,
  merchant: { merchant_id: number; location_id: number },
) {
  const { orders } = await placeApiOrder(p.app, [[productId, quantity]], merchant, {
    lang,
    customer: { name: 'Alex Smith', email: 'alex@example.test' },
  });
  return orders[0];
}
const level = (pid: number) =>
  db()
    .selectFrom('inventory_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', pid)
    .executeTakeFirstOrThrow();
const transition = (orderId: number, key: string, to: string, reason?: string) =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/merchant/orders/${orderId}/transitions`,
    headers: { authorization: `Bearer ${key}` },
    payload: { to, ...(reason ? { reason } : {}) },
  });

describe('order lifecycle (merchant API)', () => {
  it('placed -> accepted -> ready -> completed sells the units; history has actor and time of each step', async () => {
    const m = region.merchants.erabliere;
    const before = await level(region.products.oeufs);
    const o = await placeOrder('en', region.products.oeufs, 2, m);
    assert.equal((await level(region.products.oeufs)).reserved, before.reserved + 2);
    const list = await p.app.inject({
      method: 'GET',
      url: '/api/v1/merchant/orders?status=placed',
      headers: { authorization: `Bearer ${m.api_key}` },
    });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().orders.some((x: { order_id: number }) => x.order_id === o.order_id));
    for (const to of ['accepted', 'ready', 'completed']) {
      const r = await transition(o.order_id, m.api_key, to);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().status, to);
    }
    const after = await level(region.products.oeufs);
    assert.deepEqual({ ...after }, { on_hand: before.on_hand - 2, reserved: before.reserved });
    const got = (
      await p.app.inject({ method: 'GET', url: `/api/v1/orders/${o.order_id}?token=${o.access_token}` })
    ).json();
    assert.deepEqual(
      got.history.map((h: { status: string }) => h.status),
      ['placed', 'accepted', 'ready', 'completed'],
    );
    assert.equal(got.history[1].actor, `merchant:${m.merchant_id}`);
    assert.ok(got.history.every((h: { at: string }) => !Number.isNaN(Date.parse(h.at))));
    assert.ok(
      events.some(
        (e) =>
          e.name === 'order' &&
          (e.payload as { status: string; order_id: number }).status === 'completed' &&
          (e.payload as { order_id: number }).order_id === o.order_id,
      ),
    );
    // Status emails in the customer's language (English here).
    const mails = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_status')
      .where('to_address', '=', 'alex@example.test')
      .execute();
    assert.equal(mails.length, 3);
    assert.match(mails[2].subject, new RegExp(`Order #${o.order_id}: Completed`));
  });

  it('refuses a skipped or backwards step (409), and a finished order cannot be cancelled', async () => {
    const m = region.merchants.erabliere;
    const o = await placeOrder('fr', region.products.sirop, 1, m);
    const skip = await transition(o.order_id, m.api_key, 'completed');
    assert.equal(skip.statusCode, 409);
    const bad = await transition(o.order_id, m.api_key, 'shipped');
    assert.equal(bad.statusCode, 400);
  });

  it('cancellation (with reason) returns the stock and publishes availability', async () => {
    const m = region.merchants.erabliere;
    const before = await level(region.products.sirop);
    const o = await placeOrder('fr', region.products.sirop, 4, m);
    assert.equal((await level(region.products.sirop)).reserved, before.reserved + 4);
    events.length = 0;
    const r = await transition(o.order_id, m.api_key, 'cancelled', 'Rupture chez le fournisseur');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual({ ...(await level(region.products.sirop)) }, { ...before });
    assert.ok(
      events.some(
        (e) =>
          e.name === 'stock' && (e.payload as { product_id: number }).product_id === region.products.sirop,
      ),
    );
    const again = await transition(o.order_id, m.api_key, 'cancelled');
    assert.equal(again.statusCode, 409);
    const fr = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_status')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(fr.subject, /Annulée/);
    assert.match(fr.text_body, /Rupture chez le fournisseur/);
  });

  it('is scoped to the merchant: another merchant’s order id is 404, and no key is 401', async () => {
    const o = await placeOrder('fr', region.products.oeufs, 1, region.merchants.erabliere);
    const other = await transition(o.order_id, region.merchants.sports.api_key, 'accepted');
    assert.equal(other.statusCode, 404);
    const view = await p.app.inject({
      method: 'GET',
      url: `/api/v1/merchant/orders/${o.order_id}`,
      headers: { authorization: `Bearer ${region.merchants.sports.api_key}` },
    });
    assert.equal(view.statusCode, 404);
    const list = (
      await p.app.inject({
        method: 'GET',
        url: '/api/v1/merchant/orders',
        headers: { authorization: `Bearer ${region.merchants.sports.api_key}` },
      })
    ).json();
    assert.ok(!list.orders.some((x: { order_id: number }) => x.order_id === o.order_id));
    const anon = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${o.order_id}/transitions`,
      payload: { to: 'accepted' },
    });
    assert.equal(anon.statusCode, 401);
  });
});

describe('order tracking page', () => {
  it('is never stored by a browser or proxy (its receipt and signed link) and sends no referrer', async () => {
    const o = await placeOrder('fr', region.products.oeufs, 1, region.merchants.erabliere);
    const page = await p.app.inject({ url: `/fr/commandes/${o.order_id}?token=${o.access_token}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /class="receipt"/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const cart = await p.app.inject({ url: '/fr/panier' });
    assert.equal(cart.headers['cache-control'], 'no-store');
    assert.equal((await p.app.inject({ url: '/fr' })).headers['cache-control'], 'no-cache');
  });
});

describe('back-office orders page and customer account', () => {
  it('staff see their own orders and move them with plain forms; another merchant’s order is 404', async () => {
    const m = region.merchants.erabliere;
    const PW = 'correct horse battery staple';
    await createUser(db(), {
      email: 'staff-a@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: m.merchant_id }],
    });
    const staff = new Agent(p.app);
    await staff.login('staff-a@example.test', PW);
    const o = await placeOrder('fr', region.products.oeufs, 1, m);
    const other = await placeOrder('fr', region.products.chaussures, 1, region.merchants.sports);
    const page = await staff.get('/fr/marchand/commandes');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`data-order="${o.order_id}"`));
    assert.doesNotMatch(page.body, new RegExp(`data-order="${other.order_id}"`));
    const moved = await staff.submit(
      `/fr/marchand/commandes/${o.order_id}/transitions`,
      { to: 'accepted' },
      '/fr/marchand/commandes',
    );
    assert.equal(moved.statusCode, 303);
    const row = await db()
      .selectFrom('orders')
      .select('status')
      .where('id', '=', o.order_id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'accepted');
    const ev = await db()
      .selectFrom('order_events')
      .select('actor')
      .where('order_id', '=', o.order_id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(ev.actor, /^user:\d+$/);
    const denied = await staff.submit(
      `/fr/marchand/commandes/${other.order_id}/transitions`,
      { to: 'accepted' },
      '/fr/marchand/commandes',
    );
    assert.equal(denied.statusCode, 404);
    const anon = await new Agent(p.app).get('/fr/marchand/commandes');
    assert.equal(anon.statusCode, 303);
  });

  it('the order page shows staff what to prepare: lines, pickup, customer, taxes, history; scoped to the merchant', async () => {
    const m = region.merchants.erabliere;
    const PW = 'correct horse battery staple';
    await createUser(db(), {
      email: 'staff-detail@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: m.merchant_id }],
    });
    const staff = new Agent(p.app);
    await staff.login('staff-detail@example.test', PW);
    const o = await placeOrder('fr', region.products.oeufs, 2, m);
    const other = await placeOrder('en', region.products.chaussures, 1, region.merchants.sports);
    const stored = await db()
      .selectFrom('orders')
      .select(['gst_cents', 'qst_cents', 'total_cents'])
      .where('id', '=', o.order_id)
      .executeTakeFirstOrThrow();
    const line = await db()
      .selectFrom('order_lines')
      .select(['sku', 'title', 'quantity'])
      .where('order_id', '=', o.order_id)
      .executeTakeFirstOrThrow();

    const list = await staff.get('/fr/marchand/commandes');
    assert.match(list.body, new RegExp(`href="/fr/marchand/commandes/${o.order_id}"`));
    const page = await staff.get(`/fr/marchand/commandes/${o.order_id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Articles à préparer/);
    // The line: the product heads its row, each other cell says its column (stacked on phones).
    const row = page.body.slice(page.body.indexOf(`<tr data-line="${line.sku}">`)).split('</tr>')[0];
    assert.ok(row.startsWith(`<tr data-line="${line.sku}"><th scope="row">${line.title}`), row);
    assert.ok(row.includes(`<td data-label="SKU\u202f:">${line.sku}</td>`), row);
    assert.ok(row.includes('<td class="num" data-label="Quantité\u202f:">2</td>'), row);
    assert.equal(line.quantity, 2);
    assert.match(page.body, /Alex Smith/);
    assert.match(page.body, /Cueillette\u202f: /);
    const money = (cents: number) => (cents / 100).toFixed(2).replace('.', ',');
    assert.match(page.body, new RegExp(`data-total="gst"><span class="money">${money(stored.gst_cents)}`));
    assert.match(page.body, new RegExp(`data-total="qst"><span class="money">${money(stored.qst_cents)}`));
    assert.match(
      page.body,
      new RegExp(`data-total="total"><strong><span class="money">${money(stored.total_cents)}`),
    );
    assert.match(page.body, /action="\/fr\/marchand\/commandes\/\d+\/transitions"/);
    assert.match(page.body, /Payer à la cueillette ou à la livraison \(à percevoir\)/);
    const en = await staff.get(`/en/merchant/orders/${o.order_id}`);
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Items to prepare/);

    assert.equal((await staff.get(`/fr/marchand/commandes/${other.order_id}`)).statusCode, 404);
    assert.equal((await staff.get('/fr/marchand/commandes/abc')).statusCode, 404);
    assert.equal((await new Agent(p.app).get(`/fr/marchand/commandes/${o.order_id}`)).statusCode, 303);
  });

  it('a signed-in customer finds their orders (placed with their email) on their account page', async () => {
    const PW = 'correct horse battery staple';
    await createUser(db(), { email: 'alex@example.test', password: PW, verified: true });
    const me = new Agent(p.app);
    await me.login('alex@example.test', PW);
    const account = await me.get('/fr/compte');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Mes commandes/);
    assert.match(account.body, /href="\/fr\/commandes\/\d+\?token=/);
  });
});
