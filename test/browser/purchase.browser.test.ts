// A shopper's purchase in a real browser (issue 14): Chromium at 390×844 in French and at 1280×800 in
// English, from the search box to the confirmation page, and the product page's "add to cart"
// following the live stock badge.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { issueGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { setLocationFulfilment } from '../../src/modules/merchants/index.ts';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { importTowns } from '../../src/modules/towns/index.ts';
import { launchBrowser, newTrackedPage, skipReason, startTileServer } from '../helpers/browser.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const TOWNS = `name,lat,lng,postal_prefixes
Aylmer,45.3956,-75.8436,J9H J9J
Chelsea,45.4936,-75.7884,J9B
`;
// Open every day in two ranges: pickup slots exist whatever the hour the test runs.
const SPLIT = [
  ['00:00', '12:00'],
  ['13:00', '24:00'],
];
const ALL_DAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, SPLIT]));
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** "1 234,56 $" (fr) or "$1,234.56" (en) to cents. */
function cents(text: string): number {
  const digits = text.replace(/[^\d,.]/g, '');
  const [whole, frac = '00'] = digits.split(/[,.](?=\d{2}$)/);
  return Number(whole.replace(/[^\d]/g, '')) * 100 + Number(frac);
}

describe(`a shopper's purchase in a real browser (Chromium, ${TEST_DB_KIND})`, { skip: skipReason }, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  let tiles: Awaited<ReturnType<typeof startTileServer>>;
  const db = () => p.context.database.db;

  before(async () => {
    // Maps draw from a local tile server: no network, no console errors.
    tiles = await startTileServer();
    p = await createTestPlatform({ TILE_URL: tiles.url });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await importTowns(db(), TOWNS);
    await db()
      .updateTable('locations')
      .set({
        hours_json: JSON.stringify(ALL_DAYS),
        pickup: 1,
        pickup_slot_minutes: 30,
        pickup_days_ahead: 2,
        preparation_minutes: 30,
      })
      .execute();
    // The Érablière delivers to Aylmer (its postal prefixes J9H, J9J) for 5 $, and takes the regional
    // gift card.
    await setLocationFulfilment(
      db(),
      region.merchants.erabliere.merchant_id,
      region.merchants.erabliere.location_id,
      {
        pickup: { enabled: true },
        delivery: { enabled: true, zones: [{ towns: ['Aylmer'], fee_cents: 500 }] },
      },
    );
    await setParticipation(db(), region.merchants.erabliere.merchant_id, true);
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
    await tiles?.close();
  });

  /** Sets a product's stock at a merchant's default store through the merchant API (a POS sync). */
  async function setStock(apiKey: string, sku: string, onHand: number) {
    const res = await fetch(`${base}/api/v1/merchant/inventory`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ sku, on_hand: onHand }]),
    });
    assert.equal(res.status, 200, await res.text());
  }

  async function mobilePage(
    viewport = { width: 390, height: 844 },
    locale = 'fr-CA',
  ): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
    return newTrackedPage(browser, { viewport, locale });
  }

  async function assertNoAxeViolations(page: Page, name: string) {
    const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const summary = axe.violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    assert.deepEqual(summary, [], `${name} axe violations`);
  }

  test('"add to cart" is disabled when the live badge turns "out of stock" and enabled again on restock', async () => {
    const { page, errors, close } = await mobilePage();
    const erabliere = region.merchants.erabliere;
    const sports = region.merchants.sports;
    // The stream is subscribed once its response headers arrive (the server subscribes, then answers).
    const streamOpen = page.waitForResponse((r) => r.url().includes('/api/v1/stream'));
    await page.goto(`${base}/fr/p/${region.products.sirop}`);
    await streamOpen;
    // The nearest store's button (this merchant) and the other merchant's offer of the same syrup.
    const own = page.locator('.default-offer');
    const other = page.locator('.offer', {
      has: page.locator(`[data-stock-product="${region.products.siropChelsea}"]`),
    });
    const ownButton = own.locator('form.add-to-cart button[type="submit"]');
    const otherButton = other.locator('form.add-to-cart button[type="submit"]');
    assert.equal(await ownButton.isEnabled(), true);
    assert.equal(await otherButton.isEnabled(), true);

    await setStock(erabliere.api_key, 'SIROP-540', 0);
    await own.locator('.stock.out').waitFor();
    assert.equal(await own.locator('[data-stock-product]').textContent(), 'Rupture de stock');
    assert.equal(await ownButton.isDisabled(), true);
    assert.equal(await ownButton.getAttribute('aria-disabled'), 'true');
    assert.equal(await otherButton.isEnabled(), true, 'the other merchant still has stock');

    await setStock(sports.api_key, 'SIROP-CH', 0);
    await other.locator('.stock.out').waitFor();
    assert.equal(await otherButton.isDisabled(), true);

    await setStock(erabliere.api_key, 'SIROP-540', 12);
    await own.locator('.stock.in').waitFor();
    assert.equal(await ownButton.isEnabled(), true);
    assert.equal(await ownButton.getAttribute('aria-disabled'), 'false');
    await setStock(sports.api_key, 'SIROP-CH', 3);
    await other.locator('.stock.low').waitFor();
    assert.equal(await otherButton.isEnabled(), true);
    assert.deepEqual(errors, [], 'no JavaScript or console errors');
    await close();
  });

  // French on a phone, English on a desktop: the same purchase, the same checks.
  const RUNS = [
    {
      label: 'French, mobile 390×844',
      lang: 'fr',
      locale: 'fr-CA',
      viewport: { width: 390, height: 844 },
      query: 'sirop d’érable',
      title: /Sirop d’érable/,
      path: { search: 'recherche', cart: 'panier', checkout: 'paiement' },
      add: 'Ajouter au panier',
      nameLabel: 'Nom',
      email: 'Courriel',
      place: 'Passer la commande',
      fee: /5,00\s*\$/,
      confirmed: /confirmée|Merci/i,
    },
    {
      label: 'English, desktop 1280×800',
      lang: 'en',
      locale: 'en-CA',
      viewport: { width: 1280, height: 800 },
      query: 'maple syrup',
      title: /maple syrup/i,
      path: { search: 'search', cart: 'cart', checkout: 'checkout' },
      add: 'Add to cart',
      nameLabel: 'Name',
      email: 'Email',
      place: 'Place order',
      fee: /\$5\.00/,
      confirmed: /confirmed|Thank you/i,
    },
  ] as const;
  for (const run of RUNS)
    test(`${run.label}: search, two merchants, pickup at a chosen slot + delivery to a typed postal address, a gift card paying part: total shown = total charged`, async () => {
      const { page, errors, close } = await mobilePage(run.viewport, run.locale);
      const L = run.lang;
      // Both syrups in stock again whatever an earlier run bought (a POS sync).
      await setStock(region.merchants.erabliere.api_key, 'SIROP-540', 20);
      await setStock(region.merchants.sports.api_key, 'SIROP-CH', 20);
      const erabliere = region.merchants.erabliere;
      const sports = region.merchants.sports;
      const card = await issueGiftCard(db(), { paidCents: 1000 });

      // Search from the header box: the syrup sold by both merchants is one result; open it.
      await page.goto(`${base}/${L}`);
      await page.locator('#q').fill(run.query);
      await Promise.all([
        page.waitForURL(new RegExp(`/${L}/${run.path.search}`)),
        page.keyboard.press('Enter'),
      ]);
      const result = page.locator('main a.result-title').first();
      assert.match((await result.textContent()) ?? '', run.title);
      await Promise.all([page.waitForURL(new RegExp(`/${L}/p/\\d+`)), result.click()]);
      const opened = Number(new RegExp(`/${L}/p/(\\d+)`).exec(page.url())?.[1]);
      assert.ok([region.products.sirop, region.products.siropChelsea].includes(opened));
      // From that page: this merchant's nearest store, then the other merchant's offer (2 units).
      const [first, second] =
        opened === region.products.sirop
          ? [region.products.sirop, region.products.siropChelsea]
          : [region.products.siropChelsea, region.products.sirop];
      await Promise.all([
        page.waitForURL(new RegExp(`/${L}/${run.path.cart}$`)),
        page.locator('.default-offer').getByRole('button', { name: run.add }).click(),
      ]);
      await page.goBack();
      const otherOffer = page.locator('.offer', { has: page.locator(`[data-stock-product="${second}"]`) });
      await otherOffer.locator('input[name="quantity"]').fill('2');
      await Promise.all([
        page.waitForURL(new RegExp(`/${L}/${run.path.cart}$`)),
        otherOffer.getByRole('button', { name: run.add }).click(),
      ]);
      assert.ok(first !== second);
      assert.equal(await page.locator('main h1').count(), 1);
      const cartText = (await page.locator('main').textContent()) ?? '';
      assert.match(cartText, /Érablière du Lac/);
      assert.match(cartText, /Sports Chelsea/);
      await assertNoAxeViolations(page, 'cart');

      // Checkout: pickup at Sports Chelsea at the first proposed slot.
      await page.goto(`${base}/${L}/${run.path.checkout}`);
      await assertNoAxeViolations(page, 'checkout');
      await page.getByLabel(run.nameLabel, { exact: true }).fill('Camille Tremblay');
      await page.getByLabel(run.email, { exact: true }).fill('camille@example.test');
      const s = sports.merchant_id;
      await page.locator(`#f-${s}-p-${sports.location_id}`).check();
      const slotSelect = page.locator(`#c-f_${s}_slot_${sports.location_id}`);
      const slot = await slotSelect.locator('option').nth(1).getAttribute('value');
      assert.ok(slot, 'a pickup slot is proposed');
      await slotSelect.selectOption(slot);
      const slotLabel = (await slotSelect.locator('option:checked').textContent())?.trim() ?? '';
      // Delivery of the Érablière's syrup to a postal address typed by hand (no coordinates anywhere):
      // the town as people write it, the zone found by the postal code's prefix.
      const e = erabliere.merchant_id;
      await page.locator(`#f-${e}-d`).check();
      await page.locator(`#c-f_${e}_line1`).fill('12 rue Front');
      await page.locator(`#c-f_${e}_city`).fill('Gatineau');
      await page.locator(`#c-f_${e}_postal_code`).fill('J9H 5E1');
      // Gift card for part of the payment (the rest in store).
      await page.locator('#pay-gift_card').check();
      await page.locator('#c-gift_card_code').fill(card.code);
      await Promise.all([
        page.waitForNavigation(),
        page.locator('button[name="quote_update"]').first().click(),
      ]);
      // The form comes back quoted: the delivery fee is shown, the choices are kept.
      assert.equal(await page.locator('.grand-total').getAttribute('data-quoted'), 'true');
      const fee = page
        .locator('.merchant-fulfilment', { hasText: 'Érablière du Lac' })
        .locator('.delivery-fee');
      assert.match((await fee.textContent()) ?? '', run.fee);
      assert.equal(await page.locator(`#f-${e}-d`).isChecked(), true);
      assert.equal(await page.locator(`#c-f_${e}_postal_code`).inputValue(), 'J9H 5E1');
      assert.equal(await slotSelect.inputValue(), slot);
      await assertNoAxeViolations(page, 'checkout quoted');
      const shown = cents((await page.locator('.grand-total strong').textContent()) ?? '');
      // The syrups (12,99 $ and 13,99 $, one of them twice) plus the 5,00 $ fee and its taxes: the exact
      // figure is the quote's; below, it is checked against what the orders charge.
      assert.ok(shown >= 1299 + 1399 + 1299 + 500, `shown total ${shown} includes the delivery fee`);

      await Promise.all([
        page.waitForURL(new RegExp(`/${L}/${run.path.checkout}/confirmation/\\d+`)),
        page.getByRole('button', { name: run.place }).click(),
      ]);
      const checkoutId = Number(/confirmation\/(\d+)/.exec(page.url())?.[1]);
      const orders = await db()
        .selectFrom('orders')
        .select([
          'merchant_id',
          'total_cents',
          'delivery_fee_cents',
          'fulfilment_method',
          'pickup_slot_at',
          'gift_card_cents',
          'remainder_method',
          'delivery_address_json',
        ])
        .where('checkout_id', '=', checkoutId)
        .execute();
      assert.equal(orders.length, 2);
      const charged = orders.reduce((sum, o) => sum + Number(o.total_cents), 0);
      assert.equal(charged, shown, 'the total charged is the total shown before the button');
      const delivery = orders.find((o) => o.merchant_id === e)!;
      const pickup = orders.find((o) => o.merchant_id === s)!;
      assert.equal(delivery.fulfilment_method, 'delivery');
      assert.equal(Number(delivery.delivery_fee_cents), 500);
      assert.match(String(delivery.delivery_address_json), /J9H 5E1/);
      assert.equal(Number(delivery.gift_card_cents), 1000, 'the gift card paid part of the Érablière order');
      assert.equal(delivery.remainder_method, 'in_store');
      assert.equal(pickup.fulfilment_method, 'pickup');
      assert.equal(new Date(String(pickup.pickup_slot_at)).toISOString(), new Date(slot).toISOString());

      // The confirmation page shows both orders, their totals, the slot and the gift card part.
      const confirmation = (await page.locator('main').textContent()) ?? '';
      assert.match((await page.locator('main h1').textContent()) ?? '', run.confirmed);
      for (const o of orders) {
        const total = new Intl.NumberFormat(run.locale, { style: 'currency', currency: 'CAD' })
          .format(Number(o.total_cents) / 100)
          .replace(/\s/g, ' ');
        assert.ok(confirmation.replace(/\s/g, ' ').includes(total), `confirmation shows ${total}`);
      }
      assert.ok(confirmation.includes(slotLabel), `confirmation shows the slot ${slotLabel}`);
      assert.ok(await page.locator('.gift-card-split').count(), 'confirmation shows the gift card part');
      await assertNoAxeViolations(page, 'confirmation');
      assert.deepEqual(errors, [], 'no JavaScript or console errors');
      await close();
    });
});
