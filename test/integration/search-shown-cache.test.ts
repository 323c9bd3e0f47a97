import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  clearReferenceCache,
  indexProducts,
  rebuildSearchIndex,
  reference,
} from '../../src/modules/search/index.ts';
import { productFactsByIds } from '../../src/modules/search/memory.repository.ts';
import { refreshProducts } from '../../src/modules/search/memory.ts';
import { PAGE_COLUMNS, type PageRow, pageRows } from '../../src/modules/search/results.repository.ts';
import { presentResults } from '../../src/modules/search/results.ts';
import type { Scored } from '../../src/modules/search/search.types.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { AYLMER, searchNearAylmer } from '../helpers/search-api.ts';

/**
 * The texts of products shown are kept in memory (src/modules/search/results.ts) until that product
 * is written: a write through the catalogue (re-indexed) shows at once, only the written product is
 * read again, and a page whose rows were read before a write is not kept after it.
 */
interface Result {
  product_id: number;
  title: string;
  price_cents: number;
  merchant: { id: number };
  location: { id: number };
}

describe('search: the texts kept for the page of results', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const db = () => p.context.database.db;
  const shown = async (q: string, id: number) => {
    const r = (await searchNearAylmer<Result>(p, q)).find((x) => x.product_id === id);
    assert.ok(r, `product ${id} found for ${q}`);
    return r;
  };
  const setTitle = (id: number, title: string) =>
    db().updateTable('products').set({ title_fr: title }).where('id', '=', id).execute();

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p.close());

  test('a title, price and merchant written through the catalogue show at once', async () => {
    const id = region.products.tire;
    const { sports } = region.merchants;
    assert.equal((await shown('tire', id)).title, 'Tire d’érable');
    // Moved to another merchant's store, renamed and repriced, then re-indexed (a catalogue write).
    await db()
      .updateTable('products')
      .set({ title_fr: 'Tire d’érable molle', price_cents: 799, merchant_id: sports.merchant_id })
      .where('id', '=', id)
      .execute();
    await db()
      .updateTable('inventory_levels')
      .set({ location_id: sports.location_id })
      .where('product_id', '=', id)
      .execute();
    await indexProducts(p.context.database, [id]);
    const r = await shown('tire', id);
    assert.equal(r.title, 'Tire d’érable molle');
    assert.equal(r.price_cents, 799);
    assert.equal(r.merchant.id, sports.merchant_id);
    assert.equal(r.location.id, sports.location_id);
  });

  test('only the written product is read again: another one’s kept texts stay until it is written', async () => {
    const { chaussures, velo } = region.products;
    assert.equal((await shown('chaussures', chaussures)).title, 'Chaussures de course pour femme');
    assert.equal((await shown('velo', velo)).title, 'Vélo de montagne');
    // Both rows changed, only the shoes re-indexed: the bike's texts are still the ones kept.
    await setTitle(chaussures, 'Chaussures de course légères');
    await setTitle(velo, 'Vélo de montagne 29 po');
    await indexProducts(p.context.database, [chaussures]);
    assert.equal((await shown('chaussures', chaussures)).title, 'Chaussures de course légères');
    assert.equal((await shown('velo', velo)).title, 'Vélo de montagne');
    await indexProducts(p.context.database, [velo]);
    assert.equal((await shown('velo', velo)).title, 'Vélo de montagne 29 po');
  });

  test('texts read before a write is learnt of are not kept after it', async () => {
    const database = p.context.database;
    const id = region.products.oeufs;
    const { erabliere } = region.merchants;
    // Written first, so that the page below reads its row rather than kept texts.
    await indexProducts(database, [id]);
    const ref = await reference(database);
    const facts = await productFactsByIds(database.db, [id]);
    const slice: Scored[] = [
      {
        product_id: id,
        merchant_id: erabliere.merchant_id,
        category_id: null,
        quebec_label: null,
        price_cents: 549,
        gtin_id: 0,
        location_id: erabliere.location_id,
        lat: AYLMER.lat,
        lng: AYLMER.lng,
        pickup: 1,
        delivery_radius_km: 0,
        delivers: false,
        open: false,
        available: 0,
        distance_km: 0,
        score: 0,
        offers: 1,
      },
    ];
    // The page's rows are read (SQLite: now; PostgreSQL: the query in flight) and a write of the
    // product is learnt of before the page is built from them.
    const page = presentResults(database, ref, slice, [], 'fr');
    refreshProducts(database, facts);
    assert.equal((await page)[0]?.title, 'Œufs frais (douzaine)');
    // Changed without anything learnt of: shown only if the texts read above were not kept.
    await setTitle(id, 'Œufs frais bio (douzaine)');
    assert.equal(
      (await presentResults(database, ref, slice, [], 'fr'))[0]?.title,
      'Œufs frais bio (douzaine)',
    );
    // Kept from this read on: the next change is not read until it is written through the catalogue.
    await setTitle(id, 'Œufs (douzaine)');
    assert.equal(
      (await presentResults(database, ref, slice, [], 'fr'))[0]?.title,
      'Œufs frais bio (douzaine)',
    );
  });
});

describe('search: the page statement reads the texts of the products not kept only', () => {
  let p: TestPlatform;
  let productIds: number[];
  let locationIds: number[];
  const TEXTS = PAGE_COLUMNS.indexOf('sku');
  const key = (r: PageRow) => JSON.stringify(r);

  before(async () => {
    p = await createTestPlatform();
    await seedMiniRegion(p.context.database.db);
    const db = p.context.database.db;
    productIds = (await db.selectFrom('products').select('id').orderBy('id').execute()).map((r) => r.id);
    locationIds = (await db.selectFrom('locations').select('id').orderBy('id').execute()).map((r) => r.id);
  });
  after(() => p.close());

  test('the rows of texts for all, with the texts of the others null', async () => {
    const { database } = p.context;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...productIds), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom(...locationIds), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(...productIds), { maxLength: 12 }),
        fc.boolean(),
        async (ids, locs, withTexts, inTransaction) => {
          // SQLite: a transaction open on the connection sends the read through Kysely.
          const raw = inTransaction ? database.sqlite : undefined;
          raw?.exec('begin');
          let some: PageRow[];
          let all: PageRow[];
          try {
            some = await pageRows(database, ids, locs, withTexts);
            all = await pageRows(database, ids, locs, true);
          } finally {
            raw?.exec('rollback');
          }
          const wanted = new Set(withTexts);
          const expected = all.map((r) =>
            Number(r[0]) === 0 && !wanted.has(Number(r[1]))
              ? (r.map((v, i) => (i >= TEXTS ? null : v)) as PageRow)
              : r,
          );
          assert.deepEqual(some.map(key).sort(), expected.map(key).sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});
