import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { roundedDownCount } from '../../src/i18n/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import {
  clearReferenceCache,
  indexProducts,
  rebuildSearchIndex,
  reference,
} from '../../src/modules/search/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

interface SearchBody {
  total: number;
  page: number;
  per_page: number;
  relaxed: boolean;
  results: {
    product_id: number;
    sku: string;
    title: string;
    available: number;
    price_cents: number;
    quebec_label: string | null;
    offers_nearby: number;
    merchant: { id: number; slug: string; name: string };
    location: { id: number; name: string; lat: number; lng: number; distance_km: number };
  }[];
  facets: Record<string, { value: string; count: number }[]>;
}

const CHELSEA = { lat: 45.4936, lng: -75.7884 };
const AYLMER = { lat: 45.3956, lng: -75.8436 };

describe('search API (on the test database)', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await p.app.inject({ url, headers });
    return { status: res.statusCode, body: res.json() as SearchBody & Record<string, unknown> };
  };
  const skus = (b: SearchBody) => b.results.map((r) => r.sku).sort();
  before(async () => {
    p = await createTestPlatform();
    const { db } = p.context.database;
    region = await seedMiniRegion(db);
    await db
      .insertInto('municipalities')
      .values([
        { name: 'Aylmer', lat: AYLMER.lat, lng: AYLMER.lng },
        { name: 'Chelsea', lat: CHELSEA.lat, lng: CHELSEA.lng },
        { name: 'Gatineau', lat: 45.4765, lng: -75.7013 },
      ])
      .execute();
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p.close());

  test('accents, case and ligatures fold: erable = érable = ÉRABLE; oeufs finds Œufs', async () => {
    const a = await get('/api/v1/search?q=erable');
    const b = await get(`/api/v1/search?q=${encodeURIComponent('érable')}`);
    const c = await get(`/api/v1/search?q=${encodeURIComponent('ÉRABLE')}`);
    assert.equal(a.status, 200);
    assert.deepEqual(
      skus(a.body),
      ['SIROP-CH', 'TIRE-250'],
      'same GTIN shown once: the offer nearer the region centre',
    );
    assert.deepEqual(skus(b.body), skus(a.body));
    assert.deepEqual(skus(c.body), skus(a.body));
    const o = await get('/api/v1/search?q=oeufs');
    assert.deepEqual(skus(o.body), ['OEUFS-12']);
    const o2 = await get('/api/v1/search?q=oeuf');
    assert.deepEqual(skus(o2.body), ['OEUFS-12']);
  });

  test('singular and plural match; last word matches as a prefix; one typo tolerated from 5 letters', async () => {
    assert.deepEqual(skus((await get('/api/v1/search?q=chaussure')).body), ['CH-COURSE-9']);
    assert.deepEqual(skus((await get('/api/v1/search?q=chaussures')).body), ['CH-COURSE-9']);
    assert.deepEqual(skus((await get('/api/v1/search?q=velos')).body), ['VELO-MT']);
    assert.deepEqual(skus((await get('/api/v1/search?q=chaus')).body), ['CH-COURSE-9']);
    assert.deepEqual(skus((await get('/api/v1/search?q=chausures')).body), ['CH-COURSE-9']);
    assert.deepEqual(skus((await get('/api/v1/search?q=running%20shoes')).body), ['CH-COURSE-9']);
    assert.deepEqual(
      skus((await get('/api/v1/search?q=vleo')).body),
      [],
      'no typo tolerance under 5 letters',
    );
  });

  test('hostile or malformed queries give results or an empty list, never an error', async () => {
    for (const q of [
      '"',
      "sirop' OR 1=1 --",
      'NEAR(a b) AND * ^ {title_terms}:x',
      "'; drop table products; --",
      'a'.repeat(5000),
      '%00\u0000ÿ',
      '***',
      'sirop:* & !',
      '()',
    ]) {
      const r = await get(`/api/v1/search?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, q.slice(0, 40));
      assert.ok(Array.isArray(r.body.results));
      const s = await p.app.inject({ url: `/api/v1/suggest?q=${encodeURIComponent(q)}` });
      assert.equal(s.statusCode, 200);
    }
    const t = await get(`/api/v1/search?q=${encodeURIComponent("sirop' OR 1=1 --")}`);
    assert.ok(t.body.results.every((r) => /sirop/i.test(r.title)));
  });

  test('same GTIN at two merchants is one result; the product API lists both offers by distance', async () => {
    const r = await get(`/api/v1/search?q=sirop&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}`);
    assert.equal(r.body.total, 1);
    const hit = r.body.results[0]!;
    assert.equal(hit.offers_nearby, 2);
    assert.equal(hit.merchant.slug, region.merchants.sports.slug, 'the nearer offer wins');
    assert.equal(hit.location.distance_km, 0);
    const prod = await p.app.inject({
      url: `/api/v1/products/${region.products.sirop}?lat=${CHELSEA.lat}&lng=${CHELSEA.lng}`,
    });
    assert.equal(prod.statusCode, 200);
    const body = prod.json() as {
      offers: { product_id: number; available: number; location: { distance_km: number } }[];
    };
    assert.deepEqual(
      body.offers.map((o) => [o.product_id, o.available]),
      [
        [region.products.siropChelsea, 3],
        [region.products.sirop, 12],
      ],
    );
    assert.ok(body.offers[0]!.location.distance_km < body.offers[1]!.location.distance_km);
  });

  test('geo: radius filter, distance on every result, distance sort; region centre by default; near= town', async () => {
    const all = await get('/api/v1/search?q=&sort=distance&radius_km=50');
    assert.equal(all.status, 200);
    assert.ok(all.body.total >= 5);
    for (const r of all.body.results) assert.equal(typeof r.location.distance_km, 'number');
    const d = all.body.results.map((r) => r.location.distance_km);
    assert.deepEqual(
      d,
      [...d].sort((a, b) => a - b),
    );
    const near = await get(`/api/v1/search?lat=${AYLMER.lat}&lng=${AYLMER.lng}&radius_km=2`);
    assert.ok(near.body.results.length > 0);
    assert.ok(near.body.results.every((r) => r.merchant.slug === region.merchants.erabliere.slug));
    const town = await get('/api/v1/search?near=chelsea&radius_km=2');
    assert.ok(town.body.results.length > 0);
    assert.ok(town.body.results.every((r) => r.merchant.slug === region.merchants.sports.slug));
  });

  test('ranking: in stock first, and the Québec boost is visible in the score', async () => {
    await p.context.database.db
      .insertInto('products')
      .values([
        {
          merchant_id: region.merchants.sports.merchant_id,
          sku: 'TUQUE-QC',
          title_fr: 'Tuque en laine',
          title_en: 'Wool toque',
          price_cents: 3000,
          quebec_label: 'fabrique_au_quebec',
        },
        {
          merchant_id: region.merchants.sports.merchant_id,
          sku: 'TUQUE-IMP',
          title_fr: 'Tuque en laine',
          title_en: 'Wool toque',
          price_cents: 2000,
        },
        {
          merchant_id: region.merchants.sports.merchant_id,
          sku: 'TUQUE-OUT',
          title_fr: 'Tuque en laine',
          title_en: 'Wool toque',
          price_cents: 2500,
          quebec_label: 'fabrique_au_quebec',
        },
      ])
      .execute();
    const rows = await p.context.database.db
      .selectFrom('products')
      .select(['id', 'sku'])
      .where('sku', 'like', 'TUQUE-%')
      .execute();
    const id = (sku: string) => rows.find((r) => r.sku === sku)!.id;
    await p.context.database.db
      .insertInto('inventory_levels')
      .values([
        { product_id: id('TUQUE-QC'), location_id: region.merchants.sports.location_id, on_hand: 5 },
        { product_id: id('TUQUE-IMP'), location_id: region.merchants.sports.location_id, on_hand: 5 },
        { product_id: id('TUQUE-OUT'), location_id: region.merchants.sports.location_id, on_hand: 0 },
      ])
      .execute();
    await indexProducts(
      p.context.database,
      rows.map((r) => r.id),
    );
    const r = await get(`/api/v1/search?q=tuque&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}`);
    assert.deepEqual(
      r.body.results.map((x) => x.sku),
      ['TUQUE-QC', 'TUQUE-IMP', 'TUQUE-OUT'],
    );
    const inStock = await get('/api/v1/search?q=tuque&in_stock=1');
    assert.deepEqual(inStock.body.results.map((x) => x.sku).sort(), ['TUQUE-IMP', 'TUQUE-QC']);
    const qc = await get('/api/v1/search?q=tuque&quebec=1');
    assert.deepEqual(qc.body.results.map((x) => x.sku).sort(), ['TUQUE-OUT', 'TUQUE-QC']);
    // Price sorts.
    const asc = await get('/api/v1/search?q=tuque&sort=price_asc');
    assert.deepEqual(
      asc.body.results.map((x) => x.price_cents),
      [2000, 2500, 3000],
    );
  });

  test('facets count each value; filters by category, merchant, association, fulfilment', async () => {
    const r = await get('/api/v1/search?radius_km=50');
    const f = r.body.facets;
    const cat = Object.fromEntries(f.category!.map((x) => [x.value, x.count]));
    assert.ok(cat.epicerie! >= 3);
    assert.equal(cat.chaussures, 1);
    const byMerchant = Object.fromEntries(f.merchant!.map((x) => [x.value, x.count]));
    assert.equal(
      Object.values(byMerchant).reduce((a, b) => a + b, 0),
      r.body.total,
    );
    assert.ok(f.association!.some((x) => x.value === 'aylmer'));
    assert.ok(f.in_stock![0]!.count <= r.body.total);
    const epicerie = await get('/api/v1/search?radius_km=50&category=epicerie');
    assert.equal(epicerie.body.total, cat.epicerie);
    const aylmer = await get('/api/v1/search?radius_km=50&association=aylmer');
    assert.ok(aylmer.body.results.every((x) => x.merchant.slug === region.merchants.erabliere.slug));
    const m = await get(`/api/v1/search?radius_km=50&merchant=${region.merchants.sports.slug}`);
    assert.ok(m.body.results.every((x) => x.merchant.slug === region.merchants.sports.slug));
    // Only Érablière delivers (10 km around Aylmer).
    const delivery = await get(`/api/v1/search?lat=${AYLMER.lat}&lng=${AYLMER.lng}&fulfilment=delivery`);
    assert.ok(delivery.body.total > 0);
    assert.ok(delivery.body.results.every((x) => x.merchant.slug === region.merchants.erabliere.slug));
    const page2 = await get('/api/v1/search?radius_km=50&per_page=2&page=2');
    assert.equal(page2.body.results.length, 2);
    assert.equal(page2.body.page, 2);
  });

  test('bad input is a 400 with a translated message, never a 500', async () => {
    const cases: [string, string][] = [
      ['lat=91&lng=0', 'lat'],
      ['lat=45&lng=-200', 'lng'],
      ['radius_km=-1', 'radius_km'],
      ['per_page=101', 'per_page'],
      ['category=nope', 'category'],
      ['sort=cheapest', 'sort'],
      ['lat=abc&lng=1', 'lat'],
      ['lat=45', 'lat'],
      ['association=nope', 'association'],
    ];
    for (const [qs, field] of cases) {
      const fr = await p.app.inject({ url: `/api/v1/search?${qs}` });
      assert.equal(fr.statusCode, 400, qs);
      const body = fr.json() as {
        error: { code: string; message: string; details: { fields: { field: string }[] } };
      };
      assert.equal(body.error.code, 'validation_failed');
      assert.ok(
        body.error.details.fields.some((x) => x.field === field),
        `${qs}: ${JSON.stringify(body.error.details)}`,
      );
    }
    const en = await p.app.inject({ url: '/api/v1/search?category=nope&lang=en' });
    const enBody = en.json() as { error: { details: { fields: { message: string }[] } } };
    assert.equal(enBody.error.details.fields[0]!.message, 'Unknown category.');
    const frBody = (await p.app.inject({ url: '/api/v1/search?category=nope' })).json() as typeof enBody;
    assert.equal(frBody.error.details.fields[0]!.message, 'Catégorie inconnue.');
    assert.equal((await p.app.inject({ url: '/api/v1/merchants?radius_km=0' })).statusCode, 400);
    assert.equal((await p.app.inject({ url: '/api/v1/products/0' })).statusCode, 400);
    assert.equal((await p.app.inject({ url: '/api/v1/products/99999' })).statusCode, 404);
  });

  test('index follows product changes: renamed, archived', async () => {
    const { db } = p.context.database;
    await db
      .updateTable('products')
      .set({ title_fr: 'Bijoux en argent' })
      .where('id', '=', region.products.tire)
      .execute();
    await indexProducts(p.context.database, [region.products.tire]);
    assert.deepEqual(skus((await get('/api/v1/search?q=bijou')).body), ['TIRE-250']);
    assert.deepEqual(skus((await get('/api/v1/search?q=bijoux')).body), ['TIRE-250']);
    await db
      .updateTable('products')
      .set({ status: 'archived' })
      .where('id', '=', region.products.tire)
      .execute();
    await indexProducts(p.context.database, [region.products.tire]);
    assert.deepEqual(skus((await get('/api/v1/search?q=bijoux')).body), []);
  });

  test('"thé" finds tea, not the English stop word "the"; "the" alone browses as a search without words', async () => {
    const { db } = p.context.database;
    const rename = async (id: number, title_fr: string, title_en: string) => {
      await db.updateTable('products').set({ title_fr, title_en }).where('id', '=', id).execute();
      await indexProducts(p.context.database, [id]);
    };
    await rename(region.products.velo, 'Thé vert Sencha', 'Sencha green tea');
    await rename(region.products.oeufs, 'Œufs frais (douzaine)', 'The freshest eggs of the farm');
    try {
      assert.deepEqual(skus((await get(`/api/v1/search?q=${encodeURIComponent('thé')}`)).body), ['VELO-MT']);
      assert.deepEqual(skus((await get(`/api/v1/search?q=${encodeURIComponent('THÉ VERT')}`)).body), [
        'VELO-MT',
      ]);
      // Decomposed accent (e + U+0301), as some phones send it.
      assert.deepEqual(skus((await get(`/api/v1/search?q=${encodeURIComponent('the\u0301')}`)).body), [
        'VELO-MT',
      ]);
      const the = await get('/api/v1/search?q=the');
      assert.equal(the.status, 200);
      assert.ok(the.body.total > 1, 'no word left: every product near the point, not only the tea');
    } finally {
      await rename(region.products.velo, 'Vélo de montagne', 'Mountain bike');
      await rename(region.products.oeufs, 'Œufs frais (douzaine)', 'Fresh eggs (dozen)');
    }
  });

  test('a merchant approved after earlier searches is found as soon as its products are indexed', async () => {
    const { db } = p.context.database;
    assert.equal((await get('/api/v1/search?q=raquettes')).body.total, 0);
    const m = await createMerchant(db, {
      name: 'Plein Air Gatineau',
      location: { address: '1 rue Neuve', municipality: 'Gatineau', lat: 45.47, lng: -75.7 },
    });
    const row = await db
      .insertInto('products')
      .values({ merchant_id: m.merchant_id, sku: 'RAQ-1', title_fr: 'Raquettes à neige', price_cents: 19900 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await indexProducts(p.context.database, [row.id]);
    const r = await get('/api/v1/search?q=raquette');
    assert.deepEqual(skus(r.body), ['RAQ-1']);
    assert.equal(r.body.results[0]!.merchant.slug, m.slug);
  });

  test('a product edited for a merchant the search already holds keeps its reference data (no reload)', async () => {
    const database = p.context.database;
    await get('/api/v1/search?q=oeufs');
    const held = await reference(database);
    const retitle = async (title: string) => {
      await database.db
        .updateTable('products')
        .set({ title_fr: title })
        .where('id', '=', region.products.oeufs)
        .execute();
      await indexProducts(database, [region.products.oeufs]);
    };
    await retitle('Œufs frais (douzaine) de poules en liberté');
    assert.equal(await reference(database), held, 'the same reference data, not a reload');
    assert.deepEqual(skus((await get('/api/v1/search?q=liberte')).body), ['OEUFS-12']);
    await retitle('Œufs frais (douzaine)');
  });

  test('availability is read live from inventory', async () => {
    const { db } = p.context.database;
    await db
      .updateTable('inventory_levels')
      .set({ on_hand: 7, reserved: 2 })
      .where('product_id', '=', region.products.oeufs)
      .execute();
    const r = await get('/api/v1/search?q=oeufs');
    assert.equal(r.body.results[0]!.available, 5);
  });

  test('suggest: categories, merchants and product titles as you type', async () => {
    const s = (await p.app.inject({ url: '/api/v1/suggest?lang=fr&q=chaus' })).json() as {
      suggestions: { type: string; text: string; url: string }[];
    };
    assert.ok(s.suggestions.some((x) => x.type === 'category' && x.text === 'Chaussures'));
    assert.ok(s.suggestions.some((x) => x.type === 'product' && /Chaussures de course/.test(x.text)));
    const m = (await p.app.inject({ url: '/api/v1/suggest?lang=en&q=erabl' })).json() as typeof s;
    assert.ok(m.suggestions.some((x) => x.type === 'merchant' && x.text === 'Érablière du Lac'));
    assert.ok(m.suggestions.some((x) => x.type === 'product' && x.text === 'Amber maple syrup 540 ml'));
  });

  test('merchants directory: distance, filters, profile', async () => {
    const r = (
      await p.app.inject({ url: `/api/v1/merchants?lat=${CHELSEA.lat}&lng=${CHELSEA.lng}` })
    ).json() as {
      total: number;
      results: { slug: string; location: { distance_km: number } }[];
    };
    assert.equal(r.total, 3, 'the two fixture merchants and Plein Air Gatineau');
    assert.equal(r.results[0]!.slug, region.merchants.sports.slug);
    const byCat = (await p.app.inject({ url: '/api/v1/merchants?category=chaussures' })).json() as typeof r;
    assert.deepEqual(
      byCat.results.map((x) => x.slug),
      [region.merchants.sports.slug],
    );
    const byQ = (await p.app.inject({ url: '/api/v1/merchants?q=erabliere' })).json() as typeof r;
    assert.deepEqual(
      byQ.results.map((x) => x.slug),
      [region.merchants.erabliere.slug],
    );
    const prof = await p.app.inject({ url: `/api/v1/merchants/${region.merchants.erabliere.slug}` });
    assert.equal(prof.statusCode, 200);
    const pb = prof.json() as { locations: { fulfilment: { delivery: boolean } }[] };
    assert.equal(pb.locations[0]!.fulfilment.delivery, true);
    assert.equal((await p.app.inject({ url: '/api/v1/merchants/nope' })).statusCode, 404);
  });
});

describe('a very common word (more matches near the user than are scored)', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    const { db } = p.context.database;
    await db.updateTable('merchants').set({ status: 'approved' }).execute();
    // 2,100 matches at Aylmer first (the lowest ids), then one at Chelsea, where the user stands.
    const far = Array.from({ length: 2100 }, (_, i) => ({
      merchant_id: region.merchants.erabliere.merchant_id,
      sku: `RAQ-${i}`,
      title_fr: `Raquettes à neige modèle ${i}`,
      price_cents: 10000 + i,
    }));
    for (let i = 0; i < far.length; i += 500)
      await db
        .insertInto('products')
        .values(far.slice(i, i + 500))
        .execute();
    await db
      .insertInto('products')
      .values({
        merchant_id: region.merchants.sports.merchant_id,
        sku: 'RAQ-CHELSEA',
        // A longer title: a lower text relevance than the 2,100 others, so in hit order it comes last.
        title_fr: 'Raquettes à neige de randonnée en aluminium, fixations réglables, fabriquées à Chelsea',
        price_cents: 500,
      })
      .execute();
    await rebuildSearchIndex(p.context.database);
  });
  after(() => p.close());

  const search = async (query: string) => {
    const res = await p.app.inject({
      url: `/api/v1/search?q=raquettes&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=25&per_page=5&${query}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as SearchBody & { approximate: boolean };
  };

  test('a distance sort starts with the shop where the user stands, though its text match is the weakest', async () => {
    const body = await search('sort=distance');
    assert.equal(body.approximate, true);
    assert.equal(body.results[0]!.sku, 'RAQ-CHELSEA');
    assert.equal(body.results[0]!.location.distance_km, 0);
    assert.ok(body.results.slice(1).every((r) => r.location.distance_km > 10));
  });

  test('a price sort starts with the cheapest match; relevance ranks the nearby one first too', async () => {
    assert.deepEqual(
      (await search('sort=price_asc')).results.map((r) => r.price_cents),
      [500, 10000, 10001, 10002, 10003],
    );
    assert.equal((await search('sort=price_desc')).results[0]!.price_cents, 12099);
    // Proximity (0.5 × 1 against 0.5 × 0.52) outweighs its weaker text match.
    assert.equal((await search('sort=relevance')).results[0]!.sku, 'RAQ-CHELSEA');
  });

  test('a filter is applied before the cap: the few matches passing it are all found, exactly', async () => {
    // Three of the dearest far matches carry a Québec label: never among the 1,000 cheapest.
    const { db } = p.context.database;
    await db
      .updateTable('products')
      .set({ quebec_label: 'produit_du_quebec' })
      .where('sku', 'in', ['RAQ-2097', 'RAQ-2098', 'RAQ-2099'])
      .execute();
    await rebuildSearchIndex(p.context.database);
    try {
      const body = await search('quebec=1&sort=price_asc');
      assert.equal(body.approximate, false);
      assert.equal(body.total, 3);
      assert.deepEqual(
        body.results.map((r) => r.price_cents),
        [12097, 12098, 12099],
      );
    } finally {
      await db.updateTable('products').set({ quebec_label: null }).where('sku', 'like', 'RAQ-%').execute();
      await rebuildSearchIndex(p.context.database);
    }
  });

  test('the results page gives a capped count as a lower bound ("plus de"), an exact one as it is', async () => {
    // Whitespace (no-break spaces of the number formats included) read as plain spaces.
    const lead = async (path: string) => {
      const res = await p.app.inject({ url: path });
      assert.equal(res.statusCode, 200);
      return /<p class="lead"[^>]*>([^<]*)/.exec(res.body)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
    };
    const n = (x: number, locale: string) => x.toLocaleString(locale).replace(/\s/g, ' ');
    const at = `lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=25`;
    const capped = await search('');
    assert.equal(capped.approximate, true);
    assert.match(
      await lead(`/fr/recherche?q=raquettes&${at}`),
      new RegExp(`^Plus de ${n(roundedDownCount(capped.total), 'fr-CA')} produits à moins de 25 km`),
    );
    assert.match(
      await lead(`/en/search?q=raquettes&${at}`),
      new RegExp(`^More than ${n(roundedDownCount(capped.total), 'en-CA')} products within 25 km`),
    );
    const exact = (await p.app.inject({ url: `/api/v1/search?q=chelsea&${at}` })).json() as SearchBody & {
      approximate: boolean;
    };
    assert.equal(exact.approximate, false);
    assert.match(
      await lead(`/fr/recherche?q=chelsea&${at}`),
      new RegExp(`^${exact.total} produits? à moins de 25 km`),
    );
  });
});
