// A gift card bought by card in a real browser (issue 15): Chromium against the local fake Stripe
// API with a stub of Stripe.js served locally (STRIPE_JS_URL). The card is bought on the public
// page (Payment Element), becomes usable when Stripe's signed webhook arrives, is spent at a
// connected merchant's checkout, then settled by a transfer: the amounts add up to the cent.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { findCardByCode, setParticipation } from '../../src/modules/giftcards/index.ts';
import { merchantStatement, runSettlement, stripeClient } from '../../src/modules/payments/index.ts';
import { launchBrowser, newTrackedPage, skipReason } from '../helpers/browser.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import {
  connectMerchant,
  deliverEvent,
  type FakeStripe,
  signedEvent,
  startFakeStripe,
} from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { startStripeJsStub } from '../helpers/stripe-js-stub.ts';

describe(`gift card bought by card, spent, settled (Chromium, ${TEST_DB_KIND})`, { skip: skipReason }, () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let stub: Awaited<ReturnType<typeof startStripeJsStub>>;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  const db = () => p.context.database.db;

  before(async () => {
    fake = await startFakeStripe();
    stub = await startStripeJsStub(fake);
    p = await createTestPlatform({
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: 'whsec_platform',
      STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect',
      STRIPE_API_BASE: fake.url,
      STRIPE_JS_URL: stub.url,
      SETTLEMENT_INTERVAL_SECONDS: '0',
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await setParticipation(db(), region.merchants.erabliere.merchant_id, true);
    await connectMerchant(p, fake, region.merchants.erabliere.merchant_id, 'whsec_connect');
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
    await fake?.close();
    await stub?.close();
  });

  test('bought by card, active on the webhook, spent at a merchant, settled: to the cent', async () => {
    const { page, errors, close } = await newTrackedPage(browser, {
      viewport: { width: 390, height: 844 },
      locale: 'fr-CA',
    });
    try {
      await page.goto(`${base}/fr/cartes-cadeaux`);
      await page.getByLabel('Votre nom').fill('Camille Tremblay');
      await page.getByLabel('Votre courriel').fill('camille@example.test');
      await page.getByLabel('Par carte de crédit, maintenant').check();
      await page.getByLabel('Numéro de carte (test)').fill('4000 0000 0000 0002');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Réserver la carte' }).click(),
      ]);
      await page.getByText('Le paiement par carte a été refusé.').waitFor();

      // Another card: paid.
      await page.getByLabel('Votre nom').fill('Camille Tremblay');
      await page.getByLabel('Votre courriel').fill('camille@example.test');
      await page.getByLabel('Par carte de crédit, maintenant').check();
      await page.getByLabel('Numéro de carte (test)').fill('4242 4242 4242 4242');
      await Promise.all([
        page.waitForURL(/\/fr\/cartes-cadeaux\/achat/),
        page.getByRole('button', { name: 'Réserver la carte' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Carte-cadeau payée' }).waitFor();
      const code = (await page.locator('.gift-code').textContent())?.trim() ?? '';
      const card = await findCardByCode(db(), code);
      assert.ok(card?.payment_intent_id, 'the card is paid by an intent');
      assert.equal(card.status, 'pending');
      const pi = fake.intents.get(card.payment_intent_id);
      assert.equal(pi?.amount, 5000);

      // Stripe confirms the payment (signed webhook): the card is usable.
      const ev = signedEvent('whsec_platform', 'payment_intent.succeeded', pi as Record<string, unknown>);
      assert.equal((await deliverEvent(p.app, 'webhook', ev)).statusCode, 200);
      assert.equal((await findCardByCode(db(), code))?.status, 'active');

      // Spent at the checkout of a connected merchant.
      await page.goto(`${base}/fr/p/${region.products.sirop}`);
      await Promise.all([
        page.waitForLoadState('load'),
        page.locator('.default-offer').getByRole('button', { name: 'Ajouter au panier' }).click(),
      ]);
      await page.goto(`${base}/fr/paiement`);
      await page.getByLabel('Nom', { exact: true }).fill('Camille Tremblay');
      await page.getByLabel('Courriel', { exact: true }).fill('camille@example.test');
      await page.getByLabel('Carte-cadeau régionale').check();
      await page.getByLabel('Code de la carte-cadeau').fill(code);
      await Promise.all([
        page.waitForURL(/\/fr\/paiement\/confirmation\/\d+/),
        page.getByRole('button', { name: 'Passer la commande' }).click(),
      ]);
      const order = await db()
        .selectFrom('orders')
        .select(['merchant_id', 'total_cents', 'gift_card_cents'])
        .where('payment_method', '=', 'gift_card')
        .executeTakeFirstOrThrow();
      assert.equal(order.merchant_id, region.merchants.erabliere.merchant_id);

      // Settled: one transfer of what the card paid; card, merchant and platform add up.
      const run = await runSettlement(db(), stripeClient(p.context.config), { feePercent: 0 });
      assert.equal(run.gift_cards.transferred, 1);
      const transfers = [...fake.transfers.values()];
      assert.equal(transfers.length, 1);
      assert.equal(transfers[0].amount, order.gift_card_cents);
      const left = await findCardByCode(db(), code);
      assert.equal((left?.paid_balance_cents ?? 0) + (transfers[0].amount as number), 5000);
      const st = await merchantStatement(db(), order.merchant_id);
      assert.equal(st.gift_card_cents, order.gift_card_cents);
      assert.equal(st.transferred_cents, order.gift_card_cents);
      assert.equal(st.pending_cents, 0);
      // The declined purchase answered 402 (the page with its message): the only console error.
      assert.deepEqual(
        errors.filter((e) => !/status of 402 .*\/fr\/cartes-cadeaux\/achat$/.test(e)),
        [],
      );
    } finally {
      await close();
    }
  });
});
