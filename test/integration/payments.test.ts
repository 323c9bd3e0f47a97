import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import Stripe from 'stripe';
import { setStripeAccount } from '../../src/modules/payments/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

/** A local stand-in for the Stripe API: payment intents on connected accounts. */
interface Call {
  method: string;
  path: string;
  account: string | undefined;
  form: URLSearchParams;
}
const calls: Call[] = [];
let seq = 0;
const intents = new Map<string, { id: string; amount: number; status: string; account?: string }>();
const fake: Server = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => {
    raw += d;
  });
  req.on('end', () => {
    const form = new URLSearchParams(raw);
    const account = req.headers['stripe-account'] as string | undefined;
    const path = (req.url ?? '').split('?')[0];
    calls.push({ method: req.method ?? '', path, account, form });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++seq}` });
      res.end(JSON.stringify(body));
    };
    if (path === '/v1/payment_intents' && req.method === 'POST') {
      const pm = form.get('payment_method') ?? '';
      const nth = calls.filter(
        (c) => c.path === '/v1/payment_intents' && c.form.get('payment_method') === pm,
      ).length;
      if (pm === 'pm_card_declined' || (pm === 'pm_decline_second' && nth === 2))
        return send(402, {
          error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
        });
      const pi = {
        id: `pi_${++seq}`,
        amount: Number(form.get('amount')),
        status: 'requires_capture',
        account,
      };
      intents.set(pi.id, pi);
      return send(200, { object: 'payment_intent', currency: 'cad', ...pi });
    }
    const m = /^\/v1\/payment_intents\/([^/]+)\/(capture|cancel)$/.exec(path);
    const pi = m ? intents.get(m[1]) : undefined;
    if (m && pi) {
      pi.status = m[2] === 'capture' ? 'succeeded' : 'canceled';
      return send(200, { object: 'payment_intent', currency: 'cad', ...pi });
    }
    if (path === '/v1/refunds' && req.method === 'POST')
      return send(200, {
        id: `re_${++seq}`,
        object: 'refund',
        payment_intent: form.get('payment_intent'),
        status: 'succeeded',
        account,
      });
    send(404, { error: { type: 'invalid_request_error', message: 'not found' } });
  });
});

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

before(async () => {
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const stripePort = (fake.address() as AddressInfo).port;
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  p = await createTestPlatform({
    STRIPE_SECRET_KEY: 'sk_test_comptoir',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: `http://127.0.0.1:${stripePort}`,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  });
  region = await seedMiniRegion(p.context.database.db);
  await p.context.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
  await setStripeAccount(p.context.database.db, region.merchants.erabliere.merchant_id, 'acct_erabliere');
  await setStripeAccount(p.context.database.db, region.merchants.sports.merchant_id, 'acct_sports');
});
after(async () => {
  await p?.close();
  await new Promise((r) => fake.close(r));
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

describe('card payments through Stripe (local fake API) and emails over real SMTP', () => {
  it('authorizes one PaymentIntent per merchant on its connected account, captures after the orders exist', async () => {
    const { cart, auth } = await cartWithTwoMerchants();
    calls.length = 0;
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
    const creates = calls.filter((c) => c.path === '/v1/payment_intents');
    assert.equal(creates.length, 2);
    for (const o of res.orders) {
      const account =
        o.merchant_id === region.merchants.erabliere.merchant_id ? 'acct_erabliere' : 'acct_sports';
      const call = creates.find((c) => c.account === account);
      assert.ok(call, `intent on ${account}`);
      assert.equal(
        Number(call.form.get('amount')),
        o.totals.total_cents,
        'charged exactly what the customer saw',
      );
      assert.equal(call.form.get('capture_method'), 'manual');
      assert.equal(call.form.get('currency'), 'cad');
    }
    assert.equal(calls.filter((c) => c.path.endsWith('/capture')).length, 2);
    const orders = await db()
      .selectFrom('orders')
      .select(['payment_status', 'payment_reference'])
      .where('checkout_id', '=', res.checkout_id)
      .execute();
    assert.ok(orders.every((o) => o.payment_status === 'paid' && o.payment_reference?.startsWith('pi_')));

    // The confirmation reached a real SMTP server, in English.
    // Sent by the mailer over the network: poll the test SMTP server's inbox.
    const mail = await waitFor(() => received.find((m) => m.to === 'card@example.test'), {
      what: 'the confirmation email',
    }).catch(() => undefined);
    assert.ok(mail, 'confirmation delivered over SMTP');
    assert.match(mail.raw, /Confirmation of your purchase/);
    assert.match(mail.raw, /GST 5%/);
  });

  it('cancelling a card order refunds its payment on the merchant’s account', async () => {
    const order = await db()
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'payment_reference'])
      .where('payment_method', '=', 'card')
      .where('merchant_id', '=', region.merchants.erabliere.merchant_id)
      .executeTakeFirstOrThrow();
    calls.length = 0;
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${order.id}/transitions`,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: { to: 'cancelled', reason: 'out of stock' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const refund = calls.find((c) => c.path === '/v1/refunds');
    assert.ok(refund);
    assert.equal(refund.form.get('payment_intent'), order.payment_reference);
    assert.equal(refund.account, 'acct_erabliere');
    const after = await db()
      .selectFrom('orders')
      .select('payment_status')
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.payment_status, 'refunded');
  });

  it('a decline at the second merchant voids the first authorization, releases the stock and creates no order', async () => {
    const { cart, auth } = await cartWithTwoMerchants();
    const before = await reserved();
    const ordersBefore = await db().selectFrom('orders').select('id').execute();
    calls.length = 0;
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { ...auth, 'idempotency-key': randomUUID() },
      payload: {
        customer: { name: 'Card Payer', email: 'card@example.test' },
        fulfilment: fulfilment(),
        payment: { method: 'card', payment_method: 'pm_decline_second' },
      },
    });
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    const created = calls.filter((c) => c.path === '/v1/payment_intents');
    assert.equal(created.length, 2, 'the first merchant authorized, the second declined');
    assert.equal(
      calls.filter((c) => c.path.endsWith('/cancel')).length,
      1,
      'the first authorization is voided',
    );
    assert.equal(
      calls.filter((c) => c.path.endsWith('/capture')).length,
      0,
      'never a charge without an order',
    );
    assert.deepEqual(await reserved(), before);
    assert.equal((await db().selectFrom('orders').select('id').execute()).length, ordersBefore.length);
  });

  it('webhook: signed events update the order; a bad signature is refused', async () => {
    const order = await db()
      .selectFrom('orders')
      .select(['id', 'payment_reference'])
      .where('payment_method', '=', 'card')
      .executeTakeFirstOrThrow();
    const payload = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'payment_intent.payment_failed',
      data: { object: { id: order.payment_reference, object: 'payment_intent' } },
    });
    const stripe = new Stripe('sk_test_comptoir');
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const ok = await p.app.inject({
      method: 'POST',
      url: '/api/v1/stripe/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      payload,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const after = await db()
      .selectFrom('orders')
      .select('payment_status')
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.payment_status, 'failed');
    const forged = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' });
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/stripe/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': forged },
      payload,
    });
    assert.equal(bad.statusCode, 400);
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
