// The page of results reads its products' price, status, stock, texts and stores' names in one
// statement (src/modules/search/results.repository.ts, pageRows): the same rows, on both
// databases, as the three separate reads it replaced (kept below as the reference: livePriceAndStockRows,
// productTextsOf, locationNames), for pages of products with and without variants, archived
// variants, products without stock, repeated ids and stores without stock; on SQLite both from its
// prepared statement (rows as arrays) and, inside a transaction of the connection, through Kysely.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { createProduct, createVariant } from '../../src/modules/catalog/index.ts';
import { setOnHand } from '../../src/modules/inventory/index.ts';
import { PAGE_COLUMNS, pageRows } from '../../src/modules/search/results.repository.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

// The three reads pageRows replaced, as they were (the reference the one statement must equal).
interface LivePriceStockRow {
  id: number;
  parent_id: number | null;
  price_cents: number;
  status: string;
  location_id: number | null;
  on_hand: number | null;
  reserved: number | null;
}

async function livePriceAndStockRows(db: Kysely<DB>, productIds: number[]): Promise<LivePriceStockRow[]> {
  const ids = sql.join(productIds);
  const r = await sql<LivePriceStockRow>`select p.id, p.parent_id, p.price_cents, p.status,
      i.location_id, i.on_hand, i.reserved
    from products p left join inventory_levels i on i.product_id = p.id
    where p.id in (${ids})
    union all
    select v.id, v.parent_id, v.price_cents, v.status, i.location_id, i.on_hand, i.reserved
    from products v left join inventory_levels i on i.product_id = v.id
    where v.parent_id in (${ids})`.execute(db);
  return r.rows;
}

function productTextsOf(db: Kysely<DB>, productIds: number[]) {
  return db
    .selectFrom('products')
    .select(['id', 'sku', 'title_fr', 'title_en', 'description_fr', 'description_en', 'images_json', 'gtin'])
    .where('id', 'in', productIds)
    .execute();
}

function locationNames(db: Kysely<DB>, locationIds: number[]) {
  return db.selectFrom('locations').select(['id', 'name']).where('id', 'in', locationIds).execute();
}

const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

describe('search: one statement reads the page of results', () => {
  let p: TestPlatform;
  let productIds: number[] = [];
  let locationIds: number[] = [];
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    const region = await seedMiniRegion(db());
    const sports = region.merchants.sports;
    const parka = await createProduct(db(), {
      merchant_id: sports.merchant_id,
      sku: 'PARKA-S',
      title_fr: 'Parka hivernale',
      title_en: 'Winter parka',
      description_fr: 'Une parka chaude pour l’hiver.',
      description_en: 'A warm winter parka.',
      price_cents: 12999,
      tax_class: 'standard',
      options_json: JSON.stringify([{ name: 'Taille', value: 'S' }]),
    });
    const m = (await createVariant(db(), parka, {
      sku: 'PARKA-M',
      price_cents: 11999,
      options: [{ name: 'Taille', value: 'M' }],
    }))!;
    const l = (await createVariant(db(), parka, {
      sku: 'PARKA-L',
      price_cents: 13999,
      options: [{ name: 'Taille', value: 'L' }],
    }))!;
    await setOnHand(db(), parka, sports.location_id, 2);
    await setOnHand(db(), m, sports.location_id, 1);
    await db().updateTable('products').set({ status: 'archived' }).where('id', '=', l).execute();
    productIds = (
      await db().selectFrom('products').select('id').where('parent_id', 'is', null).orderBy('id').execute()
    ).map((r) => r.id);
    locationIds = (await db().selectFrom('locations').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.ok(productIds.length >= 5 && locationIds.length >= 2);
  });
  after(() => p.close());

  test('the same rows as the three reads it replaced, for any page', async () => {
    const { database } = p.context;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...productIds), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom(...locationIds), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (ids, locs, texts, inTransaction) => {
          // SQLite: a transaction open on the connection sends the read through Kysely.
          const raw = inTransaction ? database.sqlite : undefined;
          raw?.exec('begin');
          let arrays: unknown[][];
          try {
            arrays = await pageRows(database, ids, locs, texts);
          } finally {
            raw?.exec('rollback');
          }
          for (const a of arrays) assert.equal(a.length, PAGE_COLUMNS.length);
          const rows = arrays.map(
            (a) => Object.fromEntries(PAGE_COLUMNS.map((c, i) => [c, a[i]])) as Record<string, unknown>,
          );
          const live = rows
            .filter((r) => Number(r.kind) !== 2)
            .map((r) => ({
              id: r.id,
              parent_id: r.parent_id,
              price_cents: r.price_cents,
              status: r.status,
              location_id: r.location_id,
              on_hand: r.on_hand,
              reserved: r.reserved,
            }));
          assert.deepEqual(sorted(live), sorted(await livePriceAndStockRows(db(), ids)));
          const names = rows.filter((r) => Number(r.kind) === 2).map((r) => ({ id: r.id, name: r.name }));
          assert.deepEqual(sorted(names), sorted(await locationNames(db(), locs)));
          const own = new Map(
            rows
              .filter((r) => Number(r.kind) === 0)
              .map((r) => [
                r.id,
                texts
                  ? {
                      id: r.id,
                      sku: r.sku,
                      title_fr: r.title_fr,
                      title_en: r.title_en,
                      description_fr: r.description_fr,
                      description_en: r.description_en,
                      images_json: r.images_json,
                      gtin: r.gtin,
                    }
                  : { id: r.id, sku: r.sku },
              ]),
          );
          const expected = texts
            ? await productTextsOf(db(), ids)
            : [...new Set(ids)].map((id) => ({ id, sku: null }));
          assert.deepEqual(sorted([...own.values()]), sorted(expected));
        },
      ),
      { numRuns: 80 },
    );
  });
});
