/**
 * SQL of the orders module: `checkouts` (one per cart and Idempotency-Key), `orders` (one per
 * merchant per checkout), `order_lines` and `order_events` (every status change, who and when).
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CheckoutStatus, OrderStatus } from './orders.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/* ------------------------------------------------------------------ checkouts */

/** The checkout of (cart, Idempotency-Key), if any. */
export function findCheckoutByKey(db: Db, cartId: number, key: string) {
  return db
    .selectFrom('checkouts')
    .select(['id', 'status'])
    .where('cart_id', '=', cartId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/** Inserts a checkout; returns its id. */
export async function insertCheckout(db: Db, values: Insertable<DB['checkouts']>): Promise<number> {
  const r = await db.insertInto('checkouts').values(values).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/**
 * Moves a checkout to `to` only from one of `from` (a conditional UPDATE: the sweeper and the
 * confirmation never both win). Returns true when it moved.
 */
export async function moveCheckout(
  db: Db,
  id: number,
  from: CheckoutStatus[],
  to: CheckoutStatus,
  extra: { payment_json?: string } = {},
): Promise<boolean> {
  const r = await db
    .updateTable('checkouts')
    .set({ status: to, ...extra, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records the authorization on a checkout still 'reserved' (status 'authorized', without touching updated_at). */
export async function markAuthorized(db: Db, id: number, paymentJson: string): Promise<void> {
  await db
    .updateTable('checkouts')
    .set({ status: 'authorized', payment_json: paymentJson })
    .where('id', '=', id)
    .where('status', '=', 'reserved')
    .execute();
}

/** Deletes a failed or expired checkout (its key is tried afresh). */
export async function deleteEndedCheckout(db: Db, id: number): Promise<void> {
  await db
    .deleteFrom('checkouts')
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'expired'])
    .execute();
}

/** Unfinished checkouts ('reserved', 'authorized') whose expiry is past, oldest first. */
export function findDueCheckouts(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('checkouts')
    .select(['id', 'status', 'payment_method', 'payment_json', 'total_cents'])
    .where('status', 'in', ['reserved', 'authorized'])
    .where('expires_at', '<', now.toISOString())
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Ids of the checkouts in progress ('reserved', 'authorized'), through the (status, expires_at) index. */
export async function findPendingCheckoutIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('checkouts')
    .select('id')
    .where('status', 'in', ['reserved', 'authorized'])
    .execute();
  return rows.map((r) => r.id);
}

/* ------------------------------------------------------------------ orders */

/** Inserts an order; returns its id. */
export async function insertOrder(db: Db, values: Insertable<DB['orders']>): Promise<number> {
  const r = await db.insertInto('orders').values(values).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Inserts an order's lines. */
export async function insertOrderLines(db: Db, lines: Insertable<DB['order_lines']>[]): Promise<void> {
  if (lines.length) await db.insertInto('order_lines').values(lines).execute();
}

/** Records one status change of an order. */
export async function insertOrderEvent(db: Db, event: Insertable<DB['order_events']>): Promise<void> {
  await db.insertInto('order_events').values(event).execute();
}

/** The orders of a checkout, in id order. */
export function findOrdersOfCheckout(db: Db, checkoutId: number) {
  return db.selectFrom('orders').selectAll().where('checkout_id', '=', checkoutId).orderBy('id').execute();
}

/** One order; with `merchantId`, only when it is that merchant's. */
export function findOrder(db: Db, orderId: number, merchantId?: number) {
  let q = db.selectFrom('orders').selectAll().where('id', '=', orderId);
  if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
  return q.executeTakeFirst();
}

/** An order's lines, in id order. */
export function findOrderLines(db: Db, orderId: number) {
  return db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}

/** An order's status history, in id order. */
export function findOrderEvents(db: Db, orderId: number) {
  return db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}

/** An order's lines summed per (product, location, sku), in (product_id, location_id) order. */
export async function findOrderUnits(db: Db, orderId: number) {
  const rows = await db
    .selectFrom('order_lines')
    .select(['product_id', 'location_id', 'sku', (eb) => eb.fn.sum<number>('quantity').as('quantity')])
    .where('order_id', '=', orderId)
    .groupBy(['product_id', 'location_id', 'sku'])
    .orderBy('product_id')
    .orderBy('location_id')
    .execute();
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity) }));
}

/** Moves an order from `from` to `to` (conditional UPDATE); true when it moved. */
export async function moveOrder(db: Db, id: number, from: OrderStatus, to: OrderStatus, now: string) {
  const r = await db
    .updateTable('orders')
    .set({ status: to, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A merchant's orders, newest first (optionally of one status). */
export function findMerchantOrders(
  db: Db,
  merchantId: number,
  status: OrderStatus | undefined,
  limit: number,
) {
  let q = db
    .selectFrom('orders')
    .select([
      'id as order_id',
      'status',
      'customer_name',
      'customer_email',
      'customer_phone',
      'fulfilment_method',
      'location_id',
      'subtotal_cents',
      'discount_cents',
      'delivery_fee_cents',
      'gst_cents',
      'qst_cents',
      'total_cents',
      'payment_method',
      'payment_status',
      'pickup_slot_at',
      'created_at',
      'updated_at',
    ])
    .where('merchant_id', '=', merchantId)
    .orderBy('id', 'desc')
    .limit(limit);
  if (status) q = q.where('status', '=', status);
  return q.execute();
}

/** A customer's orders (by account, or also by email), newest first, at most 100. */
export function findUserOrders(db: Db, userId: number, email?: string) {
  let q = db
    .selectFrom('orders')
    .select(['id', 'merchant_id', 'status', 'total_cents', 'created_at', 'access_token_hash']);
  q = email
    ? q.where((eb) => eb.or([eb('user_id', '=', userId), eb('customer_email', '=', email)]))
    : q.where('user_id', '=', userId);
  return q.orderBy('id', 'desc').limit(100).execute();
}

/** A merchant's pickups still to hand over (placed, accepted, ready) with a slot in [from, to). */
export function findPickupsBetween(db: Db, merchantId: number, from: string, to: string) {
  return db
    .selectFrom('orders')
    .select(['id as order_id', 'status', 'customer_name', 'pickup_slot_at', 'total_cents', 'location_id'])
    .where('merchant_id', '=', merchantId)
    .where('fulfilment_method', '=', 'pickup')
    .where('status', 'in', ['placed', 'accepted', 'ready'])
    .where('pickup_slot_at', '>=', from)
    .where('pickup_slot_at', '<', to)
    .orderBy('pickup_slot_at')
    .orderBy('id')
    .execute();
}

/* ------------------------------------------------------------------ payment status */

/** An order's payment fields; undefined if there is no such order. */
export function findOrderPayment(db: Db, orderId: number) {
  return db
    .selectFrom('orders')
    .select(['merchant_id', 'status', 'payment_method', 'payment_status', 'payment_reference'])
    .where('id', '=', orderId)
    .executeTakeFirst();
}

/** Sets one order's payment status. */
export async function updatePaymentStatus(db: Db, orderId: number, status: string): Promise<void> {
  await db.updateTable('orders').set({ payment_status: status }).where('id', '=', orderId).execute();
}

/** Sets the payment status of every order of a checkout. */
export async function updateCheckoutPaymentStatus(db: Db, checkoutId: number, status: string): Promise<void> {
  await db
    .updateTable('orders')
    .set({ payment_status: status })
    .where('checkout_id', '=', checkoutId)
    .execute();
}

/**
 * Sets the payment status of the orders paid by `method` under this provider reference, except
 * cancelled orders and payments already settled backwards (refunded, refund failed, voided): a late
 * or replayed provider event never re-marks them (one condition in the UPDATE, so no race).
 */
export async function updatePaymentStatusByReference(
  db: Db,
  method: string,
  reference: string,
  status: string,
): Promise<void> {
  await db
    .updateTable('orders')
    .set({ payment_status: status, updated_at: new Date().toISOString() })
    .where('payment_method', '=', method)
    .where('payment_reference', '=', reference)
    .where('status', '!=', 'cancelled')
    .where('payment_status', 'not in', ['refunded', 'refund_failed', 'voided'])
    .execute();
}

/** How many orders a merchant received since an instant (ISO string): the back-office dashboard's "today". */
export async function countMerchantOrdersSince(db: Db, merchantId: number, since: string): Promise<number> {
  const r = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('created_at', '>=', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
