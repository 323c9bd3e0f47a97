import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { launchBrowser, skipReason, startTileServer } from '../helpers/browser.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('pages in a real browser (Chromium), both languages, axe', { skip: skipReason }, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let browser: Browser;
  let base: string;
  let tiles: Awaited<ReturnType<typeof startTileServer>>;

  before(async () => {
    tiles = await startTileServer();
    p = await createTestPlatform({ TILE_URL: tiles.url });
    region = await seedMiniRegion(p.context.database.db);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
    await tiles?.close();
  });

  const pages = (lang: 'fr' | 'en') => [
    { name: 'home', path: '' },
    { name: 'merchant', path: `/m/${region.merchants.erabliere.slug}` },
    { name: 'product', path: `/p/${region.products.sirop}` },
    { name: 'product, every offer', path: `/p/${region.products.sirop}?offers=all` },
    { name: 'search', path: lang === 'fr' ? '/recherche?q=sirop+d%27%C3%A9rable' : '/search?q=maple+syrup' },
    { name: 'directory', path: lang === 'fr' ? '/commerces' : '/merchants' },
    { name: 'association', path: '/a/aylmer' },
    { name: 'cart', path: lang === 'fr' ? '/panier' : '/cart' },
  ];

  for (const lang of ['fr', 'en'] as const) {
    test(`home, merchant, product, search, directory, association and cart pages load in ${lang} with zero axe violations`, async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
      });
      for (const { name, path } of pages(lang)) {
        const res = await page.goto(`${base}/${lang}${path}`, { waitUntil: 'networkidle' });
        assert.equal(res?.status(), 200, `${name} status`);
        assert.equal(await page.getAttribute('html', 'lang'), lang === 'fr' ? 'fr-CA' : 'en-CA');
        assert.ok(await page.locator('main h1').count(), `${name} has a heading`);
        const axe = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
          .analyze();
        const summary = axe.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
        assert.deepEqual(summary, [], `${lang} ${name} axe violations`);
      }
      assert.deepEqual(errors, [], 'no JavaScript or console errors');
      await context.close();
    });
  }

  test('the language switch goes to the same page in English and is remembered', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/fr/p/${region.products.sirop}`);
    await page.click('a.lang');
    assert.equal(new URL(page.url()).pathname, `/en/p/${region.products.sirop}`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Amber maple syrup/);
    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, '/en');
    await page.close();
  });

  test('the map draws with tiles from the configured local tile server', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/fr/m/${region.merchants.erabliere.slug}`, { waitUntil: 'networkidle' });
    // Leaflet loads when the map scrolls into view.
    await page.locator('[data-map]').first().scrollIntoViewIfNeeded();
    await page.waitForSelector('.leaflet-marker-icon');
    assert.ok(tiles.requests() > 0, 'tiles were requested from the local server');
    await page.close();
  });
});
