// Issue 15, "how it will be checked", in one Chromium run against the local fake Stripe API and a
// stub of Stripe.js: the operator sets a platform fee; three merchant owners connect from the
// back-office (Account Link → hosted onboarding → back, `account.updated` through the Connect
// webhook); a shopper pays one card for a cart of two of them; one merchant cancels its order on a
// phone and it is refunded; transfers, refund, fee and both statements add up to the cent; a gift
// card bought by card (3-D Secure challenge passed) is activated by the webhook, spent at the third
// merchant, then settled.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/index.ts';
import { findCardByCode, setParticipation } from '../../src/modules/giftcards/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import {
  connectStatus,
  currentFeeBps,
  feeAtRate,
  runSettlement,
  stripeClient,
} from '../../src/modules/payments/index.ts';
import { launchBrowser, newTrackedPage, signIn, skipReason } from '../helpers/browser.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { deliverEvent, type FakeStripe, signedEvent, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { startStripeJsStub } from '../helpers/stripe-js-stub.ts';

const PW = 'correct horse battery';
const PHONE = { width: 390, height: 844 };

/** A free local port, so the app's public URL (Account Link return) is known before it starts. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe(`card payments end to end (Chromium, ${TEST_DB_KIND})`, { skip: skipReason }, () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let stub: Awaited<ReturnType<typeof startStripeJsStub>>;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  let fromagerie: { merchant_id: number; location_id: number };
  let fromage: number;
  const contexts: BrowserContext[] = [];
  const db = () => p.context.database.db;

  before(async () => {
    fake = await startFakeStripe();
    stub = await startStripeJsStub(fake);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    p = await createTestPlatform({
      PUBLIC_URL: base,
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: 'whsec_platform',
      STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect',
      STRIPE_API_BASE: fake.url,
      STRIPE_JS_URL: stub.url,
      SETTLEMENT_INTERVAL_SECONDS: '0',
    });
    region = await seedMiniRegion(db());
    // The third merchant, created as the operator's onboarding does, with one product.
    fromagerie = await createMerchant(db(), {
      name: 'Fromagerie de Chelsea',
      associations: ['chelsea'],
      categories: ['epicerie'],
      location: { address: '12 chemin Scott', municipality: 'Chelsea', lat: 45.49, lng: -75.79 },
    });
    const row = await db()
      .insertInto('products')
      .values({
        merchant_id: fromagerie.merchant_id,
        sku: 'FROM-250',
        title_fr: 'Fromage en grains 250 g',
        title_en: 'Cheese curds 250 g',
        description_fr: 'Fromage en grains frais du jour.',
        description_en: 'Fresh cheese curds.',
        price_cents: 1899,
        tax_class: 'zero_rated',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    fromage = row.id;
    await db()
      .insertInto('inventory_levels')
      .values({ product_id: fromage, location_id: fromagerie.location_id, on_hand: 10, reserved: 0 })
      .execute();
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await setParticipation(db(), fromagerie.merchant_id, true);
    for (const [email, m] of [
      ['erabliere@example.test', region.merchants.erabliere],
      ['sports@example.test', region.merchants.sports],
      ['fromagerie@example.test', fromagerie],
    ] as const)
      await createUser(db(), {
        email,
        password: PW,
        verified: true,
        roles: [{ role: 'merchant_owner', merchant_id: m.merchant_id }],
      });
    await createUser(db(), {
      email: 'ops@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    await p.app.listen({ port, host: '127.0.0.1' });
    // Stripe sends Connect events to the app's endpoint, signed with its secret.
    fake.connectWebhook = { url: `${base}/api/v1/stripe/connect-webhook`, secret: 'whsec_connect' };
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await p?.close();
    await fake?.close();
    await stub?.close();
  });

  /** A signed-in person on a phone, in French; their console errors collected. */
  async function person(email: string, landing: string) {
    const tracked = await newTrackedPage(browser, { viewport: PHONE, locale: 'fr-CA' });
    await signIn(tracked.page, base, email, PW);
    assert.equal(new URL(tracked.page.url()).pathname, landing);
    return tracked;
  }

  /** The statement figures of the signed-in merchant's payments page, in cents. */
  async function statement(page: Page) {
    await page.goto(`${base}/fr/marchand/paiements`);
    const dl = page.locator('[data-statement]');
    const n = async (attr: string) => Number(await dl.locator(`[${attr}]`).getAttribute(attr));
    return {
      charged: await n('data-charged'),
      refunded: await n('data-refunded'),
      gift_cards: await n('data-gift-cards'),
      fee: await n('data-fee'),
      transferred: await n('data-transferred'),
      pending: await n('data-pending'),
    };
  }

  async function addToCart(page: Page, productId: number) {
    await page.goto(`${base}/fr/p/${productId}`);
    await Promise.all([
      page.waitForLoadState('load'),
      page.locator('.default-offer').getByRole('button', { name: 'Ajouter au panier' }).click(),
    ]);
  }

  test('connect, pay one card for two merchants, cancel and refund, statements, gift card settled: to the cent', async () => {
    // The operator sets a 2,5 % platform fee on the region page.
    const ops = await person('ops@example.test', '/fr/admin');
    await ops.page.goto(`${base}/fr/admin/region`);
    await ops.page.getByLabel('Frais de plateforme (%)').fill('2,5');
    await Promise.all([
      ops.page.waitForURL(/\/fr\/admin\/region\?saved=1$/),
      ops.page.getByRole('button', { name: 'Enregistrer' }).click(),
    ]);
    const bps = await currentFeeBps(db(), p.context.config.PLATFORM_FEE_PERCENT);
    assert.equal(bps, 250);
    assert.deepEqual(ops.errors, []);
    await ops.close();

    // (a) Each owner connects: "Accepter les cartes", Stripe's hosted onboarding, back.
    const owners = new Map<number, Awaited<ReturnType<typeof person>>>();
    for (const [email, m] of [
      ['erabliere@example.test', region.merchants.erabliere.merchant_id],
      ['sports@example.test', region.merchants.sports.merchant_id],
      ['fromagerie@example.test', fromagerie.merchant_id],
    ] as const) {
      const owner = await person(email, '/fr/marchand');
      owners.set(m, owner);
      const { page } = owner;
      await page.goto(`${base}/fr/marchand/paiements`);
      // The fee is stated before the merchant joins.
      assert.equal(await page.locator('[data-platform-fee]').getAttribute('data-platform-fee'), '2.5');
      assert.equal(await page.locator('[data-stripe-status]').getAttribute('data-stripe-status'), 'none');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(`${fake.url}/connect/onboarding/acct_`)),
        page.getByRole('button', { name: 'Accepter les cartes' }).click(),
      ]);
      await Promise.all([
        page.waitForURL(`${base}/fr/marchand/paiements/retour`),
        page.getByRole('button', { name: 'Use test data and submit' }).click(),
      ]);
      await page.getByText('Paiements par carte acceptés.').waitFor();
      const acct = [...fake.accounts.values()].find(
        (a) => (a.metadata as { merchant_id?: string }).merchant_id === String(m),
      );
      assert.ok(acct, `an Express account for merchant ${m}`);
      // Stripe's signed account.updated reached the Connect webhook and was accepted.
      assert.deepEqual(
        fake.deliveries.filter((d) => d.account === acct.id),
        [{ type: 'account.updated', account: acct.id, status: 200 }],
      );
      const s = await connectStatus(db(), m);
      assert.ok(s.charges_enabled && s.payouts_enabled);
      assert.equal(await page.locator('[data-stripe-status]').getAttribute('data-stripe-status'), 'enabled');
    }

    // (b) A shopper pays one card for a cart of two connected merchants.
    const shopper = await newTrackedPage(browser, { viewport: PHONE, locale: 'fr-CA' });
    contexts.push(shopper.page.context());
    const sp = shopper.page;
    await addToCart(sp, region.products.oeufs);
    await addToCart(sp, region.products.chaussures);
    await sp.goto(`${base}/fr/paiement`);
    await sp.getByLabel('Nom', { exact: true }).fill('Camille Tremblay');
    await sp.getByLabel('Courriel', { exact: true }).fill('camille@example.test');
    await sp.getByLabel('Carte de crédit').check();
    await sp.getByLabel('Numéro de carte (test)').fill('4242 4242 4242 4242');
    await Promise.all([
      sp.waitForURL(/\/fr\/paiement\/confirmation\/\d+/),
      sp.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    const checkoutId = Number(/confirmation\/(\d+)/.exec(sp.url())?.[1]);
    const orders = await db()
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'total_cents', 'payment_status', 'payment_reference'])
      .where('checkout_id', '=', checkoutId)
      .execute();
    assert.equal(orders.length, 2);
    const byMerchant = (m: number) => {
      const o = orders.find((x) => x.merchant_id === m);
      assert.ok(o);
      return o;
    };
    const erab = byMerchant(region.merchants.erabliere.merchant_id);
    const sports = byMerchant(region.merchants.sports.merchant_id);
    assert.ok(orders.every((o) => o.payment_status === 'paid'));
    const creates = fake.calls.filter((c) => c.method === 'POST' && c.path === '/v1/payment_intents');
    assert.equal(creates.length, 1, 'one card entry, one PaymentIntent');
    const pi = fake.intents.get(String(erab.payment_reference));
    assert.ok(pi);
    assert.equal(sports.payment_reference, pi.id);
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.amount, erab.total_cents + sports.total_cents);
    const accountOf = (m: number) =>
      [...fake.accounts.values()].find(
        (a) => (a.metadata as { merchant_id?: string }).merchant_id === String(m),
      )?.id;
    const transferTo = (m: number) => {
      const tr = [...fake.transfers.values()].filter((t) => t.destination === accountOf(m));
      assert.equal(tr.length, 1, `one transfer to merchant ${m}`);
      return tr[0];
    };
    const feeErab = feeAtRate(erab.total_cents, 250);
    const feeSports = feeAtRate(sports.total_cents, 250);
    assert.ok(feeErab > 0 && feeSports > 0);
    assert.equal(transferTo(erab.merchant_id).amount, erab.total_cents - feeErab);
    assert.equal(transferTo(sports.merchant_id).amount, sports.total_cents - feeSports);
    assert.equal(transferTo(sports.merchant_id).transfer_group, `checkout_${checkoutId}`);
    assert.deepEqual(shopper.errors, []);

    // (c) Sports Chelsea cancels its order from the back-office, on a phone: refunded.
    const so = owners.get(sports.merchant_id);
    assert.ok(so);
    await so.page.goto(`${base}/fr/marchand/commandes`);
    const row = so.page.locator(`tr[data-order="${sports.id}"]`);
    await row.getByPlaceholder('Motif').fill('Pointure épuisée');
    await Promise.all([
      so.page.waitForURL(`${base}/fr/marchand/commandes`),
      row.getByRole('button', { name: 'Passer à : Annulée' }).click(),
    ]);
    const refunds = [...fake.refunds.values()];
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].payment_intent, pi.id);
    assert.equal(refunds[0].amount, sports.total_cents);
    assert.equal(transferTo(sports.merchant_id).amount_reversed, transferTo(sports.merchant_id).amount);
    assert.equal(transferTo(erab.merchant_id).amount_reversed, 0);
    await so.page.goto(`${base}/fr/marchand/commandes/${sports.id}`);
    await so.page.getByText('Carte de crédit (remboursé)').waitFor();
    const after = await db()
      .selectFrom('orders')
      .select(['id', 'status', 'payment_status'])
      .where('checkout_id', '=', checkoutId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      after.map((o) => [o.id, o.status, o.payment_status]),
      [
        [erab.id, 'placed', 'paid'],
        [sports.id, 'cancelled', 'refunded'],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );

    // (d) To the cent: what Stripe holds, and each merchant's statement page.
    const netTransfers = [...fake.transfers.values()].reduce(
      (s, t) => s + (t.amount as number) - (t.amount_reversed as number),
      0,
    );
    const refunded = refunds.reduce((s, r) => s + (r.amount as number), 0);
    assert.equal(pi.amount - refunded - netTransfers, feeErab, 'the platform keeps exactly its fee');
    const eo = owners.get(erab.merchant_id);
    assert.ok(eo);
    assert.deepEqual(await statement(eo.page), {
      charged: erab.total_cents,
      refunded: 0,
      gift_cards: 0,
      fee: feeErab,
      transferred: erab.total_cents - feeErab,
      pending: 0,
    });
    assert.equal(
      await eo.page.locator('tr[data-kind="charge"] [data-fee-rate]').getAttribute('data-fee-rate'),
      '250',
    );
    assert.deepEqual(await statement(so.page), {
      charged: sports.total_cents,
      refunded: sports.total_cents,
      gift_cards: 0,
      fee: 0,
      transferred: 0,
      pending: 0,
    });

    // (e) A gift card bought by card for 25 $ (the Payment Element follows the amount picked).
    await sp.goto(`${base}/fr/cartes-cadeaux`);
    await sp.locator('input[name="amount"][value="25"]').check();
    // Stripe.js (the stub) may load after the page's load event: wait for its Elements first.
    await sp.waitForFunction(
      () =>
        (window as unknown as { __stripeStub?: { elementsOptions?: unknown } }).__stripeStub?.elementsOptions,
    );
    const elementsAmount = await sp.evaluate(
      () =>
        (window as unknown as { __stripeStub: { elementsOptions: { amount: number } } }).__stripeStub
          .elementsOptions.amount,
    );
    assert.equal(elementsAmount, 2500);
    await sp.getByLabel('Votre nom').fill('Camille Tremblay');
    await sp.getByLabel('Votre courriel').fill('camille@example.test');
    await sp.getByLabel('Par carte de crédit, maintenant').check();
    // A card whose bank asks for 3-D Secure: the challenge runs on the page, as at checkout.
    await sp.getByLabel('Numéro de carte (test)').fill('4000 0027 6000 3184');
    await Promise.all([
      sp.waitForURL(/\/fr\/cartes-cadeaux\/achat$/),
      sp.getByRole('button', { name: 'Réserver la carte' }).click(),
    ]);
    const bank = sp.frameLocator('iframe[title="3-D Secure"]');
    await bank.getByText('Réussir l’authentification').click();
    await sp.getByRole('heading', { name: 'Carte-cadeau payée' }).waitFor();
    const code = (await sp.locator('.gift-code').textContent())?.trim() ?? '';
    const card = await findCardByCode(db(), code);
    assert.ok(card?.payment_intent_id);
    assert.equal(card.status, 'pending');
    const gpi = fake.intents.get(card.payment_intent_id);
    assert.equal(gpi?.amount, 2500);
    assert.equal(gpi?.status, 'succeeded');
    // Stripe's signed payment_intent.succeeded makes it usable.
    const ev = signedEvent('whsec_platform', 'payment_intent.succeeded', gpi as Record<string, unknown>);
    assert.equal((await deliverEvent(p.app, 'webhook', ev)).statusCode, 200);
    assert.equal((await findCardByCode(db(), code))?.status, 'active');

    // Spent at the third merchant.
    await addToCart(sp, fromage);
    await sp.goto(`${base}/fr/paiement`);
    await sp.getByLabel('Nom', { exact: true }).fill('Camille Tremblay');
    await sp.getByLabel('Courriel', { exact: true }).fill('camille@example.test');
    await sp.getByLabel('Carte-cadeau régionale').check();
    await sp.getByLabel('Code de la carte-cadeau').fill(code);
    await Promise.all([
      sp.waitForURL(/\/fr\/paiement\/confirmation\/\d+/),
      sp.getByRole('button', { name: 'Passer la commande' }).click(),
    ]);
    const giftCheckout = Number(/confirmation\/(\d+)/.exec(sp.url())?.[1]);
    const giftOrder = await db()
      .selectFrom('orders')
      .select(['merchant_id', 'total_cents', 'gift_card_cents', 'payment_status'])
      .where('checkout_id', '=', giftCheckout)
      .executeTakeFirstOrThrow();
    assert.equal(giftOrder.merchant_id, fromagerie.merchant_id);
    assert.equal(giftOrder.gift_card_cents, giftOrder.total_cents);
    assert.equal(giftOrder.payment_status, 'paid');

    // The settlement run (the server's scheduled job) transfers the redemption.
    const before = fake.transfers.size;
    const run = await runSettlement(db(), stripeClient(p.context.config), {
      feePercent: p.context.config.PLATFORM_FEE_PERCENT,
    });
    assert.equal(run.gift_cards.transferred, 1);
    assert.equal(run.card_transfers, 0, 'no card transfer was left pending, none made twice');
    assert.equal(fake.transfers.size, before + 1);
    const giftTransfer = transferTo(fromagerie.merchant_id);
    assert.equal(giftTransfer.amount, giftOrder.gift_card_cents);
    const left = await findCardByCode(db(), code);
    assert.equal((left?.paid_balance_cents ?? 0) + (giftTransfer.amount as number), 2500);
    const fo = owners.get(fromagerie.merchant_id);
    assert.ok(fo);
    assert.deepEqual(await statement(fo.page), {
      charged: 0,
      refunded: 0,
      gift_cards: giftOrder.gift_card_cents,
      fee: 0,
      transferred: giftOrder.gift_card_cents,
      pending: 0,
    });
    for (const o of owners.values()) {
      assert.deepEqual(o.errors, []);
      await o.close();
    }
    assert.deepEqual(shopper.errors, []);
  });
});
