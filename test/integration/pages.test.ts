import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('web shell pages', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
  });
  after(() => p.close());

  test('/ redirects to French by default and to English when the browser prefers it', async () => {
    const fr = await p.app.inject({ url: '/' });
    assert.equal(fr.statusCode, 302);
    assert.equal(fr.headers.location, '/fr');
    const en = await p.app.inject({ url: '/', headers: { 'accept-language': 'en-CA,en;q=0.9' } });
    assert.equal(en.headers.location, '/en');
    const remembered = await p.app.inject({
      url: '/',
      headers: { 'accept-language': 'en', cookie: 'lang=fr' },
    });
    assert.equal(remembered.headers.location, '/fr');
  });

  test('home page in French lists the associations and carries security headers', async () => {
    const res = await p.app.inject({ url: '/fr', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="fr-CA"/);
    assert.match(res.body, /APICA — Achetez Aylmer/);
    assert.match(res.body, /href="\/en"/);
    assert.ok(res.headers['content-security-policy']);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['strict-transport-security']);
    assert.match(String(res.headers['set-cookie']), /lang=fr/);
  });

  test('home page in English', async () => {
    const res = await p.app.inject({ url: '/en' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="en-CA"/);
    assert.match(res.body, /Buy local, near you/);
  });

  test('merchant page renders profile, hours, products and JSON-LD', async () => {
    const res = await p.app.inject({ url: `/fr/m/${region.merchants.erabliere.slug}` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Érablière du Lac/);
    assert.match(res.body, /Sirop d’érable ambré 540 ml/);
    assert.match(res.body, /"@type":"LocalBusiness"/);
    assert.match(res.body, /Lundi/);
    assert.match(res.body, /12,99\u00a0\$/);
  });

  test('product page shows price in the visitor locale and stock per location', async () => {
    const fr = await p.app.inject({ url: `/fr/p/${region.products.sirop}` });
    assert.equal(fr.statusCode, 200);
    assert.match(fr.body, /En stock \(12\)/);
    assert.match(fr.body, /Aliments du Québec/);
    const en = await p.app.inject({ url: `/en/p/${region.products.sirop}` });
    assert.match(en.body, /\$12\.99/);
    assert.match(en.body, /Amber maple syrup/);
    // The nearest store's line: English colon without a space, French with a narrow no-break space,
    // and the distance never glued to the stock badge.
    assert.match(en.body, /Nearest store with stock: <strong>/);
    assert.match(fr.body, /Magasin le plus proche avec du stock\u202f: <strong>/);
    assert.match(en.body, /km away <span class="stock in"/);
    const low = await p.app.inject({ url: `/fr/p/${region.products.tire}` });
    assert.match(low.body, /Plus que 1/);
    // Each offer in stock can be added to the cart without JavaScript.
    assert.match(fr.body, /<form method="post" action="\/fr\/panier\/ajouter" class="add-to-cart">/);
    assert.match(fr.body, new RegExp(`name="location_id" value="${region.merchants.erabliere.location_id}"`));
    const out = await p.app.inject({ url: `/fr/p/${region.products.velo}` });
    assert.doesNotMatch(out.body, /class="add-to-cart"/, 'no add-to-cart form when out of stock');
  });

  test('unknown pages are a translated 404, never a stack trace', async () => {
    const res = await p.app.inject({ url: '/fr/p/999999', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /Page introuvable/);
    const bad = await p.app.inject({ url: '/en/p/not-a-number', headers: { accept: 'text/html' } });
    assert.equal(bad.statusCode, 400);
    assert.doesNotMatch(bad.body, /at .*\.ts:\d+/);
  });

  test('a product named like a script renders as text', async () => {
    const { db } = p.context.database;
    const row = await db
      .insertInto('products')
      .values({
        merchant_id: region.merchants.erabliere.merchant_id,
        sku: 'XSS',
        title_fr: '<script>alert(1)</script>',
        price_cents: 100,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await p.app.inject({ url: `/fr/p/${row.id}` });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<script>alert\(1\)<\/script>/);
    assert.match(res.body, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  test('static assets carry long cache headers; health endpoints answer', async () => {
    const css = await p.app.inject({ url: '/static/css/app.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['cache-control']), /max-age=604800/);
    assert.equal((await p.app.inject({ url: '/healthz' })).statusCode, 200);
    const ready = await p.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.match((await p.app.inject({ url: '/metrics' })).body, /comptoir_http_request_duration_seconds/);
    const openapi = await p.app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(openapi.statusCode, 200);
    assert.equal(openapi.json().openapi.startsWith('3.'), true);
  });
});
