import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/index.ts';
import { launchBrowser, signIn, skipReason, startTileServer } from '../helpers/browser.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const PW = 'correct horse battery';

describe('live new orders and the hours editor in a real browser (Chromium, 390 px)', {
  skip: skipReason,
}, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  let tiles: Awaited<ReturnType<typeof startTileServer>>;

  before(async () => {
    tiles = await startTileServer();
    p = await createTestPlatform({ TILE_URL: tiles.url });
    region = await seedMiniRegion(p.context.database.db);
    await createUser(p.context.database.db, {
      email: 'owner-live@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id }],
    });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
    await tiles?.close();
  });

  const login = (page: Page) => signIn(page, base, 'owner-live@example.test', PW);

  test('a new order shows on the dashboard without a reload; the sound choice is remembered', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page);
    assert.equal(new URL(page.url()).pathname, '/fr/marchand');
    const sound = page.getByLabel('Son à chaque nouvelle commande');
    await sound.waitFor({ state: 'visible' });
    assert.equal(await sound.isChecked(), true, 'sound is on until turned off');
    assert.equal(await page.getByLabel('Notification du navigateur').isChecked(), false);
    await page.getByText('En direct', { exact: false }).waitFor();
    const before = Number(await page.locator('[data-stat="orders-today"]').textContent());

    await p.context.events.publish('order', {
      order_id: 4242,
      merchant_id: region.merchants.erabliere.merchant_id,
      status: 'placed',
    });
    // Another merchant's order never reaches this page.
    await p.context.events.publish('order', {
      order_id: 4243,
      merchant_id: region.merchants.sports.merchant_id,
      status: 'placed',
    });
    const link = page.getByRole('link', { name: 'Nouvelle commande n° 4242' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), '/fr/marchand/commandes/4242');
    assert.equal(await page.getByText('Nouvelle commande n° 4243').count(), 0);
    assert.equal(Number(await page.locator('[data-stat="orders-today"]').textContent()), before + 1);

    await sound.uncheck();
    await page.reload();
    await page.getByLabel('Son à chaque nouvelle commande').waitFor({ state: 'visible' });
    assert.equal(await page.getByLabel('Son à chaque nouvelle commande').isChecked(), false);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('the hours editor fits 390 px and its errors pass axe', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await login(page);
    await page.goto(`${base}/fr/marchand/magasins/${region.merchants.erabliere.location_id}`, {
      waitUntil: 'networkidle',
    });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await overflow()) <= 390, `page is ${await overflow()} px wide`);
    await page.locator('#f-open_mon').fill('09:00');
    await page.locator('#f-close_mon').fill('12:00');
    await page.locator('#f-open2_mon').fill('11:00');
    await page.locator('#f-close2_mon').fill('17:00');
    await page.locator('#f-closure_label_0').fill('Fête nationale');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enregistrer' }).click()]);
    assert.equal(await page.locator('#f-open2_mon').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-closure_date_0').getAttribute('aria-invalid'), 'true');
    assert.ok((await overflow()) <= 390, `page with errors is ${await overflow()} px wide`);
    const r = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    assert.deepEqual(
      r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
    );
    await ctx.close();
  });
});
