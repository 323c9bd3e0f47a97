// Issue 16, item 5: a campaign's landing page shows the merchants and products it features and
// where to find them (a Leaflet map with the configured tiles and a list that needs no JavaScript);
// coloured headers keep readable text whatever accent colour an association picked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCampaign } from '../../src/modules/campaigns/index.ts';
import { addLocation } from '../../src/modules/merchants/index.ts';
import { contrastRatio } from '../../src/modules/region/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const day = 86400_000;
const TILES = 'https://tiles.example.test/{z}/{x}/{y}.png';

/** The `color:` of the first element whose style sets `background:{bg}`. */
const colourOn = (page: string, bg: string) =>
  new RegExp(`style="background:${bg};color:(#[0-9a-f]{6})`, 'i').exec(page)?.[1];

describe(`campaign and association showcase pages (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  before(async () => {
    p = await createTestPlatform({ TILE_URL: TILES });
    const db = p.context.database.db;
    r = await seedMiniRegion(db);
    // A second store with a name of its own (the first carries the merchant's name).
    await addLocation(db, r.merchants.erabliere.merchant_id, {
      name: 'Kiosque du marché',
      address_line: '5 rue du Marché',
      municipality: 'Aylmer',
      postal_code: null,
      lat: 45.4,
      lng: -75.85,
      phone: null,
      pickup: 0,
    });
    await createCampaign(db, {
      slug: 'achat-local-hiver',
      title_fr: 'Achat local cet hiver',
      title_en: 'Buy local this winter',
      body_fr: 'Découvrez les commerces participants, leurs produits et la carte.',
      body_en: 'Discover the participating businesses, their products and the map.',
      starts_at: new Date(Date.now() - day).toISOString(),
      ends_at: new Date(Date.now() + 10 * day).toISOString(),
      merchant_ids: [r.merchants.erabliere.merchant_id],
      product_ids: [r.products.velo],
    });
    await createCampaign(db, {
      slug: 'achetez-aylmer',
      association_id: r.associations.aylmer,
      title_fr: 'Achetez Aylmer',
      title_en: 'Buy Aylmer',
      starts_at: new Date(Date.now() - day).toISOString(),
      ends_at: new Date(Date.now() + 10 * day).toISOString(),
    });
  });
  after(() => p.close());

  test('the campaign page lists its merchants, its products and their stores, with a map', async () => {
    for (const [path, words] of [
      ['/fr/campagnes/achat-local-hiver', { bike: 'Vélo de montagne', places: 'Où les trouver' }],
      ['/en/campaigns/achat-local-hiver', { bike: 'Mountain bike', places: 'Where to find them' }],
    ] as const) {
      const res = await p.app.inject({ method: 'GET', url: path });
      assert.equal(res.statusCode, 200, path);
      const page = res.body;
      // The featured merchant and the featured product (with its merchant).
      assert.match(page, /href="\/(fr|en)\/m\/[^"]+"><strong>Érablière du Lac<\/strong>/);
      assert.ok(page.includes(words.bike), `${path}: product`);
      assert.ok(page.includes('<small>Sports Chelsea</small>'), `${path}: product's merchant`);
      // Where to find them, without JavaScript: both merchants' stores with their addresses, a store
      // carrying its merchant's name named once, another store named beside its merchant.
      assert.ok(page.includes(words.places));
      const list = /<ul class="places">([\s\S]*?)<\/ul>/.exec(page)?.[1] ?? '';
      assert.match(list, /Érablière du Lac<\/strong>, 123 rue Principale, Aylmer/);
      assert.match(list, /Érablière du Lac<\/strong> — Kiosque du marché, 5 rue du Marché, Aylmer/);
      assert.match(list, /Sports Chelsea<\/strong>, 45 chemin Old Chelsea, Chelsea/);
      assert.doesNotMatch(page, /Érablière du Lac — Érablière du Lac|Sports Chelsea — Sports Chelsea/);
      // The map: Leaflet island with the configured tiles and one marker per store.
      const map = /<div[^>]*data-map[^>]*>/.exec(page)?.[0] ?? '';
      assert.ok(map.includes(`data-tiles="${TILES}"`), 'configured tile URL');
      const markers = JSON.parse(
        (/data-markers="([^"]*)"/.exec(map)?.[1] ?? '[]').replaceAll('&quot;', '"').replaceAll('&amp;', '&'),
      ) as { lat: number; lng: number; label: string }[];
      assert.deepEqual(
        markers.map((m) => [m.lat, m.lng]).sort(),
        [
          [45.3956, -75.8436],
          [45.4, -75.85],
          [45.4936, -75.7884],
        ].sort(),
      );
      assert.deepEqual(
        markers.map((m) => m.label).sort(),
        ['Érablière du Lac', 'Érablière du Lac — Kiosque du marché', 'Sports Chelsea'].sort(),
      );
      assert.ok(page.includes('/static/js/map.js'), 'map script');
    }
  });

  test('a campaign without featured merchants or products shows no empty map', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/fr/campagnes/achetez-aylmer' });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('data-map'));
    assert.ok(!res.body.includes('class="places"'));
  });

  test('an accent colour too close to the primary colour gives way to readable text (≥ 4.5:1)', async () => {
    const db = p.context.database.db;
    const primary = '#0b5e3c';
    // Accepted colours first: the association's own light accent stays.
    await db
      .updateTable('associations')
      .set({ accent_color: '#e3f1e9' })
      .where('id', '=', r.associations.aylmer)
      .execute();
    let campaign = (await p.app.inject({ method: 'GET', url: '/fr/campagnes/achetez-aylmer' })).body;
    assert.equal(colourOn(campaign, primary), '#e3f1e9');
    // Then an accent nearly the primary colour (1.05:1): white text instead, on every header.
    await db
      .updateTable('associations')
      .set({ accent_color: '#0d6140' })
      .where('id', '=', r.associations.aylmer)
      .execute();
    assert.ok(contrastRatio('#0d6140', primary) < 1.1);
    campaign = (await p.app.inject({ method: 'GET', url: '/fr/campagnes/achetez-aylmer' })).body;
    const showcase = (await p.app.inject({ method: 'GET', url: '/fr/a/aylmer' })).body;
    for (const [name, page] of [
      ['campaign header', campaign],
      ['association hero and campaign banner', showcase],
    ]) {
      const fg = colourOn(page, primary);
      assert.ok(fg, `${name}: coloured header`);
      assert.ok(contrastRatio(fg, primary) >= 4.5, `${name}: ${fg} on ${primary}`);
    }
  });
});
