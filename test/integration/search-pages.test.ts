import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('search, directory and product pages', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const page = async (url: string) => {
    const res = await p.app.inject({ url, headers: { accept: 'text/html' } });
    return { status: res.statusCode, body: res.body };
  };
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    await p.context.database.db
      .insertInto('municipalities')
      .values([
        { name: 'Aylmer', lat: 45.3956, lng: -75.8436 },
        { name: 'Chelsea', lat: 45.4936, lng: -75.7884 },
      ])
      .execute();
    // Two more merchants with one product each: a store named like its merchant (but for case) and
    // a store with its own name, to see how the results name them.
    const db = p.context.database.db;
    const epicerie = await db
      .selectFrom('categories')
      .select('id')
      .where('slug', '=', 'epicerie')
      .executeTakeFirstOrThrow();
    const at = { address: '10 rue Principale', municipality: 'Aylmer', lat: 45.3956, lng: -75.8436 };
    const stores = [
      {
        merchant: 'Poterie Caron',
        store: 'poterie caron',
        sku: 'BOL',
        fr: 'Bol artisanal en grès',
        en: 'Artisanal stoneware bowl',
      },
      {
        merchant: 'Fromagerie Moreau',
        store: 'Kiosque du marché',
        sku: 'GRAINS',
        fr: 'Fromage artisanal en grains',
        en: 'Artisanal cheese curds',
      },
    ];
    for (const s of stores) {
      const m = await createMerchant(db, { name: s.merchant, location: { ...at, name: s.store } });
      const row = await db
        .insertInto('products')
        .values({
          merchant_id: m.merchant_id,
          sku: s.sku,
          title_fr: s.fr,
          title_en: s.en,
          description_fr: s.fr,
          description_en: s.en,
          category_id: epicerie.id,
          price_cents: 1500,
          tax_class: 'standard',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('inventory_levels')
        .values({ product_id: row.id, location_id: m.location_id, on_hand: 5, reserved: 0 })
        .execute();
    }
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p.close());

  test('/fr/recherche lists offers with distance, live stock badges, filters form and map markers', async () => {
    const r = await page('/fr/recherche?q=chaussures');
    assert.equal(r.status, 200);
    assert.match(r.body, /Résultats pour « chaussures »/);
    assert.match(r.body, /Chaussures de course pour femme/);
    assert.match(r.body, new RegExp(`data-stock-product="${region.products.chaussures}"`));
    assert.match(r.body, /data-stock-location="\d+"/);
    assert.match(r.body, /à [\d,]+ km/);
    assert.match(r.body, /<form class="filters" method="get" action="\/fr\/recherche"/);
    assert.match(r.body, /name="in_stock"/);
    assert.match(r.body, /data-markers="\[\{&quot;lat&quot;/);
    assert.match(r.body, /href="\/en\/search\?q=chaussures"/);
  });

  test('/en/search in English; filters work as plain links and forms', async () => {
    const r = await page('/en/search?q=maple&quebec=1&in_stock=1&sort=price_asc');
    assert.equal(r.status, 200);
    assert.match(r.body, /Amber maple syrup 540 ml/);
    assert.match(r.body, /within 25 km/);
    assert.match(r.body, /name="quebec" value="1" checked/);
  });

  test('a result names a store named like its merchant once, and a store with its own name beside its merchant', async () => {
    for (const [url, away] of [
      ['/fr/recherche?q=artisanal&near=Aylmer', 'à 0 km'],
      ['/en/search?q=artisanal&near=Aylmer', '0 km away'],
    ]) {
      const r = await page(url);
      assert.equal(r.status, 200);
      assert.match(r.body, new RegExp(`>Poterie Caron</a>, ${away}`), url);
      assert.doesNotMatch(r.body, /Poterie Caron — |poterie caron/, url);
      assert.match(r.body, new RegExp(`>Fromagerie Moreau</a> — Kiosque du marché, ${away}`), url);
    }
  });

  test('near= a town resolves to its coordinates', async () => {
    const r = await page('/fr/recherche?q=sirop&near=Chelsea&radius_km=2');
    assert.match(r.body, /point de départ : Chelsea/);
    assert.match(r.body, /Sports Chelsea/);
    assert.doesNotMatch(r.body, /Érablière du Lac/);
  });

  test('no results: spelling suggestion, wider radius and categories', async () => {
    const r = await page('/fr/recherche?q=siropp%20fromagee&radius_km=2');
    assert.equal(r.status, 200);
    assert.match(r.body, /Aucun résultat/);
    assert.match(r.body, /Vouliez-vous dire/);
    assert.match(r.body, /Élargir la recherche à 100 km/);
    assert.match(r.body, /href="\/fr\/recherche\?category=chaussures"/);
    const en = await page('/en/search?q=chausures&lat=45.0&lng=-74.0&radius_km=2');
    assert.match(en.body, /Did you mean:/);
    assert.match(en.body, />chaussures</);
  });

  test('a relaxed search names the words no product holds, as typed, and what the results hold instead', async () => {
    const notice = async (path: string) => {
      const r = await page(path);
      assert.equal(r.status, 200);
      return /<p class="notice">([^<]*)<\/p>/.exec(r.body)?.[1]?.replace(/\s+/g, ' ').trim();
    };
    // Unknown words left out, the others together: the maple syrup, not anything with one word.
    const fr = await page(`/fr/recherche?q=${encodeURIComponent("Sirop d'ÉRABLE zorglub foncé")}`);
    assert.match(fr.body, /Sirop d’érable ambré 540 ml/);
    assert.doesNotMatch(fr.body, /Tire d’érable/);
    assert.equal(
      await notice(`/fr/recherche?q=${encodeURIComponent("Sirop d'ÉRABLE zorglub foncé")}`),
      'Aucun produit ne contient : « zorglub », « foncé ». Voici ceux qui contiennent vos autres mots.',
    );
    assert.equal(
      await notice(`/en/search?q=${encodeURIComponent('maple zorglub syrup')}`),
      'No product contains: “zorglub”. Here are those with your other words.',
    );
    // The others together match nothing: any of them.
    assert.equal(
      await notice(`/fr/recherche?q=${encodeURIComponent('sirop chaussures zorglub')}`),
      'Aucun produit ne contient : « zorglub ». Voici ceux qui contiennent au moins un de vos autres mots.',
    );
    // Every word known, no product with all: as before.
    assert.equal(
      await notice('/fr/recherche?q=sirop%20chaussures'),
      'Aucun produit ne contient tous vos mots; voici ceux qui en contiennent au moins un.',
    );
    // No word known: named, nothing else promised.
    const none = await page('/fr/recherche?q=zorglub%20blorf');
    assert.match(none.body, /Aucun résultat/);
    assert.equal(
      await notice('/fr/recherche?q=zorglub%20blorf'),
      'Aucun produit ne contient : « zorglub », « blorf ».',
    );
  });

  test('bad input on the page is a translated 400, not a 500', async () => {
    const r = await page('/fr/recherche?lat=95&lng=0');
    assert.equal(r.status, 400);
    const c = await page('/en/search?category=nope');
    assert.equal(c.status, 400);
    const long = await page(`/fr/recherche?q=${'%22'.repeat(3000)}`);
    assert.equal(long.status, 200);
  });

  test('merchants directory with map, in both languages', async () => {
    const fr = await page('/fr/commerces?near=Aylmer');
    assert.equal(fr.status, 200);
    assert.match(fr.body, /Répertoire des commerces/);
    const first = fr.body.indexOf('Érablière du Lac');
    const second = fr.body.indexOf('Sports Chelsea');
    assert.ok(first > 0 && second > first, 'nearest first');
    assert.match(fr.body, /data-map/);
    const en = await page('/en/merchants?category=chaussures');
    assert.match(en.body, /Merchant directory/);
    assert.match(en.body, /Sports Chelsea/);
    assert.doesNotMatch(en.body, /Érablière du Lac<\/strong>/);
  });

  test('product page adds the same GTIN at other merchants, by distance, with live stock badges', async () => {
    const r = await page(`/fr/p/${region.products.sirop}?near=Chelsea`);
    assert.equal(r.status, 200);
    assert.match(r.body, /"@type":"Product"/);
    assert.match(r.body, /Aussi offert par d’autres commerces/);
    assert.match(r.body, new RegExp(`data-stock-product="${region.products.siropChelsea}"`));
    // Its one store carries the merchant's name: named once, linking to that merchant's offer.
    assert.match(
      r.body,
      new RegExp(`<h3><a href="/fr/p/${region.products.siropChelsea}[^"]*">Sports Chelsea</a></h3>`),
    );
    assert.match(r.body, /à 0 km/);
  });
});
