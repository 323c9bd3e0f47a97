/** SQL of the shopsync module's tables (connections, synced items, webhook receipts, stock pushes, log). */
import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { chunks } from '../../lib/chunks.ts';
import './shopsync.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;
export type ConnectionRow = Selectable<DB['shopsync_connections']>;
export type ItemRow = Selectable<DB['shopsync_items']>;
export type PushRow = Selectable<DB['shopsync_pushes']>;
export type LogRow = Selectable<DB['shopsync_log']>;

const CHUNK = 500;

/* ------------------------------------------------------------------ connections */

/**
 * The merchant's shop connection: the one not disconnected (a merchant follows one shop at a
 * time), else the last one used.
 */
export function selectConnectionOfMerchant(db: Db, merchantId: number) {
  return db
    .selectFrom('shopsync_connections')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy((eb) => eb.case().when('status', '=', 'disconnected').then(1).else(0).end())
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export function selectConnection(db: Db, id: number) {
  return db.selectFrom('shopsync_connections').selectAll().where('id', '=', id).executeTakeFirst();
}

export function selectActiveConnections(db: Db) {
  return db
    .selectFrom('shopsync_connections')
    .selectAll()
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

/**
 * Creates or replaces the merchant's connection to a provider, active (reconnecting keeps synced items
 * and the saved cursor).
 */
export async function upsertConnection(db: Db, row: Insertable<DB['shopsync_connections']>): Promise<number> {
  const now = new Date().toISOString();
  const r = await db
    .insertInto('shopsync_connections')
    .values({ ...row, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'provider']).doUpdateSet({
        shop_domain: row.shop_domain,
        environment: row.environment ?? null,
        token_enc: row.token_enc,
        secret_enc: row.secret_enc,
        refresh_enc: row.refresh_enc ?? null,
        token_expires_at: row.token_expires_at ?? null,
        location_map_json: row.location_map_json,
        status: 'active',
        last_error: null,
        updated_at: now,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateConnection(db: Db, id: number, set: Updateable<DB['shopsync_connections']>) {
  await db
    .updateTable('shopsync_connections')
    .set({ ...set, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
}

/* ------------------------------------------------------------------ items */

export async function selectItemsByVariants(db: Db, connectionId: number, variantIds: readonly string[]) {
  const out: ItemRow[] = [];
  for (const part of chunks(variantIds, CHUNK))
    out.push(
      ...(await db
        .selectFrom('shopsync_items')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('shop_variant_id', 'in', part)
        .execute()),
    );
  return out;
}

export async function selectItemsByProductIds(db: Db, connectionId: number, productIds: readonly number[]) {
  const out: ItemRow[] = [];
  for (const part of chunks(productIds, CHUNK))
    out.push(
      ...(await db
        .selectFrom('shopsync_items')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('product_id', 'in', part)
        .execute()),
    );
  return out;
}

export function selectItemsOfShopProduct(db: Db, connectionId: number, shopProductId: string) {
  return db
    .selectFrom('shopsync_items')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('shop_product_id', '=', shopProductId)
    .execute();
}

export function selectItemByInventoryItem(db: Db, connectionId: number, inventoryItemId: string) {
  return db
    .selectFrom('shopsync_items')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('inventory_item_id', '=', inventoryItemId)
    .where('product_id', 'is not', null)
    .executeTakeFirst();
}

/** Items not seen by the sync that started at `since` (gone from the shop). */
export function selectUnseenItems(db: Db, connectionId: number, since: string) {
  return db
    .selectFrom('shopsync_items')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('seen_at', '<', since)
    .execute();
}

export function selectItemErrors(db: Db, connectionId: number, limit: number) {
  return db
    .selectFrom('shopsync_items')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('error_code', 'is not', null)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function countItems(db: Db, connectionId: number) {
  const r = await db
    .selectFrom('shopsync_items')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('error_code').as('errors')])
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return { total: Number(r.total), errors: Number(r.errors) };
}

/** Writes items by (connection, variant). */
export async function upsertItems(db: Db, rows: Insertable<DB['shopsync_items']>[]) {
  for (const part of chunks(rows, 200))
    await db
      .insertInto('shopsync_items')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'shop_variant_id']).doUpdateSet((eb) => ({
          shop_product_id: eb.ref('excluded.shop_product_id'),
          inventory_item_id: eb.ref('excluded.inventory_item_id'),
          product_id: eb.ref('excluded.product_id'),
          sku: eb.ref('excluded.sku'),
          title: eb.ref('excluded.title'),
          error_code: eb.ref('excluded.error_code'),
          error_detail: eb.ref('excluded.error_detail'),
          seen_at: eb.ref('excluded.seen_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
}

export async function deleteItems(db: Db, ids: readonly number[]) {
  for (const part of chunks(ids, CHUNK))
    await db.deleteFrom('shopsync_items').where('id', 'in', part).execute();
}

/* ------------------------------------------------------------------ webhook receipts */

/** Records a delivery id; false when it was already recorded (a replay). */
export async function insertReceipt(db: Db, connectionId: number, webhookId: string, topic: string) {
  const r = await db
    .insertInto('shopsync_receipts')
    .values({ connection_id: connectionId, webhook_id: webhookId, topic })
    .onConflict((oc) => oc.columns(['connection_id', 'webhook_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteReceipt(db: Db, connectionId: number, webhookId: string) {
  await db
    .deleteFrom('shopsync_receipts')
    .where('connection_id', '=', connectionId)
    .where('webhook_id', '=', webhookId)
    .execute();
}

/* ------------------------------------------------------------------ stock pushes */

export async function insertPushes(db: Db, rows: Insertable<DB['shopsync_pushes']>[]) {
  if (!rows.length) return;
  // Due from this process's clock, in milliseconds like the `now` runPushes compares with: the
  // column's default (PostgreSQL's now(), in microseconds) could fall after a `now` taken in the
  // same millisecond, and the push just queued was then not due (an order's stock never sent).
  const due = new Date().toISOString();
  await db
    .insertInto('shopsync_pushes')
    .values(rows.map((r) => ({ next_attempt_at: due, ...r })))
    .onConflict((oc) =>
      oc.columns(['connection_id', 'order_id', 'product_id', 'shop_location_id', 'kind']).doNothing(),
    )
    .execute();
}

export function selectDuePushes(db: Db, now: string, connectionId?: number) {
  let q = db
    .selectFrom('shopsync_pushes')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now);
  if (connectionId !== undefined) q = q.where('connection_id', '=', connectionId);
  return q.orderBy('id').limit(500).execute();
}

/**
 * Claims due pushes for one send by moving their retry time to `leaseUntil` (like the webhook
 * deliveries' claim): another process or round that read the same rows finds them not due and
 * sends nothing; if the sender dies, the lease expires and they are due again. True only when
 * every row was still due (otherwise another sender has them).
 */
export async function claimPushes(db: Db, ids: readonly number[], now: string, leaseUntil: string) {
  const claim = await db
    .updateTable('shopsync_pushes')
    .set({ next_attempt_at: leaseUntil })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(claim.numUpdatedRows) === ids.length;
}

export async function updatePushes(db: Db, ids: readonly number[], set: Updateable<DB['shopsync_pushes']>) {
  if (!ids.length) return;
  await db
    .updateTable('shopsync_pushes')
    .set({ ...set, updated_at: new Date().toISOString() })
    .where('id', 'in', ids)
    .execute();
}

export function selectPushProblems(db: Db, connectionId: number) {
  return db
    .selectFrom('shopsync_pushes')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('status', '!=', 'done')
    .where('attempts', '>', 0)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
}

export function selectPushesOfOrder(db: Db, orderId: number) {
  return db.selectFrom('shopsync_pushes').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}

/* ------------------------------------------------------------------ log */

export async function insertLog(db: Db, row: Insertable<DB['shopsync_log']>) {
  await db.insertInto('shopsync_log').values(row).execute();
}

export function selectLog(db: Db, opts: { connectionId?: number; limit: number }) {
  let q = db.selectFrom('shopsync_log').selectAll();
  if (opts.connectionId !== undefined) q = q.where('connection_id', '=', opts.connectionId);
  return q.orderBy('id', 'desc').limit(opts.limit).execute();
}
