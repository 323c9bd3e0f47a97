import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { searchNearAylmer } from '../helpers/search-api.ts';

/**
 * The page of results reads its products' price, status and stock, and the stores' names, in one
 * statement (src/modules/search/results.repository.ts): what is shown is still what the database
 * holds now, written without any reindexing or event.
 */
interface Result {
  product_id: number;
  sku: string;
  price_cents: number;
  price_from: boolean;
  available: number;
  location: { id: number; name: string };
}

describe('search: the page of results is read live', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const db = () => p.context.database.db;
  const results = (q: string) => searchNearAylmer<Result>(p, q);
  const bySku = async (q: string, sku: string) => {
    const r = (await results(q)).find((x) => x.sku === sku);
    assert.ok(r, `${sku} found for ${q}`);
    return r;
  };

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p.close());

  test('a price written directly in the database is the price shown', async () => {
    assert.equal((await bySku('tire', 'TIRE-250')).price_cents, 699);
    await db()
      .updateTable('products')
      .set({ price_cents: 749 })
      .where('id', '=', region.products.tire)
      .execute();
    const r = await bySku('tire', 'TIRE-250');
    assert.equal(r.price_cents, 749);
    assert.equal(r.price_from, false);
  });

  test('availability is the shown store’s, on hand less reserved; another store’s stock is not added', async () => {
    const erabliere = region.merchants.erabliere.location_id;
    const sports = region.merchants.sports.location_id;
    await db()
      .updateTable('inventory_levels')
      .set({ on_hand: 9, reserved: 4 })
      .where('product_id', '=', region.products.oeufs)
      .where('location_id', '=', erabliere)
      .execute();
    // A stock row at another merchant's store (no event: the search's memory does not know it).
    await db()
      .insertInto('inventory_levels')
      .values({ product_id: region.products.oeufs, location_id: sports, on_hand: 50, reserved: 0 })
      .execute();
    const r = await bySku('oeufs', 'OEUFS-12');
    assert.equal(r.location.id, erabliere);
    assert.equal(r.available, 5);
  });

  test('the store’s name shown is its name now', async () => {
    const loc = region.merchants.erabliere.location_id;
    await db()
      .updateTable('locations')
      .set({ name: 'Érablière, boutique du village' })
      .where('id', '=', loc)
      .execute();
    assert.equal((await bySku('sirop', 'SIROP-540')).location.name, 'Érablière, boutique du village');
  });

  test('a product with variants at different prices shows the lowest, "from", and their summed stock', async () => {
    const loc = region.merchants.erabliere.location_id;
    const parent = region.products.sirop;
    const product = await db()
      .selectFrom('products')
      .selectAll()
      .where('id', '=', parent)
      .executeTakeFirstOrThrow();
    const variant = async (sku: string, price: number, status: 'active' | 'archived', onHand: number) => {
      const { id } = await db()
        .insertInto('products')
        .values({
          merchant_id: product.merchant_id,
          parent_id: parent,
          sku,
          title_fr: product.title_fr,
          title_en: product.title_en,
          category_id: product.category_id,
          price_cents: price,
          status,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db()
        .insertInto('inventory_levels')
        .values({ product_id: id, location_id: loc, on_hand: onHand, reserved: 0 })
        .execute();
    };
    await variant('SIROP-250', 899, 'active', 4);
    await variant('SIROP-1L', 2199, 'active', 6);
    // An archived variant's price and stock count for nothing.
    await variant('SIROP-OLD', 99, 'archived', 100);
    const r = await bySku('sirop', 'SIROP-540');
    assert.equal(r.price_cents, 899);
    assert.equal(r.price_from, true);
    // The product's own row (12 on hand) and its active variants' (4 + 6).
    assert.equal(r.available, 22);
  });
});
