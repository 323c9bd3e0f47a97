import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setLocationFulfilment } from '../../src/modules/merchants/index.ts';
import { expireCheckouts } from '../../src/workflows/checkout/index.ts';
import { checkoutDeps } from '../../src/workflows/deps.ts';
import type { ApiCart } from '../helpers/factories.ts';
import * as factories from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let region: MiniRegion;

before(async () => {
  p = await createTestPlatform();
  region = await seedMiniRegion(p.context.database.db);
  await factories.approveMerchants(p.context.database.db, region);
  await p.context.database.db
    .updateTable('merchants')
    .set({ email: 'commandes@erabliere.example' })
    .where('id', '=', region.merchants.erabliere.merchant_id)
    .execute();
});
after(async () => {
  await p?.close();
});

const db = () => p.context.database.db;

const newCart = () => factories.newCart(p.app);
const add = (cart: ApiCart, product_id: number, quantity: number, location_id?: number) =>
  factories.addToCart(p.app, cart, product_id, quantity, location_id);
const body = factories.checkoutBody;
const doCheckout = (cart: ApiCart, payload: unknown, key = randomUUID(), lang = 'fr') =>
  factories.checkoutCart(p.app, cart, payload, { idempotencyKey: key, lang });
async function level(product_id: number) {
  return db()
    .selectFrom('inventory_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', product_id)
    .executeTakeFirstOrThrow();
}
const pickupAll = () => ({
  [region.merchants.erabliere.merchant_id]: {
    method: 'pickup',
    location_id: region.merchants.erabliere.location_id,
  },
  [region.merchants.sports.merchant_id]: {
    method: 'pickup',
    location_id: region.merchants.sports.location_id,
  },
});

describe('cart', () => {
  it('groups items by merchant with live availability, taxes and fulfilment options', async () => {
    const cart = await newCart();
    assert.equal((await add(cart, region.products.sirop, 2)).statusCode, 201);
    assert.equal((await add(cart, region.products.chaussures, 1)).statusCode, 201);
    assert.equal((await add(cart, region.products.sirop, 1)).statusCode, 201); // merged: 3
    const r = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${cart.cart_id}`,
      headers: { authorization: `Bearer ${cart.token}` },
    });
    assert.equal(r.statusCode, 200);
    const v = r.json();
    assert.equal(v.groups.length, 2);
    const erab = v.groups.find(
      (g: { merchant: { id: number } }) => g.merchant.id === region.merchants.erabliere.merchant_id,
    );
    assert.equal(erab.items.length, 1);
    assert.equal(erab.items[0].quantity, 3);
    assert.equal(erab.items[0].available, 12);
    assert.equal(erab.subtotal_cents, 3 * 1299);
    assert.equal(erab.gst_cents, 0); // zero-rated syrup
    const pickup = erab.fulfilment_options.find((o: { method: string }) => o.method === 'pickup');
    assert.ok(pickup.hours.mon);
    const delivery = erab.fulfilment_options.find((o: { method: string }) => o.method === 'delivery');
    assert.equal(delivery.fee_cents, 500);
    const sports = v.groups.find(
      (g: { merchant: { id: number } }) => g.merchant.id === region.merchants.sports.merchant_id,
    );
    assert.equal(sports.gst_cents, 650); // 129.99 × 5% = 6.4995 -> 6.50
    assert.equal(sports.qst_cents, 1297); // 129.99 × 9.975% = 12.966 -> 12.97
    assert.equal(v.total_cents, 3 * 1299 + 12999 + 650 + 1297);
    // Cookie works as well as Bearer; another token sees nothing.
    const viaCookie = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${cart.cart_id}`,
      cookies: { cart_token: cart.token },
    });
    assert.equal(viaCookie.statusCode, 200);
    const other = await newCart();
    const denied = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${cart.cart_id}`,
      headers: { authorization: `Bearer ${other.token}` },
    });
    assert.equal(denied.statusCode, 404);
    // Quantity change and removal.
    const itemId = erab.items[0].item_id;
    const patched = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/carts/${cart.cart_id}/items/${itemId}`,
      headers: { authorization: `Bearer ${cart.token}` },
      payload: { quantity: 5 },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().quantity, 5);
    const del = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/carts/${cart.cart_id}/items/${itemId}`,
      headers: { authorization: `Bearer ${cart.token}` },
    });
    assert.equal(del.statusCode, 204);
    const after = (
      await p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${cart.cart_id}`,
        headers: { authorization: `Bearer ${cart.token}` },
      })
    ).json();
    assert.equal(after.groups.length, 1);
  });

  it('refuses bad input at the field: quantity 0 or 10,000, unknown product, more than available', async () => {
    const cart = await newCart();
    for (const q of [0, 10_000]) {
      const r = await add(cart, region.products.sirop, q);
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error.details.fields[0].field, 'quantity');
    }
    const unknown = await add(cart, 999_999, 1);
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.details.fields[0].field, 'product_id');
    const tooMany = await add(cart, region.products.chaussures, 5);
    assert.equal(tooMany.statusCode, 409);
    assert.equal(tooMany.json().error.code, 'out_of_stock');
    const none = await add(cart, region.products.velo, 1);
    assert.equal(none.statusCode, 409);
    assert.equal((await level(region.products.chaussures)).reserved, 0);
  });
});

describe('checkout', () => {
  it('splits into one order per merchant, reserves stock, totals match the cart, sends emails', async () => {
    const cart = await newCart();
    await add(cart, region.products.sirop, 3);
    await add(cart, region.products.chaussures, 2);
    const seen = (
      await p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${cart.cart_id}`,
        headers: { authorization: `Bearer ${cart.token}` },
      })
    ).json();
    const before = await level(region.products.sirop);
    const r = await doCheckout(cart, body(pickupAll()));
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json();
    assert.equal(res.orders.length, 2);
    assert.equal(res.total_cents, seen.total_cents);
    for (const o of res.orders) {
      const g = seen.groups.find((x: { merchant: { id: number } }) => x.merchant.id === o.merchant_id);
      assert.equal(o.totals.total_cents, g.total_cents);
      assert.equal(o.status, 'placed');
    }
    const afterLevel = await level(region.products.sirop);
    assert.equal(afterLevel.reserved, before.reserved + 3);
    // Cart emptied.
    const emptied = (
      await p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${cart.cart_id}`,
        headers: { authorization: `Bearer ${cart.token}` },
      })
    ).json();
    assert.equal(emptied.groups.length, 0);
    // Order API with its access token: history.
    const o = res.orders[0];
    const got = await p.app.inject({
      method: 'GET',
      url: `/api/v1/orders/${o.order_id}`,
      headers: { authorization: `Bearer ${o.access_token}` },
    });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().history[0].status, 'placed');
    const bad = await p.app.inject({
      method: 'GET',
      url: `/api/v1/orders/${o.order_id}`,
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(bad.statusCode, 404);
    // Emails: customer confirmation in French with each tax; merchant new-order email.
    const mails = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_confirmation')
      .execute();
    const mail = mails.find((m) => m.subject.includes(String(res.checkout_id)));
    assert.ok(mail);
    // Érablière: $38.97 >= $30 -> its GST/QST registration numbers; < $150 -> no purchaser name.
    assert.match(mail.text_body, /TPS 5 % \(123456789RT0001\): 0,00\u00a0\$/);
    assert.match(mail.text_body, /TVQ 9,975 % \(1234567890TQ0001\): 0,00\u00a0\$/);
    // Sports Chelsea: 2 × 129.99 = 259.98 + GST 13.00 + QST 25.93 -> purchaser name shown.
    assert.match(mail.text_body, /Fournisseur: Sports Chelsea/);
    assert.match(mail.text_body, /TPS 5 %: 13,00\u00a0\$/);
    assert.match(mail.text_body, /TVQ 9,975 %: 25,93\u00a0\$/);
    assert.match(mail.text_body, /Total: 298,91\u00a0\$/);
    assert.equal(mail.text_body.match(/Acheteur: Marie Tremblay/g)?.length, 1);
    const merchantMail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'merchant_new_order')
      .execute();
    assert.ok(
      merchantMail.some(
        (m) => m.to_address === 'commandes@erabliere.example' && m.subject.startsWith('Nouvelle commande'),
      ),
    );
  });

  it('Idempotency-Key: a replay returns the same body and creates nothing; another body is 422', async () => {
    const cart = await newCart();
    await add(cart, region.products.oeufs, 1);
    const key = randomUUID();
    const f = {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    };
    const countBefore = await db()
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const [a, b] = await Promise.all([doCheckout(cart, body(f), key), doCheckout(cart, body(f), key)]);
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(b.statusCode, 201, b.body);
    assert.deepEqual(a.json(), b.json());
    const c = await doCheckout(cart, body(f), key);
    assert.deepEqual(c.json(), a.json());
    const countAfter = await db()
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(countAfter.n), Number(countBefore.n) + 1);
    const reused = await doCheckout(
      cart,
      body(f, { customer: { name: 'Autre', email: 'autre@example.test' } }),
      key,
    );
    assert.equal(reused.statusCode, 422);
    assert.equal(reused.json().error.code, 'idempotency_key_reused');
    const missing = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { authorization: `Bearer ${cart.token}` },
      payload: body(f),
    });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'idempotency_key_required');
  });

  it('delivery: inside a zone adds its fee (untaxed for zero-rated goods); outside is refused at the field, nothing reserved', async () => {
    const cart = await newCart();
    await add(cart, region.products.oeufs, 2);
    const mid = region.merchants.erabliere.merchant_id;
    await setLocationFulfilment(db(), mid, region.merchants.erabliere.location_id, {
      pickup: { enabled: true },
      delivery: { enabled: true, zones: [{ towns: ['Aylmer'], fee_cents: 500 }] },
    });
    const before = await level(region.products.oeufs);
    const far = await doCheckout(
      cart,
      body({
        [mid]: {
          method: 'delivery',
          address: { line1: '1 rue Loin', city: 'Mont-Laurier', postal_code: 'J9L 1A1' },
        },
      }),
    );
    assert.equal(far.statusCode, 422);
    assert.equal(far.json().error.details.fields[0].field, `fulfilment.${mid}.address`);
    assert.deepEqual(await level(region.products.oeufs), before);
    const missing = await doCheckout(cart, { fulfilment: {} });
    assert.equal(missing.statusCode, 400);
    assert.ok(
      missing.json().error.details.fields.some((f: { field: string }) => f.field.startsWith('customer')),
    );
    const noChoice = await doCheckout(cart, body({}));
    assert.equal(noChoice.statusCode, 400);
    assert.equal(noChoice.json().error.details.fields[0].field, `fulfilment.${mid}`);
    const near = await doCheckout(
      cart,
      body({
        [mid]: {
          method: 'delivery',
          address: { line1: '10 rue Proche', city: 'aylmer', postal_code: 'j9h5e1' },
        },
      }),
    );
    assert.equal(near.statusCode, 201, near.body);
    const t = near.json().orders[0].totals;
    assert.deepEqual(t, {
      subtotal_cents: 1098,
      delivery_fee_cents: 500,
      gst_cents: 0,
      qst_cents: 0,
      total_cents: 1598,
    });
  });

  it('gift card payment for a merchant that does not take it is a clear payment error; nothing stays reserved', async () => {
    const cart = await newCart();
    await add(cart, region.products.oeufs, 1);
    const before = await level(region.products.oeufs);
    const f = {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    };
    const r = await doCheckout(cart, body(f, { payment: { method: 'gift_card' } }));
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'payment_method_unavailable');
    const card = await doCheckout(
      cart,
      body(f, { payment: { method: 'card', payment_method: 'pm_card_visa' } }),
    );
    assert.equal(card.statusCode, 400);
    assert.equal(card.json().error.code, 'payment_method_unavailable');
    const bogus = await doCheckout(
      cart,
      body(f, { payment: { method: 'gift_card', code: 'AAAA-BBBB-CCCC-DDDD' } }),
    );
    assert.equal(bogus.statusCode, 402);
    assert.deepEqual(await level(region.products.oeufs), before);
  });

  it('oversell never happens: 50 concurrent checkouts for the last unit -> exactly one order', async () => {
    const pid = region.products.tire; // on_hand 1
    const carts = [];
    for (let i = 0; i < 50; i++) {
      const c = await newCart();
      assert.equal((await add(c, pid, 1)).statusCode, 201);
      carts.push(c);
    }
    const f = {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    };
    const results = await Promise.all(carts.map((c) => doCheckout(c, body(f))));
    const ok = results.filter((r) => r.statusCode === 201);
    const refused = results.filter((r) => r.statusCode === 409);
    assert.equal(ok.length, 1);
    assert.equal(refused.length, 49);
    for (const r of refused) assert.equal(r.json().error.code, 'out_of_stock');
    const lvl = await level(pid);
    assert.equal(lvl.on_hand - lvl.reserved, 0);
    const lines = await db()
      .selectFrom('order_lines')
      .select('order_id')
      .where('product_id', '=', pid)
      .execute();
    assert.equal(lines.length, 1);
    const held = await db()
      .selectFrom('reservations')
      .select('id')
      .where('product_id', '=', pid)
      .where('status', '=', 'held')
      .execute();
    assert.equal(held.length, 0);
  });

  it('two lines of the same SKU are counted together; the refusal names the short line', async () => {
    const pid = region.products.siropChelsea; // on_hand 3
    const a = await newCart();
    const b = await newCart();
    await add(a, pid, 2);
    await add(b, pid, 2);
    const f = {
      [region.merchants.sports.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.sports.location_id,
      },
    };
    assert.equal((await doCheckout(a, body(f))).statusCode, 201);
    const r = await doCheckout(b, body(f));
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.details.lines[0].product_id, pid);
    assert.equal(r.json().error.details.lines[0].available, 1);
  });

  it('the sweeper returns the stock of abandoned checkouts', async () => {
    const pid = region.products.oeufs;
    const before = await level(pid);
    // An abandoned checkout: reserved, never confirmed (as after a crash between steps).
    const cart = await newCart();
    const ck = await db()
      .insertInto('checkouts')
      .values({
        cart_id: cart.cart_id,
        idempotency_key: 'abandoned',
        status: 'reserved',
        payment_method: 'in_store',
        customer_json: '{}',
        total_cents: 0,
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('reservations')
      .values({
        checkout_id: ck.id,
        product_id: pid,
        location_id: region.merchants.erabliere.location_id,
        quantity: 3,
      })
      .execute();
    await db()
      .updateTable('inventory_levels')
      .set((eb) => ({ reserved: eb('reserved', '+', 3) }))
      .where('product_id', '=', pid)
      .execute();
    assert.equal(await expireCheckouts(checkoutDeps(p.context)), 0); // not expired yet
    assert.equal(await expireCheckouts(checkoutDeps(p.context), new Date(Date.now() + 3_600_000)), 1);
    assert.deepEqual(await level(pid), before);
    const c = await db()
      .selectFrom('checkouts')
      .select('status')
      .where('id', '=', ck.id)
      .executeTakeFirstOrThrow();
    assert.equal(c.status, 'expired');
  });

  it('a total that changed since the customer saw it (price update) is refused; nothing reserved, no order', async () => {
    const cart = await newCart();
    await add(cart, region.products.oeufs, 1);
    const seen = (
      await p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${cart.cart_id}`,
        headers: { authorization: `Bearer ${cart.token}` },
      })
    ).json();
    await db()
      .updateTable('products')
      .set({ price_cents: 599 })
      .where('id', '=', region.products.oeufs)
      .execute();
    const before = await level(region.products.oeufs);
    const f = {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    };
    const r = await doCheckout(cart, body(f, { expected_total_cents: seen.total_cents }));
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.details.total_cents, 599);
    assert.deepEqual({ ...(await level(region.products.oeufs)) }, { ...before });
    const ok = await doCheckout(cart, body(f, { expected_total_cents: 599 }));
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().total_cents, 599);
    await db()
      .updateTable('products')
      .set({ price_cents: 549 })
      .where('id', '=', region.products.oeufs)
      .execute();
  });

  it('concurrent multi-line checkouts touching the same rows in opposite orders never deadlock (no 500)', async () => {
    const a = region.products.sirop;
    const b = region.products.oeufs;
    const f = {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    };
    const carts = [];
    for (let i = 0; i < 16; i++) {
      const c = await newCart();
      for (const pid of i % 2 ? [a, b] : [b, a]) assert.equal((await add(c, pid, 1)).statusCode, 201);
      carts.push(c);
    }
    const before = { a: await level(a), b: await level(b) };
    const results = await Promise.all(carts.map((c) => doCheckout(c, body(f))));
    for (const r of results)
      assert.ok(r.statusCode === 201 || r.statusCode === 409, `${r.statusCode} ${r.body}`);
    const ok = results.filter((r) => r.statusCode === 201).length;
    assert.equal((await level(a)).reserved, before.a.reserved + ok);
    assert.equal((await level(b)).reserved, before.b.reserved + ok);
  });
});
