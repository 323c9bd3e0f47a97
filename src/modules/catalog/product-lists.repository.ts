import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

const cardColumns = [
  'id',
  'merchant_id',
  'title_fr',
  'title_en',
  'price_cents',
  'quebec_label',
  'quebec_label_verified',
  'images_json',
] as const;

/**
 * Active products of these merchants for a showcase: Québec-labelled first, then newest. The caller
 * passes only merchants it may show (e.g. approved active members of an association).
 */
export function activeProductsOfMerchants(db: Db, merchantIds: number[], limit: number) {
  if (!merchantIds.length) return Promise.resolve([]);
  return db
    .selectFrom('products')
    .select(cardColumns)
    .where('merchant_id', 'in', [...new Set(merchantIds)])
    .where('status', '=', 'active')
    .orderBy(sql`case when quebec_label is null then 1 else 0 end`)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** These products (any status) with their merchant, status and card fields, by id. */
export function productsByIds(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('products')
    .select([...cardColumns, 'status'])
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .execute();
}
