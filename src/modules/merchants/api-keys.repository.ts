/** SQL over the merchants module's `api_keys` table (only each key's SHA-256 is stored). */
import { preparedQuery } from '../../db/prepared.ts';
import type { Q } from './merchants.repository.ts';

export async function findByHash(db: Q, keyHash: string) {
  return (await byHashQuery(db, keyHash))[0];
}

/** The key row of a hash, as built (tests compare the prepared form to it). */
export const buildFindByHash = (db: Q, keyHash: string) =>
  db.selectFrom('api_keys').select(['id', 'merchant_id', 'revoked_at']).where('key_hash', '=', keyHash);
// Prepared (src/db/prepared.ts): every merchant API request looks its key up.
const byHashQuery = preparedQuery(buildFindByHash);

export function listOf(db: Q, merchantId: number) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id', 'desc')
    .execute();
}

export async function insertKey(
  db: Q,
  values: { merchant_id: number; name: string; prefix: string; key_hash: string },
): Promise<number> {
  const r = await db.insertInto('api_keys').values(values).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Revokes a live key of this merchant; returns how many rows changed (0: unknown, foreign or revoked). */
export async function revoke(db: Q, merchantId: number, id: number, at: string): Promise<number> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
