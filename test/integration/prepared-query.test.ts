import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely, Transaction } from 'kysely';
import { preparedQuery } from '../../src/db/prepared.ts';
import type { DB } from '../../src/db/schema.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

type Q = Kysely<DB> | Transaction<DB>;
let tdb: TestDatabase;
const db = () => tdb.database.db;
let productIds: number[] = [];
before(async () => {
  tdb = await createTestDatabase();
  await seedMiniRegion(db());
  productIds = (await db().selectFrom('products').select('id').orderBy('id').execute()).map((r) => r.id);
  assert.ok(productIds.length >= 4, 'the mini region has products');
});
after(async () => {
  await tdb?.cleanup();
});

/** A query with a constant, a scalar argument, a list and a join callback (as the product page's). */
const build = (q: Q, status: 'active' | 'archived', ids: readonly number[], minPrice: number) =>
  q
    .selectFrom('products as p')
    .leftJoin('inventory_levels as i', (j) => j.onRef('i.product_id', '=', 'p.id').on('i.on_hand', '>=', 0))
    .select(['p.id', 'p.price_cents', 'p.status', 'i.location_id', 'i.on_hand'])
    .where('p.status', '=', status)
    .where('p.id', 'in', ids)
    .where('p.price_cents', '>=', minPrice)
    .where('p.sku', '<>', 'never-a-sku')
    .orderBy('p.id')
    .orderBy('i.location_id');

describe(`preparedQuery (${TEST_DB_KIND})`, () => {
  it('answers exactly as the query built at each call, for every value and list length', async () => {
    let builds = 0;
    let rows = 0;
    const q = preparedQuery(
      (d: Q, status: 'active' | 'archived', ids: readonly number[], minPrice: number) => {
        builds++;
        return build(d, status, ids, minPrice);
      },
    );
    for (let n = 1; n <= 12; n++)
      for (const status of ['active', 'archived'] as const)
        for (const minPrice of [0, 500, 5000]) {
          // n ids (ids past the region's products match nothing).
          const ids = Array.from({ length: n }, (_, i) => productIds[i] ?? 900_000 + i);
          const expected = await build(db(), status, ids, minPrice).execute();
          rows += expected.length;
          assert.deepEqual(
            await q(db(), status, ids, minPrice),
            expected,
            `n=${n} status=${status} minPrice=${minPrice}`,
          );
        }
    assert.ok(rows > 50, 'the comparisons are over rows, not only empty answers');
    // Built once per list length kept (8), then at each call for the other lengths.
    const keptLengths = 8;
    assert.equal(builds, keptLengths + (12 - keptLengths) * 6);
  });

  it('builds once per handle and shape, then only binds', async () => {
    let builds = 0;
    const q = preparedQuery((d: Q, id: number) => {
      builds++;
      return d.selectFrom('products').select(['id', 'sku']).where('id', '=', id);
    });
    for (const id of productIds) assert.deepEqual((await q(db(), id))[0]?.id, id);
    assert.equal(builds, 1);
    assert.deepEqual(await q(db(), 999_999), []);
    assert.equal(builds, 1);
  });

  it('a query using an argument twice is built at each call and still right; a transaction reuses the compiled form', async () => {
    let builds = 0;
    const twice = preparedQuery((d: Q, id: number) => {
      builds++;
      return d
        .selectFrom('products')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', id), eb('parent_id', '=', id)]))
        .orderBy('id');
    });
    const [a, b] = productIds;
    assert.deepEqual(
      (await twice(db(), a!)).map((r) => r.id),
      [a],
    );
    assert.deepEqual(
      (await twice(db(), b!)).map((r) => r.id),
      [b],
    );
    // Once to look at it (placeholders), then at each call: 1 + 2.
    assert.equal(builds, 3);
    // A transaction shares the compiled form of its database (same dialect): built once for both.
    let onceBuilds = 0;
    const once = preparedQuery((d: Q, id: number) => {
      onceBuilds++;
      return d.selectFrom('products').select('id').where('id', '=', id);
    });
    assert.deepEqual(
      (await once(db(), a!)).map((r) => r.id),
      [a],
    );
    const inTrx = await db()
      .transaction()
      .execute(async (trx) => [await once(trx, a!), await once(trx, b!)]);
    assert.deepEqual(
      inTrx.map((rows) => rows.map((r) => r.id)),
      [[a], [b]],
    );
    assert.equal(onceBuilds, 1);
  });
});
