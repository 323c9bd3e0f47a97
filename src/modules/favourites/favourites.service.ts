import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { findMerchantsByIds } from '../merchants/index.ts';
import * as repo from './favourites.repository.ts';

/** Marks or unmarks a merchant as a favourite of a user (idempotent). */
export async function setFavourite(
  db: Kysely<DB>,
  userId: number,
  merchantId: number,
  favourite: boolean,
): Promise<void> {
  if (favourite) await repo.insertFavourite(db, userId, merchantId);
  else await repo.deleteFavourite(db, userId, merchantId);
}

export async function isFavourite(db: Kysely<DB>, userId: number, merchantId: number): Promise<boolean> {
  return repo.favouriteExists(db, userId, merchantId);
}

/** A user's favourite merchants that are still approved, most recent first. */
export async function listFavourites(
  db: Kysely<DB>,
  userId: number,
): Promise<{ id: number; slug: string; display_name: string }[]> {
  const ids = await repo.favouriteMerchantIds(db, userId);
  const byId = new Map((await findMerchantsByIds(db, ids)).map((m) => [m.id, m]));
  return ids.flatMap((id) => {
    const m = byId.get(id);
    return m && m.status === 'approved' ? [{ id: m.id, slug: m.slug, display_name: m.display_name }] : [];
  });
}
