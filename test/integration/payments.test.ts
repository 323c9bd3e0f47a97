import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import {
  connectMerchant,
  deliverEvent,
  type FakeStripe,
  signedEvent,
  startFakeStripe,
} from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

/** A real SMTP receiver. */
const received: { to: string; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, cb) {
    let raw = '';
    stream.on('data', (d) => {
      raw += d;
    });
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
      cb();
    });
  },
});

let p: TestPlatform;
let region: MiniRegion;
const WEBHOOK_SECRET = 'whsec_test_secret';
const CONNECT_SECRET = 'whsec_test_connect';
let fake: FakeStripe;
const calls = () => fake.calls;
const accountOf = new Map<number, string>();

/** A merchant onboarded through the fake, its account enabled by a signed account.updated. */
async function connect(merchantId: number) {
  accountOf.set(merchantId, await connectMerchant(p, fake, merchantId, CONNECT_SECRET));
}

before(async () => {
  fake = await startFakeStripe();
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  p = await createTestPlatform({
    STRIPE_SECRET_KEY: 'sk_test_comptoir',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
    STRIPE_API_BASE: fake.url,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  });
  region = await seedMiniRegion(p.context.database.db);
  await p.context.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
  await connect(region.merchants.erabliere.merchant_id);
  await connect(region.merchants.sports.merchant_id);
});
after(async () => {
  await p?.close();
  await fake?.close();
  await new Promise((r) => smtp.close(() => r(undefined)));
});
const db = () => p.context.database.db;

async function cartWithTwoMerchants() {
  const cart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json();
  const auth = { authorization: `Bearer ${cart.token}` };
  for (const [pid, q] of [
    [region.products.oeufs, 2],
    [region.products.chaussures, 1],
  ])
    assert.equal(
      (
        await p.app.inject({
          method: 'POST',
          url: `/api/v1/carts/${cart.cart_id}/items`,
          headers: auth,
          payload: { product_id: pid, quantity: q },
        })
      ).statusCode,
      201,
    );
  return { cart, auth };
}
const fulfilment = () => ({
  [region.merchants.erabliere.merchant_id]: {
    method: 'pickup',
    location_id: region.merchants.erabliere.location_id,
  },
  [region.merchants.sports.merchant_id]: {
    method: 'pickup',
    location_id: region.merchants.sports.location_id,
  },
});
const reserved = async () =>
  (
    await db()
      .selectFrom('inventory_levels')
      .select(['product_id', 'reserved'])
      .orderBy('product_id')
      .execute()
  ).map((r) => ({ ...r }));

const ledgerOf = (merchantId: number) =>
  db()
    .selectFrom('payment_ledger')
    .select(['kind', 'amount_cents', 'stripe_id'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();

describe('card payments through Stripe Connect (local fake API) and emails over real SMTP', () => {
  it('one PaymentIntent on the platform for the cart, captured after the orders exist, then one transfer per merchant', async () => {
    const { cart, auth } = await cartWithTwoMerchants();
    calls().length = 0;
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout?lang=en`,
      headers: { ...auth, 'idempotency-key': randomUUID() },
      payload: {
        customer: { name: 'Card Payer', email: 'card@example.test' },
        fulfilment: fulfilment(),
        payment: { method: 'card', payment_method: 'pm_card_visa' },
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json();
    const creates = calls().filter((c) => c.path === '/v1/payment_intents');
    assert.equal(creates.length, 1, 'one card authorisation for the whole cart');
    const [create] = creates;
    assert.equal(create.account, undefined, 'on the platform account');
    assert.equal(Number(create.params.amount), res.total_cents, 'charged exactly what the customer saw');
    assert.equal(create.params.capture_method, 'manual');
    assert.equal(create.params.currency, 'cad');
    assert.equal(create.params.transfer_group, `checkout_${res.checkout_id}`);
    assert.equal(create.idempotencyKey, `checkout-${res.checkout_id}-intent`);
    const pi = [...fake.intents.values()].at(-1);
    assert.equal(pi?.status, 'succeeded');
    assert.equal(calls().filter((c) => c.path.endsWith('/capture')).length, 1);
    const transfers = calls().filter((c) => c.path === '/v1/transfers');
    assert.equal(transfers.length, 2);
    for (const o of res.orders) {
      const t = transfers.find((c) => c.params.destination === accountOf.get(o.merchant_id));
      assert.ok(t, `transfer to merchant ${o.merchant_id}`);
      assert.equal(Number(t.params.amount), o.totals.total_cents, 'order total, platform fee 0 %');
      assert.equal(t.params.source_transaction, pi?.latest_charge);
      assert.equal(t.params.transfer_group, `checkout_${res.checkout_id}`);
      assert.deepEqual(
        (await ledgerOf(o.merchant_id)).map((l) => [l.kind, l.amount_cents]),
        [
          ['charge', o.totals.total_cents],
          ['transfer', o.totals.total_cents],
        ],
      );
    }
    const orders = await db()
      .selectFrom('orders')
      .select(['payment_status', 'payment_reference'])
      .where('checkout_id', '=', res.checkout_id)
      .execute();
    assert.ok(orders.every((o) => o.payment_status === 'paid' && o.payment_reference === pi?.id));

    // The confirmation reached a real SMTP server, in English.
    // Sent by the mailer over the network: poll the test SMTP server's inbox.
    const mail = await waitFor(() => received.find((m) => m.to === 'card@example.test'), {
      what: 'the confirmation email',
    }).catch(() => undefined);
    assert.ok(mail, 'confirmation delivered over SMTP');
    assert.match(mail.raw, /Confirmation of your purchase/);
    assert.match(mail.raw, /GST 5%/);
  });

  it('cancelling one card order refunds its part and reverses its transfer; the other merchant keeps its transfer', async () => {
    const order = await db()
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'payment_reference', 'total_cents', 'checkout_id'])
      .where('payment_method', '=', 'card')
      .where('merchant_id', '=', region.merchants.erabliere.merchant_id)
      .executeTakeFirstOrThrow();
    calls().length = 0;
    const cancel = () =>
      p.app.inject({
        method: 'POST',
        url: `/api/v1/merchant/orders/${order.id}/transitions`,
        headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
        payload: { to: 'cancelled', reason: 'out of stock' },
      });
    const r = await cancel();
    assert.equal(r.statusCode, 200, r.body);
    const refund = calls().find((c) => c.path === '/v1/refunds');
    assert.ok(refund);
    assert.equal(refund.params.payment_intent, order.payment_reference);
    assert.equal(Number(refund.params.amount), order.total_cents, 'a partial refund: this order only');
    assert.equal(refund.account, undefined, 'from the platform');
    const reversal = calls().find((c) => /^\/v1\/transfers\/[^/]+\/reversals$/.test(c.path));
    assert.ok(reversal, 'the merchant’s transfer is reversed');
    assert.equal(Number(reversal.params.amount), order.total_cents);
    const after = await db()
      .selectFrom('orders')
      .select('payment_status')
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.payment_status, 'refunded');
    assert.deepEqual(
      (await ledgerOf(order.merchant_id)).map((l) => l.kind),
      ['charge', 'transfer', 'refund', 'reversal'],
    );
    const other = await db()
      .selectFrom('orders')
      .select(['merchant_id', 'payment_status'])
      .where('checkout_id', '=', order.checkout_id)
      .where('id', '!=', order.id)
      .executeTakeFirstOrThrow();
    assert.equal(other.payment_status, 'paid');
    assert.deepEqual(
      (await ledgerOf(other.merchant_id)).map((l) => l.kind),
      ['charge', 'transfer'],
    );
    // A second cancellation attempt is refused and refunds nothing more.
    calls().length = 0;
    assert.notEqual((await cancel()).statusCode, 200);
    assert.equal(calls().filter((c) => c.path === '/v1/refunds').length, 0);
  });

  it('a declined card creates no order, charges nothing and releases the stock', async () => {
    const { cart, auth } = await cartWithTwoMerchants();
    const before = await reserved();
    const ordersBefore = await db().selectFrom('orders').select('id').execute();
    calls().length = 0;
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { ...auth, 'idempotency-key': randomUUID() },
      payload: {
        customer: { name: 'Card Payer', email: 'card@example.test' },
        fulfilment: fulfilment(),
        payment: { method: 'card', payment_method: 'pm_card_chargeDeclined' },
      },
    });
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    assert.equal(r.json().error.message, 'Le paiement par carte a été refusé.');
    assert.equal(calls().filter((c) => c.path === '/v1/payment_intents').length, 1);
    assert.equal(
      calls().filter((c) => c.path.endsWith('/capture')).length,
      0,
      'never a charge without an order',
    );
    assert.equal(calls().filter((c) => c.path === '/v1/transfers').length, 0);
    assert.deepEqual(await reserved(), before);
    assert.equal((await db().selectFrom('orders').select('id').execute()).length, ordersBefore.length);
  });

  it('webhook: signed events update the order; a bad signature is refused', async () => {
    const order = await db()
      .selectFrom('orders')
      .select(['id', 'payment_reference'])
      .where('payment_method', '=', 'card')
      .where('payment_status', '=', 'paid')
      .executeTakeFirstOrThrow();
    const status = async () =>
      (
        await db()
          .selectFrom('orders')
          .select('payment_status')
          .where('id', '=', order.id)
          .executeTakeFirstOrThrow()
      ).payment_status;
    const object = { id: order.payment_reference, object: 'payment_intent' };
    const forged = signedEvent('whsec_wrong', 'payment_intent.payment_failed', object);
    const bad = await deliverEvent(p.app, 'webhook', forged);
    assert.equal(bad.statusCode, 400);
    assert.equal(await status(), 'paid', 'nothing changed');
    const ev = signedEvent(WEBHOOK_SECRET, 'payment_intent.payment_failed', object);
    const ok = await deliverEvent(p.app, 'webhook', ev);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(await status(), 'failed');
    // The same event delivered again (Stripe retries) after the status moved on: no second effect.
    await db().updateTable('orders').set({ payment_status: 'paid' }).where('id', '=', order.id).execute();
    const replay = await deliverEvent(p.app, 'webhook', ev);
    assert.equal(replay.statusCode, 200);
    assert.equal(await status(), 'paid');
  });
});

describe('regional gift card', () => {
  it('pays a checkout from the card balance; cancelling the order gives it back', async () => {
    const { issueGiftCard, setParticipation } = await import('../../src/modules/giftcards/index.ts');
    const card = await issueGiftCard(db(), { paidCents: 5000, status: 'active' });
    await setParticipation(db(), region.merchants.erabliere.merchant_id, true);
    const cart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json();
    const auth = { authorization: `Bearer ${cart.token}` };
    await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: auth,
      payload: { product_id: region.products.oeufs, quantity: 2 },
    });
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { ...auth, 'idempotency-key': randomUUID() },
      payload: {
        customer: { name: 'Gift', email: 'gift@example.test' },
        fulfilment: {
          [region.merchants.erabliere.merchant_id]: {
            method: 'pickup',
            location_id: region.merchants.erabliere.location_id,
          },
        },
        payment: { method: 'gift_card', code: card.code },
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    const order = r.json().orders[0];
    assert.equal(order.totals.total_cents, 1098);
    const balance = async () =>
      (
        await db()
          .selectFrom('gift_cards')
          .select(['paid_balance_cents'])
          .where('id', '=', card.id)
          .executeTakeFirstOrThrow()
      ).paid_balance_cents;
    assert.equal(await balance(), 5000 - 1098);
    const paid = await db()
      .selectFrom('orders')
      .select('payment_status')
      .where('id', '=', order.order_id)
      .executeTakeFirstOrThrow();
    assert.equal(paid.payment_status, 'paid');
    const cancel = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${order.order_id}/transitions`,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: { to: 'cancelled', reason: 'test' },
    });
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.equal(await balance(), 5000);
  });
});
