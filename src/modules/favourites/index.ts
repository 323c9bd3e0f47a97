import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './favourites.tables.ts';

/** Marks or unmarks an approved merchant as a favourite of a user (idempotent). */
export async function setFavourite(
  db: Kysely<DB>,
  userId: number,
  merchantId: number,
  favourite: boolean,
): Promise<void> {
  if (!favourite) {
    await db
      .deleteFrom('favourite_merchants')
      .where('user_id', '=', userId)
      .where('merchant_id', '=', merchantId)
      .execute();
    return;
  }
  await db
    .insertInto('favourite_merchants')
    .values({ user_id: userId, merchant_id: merchantId })
    .onConflict((oc) => oc.columns(['user_id', 'merchant_id']).doNothing())
    .execute();
}

export async function isFavourite(db: Kysely<DB>, userId: number, merchantId: number): Promise<boolean> {
  const row = await db
    .selectFrom('favourite_merchants')
    .select('merchant_id')
    .where('user_id', '=', userId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return !!row;
}

/** A user's favourite merchants that are still approved, most recent first. */
export function listFavourites(db: Kysely<DB>, userId: number) {
  return db
    .selectFrom('favourite_merchants as f')
    .innerJoin('merchants as m', 'm.id', 'f.merchant_id')
    .select(['m.id', 'm.slug', 'm.display_name'])
    .where('f.user_id', '=', userId)
    .where('m.status', '=', 'approved')
    .orderBy('f.created_at', 'desc')
    .execute();
}
