import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * Read model (src/db/ownership.ts `readModels.opendata`): one read-only projection of approved
 * merchants, their stores, categories and active association memberships.
 */
type Db = Kysely<DB> | Transaction<DB>;

/** Approved merchants' public fields, one row per store, by merchant slug then store id. */
export function approvedStores(db: Db, associationSlug?: string) {
  let q = db
    .selectFrom('merchants as m')
    .innerJoin('locations as l', 'l.merchant_id', 'm.id')
    .select([
      'm.id',
      'm.slug',
      'm.display_name',
      'm.website',
      'l.name as location',
      'l.address_line',
      'l.municipality',
      'l.postal_code',
      'l.lat',
      'l.lng',
    ])
    .where('m.status', '=', 'approved')
    .orderBy('m.slug')
    .orderBy('l.id');
  if (associationSlug) {
    const slug = associationSlug;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('association_members as am')
          .innerJoin('associations as a', 'a.id', 'am.association_id')
          .select('am.merchant_id')
          .whereRef('am.merchant_id', '=', 'm.id')
          .where('a.slug', '=', slug)
          .where('am.status', '=', 'active'),
      ),
    );
  }
  return q.execute();
}

/** Category slugs of these merchants, by slug. */
export function categorySlugsOf(db: Db, merchantIds: number[]) {
  if (!merchantIds.length) return Promise.resolve([]);
  return db
    .selectFrom('merchant_categories as mc')
    .innerJoin('categories as c', 'c.id', 'mc.category_id')
    .select(['mc.merchant_id', 'c.slug'])
    .where('mc.merchant_id', 'in', merchantIds)
    .orderBy('c.slug')
    .execute();
}

/** Slugs of the associations these merchants are active members of, by slug. */
export function associationSlugsOf(db: Db, merchantIds: number[]) {
  if (!merchantIds.length) return Promise.resolve([]);
  return db
    .selectFrom('association_members as am')
    .innerJoin('associations as a', 'a.id', 'am.association_id')
    .select(['am.merchant_id', 'a.slug'])
    .where('am.merchant_id', 'in', merchantIds)
    .where('am.status', '=', 'active')
    .orderBy('a.slug')
    .execute();
}
