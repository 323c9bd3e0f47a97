import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { rebuildSearchIndex, type SearchParams, search, suggest } from '../../src/modules/search/index.ts';
import { openKind, pgReachable } from '../helpers/database-kinds.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

const NOUNS = [
  'chaussures',
  'bottes',
  'sirop',
  'fromage',
  'tuque',
  'vélo',
  'casque',
  'bijoux',
  'savon',
  'miel',
];
const QUALIFIERS = [
  'en laine',
  'd’érable',
  'de course',
  'artisanal',
  'pour enfants',
  'du Québec',
  'bio',
  'local',
];

/** The same deterministic region on any database: the mini region plus 6 merchants and 240 products. */
async function seed(database: Database) {
  const db = database.db;
  await seedMiniRegion(db);
  await db.insertInto('municipalities').values({ name: 'Gatineau', lat: 45.4765, lng: -75.7013 }).execute();
  let n = 0;
  for (let m = 0; m < 6; m++) {
    const merchant = await createMerchant(db, {
      name: `Boutique ${m}`,
      categories: [m % 2 ? 'epicerie' : 'sports'],
      associations: m % 3 === 0 ? ['aylmer'] : [],
      location: {
        address: `${m} rue Test`,
        municipality: 'Gatineau',
        lat: 45.4 + m * 0.03,
        lng: -75.85 + m * 0.04,
        hours: { mon: [['09:00', '17:00']] },
        deliveryRadiusKm: m % 2 ? 8 : 0,
      },
    });
    for (let i = 0; i < 40; i++) {
      n++;
      const title = `${NOUNS[(i + m) % NOUNS.length]} ${QUALIFIERS[(i * 3 + m) % QUALIFIERS.length]}`;
      const row = await db
        .insertInto('products')
        .values({
          merchant_id: merchant.merchant_id,
          sku: `B${m}-${i}`,
          title_fr: title,
          title_en: '',
          description_fr: `${title}, produit numéro ${n}.`,
          price_cents: 500 + ((n * 37) % 5000),
          quebec_label: i % 4 === 0 ? 'produit_du_quebec' : null,
          gtin: i % 10 === 0 ? `GT${i}` : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('inventory_levels')
        .values({ product_id: row.id, location_id: merchant.location_id, on_hand: (n * 7) % 5 })
        .execute();
    }
  }
  await rebuildSearchIndex(database);
}

const QUERIES: SearchParams[] = [
  { q: 'chaussures' },
  { q: 'chaussure course' },
  { q: 'ÉRABLE' },
  { q: 'sirop d’erable bio' },
  { q: 'bijou' },
  { q: 'velos' },
  { q: 'tuq' },
  { q: 'fromagr' },
  { q: 'savon artisanal', quebec: true },
  { q: 'miel', in_stock: true },
  { q: 'casque', fulfilment: 'delivery' },
  { q: '', category: 'epicerie', radius_km: 40 },
  { q: 'laine', association: 'aylmer' },
  { q: "' OR 1=1 --" },
  { q: 'bottes', lat: 45.45, lng: -75.75, radius_km: 8 },
];

describe('search gives the same results on SQLite and PostgreSQL', async () => {
  const skip = !(await pgReachable()) && 'PostgreSQL not reachable';
  let a: TestDatabase;
  let b: TestDatabase;
  before(async () => {
    if (skip) return;
    a = await openKind('sqlite');
    b = await openKind('postgres');
    await seed(a.database);
    await seed(b.database);
  });
  after(async () => {
    await a?.cleanup();
    await b?.cleanup();
  });

  const key = (r: { gtin: string | null; sku: string }) => r.gtin ?? r.sku;

  test('distance order, totals and facets are identical', { skip }, async () => {
    for (const q of QUERIES) {
      const params = { ...q, sort: 'distance' as const, per_page: 100 };
      const [x, y] = await Promise.all([search(a.database, params), search(b.database, params)]);
      assert.equal(x.total, y.total, JSON.stringify(q));
      assert.deepEqual(
        x.results.map((r) => [key(r), r.location.distance_km, r.available]),
        y.results.map((r) => [key(r), r.location.distance_km, r.available]),
        JSON.stringify(q),
      );
      assert.deepEqual(x.facets, y.facets, JSON.stringify(q));
    }
  });

  test('relevance: the same result set; a non-trivial query returns something', { skip }, async () => {
    let nonEmpty = 0;
    for (const q of QUERIES) {
      const params = { ...q, per_page: 100 };
      const [x, y] = await Promise.all([search(a.database, params), search(b.database, params)]);
      assert.deepEqual(x.results.map(key).sort(), y.results.map(key).sort(), JSON.stringify(q));
      if (x.total > 0) nonEmpty++;
    }
    assert.ok(nonEmpty >= 12, `${nonEmpty} non-empty queries`);
  });

  test('suggestions are the same', { skip }, async () => {
    for (const q of ['chau', 'sir', 'bout', 'epic', 'laine ']) {
      const [x, y] = await Promise.all([suggest(a.database, q, 'fr'), suggest(b.database, q, 'fr')]);
      assert.deepEqual(x.suggestions.map((s) => s.text).sort(), y.suggestions.map((s) => s.text).sort(), q);
    }
  });
});
