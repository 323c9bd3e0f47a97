import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/index.ts';
import { launchBrowser, signIn, skipReason, startTileServer } from '../helpers/browser.ts';
import { placeOrder } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const PW = 'correct horse battery';

describe('accounts and back-office in a real browser (Chromium), axe', { skip: skipReason }, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  let tiles: Awaited<ReturnType<typeof startTileServer>>;
  let orderId: number;

  before(async () => {
    tiles = await startTileServer();
    p = await createTestPlatform({ TILE_URL: tiles.url });
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    await db.insertInto('municipalities').values({ name: 'Aylmer', lat: 45.3956, lng: -75.8436 }).execute();
    await createUser(db, {
      email: 'owner@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id }],
    });
    await createUser(db, {
      email: 'admin@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    // One pickup order, so the orders list and the order page show rows, badges and actions.
    const { orders } = await placeOrder(p.app, [[region.products.sirop, 1]], region.merchants.erabliere, {
      lang: 'fr',
      customer: { name: 'Alex Smith', email: 'alex@example.test' },
    });
    orderId = orders[0].order_id;
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
    await tiles?.close();
  });

  async function axe(page: Page, name: string) {
    const r = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    const summary = r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(summary, [], `${name} axe violations`);
  }

  const login = (page: Page, lang: 'fr' | 'en', email: string) => signIn(page, base, email, PW, lang);

  test('public account pages have no axe violations in both languages', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const path of [
      '/fr/connexion',
      '/en/login',
      '/fr/inscription',
      '/en/signup',
      '/fr/marchand/inscription',
      '/en/merchant/signup',
    ]) {
      const res = await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
      assert.equal(res?.status(), 200, path);
      await axe(page, path);
    }
    // A failed sign-up shows errors tied to their fields, still without violations.
    await page.goto(`${base}/fr/marchand/inscription`);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Envoyer ma demande' }).click(),
    ]);
    assert.ok(await page.locator('[aria-invalid="true"]').count());
    await axe(page, 'merchant sign-up with errors');
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('clicking the map fills the pin fields', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/en/merchant/signup`, { waitUntil: 'networkidle' });
    await page.waitForSelector('[data-pin-map].leaflet-container');
    await page.locator('[data-pin-map]').click({ position: { x: 100, y: 80 } });
    const lat = Number(await page.getByLabel('Latitude').inputValue());
    const lng = Number(await page.getByLabel('Longitude').inputValue());
    assert.ok(lat > 40 && lat < 50 && lng < -70 && lng > -80, `${lat}, ${lng}`);
    await page.close();
  });

  test('an owner signs in and every back-office page passes axe (fr and en)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const lang of ['fr', 'en'] as const) {
      await login(page, lang, 'owner@example.test');
      assert.equal(new URL(page.url()).pathname, lang === 'fr' ? '/fr/marchand' : '/en/merchant');
      const paths =
        lang === 'fr'
          ? [
              '',
              '/commandes',
              `/commandes/${orderId}`,
              `/produits/${region.products.sirop}`,
              `/magasins/${region.merchants.erabliere.location_id}`,
            ]
          : ['', '/orders', '/inventory', '/staff'];
      for (const path of paths) {
        const url = `${base}/${lang}/${lang === 'fr' ? 'marchand' : 'merchant'}${path}`;
        const res = await page.goto(url, { waitUntil: 'networkidle' });
        assert.equal(res?.status(), 200, url);
        await axe(page, url);
      }
      if (lang === 'en') {
        await page.goto(`${base}/en/account`);
        await axe(page, 'account');
      }
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: lang === 'fr' ? 'Se déconnecter' : 'Sign out' }).click(),
      ]);
    }
    // Product form with errors.
    await login(page, 'fr', 'owner@example.test');
    await page.goto(`${base}/fr/marchand/produits/nouveau`);
    await page.getByLabel('Prix ($)').fill('abc');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enregistrer' }).click()]);
    assert.equal(await page.getByLabel('Prix ($)').getAttribute('aria-invalid'), 'true');
    await axe(page, 'product form with errors');
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('the console, region settings and approval screens pass axe (phone and desktop)', async () => {
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1366, height: 900 },
    ]) {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      await login(page, 'fr', 'admin@example.test');
      // Operators land on the console, which links every tool.
      assert.equal(new URL(page.url()).pathname, '/fr/admin');
      await axe(page, `admin console ${viewport.width}`);
      for (const path of ['/fr/admin/region', '/en/admin/region', '/fr/admin/commerces?status=all']) {
        const res = await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
        assert.equal(res?.status(), 200, path);
        // Every console tool links back to the console.
        assert.equal(await page.locator('nav.admin-bar a[href$="/admin"]').count(), 1, path);
        await axe(page, `${path} ${viewport.width}`);
      }
      await ctx.close();
    }
  });
});
