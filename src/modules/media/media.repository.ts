/** Every query on `image_fetches` (the media module's fetch queue, migration 025). */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './media.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Successful fetches (`product_id`, `source_url`, stored image JSON) of these products. */
export async function selectDoneFetches(db: Db, productIds: readonly number[]) {
  const out: { product_id: number; source_url: string; media_json: string | null }[] = [];
  for (let i = 0; i < productIds.length; i += 500) {
    const ids = productIds.slice(i, i + 500);
    out.push(
      ...(await db
        .selectFrom('image_fetches')
        .select(['product_id', 'source_url', 'media_json'])
        .where('status', '=', 'done')
        .where('product_id', 'in', ids)
        .execute()),
    );
  }
  return out;
}

/** Drops a product's fetches that are not done, except those of `keepUrls` (all when empty). */
export async function deleteUnfinishedFetches(
  db: Db,
  merchantId: number,
  productId: number,
  keepUrls: readonly string[],
): Promise<void> {
  let drop = db
    .deleteFrom('image_fetches')
    .where('product_id', '=', productId)
    .where('merchant_id', '=', merchantId)
    .where('status', '!=', 'done');
  if (keepUrls.length) drop = drop.where('source_url', 'not in', [...keepUrls]);
  await drop.execute();
}

/** A fetch to queue. */
export interface NewFetch {
  merchant_id: number;
  product_id: number;
  source_url: string;
  position: number;
  next_attempt_at: string;
  created_at: string;
  updated_at: string;
}

/**
 * Queues fetches (200 rows a statement); a (product, URL) already done or failed is tried afresh,
 * one waiting or under way is left alone.
 */
export async function upsertFetches(db: Db, rows: readonly NewFetch[], now: string): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('image_fetches')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc
          .columns(['product_id', 'source_url'])
          .doUpdateSet((eb) => ({
            status: 'pending',
            attempts: 0,
            last_error: null,
            position: eb.ref('excluded.position'),
            next_attempt_at: now,
            updated_at: now,
          }))
          .where('image_fetches.status', 'in', ['done', 'failed']),
      )
      .execute();
  }
}

/** Fetches due at `now` (waiting, or claimed and past their lease), oldest due first. */
export function selectDueFetches(db: Db, now: string, limit: number) {
  return (
    db
      .selectFrom('image_fetches')
      .select(['id', 'merchant_id', 'product_id', 'source_url', 'position', 'attempts'])
      // 'fetching' past its lease: the worker that claimed it stopped mid-fetch.
      .where('status', 'in', ['pending', 'fetching'])
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute()
  );
}

/** Claims a due fetch until `leaseUntil`; false when another worker claimed it first. */
export async function claimFetch(db: Db, id: number, now: string, leaseUntil: string): Promise<boolean> {
  const claim = await db
    .updateTable('image_fetches')
    .set({ status: 'fetching', next_attempt_at: leaseUntil })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'fetching'])
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(claim.numUpdatedRows) > 0;
}

/** Records a fetch's outcome. */
export async function updateFetch(
  db: Db,
  id: number,
  v: {
    status: 'done' | 'failed' | 'pending';
    attempts: number;
    last_error: string | null;
    media_json?: string;
    next_attempt_at?: string;
    updated_at: string;
  },
): Promise<void> {
  await db.updateTable('image_fetches').set(v).where('id', '=', id).execute();
}

/** True while some fetch is claimed (by any instance). */
export async function anyFetchRunning(db: Db): Promise<boolean> {
  const r = await db
    .selectFrom('image_fetches')
    .select('id')
    .where('status', '=', 'fetching')
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** A merchant's fetches that failed, or failed once and wait for a retry, latest first. */
export function selectFailures(db: Db, merchantId: number, limit: number) {
  return db
    .selectFrom('image_fetches')
    .select(['id', 'product_id', 'source_url', 'status', 'last_error', 'updated_at'])
    .where('merchant_id', '=', merchantId)
    .where('status', 'in', ['failed', 'pending'])
    .where('last_error', 'is not', null)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
