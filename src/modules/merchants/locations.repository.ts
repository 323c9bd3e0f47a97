/** SQL over the merchants module's `locations` table (a merchant's stores). */
import type { Insertable, Updateable } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { LocationsTable } from '../../db/schema.ts';
import type { Q } from './merchants.repository.ts';
import './locations.tables.ts';

export function locationsOf(db: Q, merchantId: number) {
  return locationsOfQuery(db, merchantId);
}
// Prepared (src/db/prepared.ts): every cart add and merchant page reads a merchant's stores.
const locationsOfQuery = preparedQuery((db: Q, merchantId: number) =>
  db.selectFrom('locations').selectAll().where('merchant_id', '=', merchantId).orderBy('id'),
);

export function locationsOfMany(db: Q, merchantIds: readonly number[]) {
  if (!merchantIds.length) return Promise.resolve([]);
  return db
    .selectFrom('locations')
    .selectAll()
    .where('merchant_id', 'in', [...new Set(merchantIds)])
    .orderBy('id')
    .execute();
}

export function findById(db: Q, id: number) {
  return db.selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByIds(db: Q, ids: readonly number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('locations')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .execute();
}

export function findOfMerchant(db: Q, merchantId: number, id: number) {
  return db
    .selectFrom('locations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findByCode(db: Q, merchantId: number, code: string) {
  return db
    .selectFrom('locations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('code', '=', code)
    .executeTakeFirst();
}

/** Another store of the merchant already using `code` (the one being edited excepted). */
export function codeUsedElsewhere(db: Q, merchantId: number, code: string, exceptId: number | undefined) {
  let q = db
    .selectFrom('locations')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('code', '=', code);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return q.executeTakeFirst();
}

export async function countOf(db: Q, merchantId: number): Promise<number> {
  const r = await db
    .selectFrom('locations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function insertLocation(db: Q, values: Insertable<LocationsTable>) {
  return db.insertInto('locations').values(values).returning('id').executeTakeFirstOrThrow();
}

/** Updates one store of the merchant; returns how many rows changed (0: not this merchant's). */
export async function updateLocation(
  db: Q,
  merchantId: number,
  id: number,
  values: Updateable<LocationsTable>,
): Promise<number> {
  const r = await db
    .updateTable('locations')
    .set(values)
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Makes `id` the merchant's only default store. */
export async function setDefault(db: Q, merchantId: number, id: number): Promise<void> {
  // Clear first: the partial unique index allows one flagged store per merchant at any time.
  await db
    .updateTable('locations')
    .set({ is_default: 0 })
    .where('merchant_id', '=', merchantId)
    .where('id', '!=', id)
    .execute();
  await db
    .updateTable('locations')
    .set({ is_default: 1 })
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .execute();
}

/** Every store with a delivery radius (any merchant), in id order: the demo seed gives them zones. */
export function deliveringLocations(db: Q) {
  return db.selectFrom('locations').selectAll().where('delivery_radius_km', '>', 0).orderBy('id').execute();
}
