/** Every query on `image_fetches` (the media module's fetch queue, migration 025). */
import { type Kysely, sql, type Transaction } from 'kysely';
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

/**
 * Drops each product's fetches that are not done, except those of its `keepUrls` (all when empty),
 * in one statement per 5,000 products (an import re-reading 30,000 products must not make 30,000
 * round trips).
 */
export async function deleteUnfinishedFetchesOf(
  db: Db,
  merchantId: number,
  items: readonly { productId: number; keepUrls: readonly string[] }[],
): Promise<void> {
  const pg = !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
  for (let i = 0; i < items.length; i += 5000) {
    const batch = items.slice(i, i + 5000);
    const ids = JSON.stringify(batch.map((b) => b.productId));
    const keep = batch.flatMap((b) => b.keepUrls.map((url) => ({ product_id: b.productId, url })));
    if (pg)
      await sql`delete from image_fetches f
        where f.merchant_id = ${merchantId} and f.status <> 'done'
          and f.product_id in (select value::integer from json_array_elements_text(${ids}::json))
          and not exists (select 1 from json_to_recordset(${JSON.stringify(keep)}::json) as k(product_id integer, url text)
            where k.product_id = f.product_id and k.url = f.source_url)`.execute(db);
    else
      await sql`delete from image_fetches
        where merchant_id = ${merchantId} and status <> 'done'
          and product_id in (select value from json_each(${ids}))
          and (product_id || char(31) || source_url) not in
            (select value from json_each(${JSON.stringify(keep.map((k) => `${k.product_id}\u001f${k.url}`))}))`.execute(
        db,
      );
  }
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
