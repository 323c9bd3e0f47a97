import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Q = Kysely<DB> | Transaction<DB>;

export function findApprovedBySlug(db: Q, slug: string) {
  return db
    .selectFrom('merchants')
    .selectAll()
    .where('slug', '=', slug)
    .where('status', '=', 'approved')
    .executeTakeFirst();
}

export function findById(db: Q, id: number) {
  return db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
}

export function slugExists(db: Q, slug: string) {
  return db.selectFrom('merchants').select('id').where('slug', '=', slug).executeTakeFirst();
}

export function locationsOf(db: Q, merchantId: number) {
  return db.selectFrom('locations').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
}

export function associationsOf(db: Q, merchantId: number) {
  return (
    db
      .selectFrom('association_members as am')
      .innerJoin('associations as a', 'a.id', 'am.association_id')
      .select(['a.id', 'a.slug', 'a.name', 'a.short_name', 'a.primary_color', 'a.accent_color'])
      .where('am.merchant_id', '=', merchantId)
      // An invitation the merchant has not accepted is not a membership yet.
      .where('am.status', '=', 'active')
      .orderBy('a.name')
      .execute()
  );
}

export function categoriesOf(db: Q, merchantId: number) {
  return db
    .selectFrom('merchant_categories as mc')
    .innerJoin('categories as c', 'c.id', 'mc.category_id')
    .select(['c.id', 'c.slug', 'c.name_fr', 'c.name_en'])
    .where('mc.merchant_id', '=', merchantId)
    .orderBy('c.position')
    .execute();
}

export function findApiKeyByHash(db: Q, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'merchant_id', 'revoked_at'])
    .where('key_hash', '=', keyHash)
    .executeTakeFirst();
}
