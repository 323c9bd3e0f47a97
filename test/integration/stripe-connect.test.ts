/**
 * Card payments through Stripe Connect against the local fake (test/helpers/fake-stripe.ts):
 * configuration, merchant onboarding (Account Link, account.updated webhooks: bad signature,
 * replay, out of order), faults at checkout (3-D Secure, Stripe unreachable, merchant
 * disconnected), transfers never made twice, and statements adding up to the cent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { paymentMethods } from '../../src/modules/payments/index.ts';
import { rowCount } from '../helpers/db.ts';
import { cartWith, checkoutBody, checkoutCart, pickupAt } from '../helpers/factories.ts';
import { deliverEvent, type FakeStripe, signedEvent, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const PW = 'correct horse battery';
const CONNECT_SECRET = 'whsec_connect_test';
const FEE_PERCENT = 7.5;

describe('configuration', () => {
  it('the Stripe keys go together: one without the others names the missing ones', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', STRIPE_SECRET_KEY: 'sk_test_x' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /STRIPE_PUBLISHABLE_KEY/.test(e.message) &&
        /STRIPE_WEBHOOK_SECRET/.test(e.message) &&
        /STRIPE_CONNECT_WEBHOOK_SECRET/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', STRIPE_API_BASE: 'http://127.0.0.1:9' }),
      /STRIPE_API_BASE is set without the Stripe keys/,
    );
    const none = loadConfig({ NODE_ENV: 'test' });
    assert.equal(none.STRIPE_SECRET_KEY, undefined);
    assert.equal(none.PLATFORM_FEE_PERCENT, 0);
    assert.equal(none.STRIPE_JS_URL, 'https://js.stripe.com/v3/');
    assert.throws(() => loadConfig({ NODE_ENV: 'test', PLATFORM_FEE_PERCENT: '-1' }), ConfigError);
  });
});

describe('Stripe Connect: onboarding, webhooks, checkout faults, statements', () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let region: MiniRegion;
  let owner: Agent;
  let A: number;
  let B: number;
  const db = () => p.context.database.db;
  const settings = (m: number) =>
    db().selectFrom('merchant_payment_settings').selectAll().where('merchant_id', '=', m).executeTakeFirst();
  const connectHook = (ev: { payload: string; headers: Record<string, string> }) =>
    deliverEvent(p.app, 'connect-webhook', ev);
  const count = (table: 'orders' | 'payment_ledger' | 'stripe_events') => rowCount(db(), table);
  // The app's log lines (JSON), for the failures that must reach it.
  const logs: string[] = [];

  before(async () => {
    fake = await startFakeStripe();
    p = await createTestPlatform(
      {
        PUBLIC_URL: 'https://achat.example.ca',
        STRIPE_SECRET_KEY: 'sk_test_comptoir',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
        STRIPE_WEBHOOK_SECRET: 'whsec_platform_test',
        STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
        STRIPE_API_BASE: fake.url,
        PLATFORM_FEE_PERCENT: String(FEE_PERCENT),
      },
      { logs },
    );
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    // Enough stock for every checkout of this file.
    await db().updateTable('inventory_levels').set({ on_hand: 100 }).execute();
    A = region.merchants.erabliere.merchant_id;
    B = region.merchants.sports.merchant_id;
    for (const [email, m] of [
      ['owner-a@example.test', A],
      ['owner-b@example.test', B],
    ] as const)
      await createUser(db(), {
        email,
        password: PW,
        verified: true,
        roles: [{ role: 'merchant_owner', merchant_id: m }],
      });
    await createUser(db(), {
      email: 'staff-a@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: A }],
    });
    owner = new Agent(p.app);
    assert.equal((await owner.login('owner-a@example.test', PW)).statusCode, 303);
  });
  after(async () => {
    await p?.close();
    await fake?.close();
  });

  it('an owner connects: one Express account (CA), an Account Link with absolute URLs, then the status page', async () => {
    const page = await owner.get('/fr/marchand/paiements');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Accepter les cartes/);
    assert.match(page.body, /Frais de plateforme\u00a0: 7,5\u00a0%|Frais de plateforme : 7,5 %/);
    assert.match(page.body, /data-stripe-status="none"/);
    const r = await owner.submit('/fr/marchand/paiements/stripe', {}, '/fr/marchand/paiements');
    assert.equal(r.statusCode, 303, r.body);
    assert.match(String(r.headers.location), new RegExp(`^${fake.url}/connect/onboarding/acct_`));
    const created = fake.calls.filter((c) => c.path === '/v1/accounts' && c.method === 'POST');
    assert.equal(created.length, 1);
    assert.equal(created[0].params.type, 'express');
    assert.equal(created[0].params.country, 'CA');
    assert.deepEqual(created[0].params.capabilities, {
      card_payments: { requested: 'true' },
      transfers: { requested: 'true' },
    });
    const link = fake.calls.find((c) => c.path === '/v1/account_links');
    assert.equal(link?.params.return_url, 'https://achat.example.ca/fr/marchand/paiements/retour');
    assert.equal(link?.params.refresh_url, 'https://achat.example.ca/fr/marchand/paiements/stripe/reprendre');
    const acct = (await settings(A))?.stripe_account_id;
    assert.ok(acct?.startsWith('acct_'));
    assert.equal((await settings(A))?.charges_enabled, 0);

    // Clicking again (or Stripe's refresh link) resumes with the same account.
    const again = await owner.submit('/fr/marchand/paiements/stripe', {}, '/fr/marchand/paiements');
    assert.equal(again.statusCode, 303);
    assert.equal((await owner.get('/fr/marchand/paiements/stripe/reprendre')).statusCode, 303);
    assert.equal(fake.accounts.size, 1);
    assert.equal((await settings(A))?.stripe_account_id, acct);

    // Back from Stripe with onboarding done: the return page reads the account now.
    fake.completeOnboarding(acct as string);
    const back = await owner.get('/fr/marchand/paiements/retour');
    assert.equal(back.statusCode, 200);
    assert.match(back.body, /data-stripe-status="enabled"/);
    assert.match(back.body, /data-payouts="enabled"/);
    assert.equal((await settings(A))?.charges_enabled, 1);
  });

  it('a status refresh while Stripe is unreachable keeps the stored status, says so, and logs why', async () => {
    const from = logs.length;
    fake.down = true;
    try {
      const r = await owner.get('/fr/marchand/paiements/retour');
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /Stripe ne répond pas/);
      assert.match(r.body, /data-stripe-status="enabled"/);
    } finally {
      fake.down = false;
    }
    const line = logs
      .slice(from)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } })
      .find((l) => l.msg === 'stripe account status refresh failed');
    assert.ok(line, 'the failed refresh is in the log');
    assert.equal(line.level, 40, 'at warn');
    assert.ok(line.err?.message, 'with its error');
  });

  it('only the owner reaches the payments page', async () => {
    const staff = new Agent(p.app);
    await staff.login('staff-a@example.test', PW);
    const before = fake.calls.length;
    assert.equal((await staff.get('/fr/marchand/paiements')).statusCode, 403);
    assert.equal((await staff.submit('/fr/marchand/paiements/stripe', {}, '/fr/marchand')).statusCode, 403);
    assert.equal(fake.calls.length, before, 'nothing asked of Stripe');
    const anonymous = await p.app.inject({ method: 'GET', url: '/fr/marchand/paiements' });
    assert.notEqual(anonymous.statusCode, 200);
  });

  it('account.updated: verified, de-duplicated by id, and an older event arriving late changes nothing', async () => {
    // Merchant B onboards through its own owner session.
    const ownerB = new Agent(p.app);
    await ownerB.login('owner-b@example.test', PW);
    assert.equal(
      (await ownerB.submit('/en/merchant/payments/stripe', {}, '/en/merchant/payments')).statusCode,
      303,
    );
    const acct = (await settings(B))?.stripe_account_id as string;
    const t0 = Math.floor(Date.now() / 1000);

    const enabled = { ...fake.completeOnboarding(acct) };
    const forged = signedEvent('whsec_wrong', 'account.updated', enabled, { created: t0 });
    const events = await count('stripe_events');
    assert.equal((await connectHook(forged)).statusCode, 400);
    assert.equal((await settings(B))?.charges_enabled, 0, 'a bad signature changes nothing');
    assert.equal(await count('stripe_events'), events);
    // A signature older than Stripe's tolerance (5 minutes) is refused too: a captured request replayed later.
    const old = signedEvent(CONNECT_SECRET, 'account.updated', enabled, { created: t0, signedAt: t0 - 3600 });
    assert.equal((await connectHook(old)).statusCode, 400);
    assert.equal((await settings(B))?.charges_enabled, 0);

    const ev = signedEvent(CONNECT_SECRET, 'account.updated', enabled, { created: t0 });
    assert.equal((await connectHook(ev)).statusCode, 200);
    assert.equal((await settings(B))?.charges_enabled, 1);
    assert.equal((await settings(B))?.payouts_enabled, 1);

    // An older event (account still restricted) delivered after the newer one: ignored.
    const restricted = { ...enabled, charges_enabled: false, payouts_enabled: false };
    const late = signedEvent(CONNECT_SECRET, 'account.updated', restricted, { created: t0 - 60 });
    assert.equal((await connectHook(late)).statusCode, 200);
    assert.equal((await settings(B))?.charges_enabled, 1, 'stale event ignored');

    // The same event replayed after a newer change: no second effect.
    const disabled = signedEvent(CONNECT_SECRET, 'account.updated', restricted, { created: t0 + 1 });
    assert.equal((await connectHook(disabled)).statusCode, 200);
    assert.equal((await settings(B))?.charges_enabled, 0);
    assert.equal((await connectHook(ev)).statusCode, 200);
    assert.equal((await settings(B))?.charges_enabled, 0, 'replayed event changed nothing');
    const reenable = signedEvent(CONNECT_SECRET, 'account.updated', enabled, { created: t0 + 2 });
    assert.equal((await connectHook(reenable)).statusCode, 200);
    assert.equal((await settings(B))?.charges_enabled, 1);
  });

  const twoMerchantCart = () =>
    cartWith(p.app, [
      [region.products.oeufs, 2],
      [region.products.chaussures, 1],
    ]);
  const cardBody = (pm: string) =>
    checkoutBody(pickupAt(region.merchants.erabliere, region.merchants.sports), {
      payment: { method: 'card', payment_method: pm },
    });

  it('3-D Secure required and not completed: translated message, authorisation cancelled, no order', async () => {
    const cart = await twoMerchantCart();
    const orders = await count('orders');
    // The challenge is asked (the intent stays open for Stripe.js, test/integration/card-checkout-3ds.test.ts)…
    const asked = await checkoutCart(p.app, cart, cardBody('pm_card_authenticationRequired'), { lang: 'en' });
    assert.equal(asked.statusCode, 402, asked.body);
    assert.equal(asked.json().error.code, 'payment_action_required');
    // …and the checkout resubmitted without it completed (closed, abandoned): refused and voided.
    const r = await checkoutCart(
      p.app,
      cart,
      checkoutBody(pickupAt(region.merchants.erabliere, region.merchants.sports), {
        payment: { method: 'card', payment_intent: asked.json().error.details.payment_intent },
      }),
      { lang: 'en' },
    );
    assert.equal(r.statusCode, 402, r.body);
    assert.equal(r.json().error.code, 'payment_failed');
    assert.match(
      r.json().error.message,
      /card verification \(3-D Secure\) did not succeed: nothing was charged/,
    );
    const pi = [...fake.intents.values()].at(-1);
    assert.equal(pi?.status, 'canceled', 'the authorisation is released');
    assert.equal(await count('orders'), orders);
  });

  it('Stripe unreachable: clear message, nothing charged, no order, and the cart can be paid afterwards', async () => {
    const cart = await twoMerchantCart();
    const orders = await count('orders');
    const intents = fake.intents.size;
    fake.down = true;
    let r: Awaited<ReturnType<typeof checkoutCart>>;
    try {
      r = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    } finally {
      fake.down = false;
    }
    assert.equal(r.statusCode, 402, r.body);
    assert.match(r.json().error.message, /ne répond pas : aucun montant n’a été prélevé/);
    assert.equal(fake.intents.size, intents, 'nothing authorised');
    assert.equal(await count('orders'), orders);
    const retry = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    assert.equal(retry.statusCode, 201, retry.body);
  });

  it('a merchant disconnected between cart and checkout: card refused naming the problem, nothing charged', async () => {
    const cart = await twoMerchantCart();
    const acct = (await settings(B))?.stripe_account_id as string;
    const restricted = { ...fake.accounts.get(acct), charges_enabled: false };
    const ev = signedEvent(CONNECT_SECRET, 'account.updated', restricted, {
      created: Math.floor(Date.now() / 1000) + 10,
    });
    assert.equal((await connectHook(ev)).statusCode, 200);
    const orders = await count('orders');
    const intents = fake.intents.size;
    const r = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'payment_method_unavailable');
    assert.deepEqual(r.json().error.details, { merchant_ids: [B] });
    assert.equal(fake.intents.size, intents);
    assert.equal(await count('orders'), orders);
    // The other methods still work for the same cart.
    const inStore = await checkoutCart(
      p.app,
      cart,
      checkoutBody(pickupAt(region.merchants.erabliere, region.merchants.sports), {
        payment: { method: 'in_store' },
      }),
    );
    assert.equal(inStore.statusCode, 201, inStore.body);
    const back = signedEvent(
      CONNECT_SECRET,
      'account.updated',
      { ...restricted, charges_enabled: true },
      {
        created: Math.floor(Date.now() / 1000) + 20,
      },
    );
    assert.equal((await connectHook(back)).statusCode, 200);
  });

  it('a transfer is never made twice: capture retried for the same checkout reuses Stripe’s stored transfers', async () => {
    const cart = await twoMerchantCart();
    const r = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json();
    const transfers = fake.transfers.size;
    const ledger = await count('payment_ledger');
    const pi = [...fake.intents.values()].at(-1);
    const pay = {
      id: res.checkout_id,
      total_cents: res.total_cents,
      parts: res.orders.map((o: { merchant_id: number; totals: { total_cents: number } }) => ({
        merchant_id: o.merchant_id,
        total_cents: o.totals.total_cents,
      })),
      input: { payment_method: 'pm_card_visa' },
    };
    const auth = {
      parts: pay.parts.map((x: { merchant_id: number }) => ({
        merchant_id: x.merchant_id,
        reference: pi?.id ?? null,
      })),
      status_after_capture: 'paid' as const,
    };
    await paymentMethods(p.context.config)('card').capture(db(), pay, auth);
    assert.equal(fake.transfers.size, transfers, 'same idempotency keys: no new transfer at Stripe');
    assert.equal(await count('payment_ledger'), ledger, 'no ledger line twice');
  });

  it('a transfer that failed after capture stays pending, then is settled once', async () => {
    const cart = await twoMerchantCart();
    fake.failing.add('/v1/transfers');
    let r: Awaited<ReturnType<typeof checkoutCart>>;
    try {
      r = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    } finally {
      fake.failing.delete('/v1/transfers');
    }
    assert.equal(r.statusCode, 201, r.body);
    const orderB = r.json().orders.find((o: { merchant_id: number }) => o.merchant_id === B);
    const { merchantStatement, settlePendingTransfers, stripeClient } = await import(
      '../../src/modules/payments/index.ts'
    );
    const fee = Math.round((orderB.totals.total_cents * FEE_PERCENT) / 100);
    const before = await merchantStatement(db(), B);
    assert.equal(before.pending_cents, orderB.totals.total_cents - fee, 'captured, not transferred yet');
    const transfers = fake.transfers.size;
    const settled = await settlePendingTransfers(db(), stripeClient(p.context.config), {
      feePercent: FEE_PERCENT,
    });
    assert.equal(settled, 2, 'both merchants of the checkout');
    assert.equal(fake.transfers.size, transfers + 2);
    assert.equal((await merchantStatement(db(), B)).pending_cents, 0);
    // Run again: nothing pending, nothing transferred twice.
    assert.equal(
      await settlePendingTransfers(db(), stripeClient(p.context.config), { feePercent: FEE_PERCENT }),
      0,
    );
    assert.equal(fake.transfers.size, transfers + 2);
  });

  it('the operator sees each merchant’s card status in the merchants list', async () => {
    const { createOperator } = await import('../../src/modules/accounts/index.ts');
    await createOperator(db(), { email: 'region-stripe@example.org', password: PW, role: 'region_admin' });
    const admin = new Agent(p.app);
    await admin.login('region-stripe@example.org', PW);
    const page = await admin.get('/fr/admin/commerces?status=all');
    assert.equal(page.statusCode, 200);
    const rowOf = (m: number) => new RegExp(`data-merchant="${m}"[\\s\\S]*?</tr>`).exec(page.body)?.[0] ?? '';
    assert.match(rowOf(A), /data-cards="enabled"/);
    assert.match(rowOf(A), /Cartes : paiements oui, virements oui/);
    assert.match(rowOf(B), /data-cards="enabled"/);
  });

  it('statements: charged − refunded = transferred + platform fee + pending, to the cent, on the page too', async () => {
    // A fresh two-merchant card checkout; merchant A then cancels its order.
    const cart = await twoMerchantCart();
    const r = await checkoutCart(p.app, cart, cardBody('pm_card_visa'));
    assert.equal(r.statusCode, 201, r.body);
    const orderA = r.json().orders.find((o: { merchant_id: number }) => o.merchant_id === A);
    const cancel = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${orderA.order_id}/transitions`,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: { to: 'cancelled', reason: 'test' },
    });
    assert.equal(cancel.statusCode, 200, cancel.body);

    for (const m of [A, B]) {
      // Expected figures from the orders themselves.
      const orders = await db()
        .selectFrom('orders')
        .select(['total_cents', 'status'])
        .where('merchant_id', '=', m)
        .where('payment_method', '=', 'card')
        .where('payment_status', 'in', ['paid', 'refunded'])
        .execute();
      const charged = orders.reduce((s, o) => s + o.total_cents, 0);
      const refunded = orders.filter((o) => o.status === 'cancelled').reduce((s, o) => s + o.total_cents, 0);
      const kept = orders.filter((o) => o.status !== 'cancelled');
      const fee = kept.reduce((s, o) => s + Math.round((o.total_cents * FEE_PERCENT) / 100), 0);
      const transferred = kept.reduce(
        (s, o) => s + o.total_cents - Math.round((o.total_cents * FEE_PERCENT) / 100),
        0,
      );
      const { merchantStatement } = await import('../../src/modules/payments/index.ts');
      const st = await merchantStatement(db(), m);
      assert.equal(st.charged_cents, charged, `merchant ${m} charged`);
      assert.equal(st.refunded_cents, refunded);
      assert.equal(st.platform_fee_cents, fee);
      assert.equal(st.transferred_cents, transferred);
      assert.equal(st.pending_cents, 0);
      assert.equal(
        st.charged_cents - st.refunded_cents,
        st.transferred_cents + st.platform_fee_cents + st.pending_cents,
      );
      // What Stripe holds agrees: transfers minus reversals to this merchant's account.
      const acct = (await settings(m))?.stripe_account_id;
      const atStripe = [...fake.transfers.values()]
        .filter((t) => t.destination === acct)
        .reduce((s, t) => s + (t.amount as number) - (t.amount_reversed as number), 0);
      assert.equal(atStripe, transferred, 'the ledger matches Stripe');
      if (m === A) {
        assert.ok(refunded > 0);
        const page = await owner.get('/fr/marchand/paiements');
        assert.match(page.body, new RegExp(`data-charged="${charged}"`));
        assert.match(page.body, new RegExp(`data-refunded="${refunded}"`));
        assert.match(page.body, new RegExp(`data-transferred="${transferred}"`));
        assert.match(page.body, new RegExp(`data-fee="${fee}"`));
        assert.match(page.body, /data-pending="0"/);
        assert.match(page.body, /Remboursement/);
      }
    }
  });
});
