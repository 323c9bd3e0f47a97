// Stripe slow on a card checkout's authorisation (issue 15), against the local fake Stripe API, on
// SQLite and PostgreSQL. The client gives up (STRIPE_TIMEOUT_MS) while Stripe still creates the
// PaymentIntent: the shopper gets a clear translated error, no order exists, the cart is intact, and
// the authorisation Stripe made late is cancelled, at once when Stripe has finished by the replay of
// the keyed create, or by the settlement run when Stripe was still busy; a retry then pays once.
// Stripe unreachable (connection cut) is covered by stripe-connect.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { runSettlement, stripeClient } from '../../src/modules/payments/index.ts';
import { rowCount } from '../helpers/db.ts';
import { type ApiCart, cartWith, checkoutBody, checkoutCart, pickupAt } from '../helpers/factories.ts';
import { connectMerchant, type FakeStripe, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const CONNECT_SECRET = 'whsec_slow_connect';
const TIMEOUT_MS = 500;
const CREATE = '/v1/payment_intents';

describe('STRIPE_TIMEOUT_MS', () => {
  it('defaults to 10 s; a value out of 100–120000 ms or not a whole number stops the start', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).STRIPE_TIMEOUT_MS, 10_000);
    assert.equal(loadConfig({ NODE_ENV: 'test', STRIPE_TIMEOUT_MS: '2500' }).STRIPE_TIMEOUT_MS, 2500);
    for (const bad of ['50', '120001', '1.5', 'soon'])
      assert.throws(
        () => loadConfig({ NODE_ENV: 'test', STRIPE_TIMEOUT_MS: bad }),
        (e: unknown) => e instanceof ConfigError && /STRIPE_TIMEOUT_MS/.test(e.message),
        bad,
      );
  });
});

describe('Stripe slow on the card authorisation', () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let region: MiniRegion;
  const db = () => p.context.database.db;
  const stripe = () => stripeClient(p.context.config);

  before(async () => {
    fake = await startFakeStripe();
    p = await createTestPlatform({
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: 'whsec_slow_platform',
      STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      STRIPE_API_BASE: fake.url,
      STRIPE_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await db().updateTable('inventory_levels').set({ on_hand: 100 }).execute();
    for (const m of [region.merchants.erabliere.merchant_id, region.merchants.sports.merchant_id])
      await connectMerchant(p, fake, m, CONNECT_SECRET);
  });
  after(async () => {
    await p?.close();
    await fake?.close();
  });

  const twoMerchantCart = () =>
    cartWith(p.app, [
      [region.products.oeufs, 2],
      [region.products.chaussures, 1],
    ]);
  const cardBody = () =>
    checkoutBody(pickupAt(region.merchants.erabliere, region.merchants.sports), {
      payment: { method: 'card', payment_method: 'pm_card_visa' },
    });
  const intentsOf = (cart: ApiCart) =>
    [...fake.intents.values()].filter(
      (pi) => (pi.metadata as Record<string, string>).cart_id === String(cart.cart_id),
    );
  const cartLines = async (cart: ApiCart) =>
    (
      await db()
        .selectFrom('cart_items')
        .select(['product_id', 'quantity'])
        .where('cart_id', '=', cart.cart_id)
        .orderBy('product_id')
        .execute()
    ).map((l) => [Number(l.product_id), Number(l.quantity)]);
  const creates = (key: string) =>
    fake.calls.filter((c) => c.method === 'POST' && c.path === CREATE && c.idempotencyKey === key).length;
  const unknownRow = (key: string) =>
    db()
      .selectFrom('payment_unknown_intents')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  const failedCheckoutOf = (cart: ApiCart) =>
    db()
      .selectFrom('checkouts')
      .selectAll()
      .where('cart_id', '=', cart.cart_id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();

  /** Retries the checkout with Stripe back to normal: 201 and exactly one captured intent, the late one cancelled. */
  async function retrySucceeds(cart: ApiCart, lateId: string) {
    fake.slow.clear();
    const retry = await checkoutCart(p.app, cart, cardBody());
    assert.equal(retry.statusCode, 201, retry.body);
    const intents = intentsOf(cart);
    assert.deepEqual(
      intents.map((pi) => [pi.id, pi.status]).sort(),
      [
        [lateId, 'canceled'],
        [intents.find((pi) => pi.id !== lateId)?.id, 'succeeded'],
      ].sort(),
      'the late authorisation cancelled, the retry authorised and captured once',
    );
    assert.deepEqual(await cartLines(cart), [], 'the cart is emptied by the orders');
  }

  it('Stripe answers a little late (within the retry): the stored result is returned, one intent, the order placed', async () => {
    const cart = await twoMerchantCart();
    // Longer than the client's timeout, shorter than timeout + the retry's delay (500 ms).
    fake.slow.set(CREATE, { ms: TIMEOUT_MS + 100 });
    let r: Awaited<ReturnType<typeof checkoutCart>>;
    try {
      r = await checkoutCart(p.app, cart, cardBody());
    } finally {
      fake.slow.clear();
    }
    assert.equal(r.statusCode, 201, r.body);
    const intents = intentsOf(cart);
    assert.equal(intents.length, 1, 'the retry with the same key made no second intent');
    assert.equal(intents[0].status, 'succeeded');
    const key = `checkout-${r.json().checkout_id}-intent`;
    assert.equal(creates(key), 2, 'the create was sent twice under one key');
    assert.equal(await unknownRow(key), undefined, 'no unknown outcome');
  });

  it('Stripe finishes after the client gave up (fr): clear message, no order, cart intact, the late authorisation cancelled at once; a retry pays once', async () => {
    const cart = await twoMerchantCart();
    const lines = await cartLines(cart);
    const orders = await rowCount(db(), 'orders');
    // Stripe carries the create out when the client's retry (the second request under the key)
    // arrives: that retry is told 409 (still running); the replay that follows finds the result.
    let release = () => {};
    const until = new Promise<void>((r) => {
      release = r;
    });
    fake.slow.set(CREATE, { ms: 60_000, until });
    fake.onCall = (c) => {
      if (c.path === CREATE && c.idempotencyKey && creates(c.idempotencyKey) === 2) release();
    };
    let r: Awaited<ReturnType<typeof checkoutCart>>;
    try {
      r = await checkoutCart(p.app, cart, cardBody());
    } finally {
      fake.onCall = undefined;
    }
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    assert.match(
      r.json().error.message,
      /^Le service de paiement par carte a mis trop de temps à répondre\u00a0: aucune commande n’a été créée et toute autorisation faite sur votre carte sera annulée\. Réessayez/,
    );
    assert.equal(await rowCount(db(), 'orders'), orders, 'no order');
    assert.deepEqual(await cartLines(cart), lines, 'the cart is intact');
    const checkout = await failedCheckoutOf(cart);
    assert.equal(checkout.status, 'failed');
    const key = `checkout-${checkout.id}-intent`;
    assert.equal(creates(key), 3, 'the create, the client retry (409), the replay');
    const late = intentsOf(cart);
    assert.equal(late.length, 1, 'Stripe created the intent late');
    assert.equal(late[0].status, 'canceled', 'the late authorisation is released');
    const row = await unknownRow(key);
    assert.equal(row?.state, 'voided');
    assert.equal(row?.payment_intent_id, late[0].id);
    assert.equal(
      fake.calls.filter((c) => c.path === `${CREATE}/${late[0].id}/cancel`).length,
      1,
      'cancelled once',
    );
    await retrySucceeds(cart, late[0].id);
  });

  it('Stripe still busy when the shopper is answered (en): the settlement run cancels the late authorisation once Stripe has it; a retry pays once', async () => {
    const cart = await twoMerchantCart();
    const lines = await cartLines(cart);
    const orders = await rowCount(db(), 'orders');
    let release = () => {};
    const until = new Promise<void>((r) => {
      release = r;
    });
    fake.slow.set(CREATE, { ms: 60_000, until });
    const r = await checkoutCart(p.app, cart, cardBody(), { lang: 'en' });
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    assert.match(
      r.json().error.message,
      /^The card payment service took too long to answer: no order was created and any hold placed on your card will be released\. Try again/,
    );
    assert.equal(await rowCount(db(), 'orders'), orders);
    assert.deepEqual(await cartLines(cart), lines);
    const checkout = await failedCheckoutOf(cart);
    assert.equal(checkout.status, 'failed');
    const key = `checkout-${checkout.id}-intent`;
    assert.equal((await unknownRow(key))?.state, 'unknown', 'recorded for the settlement run');
    assert.equal(intentsOf(cart).length, 0, 'Stripe has not finished yet');

    // A settlement run while Stripe still runs the create: told 409, the row waits for the next run.
    const busy = await runSettlement(db(), stripe(), { feePercent: 0 });
    assert.equal(busy.ran, true);
    assert.equal(busy.voided_intents, 0);
    const waiting = await unknownRow(key);
    assert.equal(waiting?.state, 'unknown');
    assert.ok((waiting?.attempts ?? 0) >= 2, 'the replay at once and the run both found it running');

    // Stripe finishes: the PaymentIntent exists, authorised, though nobody received the answer.
    release();
    const late = await waitFor(() => intentsOf(cart)[0], { what: 'the late PaymentIntent' });
    assert.equal(late.status, 'requires_capture');
    const run = await runSettlement(db(), stripe(), { feePercent: 0 });
    assert.equal(run.voided_intents, 1);
    assert.equal(late.status, 'canceled', 'the late authorisation is released');
    assert.equal((await unknownRow(key))?.state, 'voided');
    const again = await runSettlement(db(), stripe(), { feePercent: 0 });
    assert.equal(again.voided_intents, 0, 'resolved once');
    await retrySucceeds(cart, late.id);
  });
});
