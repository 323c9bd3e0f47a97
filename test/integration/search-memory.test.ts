import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import {
  catalogMemory,
  catalogMemoryLoading,
  indexProducts,
  rebuildSearchIndex,
} from '../../src/modules/search/index.ts';
import { createPlatform, type Platform } from '../../src/server.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * Search ranks, filters and counts from facts kept in memory (src/modules/search/memory.ts) and
 * caches text matches: these tests prove both follow every change made through the platform,
 * on this instance and, on PostgreSQL, on another instance sharing the database.
 */
interface Body {
  total: number;
  results: { sku: string; available: number; price_cents: number }[];
  facets: Record<string, { value: string; count: number }[]>;
}

const GATINEAU = 'lat=45.4765&lng=-75.7013&radius_km=50';

describe('search memory and caches follow changes', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const search = async (app: Platform['app'], query: string) => {
    const res = await app.inject({ url: `/api/v1/search?${query}&${GATINEAU}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Body;
  };
  const skus = (b: Body) => b.results.map((r) => r.sku).sort();
  const syncStock = (app: Platform['app'], key: string, sku: string, onHand: number) =>
    app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify([{ sku, on_hand: onHand }]),
    });

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    await rebuildSearchIndex(p.context.database);
  });
  after(() => p.close());

  test('/readyz answers warming_up while the catalogue facts load, ready once they are in memory', async () => {
    // A full rebuild forgets the memory; the next load starts from nothing.
    await rebuildSearchIndex(p.context.database);
    const loading = catalogMemory(p.context.database);
    assert.equal(catalogMemoryLoading(p.context.database), true);
    await loading;
    assert.equal(catalogMemoryLoading(p.context.database), false);
    const ready = await p.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  test('a stock sync changes the in-stock filter, facet and ranking at once (no stale memory)', async () => {
    const key = region.merchants.sports.api_key;
    // Warm the memory and the text cache first.
    assert.deepEqual(skus(await search(p.app, 'q=velo&in_stock=1')), []);
    assert.equal((await syncStock(p.app, key, 'VELO-MT', 3)).statusCode, 200);
    const inStock = await search(p.app, 'q=velo&in_stock=1');
    assert.deepEqual(skus(inStock), ['VELO-MT']);
    assert.equal(inStock.results[0]!.available, 3);
    assert.equal(inStock.facets.in_stock![0]!.count, 1);
    assert.equal((await syncStock(p.app, key, 'VELO-MT', 0)).statusCode, 200);
    assert.deepEqual(skus(await search(p.app, 'q=velo&in_stock=1')), []);
    assert.equal((await search(p.app, 'q=velo')).facets.in_stock![0]!.count, 0);
  });

  test('a price change re-orders a price sort; a new product is found by a cached query', async () => {
    const { db } = p.context.database;
    const order = async () =>
      (await search(p.app, 'q=sirop&sort=price_asc')).results.map((r) => r.price_cents);
    // Two syrups with the same GTIN collapse into one result: the cheaper one stands for both.
    assert.deepEqual(await order(), [1299]);
    await db.updateTable('products').set({ price_cents: 999 }).where('sku', '=', 'SIROP-CH').execute();
    await indexProducts(p.context.database, [region.products.siropChelsea]);
    assert.deepEqual(await order(), [999]);
    const row = await db
      .insertInto('products')
      .values({
        merchant_id: region.merchants.erabliere.merchant_id,
        sku: 'SIROP-BIO',
        title_fr: 'Sirop d’érable biologique',
        price_cents: 1599,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await indexProducts(p.context.database, [row.id]);
    assert.deepEqual(await order(), [999, 1599]);
  });

  test('two instances on one PostgreSQL schema: catalogue and stock changes made through one are searched on the other', {
    skip: TEST_DB_KIND !== 'postgres' && 'PostgreSQL only (SQLite runs one instance)',
  }, async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
      DATA_DIR: p.testDb.dataDir,
      DATABASE_URL: process.env.DATABASE_URL as string,
    });
    const b = await createPlatform(config, { database: p.testDb.reopen(), lock: false, logger: false });
    const eventually = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100; i++) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 30));
      }
      return false;
    };
    try {
      // B loads its memory and caches the query before the changes.
      assert.deepEqual(skus(await search(b.app, 'q=raquettes')), []);
      assert.deepEqual(skus(await search(b.app, 'q=chaussures&in_stock=1')), ['CH-COURSE-9']);
      const { db } = p.context.database;
      const row = await db
        .insertInto('products')
        .values({
          merchant_id: region.merchants.sports.merchant_id,
          sku: 'RAQ-2',
          title_fr: 'Raquettes à neige',
          price_cents: 18900,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await indexProducts(p.context.database, [row.id]);
      assert.ok(
        await eventually(async () => skus(await search(b.app, 'q=raquettes')).includes('RAQ-2')),
        'the product indexed on A is found on B',
      );
      assert.equal(
        (await syncStock(p.app, region.merchants.sports.api_key, 'CH-COURSE-9', 0)).statusCode,
        200,
      );
      assert.ok(
        await eventually(async () => skus(await search(b.app, 'q=chaussures&in_stock=1')).length === 0),
        'the stock sync through A reaches B’s in-stock filter',
      );
    } finally {
      await b.close();
    }
  });
});
