/**
 * Issue 13, search and product pages with product variants: a product with variants is one search
 * result (lowest variant price "from", availability summed over its variants per store), the API
 * lists its variants with their stock per store, the product page offers a variant chooser with
 * each variant's live stock, and a variant's own id is not a product. Products without variants
 * behave as before.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { createProduct, createVariant } from '../../src/modules/catalog/index.ts';
import { announceAvailability, setOnHand } from '../../src/modules/inventory/index.ts';
import { addLocation } from '../../src/modules/merchants/index.ts';
import { clearReferenceCache, indexProducts, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { launchBrowser, skipReason } from '../helpers/browser.ts';
import * as factories from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const CHELSEA = { lat: 45.4936, lng: -75.7884 };

interface Result {
  product_id: number;
  sku: string;
  price_cents: number;
  price_from: boolean;
  available: number;
  location: { id: number };
}

describe('product variants in search and on product pages', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  /** The parka: the product row is S (129,99 $), then M (119,99 $) and L (139,99 $). */
  const parka = { product: 0, m: 0, l: 0, store1: 0, store2: 0 };
  const db = () => p.context.database.db;
  const get = (url: string) => p.app.inject({ url });

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await factories.approveMerchants(db(), region);
    const sports = region.merchants.sports;
    parka.store1 = sports.location_id;
    parka.store2 = await addLocation(db(), sports.merchant_id, {
      name: 'Sports Chelsea — Wakefield',
      address_line: '12 chemin Riverside',
      municipality: 'Wakefield',
      lat: 45.6406,
      lng: -75.9264,
    });
    parka.product = await createProduct(db(), {
      merchant_id: sports.merchant_id,
      sku: 'PARKA-S',
      title_fr: 'Parka hivernale',
      title_en: 'Winter parka',
      description_fr: 'Une parka chaude pour l’hiver.',
      description_en: 'A warm winter parka.',
      price_cents: 12999,
      tax_class: 'standard',
      options_json: JSON.stringify([{ name: 'Taille', value: 'S' }]),
    });
    parka.m = (await createVariant(db(), parka.product, {
      sku: 'PARKA-M',
      price_cents: 11999,
      options: [{ name: 'Taille', value: 'M' }],
    }))!;
    parka.l = (await createVariant(db(), parka.product, {
      sku: 'PARKA-L',
      price_cents: 13999,
      options: [{ name: 'Taille', value: 'L' }],
    }))!;
    assert.equal(await createVariant(db(), parka.m, { sku: 'X', price_cents: 1, options: [] }), undefined);
    // S: 2 + 0, M: 1 + 4, L: 0 + 3.
    await setOnHand(db(), parka.product, parka.store1, 2);
    await setOnHand(db(), parka.m, parka.store1, 1);
    await setOnHand(db(), parka.m, parka.store2, 4);
    await setOnHand(db(), parka.l, parka.store2, 3);
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p?.close());

  const search = async (q: string) => {
    const r = await get(`/api/v1/search?q=${q}&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=50`);
    assert.equal(r.statusCode, 200, r.body);
    return (r.json() as { results: Result[] }).results;
  };

  test('search returns the product once, with its lowest variant price and summed availability', async () => {
    const results = (await search('parka')).filter((r) => r.sku.startsWith('PARKA'));
    assert.equal(results.length, 1, JSON.stringify(results));
    const [r] = results as [Result];
    assert.equal(r.product_id, parka.product);
    assert.equal(r.price_cents, 11999);
    assert.equal(r.price_from, true);
    const expected = r.location.id === parka.store1 ? 3 : 7;
    assert.equal(r.available, expected);
    // Browsing without words lists the product once too.
    const browse = await get(`/api/v1/search?lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=50&per_page=50`);
    const ids = (browse.json() as { results: Result[] }).results.map((x) => x.product_id);
    assert.ok(ids.includes(parka.product));
    assert.ok(!ids.includes(parka.m) && !ids.includes(parka.l));
  });

  test('a variant re-indexed on its own stays out of results; its stock still counts for its product', async () => {
    await indexProducts(p.context.database, [parka.m, parka.l, parka.product]);
    const results = (await search('parka')).filter((r) => r.sku.startsWith('PARKA'));
    assert.equal(results.length, 1);
    assert.equal(results[0]!.product_id, parka.product);
  });

  test('stock events of variant rows keep the product’s in-memory availability (in-stock filter)', async () => {
    const sports = region.merchants.sports;
    const change = async (variantId: number, sku: string, locationId: number, n: number) => {
      await setOnHand(db(), variantId, locationId, n);
      await announceAvailability(db(), p.context.events, [
        {
          product_id: variantId,
          sku,
          location_id: locationId,
          merchant_id: sports.merchant_id,
          available: n,
        },
      ]);
    };
    const inStock = async () =>
      (await search('parka&in_stock=1')).filter((r) => r.sku.startsWith('PARKA')).map((r) => r.available);
    await search('parka'); // memory loaded
    // Only the variants' stock left (the product row S sold out everywhere): still in stock.
    await change(parka.product, 'PARKA-S', parka.store1, 0);
    await p.context.events.settled();
    assert.equal((await inStock()).length, 1);
    // Every variant sold out: no longer "in stock".
    await change(parka.m, 'PARKA-M', parka.store1, 0);
    await change(parka.m, 'PARKA-M', parka.store2, 0);
    await change(parka.l, 'PARKA-L', parka.store2, 0);
    await p.context.events.settled();
    assert.deepEqual(await inStock(), []);
    // One variant back at one store.
    await change(parka.l, 'PARKA-L', parka.store2, 2);
    await p.context.events.settled();
    assert.deepEqual(await inStock(), [2]);
    // Stock as the other tests expect it.
    await change(parka.product, 'PARKA-S', parka.store1, 2);
    await change(parka.m, 'PARKA-M', parka.store1, 1);
    await change(parka.m, 'PARKA-M', parka.store2, 4);
    await change(parka.l, 'PARKA-L', parka.store2, 3);
    await p.context.events.settled();
  });

  test('the search page shows a "from" price', async () => {
    const r = await get(`/fr/recherche?q=parka&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=50`);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /à partir de 119,99/);
  });

  test('GET /api/v1/products/{id} lists the variants with their offers; a variant id is 404', async () => {
    const r = await get(`/api/v1/products/${parka.product}`);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json() as {
      price_cents: number;
      offers: { location: { id: number }; available: number }[];
      variants: {
        variant_id: number;
        sku: string;
        options: Record<string, string>;
        price_cents: number;
        gtin: string | null;
        offers: { location_id: number; available: number }[];
      }[];
    };
    assert.equal(body.price_cents, 11999);
    assert.deepEqual(
      body.variants.map((v) => [v.variant_id, v.sku, v.options.Taille, v.price_cents]),
      [
        [parka.product, 'PARKA-S', 'S', 12999],
        [parka.m, 'PARKA-M', 'M', 11999],
        [parka.l, 'PARKA-L', 'L', 13999],
      ],
    );
    const at = (i: number, loc: number) =>
      body.variants[i]!.offers.find((o) => o.location_id === loc)?.available;
    assert.deepEqual(
      [
        at(0, parka.store1),
        at(0, parka.store2),
        at(1, parka.store1),
        at(1, parka.store2),
        at(2, parka.store1),
        at(2, parka.store2),
      ],
      [2, 0, 1, 4, 0, 3],
    );
    const offer = (loc: number) => body.offers.find((o) => o.location.id === loc)?.available;
    assert.equal(offer(parka.store1), 3);
    assert.equal(offer(parka.store2), 7);

    const variant = await get(`/api/v1/products/${parka.m}`);
    assert.equal(variant.statusCode, 404);
    assert.equal((variant.json() as { error: { code: string } }).error.code, 'not_found');
  });

  test('a product without variants has one variant and its price as before', async () => {
    const sirop = region.products.sirop;
    const r = await get(`/api/v1/products/${sirop}`);
    assert.equal(r.statusCode, 200);
    const body = r.json() as {
      price_cents: number;
      price_from: boolean;
      variants: { variant_id: number; options: object }[];
    };
    assert.equal(body.variants.length, 1);
    assert.equal(body.variants[0]!.variant_id, sirop);
    assert.deepEqual(body.variants[0]!.options, {});
    assert.equal(body.price_from, false);
    const page = await get(`/fr/p/${sirop}`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /data-variant-chooser|à partir de/);
  });

  test('the product page offers a variant chooser and each variant’s live stock per store', async () => {
    const r = await get(`/fr/p/${parka.product}`);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /à partir de 119,99/);
    assert.match(r.body, /name="variant_id"/);
    assert.match(r.body, /Taille\u202f: M/);
    // Live badges per variant and store.
    assert.match(r.body, new RegExp(`data-stock-product="${parka.l}" data-stock-location="${parka.store2}"`));
    // At store 1, L is out of stock: not offered in that store's chooser.
    const form1 =
      r.body.match(new RegExp(`<select id="variant-${parka.store1}"[\\s\\S]*?</select>`))?.[0] ?? '';
    assert.match(form1, new RegExp(`value="${parka.m}"`));
    assert.doesNotMatch(form1, new RegExp(`value="${parka.l}"`));
    const variantPage = await get(`/fr/p/${parka.m}`);
    assert.equal(variantPage.statusCode, 404);
  });

  test('the merchant page lists the product once with its "from" price and summed stock', async () => {
    const r = await get(`/fr/m/${region.merchants.sports.slug}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.body.split('Parka hivernale').length - 1, 1);
    assert.match(r.body, /à partir de 119,99/);
    assert.doesNotMatch(r.body, new RegExp(`/fr/p/${parka.m}\\b`));
  });

  test('in a browser: zero axe violations on the variants page, and the stores’ choosers follow each other', {
    skip: skipReason,
  }, async () => {
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    const browser = await launchBrowser();
    try {
      for (const lang of ['fr', 'en'] as const) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${base}/${lang}/p/${parka.product}`);
        const axe = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
          .analyze();
        const summary = axe.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
        assert.deepEqual(summary, [], `${lang} axe violations`);
        // Store 2 offers M and L; choosing L there chooses it wherever it is offered, and marks its row.
        await page.selectOption(`#variant-${parka.store2}`, String(parka.l));
        assert.equal(await page.getAttribute(`tr[data-variant="${parka.l}"]`, 'class'), 'chosen');
        await page.selectOption(`#variant-${parka.store2}`, String(parka.m));
        assert.equal(await page.inputValue(`#variant-${parka.store1}`), String(parka.m));
        assert.deepEqual(errors, []);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  });
});
