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

// The repository queries prepared for the merchant page, the stock sync and the API key check
// (prepared queries engineer, 2026-12-05d): each against its query built at each call, same SQL
// and parameters, same rows.
describe(`prepared repository queries (${TEST_DB_KIND})`, () => {
  /** Records the SQL and parameters that go through `executeQuery` (the prepared path) meanwhile. */
  async function capture<T>(
    run: () => Promise<T>,
  ): Promise<{ result: T; sent: { sql: string; parameters: readonly unknown[] }[] }> {
    const d = db() as unknown as {
      executeQuery: (q: { sql: string; parameters: readonly unknown[] }) => Promise<unknown>;
    };
    const sent: { sql: string; parameters: readonly unknown[] }[] = [];
    const own = Object.hasOwn(d, 'executeQuery');
    const orig = d.executeQuery;
    d.executeQuery = function (this: unknown, q) {
      sent.push({ sql: q.sql, parameters: q.parameters });
      return orig.call(this, q);
    };
    try {
      return { result: await run(), sent };
    } finally {
      if (own) d.executeQuery = orig;
      else delete (d as { executeQuery?: unknown }).executeQuery;
    }
  }
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  /** n ids among the region's products, some repeated, some unknown. */
  const someIds = (n: number) =>
    Array.from({ length: n }, () =>
      random() < 0.15
        ? 900_000 + Math.floor(random() * 100)
        : productIds[Math.floor(random() * productIds.length)]!,
    );

  it('selectAvailableByProduct: same SQL, parameters and sums as the built query', async () => {
    const inv = await import('../../src/modules/inventory/inventory.repository.ts');
    let compared = 0;
    for (let round = 0; round < 40; round++) {
      const ids = someIds(1 + (round % 6));
      const { result, sent } = await capture(() => inv.selectAvailableByProduct(db(), ids));
      const built = inv.buildAvailableByProduct(db(), ids);
      const c = built.compile();
      assert.deepEqual(sent, [{ sql: c.sql, parameters: c.parameters }], `ids=${ids}`);
      const expected = new Map((await built.execute()).map((r) => [r.product_id, Number(r.available)]));
      assert.deepEqual(result, expected);
      compared += expected.size;
    }
    assert.ok(compared > 40, 'sums of stocked products were compared');
  });

  it('selectLevels: same rows as the built query (SQLite: the same SQL, prepared)', async () => {
    const inv = await import('../../src/modules/inventory/inventory.repository.ts');
    const key = (r: { product_id: number; location_id: number }) => r.product_id * 1e6 + r.location_id;
    let compared = 0;
    for (let round = 0; round < 30; round++) {
      const ids = [...new Set(someIds(1 + (round % 5)))];
      const { result, sent } = await capture(() => inv.selectLevels(db(), ids));
      const built = inv.buildLevels(db(), ids);
      if (TEST_DB_KIND === 'sqlite') {
        const c = built.compile();
        assert.deepEqual(sent, [{ sql: c.sql, parameters: c.parameters }]);
      }
      const expected = await built.execute();
      assert.deepEqual(
        [...result].sort((a, b) => key(a) - key(b)),
        expected.sort((a, b) => key(a) - key(b)),
      );
      compared += expected.length;
    }
    assert.ok(compared > 20);
  });

  it('upsertOnHand: same SQL shape and same rows as the built upsert, the time read at each call', async () => {
    const inv = await import('../../src/modules/inventory/inventory.repository.ts');
    const loc = await db().selectFrom('locations').select('id').orderBy('id').executeTakeFirstOrThrow();
    const rollback = new Error('rollback');
    /** The rows of `ids` at `loc` after `write`, rolled back afterwards. */
    const after = async (write: (trx: Transaction<DB>) => Promise<unknown>, ids: number[]) => {
      let rows: {
        product_id: number;
        location_id: number;
        on_hand: number;
        reserved: number;
        updated_at: unknown;
      }[] = [];
      await db()
        .transaction()
        .execute(async (trx) => {
          await write(trx);
          rows = await trx
            .selectFrom('inventory_levels')
            .select(['product_id', 'location_id', 'on_hand', 'reserved', 'updated_at'])
            .where('product_id', 'in', ids)
            .where('location_id', '=', loc.id)
            .orderBy('product_id')
            .execute();
          throw rollback;
        })
        .catch((e) => {
          if (e !== rollback) throw e;
        });
      return rows;
    };
    for (let round = 0; round < 8; round++) {
      const ids = [...new Set([productIds[round % productIds.length]!, ...someIds(round % 4)])].filter(
        (id) => id < 900_000,
      );
      const writes = ids.map((product_id, i) => ({
        product_id,
        location_id: loc.id,
        on_hand: 10 * round + i,
      }));
      const t0 = Date.now() - 1000; // stored times may be rounded to the second
      const prepared = await after((trx) => inv.upsertOnHand(trx, writes), ids);
      const now = new Date().toISOString();
      const built = await after(
        (trx) =>
          inv
            .buildUpsertOnHand(
              trx,
              writes.map(() => now),
              ids,
              writes.map((w) => w.location_id),
              writes.map((w) => w.on_hand),
            )
            .execute(),
        ids,
      );
      assert.equal(prepared.length, ids.length);
      assert.deepEqual(
        prepared.map(({ updated_at: _, ...r }) => r),
        built.map(({ updated_at: _, ...r }) => r),
      );
      // Never the time of the first call, frozen in the compiled query.
      for (const r of prepared)
        assert.ok(new Date(r.updated_at as string).getTime() >= t0, `updated_at ${r.updated_at}`);
    }
    if (TEST_DB_KIND === 'sqlite') {
      // The prepared statement is the built one: same SQL, same parameters.
      const now = new Date().toISOString();
      const w = [{ product_id: productIds[0]!, location_id: loc.id, on_hand: 5 }];
      let sent: { sql: string; parameters: readonly unknown[] }[] = [];
      await after(
        async (trx) => {
          const d = trx as unknown as {
            executeQuery: (q: { sql: string; parameters: readonly unknown[] }) => Promise<unknown>;
          };
          const orig = d.executeQuery;
          d.executeQuery = function (this: unknown, q) {
            sent.push({ sql: q.sql, parameters: q.parameters });
            return orig.call(this, q);
          };
          await inv.upsertOnHand(trx, w);
        },
        [w[0]!.product_id],
      );
      assert.equal(sent.length, 1);
      const c = inv
        .buildUpsertOnHand(db(), [String(sent[0]!.parameters[4])], [w[0]!.product_id], [loc.id], [5])
        .compile();
      assert.deepEqual(sent[0], { sql: c.sql, parameters: c.parameters });
      assert.ok(String(sent[0]!.parameters[4]) >= now);
      sent = [];
    }
  });

  it('activeAssociationsOfMerchants: same SQL, parameters and rows as the built query', async () => {
    const assoc = await import('../../src/modules/associations/associations.repository.ts');
    const merchantIds = (await db().selectFrom('merchants').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    let rows = 0;
    for (const ids of [
      [merchantIds[0]!],
      [merchantIds[1]!],
      merchantIds,
      [999_999],
      [merchantIds[1]!, 999_999],
    ]) {
      const { result, sent } = await capture(() => assoc.activeAssociationsOfMerchants(db(), ids));
      const built = assoc.buildActiveAssociationsOfMerchants(db(), ids);
      const c = built.compile();
      assert.deepEqual(sent, [{ sql: c.sql, parameters: c.parameters }]);
      const expected = await built.execute();
      assert.deepEqual(result, expected);
      rows += expected.length;
    }
    assert.ok(rows >= 3, 'memberships were compared');
    assert.deepEqual(await assoc.activeAssociationsOfMerchants(db(), []), []);
  });

  it('api key findByHash: same SQL, parameters and row as the built query', async () => {
    const keys = await import('../../src/modules/merchants/api-keys.repository.ts');
    const merchantId = (
      await db().selectFrom('merchants').select('id').orderBy('id').executeTakeFirstOrThrow()
    ).id;
    const hashes = ['a', 'b', 'c'].map((c) => c.repeat(64));
    for (const [i, key_hash] of hashes.entries())
      await keys.insertKey(db(), { merchant_id: merchantId, name: `clé ${i}`, prefix: `pfx${i}`, key_hash });
    await keys.revoke(
      db(),
      merchantId,
      (await keys.findByHash(db(), hashes[1]!))!.id,
      new Date().toISOString(),
    );
    for (const hash of [...hashes, 'd'.repeat(64)]) {
      const { result, sent } = await capture(() => keys.findByHash(db(), hash));
      const built = keys.buildFindByHash(db(), hash);
      const c = built.compile();
      assert.deepEqual(sent, [{ sql: c.sql, parameters: c.parameters }]);
      assert.deepEqual(result, await built.executeTakeFirst());
    }
    assert.equal((await keys.findByHash(db(), hashes[0]!))?.merchant_id, merchantId);
    assert.ok((await keys.findByHash(db(), hashes[1]!))?.revoked_at);
    assert.equal(await keys.findByHash(db(), 'd'.repeat(64)), undefined);
  });
});
