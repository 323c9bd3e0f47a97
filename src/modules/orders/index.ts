/**
 * Orders: one per merchant per checkout. Lifecycle placed -> accepted -> ready -> completed, or
 * cancelled from placed/accepted/ready; every change is an order_events row (who, when, why).
 * Stock: an order's lines stay counted in inventory_levels.reserved until it is completed (then
 * on_hand and reserved both drop: sold) or cancelled (reserved drops: back on sale).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { EventBus } from '../events/index.ts';
import { refundGiftCard } from '../giftcards/index.ts';
import { type AvailabilityChange, announceAvailability } from '../inventory/index.ts';
import type { OrderStatus } from './orders.tables.ts';
import '../campaigns/campaigns.tables.ts';
import '../taxes/taxes.tables.ts';
import './orders.tables.ts';

export type { OrderStatus } from './orders.tables.ts';
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'placed',
  'accepted',
  'ready',
  'completed',
  'cancelled',
];
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  placed: ['accepted', 'cancelled'],
  accepted: ['ready', 'cancelled'],
  ready: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** A fresh salt for an order's access token (stored in access_token_hash). */
export const newTokenSalt = () => randomBytes(12).toString('base64url');

/** The order's access token: HMAC of its id and salt with the platform secret (signed tracking link). */
export function orderAccessToken(secret: string, orderId: number, salt: string): string {
  return createHmac('sha256', secret).update(`order:${orderId}:${salt}`).digest('base64url');
}

export async function authorizeOrder(
  db: Kysely<DB>,
  secret: string,
  orderId: number,
  token: string | undefined,
) {
  const row = await db
    .selectFrom('orders')
    .select(['id', 'access_token_hash'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!row || !token) throw notFound('order');
  const a = Buffer.from(orderAccessToken(secret, row.id, row.access_token_hash));
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw notFound('order');
}

export async function getOrder(db: Kysely<DB>, orderId: number, merchantId?: number) {
  let q = db
    .selectFrom('orders as o')
    .innerJoin('merchants as m', 'm.id', 'o.merchant_id')
    .innerJoin('locations as l', 'l.id', 'o.location_id')
    .leftJoin('promo_codes as pc', 'pc.id', 'o.promo_code_id')
    // Who collected the taxes (migration 008; no row = the merchant, as before).
    .leftJoin('order_taxes as ot', 'ot.order_id', 'o.id')
    .selectAll('o')
    .select([
      'ot.regime as tax_regime',
      'ot.collector_name as tax_collector_name',
      'ot.collector_gst_number as tax_collector_gst_number',
      'ot.collector_qst_number as tax_collector_qst_number',
      'pc.code as promo_code',
      'm.display_name as merchant_name',
      'm.legal_name as merchant_legal_name',
      'm.slug as merchant_slug',
      'm.email as merchant_email',
      'm.gst_number',
      'm.qst_number',
      'l.name as location_name',
      'l.address_line',
      'l.municipality',
      'l.hours_json',
      'l.pickup_slot_minutes',
      'l.phone as location_phone',
      'l.postal_code as location_postal_code',
    ])
    .where('o.id', '=', orderId);
  if (merchantId !== undefined) q = q.where('o.merchant_id', '=', merchantId);
  const order = await q.executeTakeFirst();
  if (!order) throw notFound('order');
  const [lines, events] = await Promise.all([
    db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('id').execute(),
    db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute(),
  ]);
  return { ...order, lines, events };
}
export type OrderDetail = Awaited<ReturnType<typeof getOrder>>;

/** The delivery address as the customer gave it (orders store `{text, lat, lng}`); '' for a pickup. */
export function deliveryAddressText(json: string | null): string {
  return json ? String((JSON.parse(json) as { text?: string }).text ?? '') : '';
}

/** Public JSON shape of an order (API and tracking). */
export function orderJson(o: OrderDetail) {
  return {
    order_id: o.id,
    checkout_id: o.checkout_id,
    merchant: { id: o.merchant_id, slug: o.merchant_slug, name: o.merchant_name },
    status: o.status,
    created_at: o.created_at,
    fulfilment: {
      method: o.fulfilment_method,
      location_id: o.location_id,
      ...(o.delivery_address_json ? { address: JSON.parse(o.delivery_address_json) } : {}),
      ...(o.pickup_slot_at ? { slot: o.pickup_slot_at } : {}),
    },
    lines: o.lines.map((l) => ({
      product_id: l.product_id,
      sku: l.sku,
      title: l.title,
      quantity: l.quantity,
      unit_price_cents: l.unit_price_cents,
      line_total_cents: l.line_total_cents,
      ...(l.discount_cents ? { discount_cents: l.discount_cents } : {}),
      tax_class: l.tax_class,
    })),
    totals: totalsOf(o),
    ...(o.promo_code ? { promo_code: o.promo_code } : {}),
    payment: {
      method: o.payment_method,
      status: o.payment_status,
      // A gift card paying part of the order: its share, the rest due and the card's balance after.
      ...(o.payment_method === 'gift_card' && o.gift_card_balance_after_cents !== null
        ? {
            gift_card_cents: o.gift_card_cents,
            remainder_cents: o.total_cents - o.gift_card_cents,
            remainder_method: o.remainder_method,
            gift_card_balance_after_cents: o.gift_card_balance_after_cents,
          }
        : {}),
    },
    history: o.events.map((e) => ({
      from: e.from_status,
      status: e.to_status,
      actor: e.actor,
      reason: e.reason,
      at: e.created_at,
    })),
  };
}

/**
 * An order's totals as the API shows them: total = subtotal − discount + delivery fee + GST + QST;
 * `discount_cents` (a promo code, before taxes) appears only when the order has one.
 */
export function totalsOf(o: {
  subtotal_cents: number;
  discount_cents?: number;
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
}): {
  subtotal_cents: number;
  discount_cents?: number;
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
} {
  return {
    subtotal_cents: o.subtotal_cents,
    ...(o.discount_cents ? { discount_cents: o.discount_cents } : {}),
    delivery_fee_cents: o.delivery_fee_cents,
    gst_cents: o.gst_cents,
    qst_cents: o.qst_cents,
    total_cents: o.total_cents,
  };
}

export async function listMerchantOrders(
  db: Kysely<DB>,
  merchantId: number,
  status?: OrderStatus,
  limit = 100,
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

export async function listUserOrders(db: Kysely<DB>, userId: number, email?: string) {
  let q = db
    .selectFrom('orders as o')
    .innerJoin('merchants as m', 'm.id', 'o.merchant_id')
    .select([
      'o.id',
      'o.status',
      'o.total_cents',
      'o.created_at',
      'o.access_token_hash',
      'm.display_name as merchant_name',
    ]);
  q = email
    ? q.where((eb) => eb.or([eb('o.user_id', '=', userId), eb('o.customer_email', '=', email)]))
    : q.where('o.user_id', '=', userId);
  return q.orderBy('o.id', 'desc').limit(100).execute();
}

export interface TransitionInput {
  orderId: number;
  /** Scope: a merchant may only move its own orders (another's id is 404). */
  merchantId?: number;
  to: OrderStatus;
  actor: string;
  reason?: string | null;
}

/**
 * Moves an order one step, atomically (a conditional UPDATE on the current status, so two
 * concurrent transitions cannot both apply). Completing sells the reserved units; cancelling
 * returns them to stock. Publishes `order` and `stock` events after commit.
 */
export async function transitionOrder(db: Kysely<DB>, events: EventBus, input: TransitionInput) {
  const result = await db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('orders')
      .select(['id', 'status', 'merchant_id', 'payment_method', 'payment_reference'])
      .where('id', '=', input.orderId);
    if (input.merchantId !== undefined) q = q.where('merchant_id', '=', input.merchantId);
    const order = await q.executeTakeFirst();
    if (!order) throw notFound('order');
    const from = order.status;
    if (!NEXT[from].includes(input.to))
      throw new AppError('conflict', 'order.transition_invalid', {
        params: { from, to: input.to },
        details: { from, to: input.to },
      });
    const now = new Date().toISOString();
    const upd = await trx
      .updateTable('orders')
      .set({ status: input.to, updated_at: now })
      .where('id', '=', order.id)
      .where('status', '=', from)
      .executeTakeFirst();
    if (Number(upd.numUpdatedRows) !== 1)
      throw new AppError('conflict', 'order.transition_invalid', { params: { from, to: input.to } });
    await trx
      .insertInto('order_events')
      .values({
        order_id: order.id,
        from_status: from,
        to_status: input.to,
        actor: input.actor,
        reason: input.reason ?? null,
        created_at: now,
      })
      .execute();
    if (input.to === 'cancelled' && order.payment_method === 'gift_card' && order.payment_reference) {
      // The gift card gets back what this order took from it, in the same transaction.
      const red = await trx
        .selectFrom('gift_card_ledger')
        .select('card_id')
        .where('order_ref', '=', order.payment_reference)
        .where('kind', '=', 'redeem')
        .executeTakeFirst();
      if (red) await refundGiftCard(trx, { orderRef: order.payment_reference, cardId: red.card_id });
    }
    const changes: AvailabilityChange[] = [];
    if (input.to === 'completed' || input.to === 'cancelled') {
      const lines = await trx
        .selectFrom('order_lines')
        .select(['product_id', 'location_id', 'sku', (eb) => eb.fn.sum<number>('quantity').as('quantity')])
        .where('order_id', '=', order.id)
        .groupBy(['product_id', 'location_id', 'sku'])
        .orderBy('product_id')
        .orderBy('location_id')
        .execute();
      for (const l of lines) {
        const n = Number(l.quantity);
        await trx
          .updateTable('inventory_levels')
          .set((eb) =>
            input.to === 'completed'
              ? { on_hand: eb('on_hand', '-', n), reserved: eb('reserved', '-', n), updated_at: now }
              : { reserved: eb('reserved', '-', n), updated_at: now },
          )
          .where('product_id', '=', l.product_id)
          .where('location_id', '=', l.location_id)
          .execute();
        if (input.to === 'cancelled') {
          const lvl = await trx
            .selectFrom('inventory_levels')
            .select(['on_hand', 'reserved'])
            .where('product_id', '=', l.product_id)
            .where('location_id', '=', l.location_id)
            .executeTakeFirstOrThrow();
          changes.push({
            product_id: l.product_id,
            location_id: l.location_id,
            sku: l.sku,
            merchant_id: order.merchant_id,
            available: lvl.on_hand - lvl.reserved,
          });
        }
      }
    }
    return { order_id: order.id, merchant_id: order.merchant_id, from, status: input.to, changes };
  });
  await events.publish('order', {
    order_id: result.order_id,
    merchant_id: result.merchant_id,
    status: result.status,
  });
  await announceAvailability(db, events, result.changes);
  return result;
}
