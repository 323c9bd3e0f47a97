/**
 * SQL of the idempotency records (`idempotency_keys`, owned by `lib/idempotency`): one row per
 * (scope, key), its request hash, and the stored answer once the first request finished.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Claims (scope, key) for a first request; false when a row already holds it. */
export async function claimKey(db: Db, scope: string, key: string, requestHash: string): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ scope, key, request_hash: requestHash, status_code: null, response_body: null })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The record of (scope, key): its request hash and stored answer (status_code null: still running). */
export async function findKey(db: Db, scope: string, key: string) {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response_body'])
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

/** Stores the answer of (scope, key); with `onlyIfUnfinished`, only when none is stored yet. */
export async function storeAnswer(
  db: Db,
  scope: string,
  key: string,
  answer: { status: number; body: unknown },
  opts: { onlyIfUnfinished?: boolean } = {},
): Promise<void> {
  let q = db
    .updateTable('idempotency_keys')
    .set({ status_code: answer.status, response_body: JSON.stringify(answer.body) })
    .where('scope', '=', scope)
    .where('key', '=', key);
  if (opts.onlyIfUnfinished) q = q.where('status_code', 'is', null);
  await q.execute();
}

/** Forgets (scope, key), so the client may retry with the same key. */
export async function deleteKey(db: Db, scope: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
}

/** Deletes the unfinished records (no stored answer) of scopes starting with `scopePrefix`, created before `before`. */
export async function deleteUnfinishedKeys(db: Db, scopePrefix: string, before: Date): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', 'like', `${scopePrefix}%`)
    .where('status_code', 'is', null)
    .where('created_at', '<', before.toISOString())
    .execute();
}
