/**
 * SQL of the reference data every search keeps in memory (reference.ts): visible categories,
 * approved merchants and their locations, associations and their active members, towns.
 * Search is a read model of these tables (src/db/ownership.ts): read here, never written.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** The small tables reference.ts reads whole: visible categories, associations, active members, towns. */
export function referenceSmallRows(db: Q) {
  return Promise.all([
    // Hidden categories (catalog module) hold no products and are never suggested.
    db
      .selectFrom('categories')
      .select(['id', 'slug', 'name_fr', 'name_en'])
      .where('hidden', '=', 0)
      .orderBy('position')
      .execute(),
    db.selectFrom('associations').select(['id', 'slug', 'name']).orderBy('id').execute(),
    db
      .selectFrom('association_members')
      .select(['association_id', 'merchant_id'])
      .where('status', '=', 'active')
      .execute(),
    db.selectFrom('municipalities').select(['name', 'lat', 'lng', 'postal_prefixes']).execute(),
  ] as const);
}

/** Approved merchants with an id above `afterId`, in id order, at most `limit` (one page of a keyset walk). */
export function approvedMerchantsAfter(db: Q, afterId: number, limit: number) {
  return db
    .selectFrom('merchants')
    .select(['id', 'slug', 'display_name'])
    .where('status', '=', 'approved')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Locations of approved merchants with an id above `afterId`, in id order, at most `limit`. */
export function approvedLocationsAfter(db: Q, afterId: number, limit: number) {
  return db
    .selectFrom('locations as l')
    .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
    .select([
      'l.id',
      'l.merchant_id',
      'l.lat',
      'l.lng',
      'l.pickup',
      'l.delivery_radius_km',
      'l.delivery_zones_json',
      'l.delivery_fee_cents',
      'l.hours_json',
    ])
    .where('m.status', '=', 'approved')
    .where('l.id', '>', afterId)
    .orderBy('l.id')
    .limit(limit)
    .execute();
}
