import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './favourites.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

export async function deleteFavourite(db: Db, userId: number, merchantId: number): Promise<void> {
  await db
    .deleteFrom('favourite_merchants')
    .where('user_id', '=', userId)
    .where('merchant_id', '=', merchantId)
    .execute();
}

/** Idempotent: marking a favourite twice keeps one row. */
export async function insertFavourite(db: Db, userId: number, merchantId: number): Promise<void> {
  await db
    .insertInto('favourite_merchants')
    .values({ user_id: userId, merchant_id: merchantId })
    .onConflict((oc) => oc.columns(['user_id', 'merchant_id']).doNothing())
    .execute();
}

export async function favouriteExists(db: Db, userId: number, merchantId: number): Promise<boolean> {
  const row = await db
    .selectFrom('favourite_merchants')
    .select('merchant_id')
    .where('user_id', '=', userId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return !!row;
}

/** Ids of a user's favourite merchants (any status), most recent first. */
export async function favouriteMerchantIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('favourite_merchants')
    .select('merchant_id')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.merchant_id);
}
