// Card payment on the checkout page in a real browser (issue 15): Chromium against the local fake
// Stripe API, with a stub of Stripe.js served locally (STRIPE_JS_URL). A shopper pays one card for
// a cart of two connected merchants; a declined card shows the translated message and creates
// nothing; 3-D Secure passed and failed; a cart with a merchant that cannot take cards says which
// and offers the other methods.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newTrackedPage, skipReason } from '../helpers/browser.ts';
import { rowCount, TEST_DB_KIND } from '../helpers/db.ts';
import { connectMerchant, type FakeStripe, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { startStripeJsStub } from '../helpers/stripe-js-stub.ts';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

describe(`card payment at checkout in a real browser (Chromium, ${TEST_DB_KIND})`, {
  skip: skipReason,
}, () => {
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
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    // Both merchants onboarded at the fake, charges enabled.
    for (const m of [region.merchants.erabliere.merchant_id, region.merchants.sports.merchant_id])
      await connectMerchant(p, fake, m, 'whsec_connect');
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

  const shopper = () => newTrackedPage(browser, { viewport: { width: 390, height: 844 }, locale: 'fr-CA' });

  async function addToCart(page: Page, productId: number) {
    await page.goto(`${base}/fr/p/${productId}`);
    await Promise.all([
      page.waitForLoadState('load'),
      page.locator('.default-offer').getByRole('button', { name: 'Ajouter au panier' }).click(),
    ]);
  }

  async function fillCheckout(page: Page, cardNumber: string) {
    await page.goto(`${base}/fr/paiement`);
    await page.getByLabel('Nom', { exact: true }).fill('Camille Tremblay');
    await page.getByLabel('Courriel', { exact: true }).fill('camille@example.test');
    await page.getByLabel('Carte de crédit').check();
    await page.getByLabel('Numéro de carte (test)').fill(cardNumber);
  }

  const count = (table: 'orders') => rowCount(db(), table);

  test('one card for a cart of two connected merchants: one authorisation, captured, a transfer to each', async () => {
    const { page, errors, close } = await shopper();
    await addToCart(page, region.products.oeufs);
    await addToCart(page, region.products.chaussures);
    await fillCheckout(page, '4242 4242 4242 4242');
    const stubState = await page.evaluate(
      () => (window as unknown as { __stripeStub: Record<string, unknown> }).__stripeStub,
    );
    assert.equal(stubState.key, 'pk_test_comptoir');
    assert.deepEqual(
      { ...(stubState.elementsOptions as Record<string, unknown>), amount: undefined },
      {
        mode: 'payment',
        amount: undefined,
        currency: 'cad',
        captureMethod: 'manual',
        paymentMethodCreation: 'manual',
      },
    );
    const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    assert.deepEqual(
      axe.violations.map((v) => v.id),
      [],
      'checkout with the card entry is axe-clean',
    );
    await Promise.all([
      page.waitForURL(/\/fr\/paiement\/confirmation\/\d+/),
      page.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    const checkoutId = Number(/confirmation\/(\d+)/.exec(page.url())?.[1]);
    const orders = await db()
      .selectFrom('orders')
      .select(['merchant_id', 'total_cents', 'payment_status', 'payment_reference'])
      .where('checkout_id', '=', checkoutId)
      .execute();
    assert.equal(orders.length, 2);
    const creates = fake.calls.filter((c) => c.path === '/v1/payment_intents');
    assert.equal(creates.length, 1);
    assert.equal(creates[0].params.payment_method, 'pm_card_visa');
    assert.equal(
      Number(creates[0].params.amount),
      orders.reduce((s, o) => s + o.total_cents, 0),
    );
    assert.ok(orders.every((o) => o.payment_status === 'paid'));
    assert.equal(fake.transfers.size, 2);
    assert.deepEqual(errors, []);
    await close();
  });

  test('a declined card: translated message on the checkout page, no order, the card entry still there to retry', async () => {
    const { page, close } = await shopper();
    await addToCart(page, region.products.oeufs);
    const before = await count('orders');
    await fillCheckout(page, '4000 0000 0000 0002');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    await page.getByText('Le paiement par carte a été refusé.').waitFor();
    assert.match(new URL(page.url()).pathname, /^\/fr\/paiement$/);
    assert.equal(await count('orders'), before);
    assert.equal(await page.getByLabel('Numéro de carte (test)').count(), 1);
    await close();
  });

  test('3-D Secure: the bank’s challenge passed, the orders are confirmed and paid by the one authorisation', async () => {
    const { page, errors, close } = await shopper();
    await addToCart(page, region.products.oeufs);
    await addToCart(page, region.products.chaussures);
    const before = await count('orders');
    await fillCheckout(page, '4000 0027 6000 3184');
    await Promise.all([
      page.waitForURL(/\/fr\/paiement$/),
      page.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    const bank = page.frameLocator('iframe[title="3-D Secure"]');
    await bank.getByText('Réussir l’authentification').waitFor();
    assert.match((await page.locator('p.error[role="alert"]').first().textContent()) ?? '', /3-D Secure/);
    assert.equal(await count('orders'), before, 'no order before the challenge is answered');
    await Promise.all([
      page.waitForURL(/\/fr\/paiement\/confirmation\/\d+/),
      bank.getByText('Réussir l’authentification').click(),
    ]);
    const checkoutId = Number(/confirmation\/(\d+)/.exec(page.url())?.[1]);
    const orders = await db()
      .selectFrom('orders')
      .select(['payment_status', 'payment_reference'])
      .where('checkout_id', '=', checkoutId)
      .execute();
    assert.equal(orders.length, 2);
    const pi = fake.intents.get(String(orders[0].payment_reference));
    assert.equal(pi?.status, 'succeeded');
    assert.ok(orders.every((o) => o.payment_status === 'paid' && o.payment_reference === pi?.id));
    assert.deepEqual(errors, []);
    await close();
  });

  test('3-D Secure failed: voided, the translated message, no order, the card entry there to retry', async () => {
    const { page, close } = await shopper();
    await addToCart(page, region.products.oeufs);
    const before = await count('orders');
    await fillCheckout(page, '4000 0027 6000 3184');
    await Promise.all([
      page.waitForURL(/\/fr\/paiement$/),
      page.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    const bank = page.frameLocator('iframe[title="3-D Secure"]');
    // The URL already matched before the click (the form posts to its own page): the bank's frame
    // appearing is what says the stub has received the payment to authenticate.
    await bank.getByText('Échouer l’authentification').waitFor();
    const pi = await page.evaluate(
      () => (window as unknown as { __stripeStub: { nextAction: string } }).__stripeStub.nextAction,
    );
    await Promise.all([
      page.waitForEvent('framenavigated', (f) => f === page.mainFrame()),
      bank.getByText('Échouer l’authentification').click(),
    ]);
    await page.getByText('La vérification de la carte (3-D Secure) n’a pas abouti').waitFor();
    assert.equal(fake.intents.get(pi)?.status, 'canceled');
    assert.equal(await count('orders'), before);
    assert.equal(await page.getByLabel('Numéro de carte (test)').count(), 1);
    await close();
  });

  test('a merchant that cannot take cards: the page names it and offers the other methods', async () => {
    await db()
      .updateTable('merchant_payment_settings')
      .set({ charges_enabled: 0 })
      .where('merchant_id', '=', region.merchants.sports.merchant_id)
      .execute();
    const { page, close } = await shopper();
    await addToCart(page, region.products.chaussures);
    await page.goto(`${base}/fr/paiement`);
    assert.equal(await page.getByLabel('Carte de crédit').count(), 0);
    const notice = await page.locator('[data-card-unavailable]').textContent();
    assert.match(notice ?? '', /pas encore accepté par/);
    assert.ok(await page.getByLabel('Payer à la cueillette ou à la livraison').isChecked());
    await close();
  });
});
