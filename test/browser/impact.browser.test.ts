import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { findUserByEmail } from '../../src/modules/accounts/index.ts';
import { seedDemo } from '../../src/tools/demo/index.ts';
import { launchBrowser, skipReason } from '../helpers/browser.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { sessionCookie } from '../helpers/session.ts';

/** With UPDATE_SCREENSHOTS=1 the pages are saved under docs/screenshots/ (impact-*.png). */
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/screenshots') : undefined;

describe('impact report in a real browser (Chromium): demo history, axe, phone and desktop', {
  skip: skipReason,
}, () => {
  let p: TestPlatform;
  let browser: Browser;
  let base: string;
  let cookie: [string, string];

  before(async () => {
    p = await createTestPlatform();
    // The demo region, with its order history placed through the checkout.
    await seedDemo(p.context.database, { merchants: 40, products: 1500, seed: 1, orders: 60 });
    const admin = await findUserByEmail(p.context.database.db, 'admin@comptoir.demo');
    assert.ok(admin);
    const [name, value] = (await sessionCookie(p.context.database.db, admin.id)).split('=');
    cookie = [name as string, value as string];
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
  });

  async function open(url: string, width: number, height: number): Promise<Page> {
    const ctx = await browser.newContext({
      viewport: { width, height },
      locale: url.startsWith('/fr') ? 'fr-CA' : 'en-CA',
    });
    await ctx.addCookies([{ name: cookie[0], value: cookie[1], url: base }]);
    const page = await ctx.newPage();
    const res = await page.goto(`${base}${url}`, { waitUntil: 'load' });
    assert.equal(res?.status(), 200, url);
    return page;
  }

  async function axe(page: Page) {
    const r = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  for (const [name, url, width, height] of [
    ['impact-fr-desktop', '/fr/admin/impact', 1366, 900],
    ['impact-fr-mobile', '/fr/admin/impact', 390, 844],
    ['impact-en-desktop', '/en/admin/impact', 1366, 900],
  ] as const) {
    test(`${name}: figures from the demo history, charts, axe clean, no sideways scroll`, async () => {
      const page = await open(url, width, height);
      // The demo ships months of orders: the default period (since launch) is not empty.
      const orders = await page.locator('[data-figure="orders"] .kpi-value').textContent();
      assert.ok(Number(orders?.replace(/\D/g, '')) >= 30, `orders ${orders}`);
      assert.ok((await page.locator('svg.chart-columns rect').count()) >= 4, 'one column per month');
      assert.ok((await page.locator('svg.chart-bars rect').count()) >= 2, 'bars by town');
      assert.deepEqual(await axe(page), []);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
      // Nothing scrolls inside its frame either: each chart shown and each table fits at first sight.
      const cut = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.chart-wrap, .table-wrap, .chart-wrap svg'))
          .filter((el) => el.getClientRects().length > 0)
          .filter(
            (el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > innerWidth,
          )
          .map((el) => `${el.getAttribute('class')}: ${el.scrollWidth} > ${el.clientWidth}`),
      );
      assert.deepEqual(cut, [], 'charts and tables fit their frame');
      // Three charts shown, one form each: on a phone the one-bar-per-row form, the wide one else.
      const shown = (sel: string) =>
        page.locator(sel).evaluateAll((els) => els.filter((e) => e.getClientRects().length).length);
      assert.equal(await shown('svg.chart-narrow'), width < 640 ? 3 : 0);
      assert.equal(await shown('svg.chart-wide'), width < 640 ? 0 : 3);
      // The money column of the association table is on screen, whole.
      const money = await page
        .locator('#table-associations tbody tr td:nth-of-type(2)')
        .first()
        .boundingBox();
      assert.ok(money && money.x + money.width <= width, `sales cell ${JSON.stringify(money)}`);
      if (width < 640) {
        // The phone chart's text is scaled to no less than 12 px (14 units in a 340-unit viewBox).
        const scale = await page
          .locator('svg.chart-narrow')
          .first()
          .evaluate((svg) => svg.getBoundingClientRect().width / 340);
        assert.ok(scale * 14 >= 12, `chart text ${scale * 14}px`);
      }
      if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      await page.context().close();
    });
  }

  test('print media hides the navigation and the controls', async () => {
    const page = await open('/fr/admin/impact', 1366, 900);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-header').isVisible(), false);
    assert.equal(await page.locator('.impact-controls').isVisible(), false);
    assert.equal(await page.locator('[data-figure="sales"]').isVisible(), true);
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.subarray(0, 5).toString() === '%PDF-');
    await page.context().close();
  });
});
