// Card checkout robustness (issue 15) against the local fake Stripe API, on SQLite and PostgreSQL:
// 3-D Secure by server-side confirmation (402 payment_action_required, the customer answers the
// challenge, the checkout resubmitted with the intent), a failed challenge, an intent of another
// cart, and late PaymentIntent events after a cancelled and refunded order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { stripeClient } from '../../src/modules/payments/index.ts';
import {
  connectMerchant,
  deliverEvent,
  type FakeStripe,
  signedEvent,
  startFakeStripe,
} from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const WEBHOOK_SECRET = 'whsec_3ds_platform';
const CONNECT_SECRET = 'whsec_3ds_connect';
let p: TestPlatform;
let region: MiniRegion;
let fake: FakeStripe;
const db = () => p.context.database.db;

before(async () => {
  fake = await startFakeStripe();
  p = await createTestPlatform({
    STRIPE_SECRET_KEY: 'sk_test_comptoir',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
    STRIPE_API_BASE: fake.url,
  });
  region = await seedMiniRegion(db());
  await db().updateTable('merchants').set({ status: 'approved' }).execute();
  for (const m of [region.merchants.erabliere.merchant_id, region.merchants.sports.merchant_id])
    await connectMerchant(p, fake, m, CONNECT_SECRET);
});
after(async () => {
  await p?.close();
  await fake?.close();
});

async function cart() {
  const c = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json();
  const auth = { authorization: `Bearer ${c.token}` };
  for (const [pid, q] of [
    [region.products.oeufs, 1],
    [region.products.chaussures, 1],
  ]) {
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${c.cart_id}/items`,
      headers: auth,
      payload: { product_id: pid, quantity: q },
    });
    assert.equal(r.statusCode, 201, r.body);
  }
  return { id: c.cart_id as number, auth };
}

const checkoutBody = (payment: Record<string, string>) => ({
  customer: { name: 'Trois D', email: '3ds@example.test' },
  fulfilment: {
    [region.merchants.erabliere.merchant_id]: {
      method: 'pickup',
      location_id: region.merchants.erabliere.location_id,
    },
    [region.merchants.sports.merchant_id]: {
      method: 'pickup',
      location_id: region.merchants.sports.location_id,
    },
  },
  payment: { method: 'card', ...payment },
});

const post = (
  c: { id: number; auth: Record<string, string> },
  key: string,
  payment: Record<string, string>,
) =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/carts/${c.id}/checkout`,
    headers: { ...c.auth, 'idempotency-key': key },
    payload: checkoutBody(payment),
  });

const reserved = async () =>
  (
    await db()
      .selectFrom('inventory_levels')
      .select(['product_id', 'reserved'])
      .orderBy('product_id')
      .execute()
  ).map((r) => ({ ...r }));
const orderCount = async () => (await db().selectFrom('orders').select('id').execute()).length;
const captures = () => fake.calls.filter((c) => c.path.endsWith('/capture')).length;

describe('3-D Secure at checkout (server-side confirmation, then handleNextAction)', () => {
  it('a card asking for authentication: 402 with the client secret, nothing reserved; after the challenge the resubmitted checkout confirms the orders, once', async () => {
    const c = await cart();
    const stockBefore = await reserved();
    const ordersBefore = await orderCount();
    const first = await post(c, randomUUID(), { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(first.statusCode, 402, first.body);
    const e = first.json().error;
    assert.equal(e.code, 'payment_action_required');
    assert.match(e.message, /3-D Secure/);
    const pi = fake.intents.get(e.details.payment_intent);
    assert.ok(pi, 'the intent exists at Stripe');
    assert.equal(pi.status, 'requires_action', 'left open for the challenge, not voided');
    assert.equal(e.details.client_secret, pi.client_secret);
    assert.equal((pi.metadata as Record<string, string>).cart_id, String(c.id));
    assert.deepEqual(await reserved(), stockBefore, 'nothing held while the customer answers the bank');
    assert.equal(await orderCount(), ordersBefore);

    fake.authenticate(pi.id, true);
    assert.equal(pi.status, 'requires_capture');
    const capturesBefore = captures();
    const key = randomUUID();
    const done = await post(c, key, { payment_intent: pi.id });
    assert.equal(done.statusCode, 201, done.body);
    const res = done.json();
    assert.equal(
      fake.calls.filter((x) => x.path === '/v1/payment_intents').length,
      fake.intents.size,
      'no second intent created for the resubmission',
    );
    assert.equal(pi.status, 'succeeded');
    assert.equal(captures(), capturesBefore + 1);
    assert.equal((pi.metadata as Record<string, string>).checkout_id, String(res.checkout_id));
    assert.equal((pi.metadata as Record<string, string>).claimed_by, String(res.checkout_id), 'claimed once');
    const orders = await db()
      .selectFrom('orders')
      .select(['payment_status', 'payment_reference', 'total_cents'])
      .where('checkout_id', '=', res.checkout_id)
      .execute();
    assert.equal(orders.length, 2);
    assert.ok(orders.every((o) => o.payment_status === 'paid' && o.payment_reference === pi.id));
    assert.equal(
      orders.reduce((s, o) => s + o.total_cents, 0),
      pi.amount,
    );
    const transfers = [...fake.transfers.values()].filter((t) => t.source_transaction === pi.latest_charge);
    assert.equal(transfers.length, 2);

    // The same submission again (double click, retry): the same answer, nothing captured twice.
    const again = await post(c, key, { payment_intent: pi.id });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().checkout_id, res.checkout_id);
    assert.equal(captures(), capturesBefore + 1);
    // Under another key (the cart is now empty): refused, and the captured intent is untouched.
    const other = await post(c, randomUUID(), { payment_intent: pi.id });
    assert.notEqual(other.statusCode, 201);
    assert.equal(pi.status, 'succeeded');
    assert.equal(await orderCount(), ordersBefore + 2);
  });

  it('a failed challenge: the intent is voided, the customer told, no order and nothing reserved', async () => {
    const c = await cart();
    const stockBefore = await reserved();
    const ordersBefore = await orderCount();
    const first = await post(c, randomUUID(), { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(first.statusCode, 402, first.body);
    const piId = first.json().error.details.payment_intent as string;
    fake.authenticate(piId, false);
    const capturesBefore = captures();
    const r = await post(c, randomUUID(), { payment_intent: piId });
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    assert.match(r.json().error.message, /3-D Secure/);
    assert.equal(fake.intents.get(piId)?.status, 'canceled');
    assert.equal(captures(), capturesBefore);
    assert.deepEqual(await reserved(), stockBefore);
    assert.equal(await orderCount(), ordersBefore);
    // The cart is still there: paying with another card works.
    const retry = await post(c, randomUUID(), { payment_method: 'pm_card_visa' });
    assert.equal(retry.statusCode, 201, retry.body);
  });

  it('an intent made for another cart is refused and left alone; a refused resubmission releases its own intent', async () => {
    const mine = await cart();
    const theirs = await cart();
    const a = await post(theirs, randomUUID(), { payment_method: 'pm_card_authenticationRequired' });
    const theirPi = a.json().error.details.payment_intent as string;
    fake.authenticate(theirPi, true);
    const ordersBefore = await orderCount();
    const r = await post(mine, randomUUID(), { payment_intent: theirPi });
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(
      r.json().error.message,
      'Ce paiement par carte ne correspond pas à ce panier : saisissez de nouveau votre carte. Aucun montant n’a été prélevé.',
    );
    assert.equal(
      fake.intents.get(theirPi)?.status,
      'requires_capture',
      'another cart’s authorisation untouched',
    );
    assert.equal(await orderCount(), ordersBefore);

    // Their own resubmission refused before authorisation (an unknown pickup location): released.
    const bad = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${theirs.id}/checkout`,
      headers: { ...theirs.auth, 'idempotency-key': randomUUID() },
      payload: {
        ...checkoutBody({ payment_intent: theirPi }),
        fulfilment: {
          [region.merchants.erabliere.merchant_id]: { method: 'pickup', location_id: 999999 },
          [region.merchants.sports.merchant_id]: {
            method: 'pickup',
            location_id: region.merchants.sports.location_id,
          },
        },
      },
    });
    assert.ok(bad.statusCode >= 400 && bad.statusCode < 500, bad.body);
    assert.equal(fake.intents.get(theirPi)?.status, 'canceled', 'nothing left held on the card');
    assert.equal(await orderCount(), ordersBefore);
  });
});

describe('the shared Stripe client', () => {
  it('is built once per configuration: the refund of a cancelled order reuses the platform’s client', () => {
    const config = p.context.config;
    assert.ok(stripeClient(config));
    assert.equal(stripeClient(config), stripeClient(config));
    assert.notEqual(
      stripeClient({ ...config }),
      stripeClient(config),
      'another configuration, another client',
    );
    assert.equal(stripeClient({ ...config, STRIPE_SECRET_KEY: undefined }), undefined);
  });
});

describe('late PaymentIntent events never re-mark a cancelled, refunded order', () => {
  it('payment_intent.succeeded and amount_capturable_updated after cancellation and refund change nothing', async () => {
    const c = await cart();
    const r = await post(c, randomUUID(), { payment_method: 'pm_card_visa' });
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json();
    const cancelled = res.orders.find(
      (o: { merchant_id: number }) => o.merchant_id === region.merchants.erabliere.merchant_id,
    );
    const t = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${cancelled.order_id}/transitions`,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: { to: 'cancelled', reason: 'rupture' },
    });
    assert.equal(t.statusCode, 200, t.body);
    const snapshot = async () => ({
      orders: await db()
        .selectFrom('orders')
        .select(['id', 'status', 'payment_status'])
        .where('checkout_id', '=', res.checkout_id)
        .orderBy('id')
        .execute(),
      ledger: await db()
        .selectFrom('payment_ledger')
        .select(['merchant_id', 'kind', 'amount_cents', 'stripe_id'])
        .where('checkout_id', '=', res.checkout_id)
        .orderBy('id')
        .execute(),
    });
    const before = await snapshot();
    assert.deepEqual(
      before.orders.map((o) => [o.status, o.payment_status]),
      res.orders.map((o: { order_id: number }) =>
        o.order_id === cancelled.order_id ? ['cancelled', 'refunded'] : ['placed', 'paid'],
      ),
    );
    const pi = fake.intents.get(
      String(
        (
          await db()
            .selectFrom('orders')
            .select('payment_reference')
            .where('id', '=', cancelled.order_id)
            .executeTakeFirstOrThrow()
        ).payment_reference,
      ),
    );
    assert.ok(pi);
    // Stripe's events, delivered late (created before the cancellation), signed, each once.
    for (const type of ['payment_intent.amount_capturable_updated', 'payment_intent.succeeded']) {
      const ev = signedEvent(
        WEBHOOK_SECRET,
        type,
        { ...pi, status: type.endsWith('succeeded') ? 'succeeded' : 'requires_capture' },
        {
          created: Math.floor(Date.now() / 1000) - 60,
        },
      );
      const d = await deliverEvent(p.app, 'webhook', ev);
      assert.equal(d.statusCode, 200, d.body);
    }
    assert.deepEqual(await snapshot(), before, 'order statuses and ledger unchanged');
  });
});
