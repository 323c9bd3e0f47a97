/**
 * Every query on `inventory_levels` outside reservations (reservations.repository.ts): stock per
 * product and location, read in bulk or locked, and written in bulk. Functions take the database or
 * the caller's transaction first.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';
import { chunks } from '../../lib/chunks.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** One stock row. */
export interface LevelRow {
  product_id: number;
  location_id: number;
  on_hand: number;
  reserved: number;
}

const CHUNK = 500;

/** True on PostgreSQL (bulk paths differ: JSON record sets and arrays instead of many bind parameters). */
export function isPostgres(db: Db): boolean {
  return !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
}

/**
 * Stock rows of these products (every location). With `forUpdate` (PostgreSQL, inside a
 * transaction) the rows are locked in (product_id, location_id) order, the order checkouts reserve
 * in: a reservation committed meanwhile is seen, never overwritten.
 */
export async function selectLevels(
  db: Db,
  productIds: readonly number[],
  opts: { forUpdate?: boolean } = {},
): Promise<LevelRow[]> {
  const out: LevelRow[] = [];
  if (isPostgres(db)) {
    for (const ids of chunks(productIds, 50_000)) {
      const q = db
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .where(sql<boolean>`product_id in (select unnest(${ids}::int[]))`);
      out.push(
        ...(await (opts.forUpdate
          ? q.orderBy('product_id').orderBy('location_id').forUpdate()
          : q
        ).execute()),
      );
    }
    return out;
  }
  for (const ids of chunks(productIds, CHUNK)) out.push(...(await levelsQuery(db, ids)));
  return out;
}

/** Stock rows of these products, as built (SQLite's form of selectLevels; tests compare the prepared one to it). */
export const buildLevels = (db: Db, ids: readonly number[]) =>
  db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved'])
    .where('product_id', 'in', ids);
// Prepared (src/db/prepared.ts): every stock sync reads its rows (1–5 products in the mixed load).
const levelsQuery = preparedQuery(buildLevels);

/** One stock row, or undefined when the product was never stocked there. */
export function selectLevel(db: Db, productId: number, locationId: number): Promise<LevelRow | undefined> {
  return db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved'])
    .where('product_id', '=', productId)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}

/** Stock rows of these products whose availability (on hand − reserved) is at most `threshold`. */
export async function selectLevelsAvailableAtMost(
  db: Db,
  productIds: readonly number[],
  threshold: number,
): Promise<LevelRow[]> {
  const out: LevelRow[] = [];
  for (const ids of chunks(productIds, CHUNK)) {
    out.push(
      ...(await db
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .where('product_id', 'in', ids)
        .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '<=', threshold))
        .execute()),
    );
  }
  return out;
}

/** Availability (on hand − reserved, summed over every location) per product; products without rows are absent. */
export async function selectAvailableByProduct(
  db: Db,
  productIds: readonly number[],
): Promise<Map<number, number>> {
  const map = new Map<number, number>();
  for (const ids of chunks(productIds, CHUNK))
    for (const r of await availableQuery(db, ids)) map.set(r.product_id, Number(r.available));
  return map;
}

/** Availability per product, as built (tests compare the prepared form to it). */
export const buildAvailableByProduct = (db: Db, ids: readonly number[]) =>
  db
    .selectFrom('inventory_levels')
    .select('product_id')
    .select((eb) => eb.fn.sum<number>(eb('on_hand', '-', eb.ref('reserved'))).as('available'))
    .where('product_id', 'in', ids)
    .groupBy('product_id');
// Prepared: every merchant page sums its page's stock (24 products and their variants, most often).
const availableQuery = preparedQuery(buildAvailableByProduct);

/** Writes stock levels (insert or update on_hand), in batches, inside the caller's transaction. */
export async function upsertOnHand(
  trx: Db,
  rows: readonly { product_id: number; location_id: number; on_hand: number }[],
): Promise<void> {
  const now = new Date().toISOString();
  if (isPostgres(trx)) {
    // One JSON parameter per 5,000 rows: far cheaper for PostgreSQL than thousands of bind parameters.
    for (const batch of chunks(rows, 5000)) {
      await sql`insert into inventory_levels (product_id, location_id, on_hand, reserved, updated_at)
        select x.product_id, x.location_id, x.on_hand, 0, ${now}::timestamptz
        from json_to_recordset(${JSON.stringify(batch)}::json) as x(product_id integer, location_id integer, on_hand integer)
        on conflict (product_id, location_id) do update set on_hand = excluded.on_hand, updated_at = excluded.updated_at`.execute(
        trx,
      );
    }
    return;
  }
  for (const batch of chunks(rows, CHUNK))
    await upsertQuery(
      trx,
      batch.map(() => now),
      batch.map((r) => r.product_id),
      batch.map((r) => r.location_id),
      batch.map((r) => r.on_hand),
    );
}

/**
 * SQLite's stock upsert of rows given column by column (row i: `productIds[i]`, `locationIds[i]`,
 * `onHands[i]`, `updatedAts[i]`), as built (tests compare the prepared form to it). Lists of one
 * length: the build only follows their positions, never their values. The time is a list too: a
 * prepared query binds each argument once, and every row holds it.
 */
export const buildUpsertOnHand = (
  trx: Db,
  updatedAts: readonly string[],
  productIds: readonly number[],
  locationIds: readonly number[],
  onHands: readonly number[],
) =>
  trx
    .insertInto('inventory_levels')
    .values(
      productIds.map((product_id, i) => ({
        product_id,
        location_id: locationIds[i] as number,
        on_hand: onHands[i] as number,
        reserved: 0,
        updated_at: updatedAts[i] as string,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['product_id', 'location_id']).doUpdateSet((eb) => ({
        on_hand: eb.ref('excluded.on_hand'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
// Prepared: every stock sync writes its 1–5 rows this way (the time is an argument, never frozen).
const upsertQuery = preparedQuery(buildUpsertOnHand);
