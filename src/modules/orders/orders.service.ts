/**
 * Orders: one per merchant per checkout. Lifecycle placed -> accepted -> ready -> completed, or
 * cancelled from placed/accepted/ready; every change is an order_events row (who, when, why).
 * Stock: an order's lines stay counted in inventory_levels.reserved until it is completed (then
 * on_hand and reserved both drop: sold) or cancelled (reserved drops: back on sale).
 * `orders.payment_status` is written only here (checkout capture, card refunds, Stripe events).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { promoCodesByIds } from '../campaigns/index.ts';
import type { EventBus } from '../events/index.ts';
import { refundGiftCard } from '../giftcards/index.ts';
import { announceAvailability, type StockChange, settleOrderUnits } from '../inventory/index.ts';
import { findLocationById, findMerchantById, merchantNames } from '../merchants/index.ts';
import { findOrderTaxes } from '../taxes/index.ts';
import { NEXT_STATUSES as NEXT } from './order-status.ts';
import {
  findMerchantOrders,
  findOrder,
  findOrderEvents,
  findOrderLines,
  findOrderPayment as findOrderPaymentRow,
  findOrdersOfCheckout,
  findOrderUnits,
  findUserOrders,
  insertOrderEvent,
  moveOrder,
  updatePaymentStatus,
  updatePaymentStatusByReference,
} from './orders.repository.ts';
import type { OrderStatus } from './orders.tables.ts';
import { orderAccessToken } from './tokens.ts';

/** Refuses (404) an order id without its valid access token. */
export async function authorizeOrder(
  db: Kysely<DB>,
  secret: string,
  orderId: number,
  token: string | undefined,
) {
  const row = await findOrder(db, orderId);
  if (!row || !token) throw notFound('order');
  const a = Buffer.from(orderAccessToken(secret, row.id, row.access_token_hash));
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw notFound('order');
}

/**
 * One order with its lines, history, merchant, store, promo code and who collected its taxes;
 * with `merchantId`, only that merchant's (another's is 404).
 */
export async function getOrder(db: Kysely<DB>, orderId: number, merchantId?: number) {
  const order = await findOrder(db, orderId, merchantId);
  if (!order) throw notFound('order');
  const [lines, events, merchant, location, taxes, codes] = await Promise.all([
    findOrderLines(db, orderId),
    findOrderEvents(db, orderId),
    findMerchantById(db, order.merchant_id),
    findLocationById(db, order.location_id),
    // Who collected the taxes (migration 008; no row = the merchant, as before).
    findOrderTaxes(db, orderId),
    order.promo_code_id === null ? undefined : promoCodesByIds(db, [order.promo_code_id]),
  ]);
  if (!merchant || !location) throw notFound('order');
  return {
    ...order,
    tax_regime: taxes?.regime ?? null,
    tax_collector_name: taxes?.collector_name ?? null,
    tax_collector_gst_number: taxes?.collector_gst_number ?? null,
    tax_collector_qst_number: taxes?.collector_qst_number ?? null,
    promo_code: (order.promo_code_id !== null && codes?.get(order.promo_code_id)) || null,
    merchant_name: merchant.display_name,
    merchant_legal_name: merchant.legal_name,
    merchant_slug: merchant.slug,
    merchant_email: merchant.email,
    gst_number: merchant.gst_number,
    qst_number: merchant.qst_number,
    location_name: location.name,
    address_line: location.address_line,
    municipality: location.municipality,
    hours_json: location.hours_json,
    pickup_slot_minutes: location.pickup_slot_minutes,
    location_phone: location.phone,
    location_postal_code: location.postal_code,
    lines,
    events,
  };
}
/** What `getOrder` returns. */
export type OrderDetail = Awaited<ReturnType<typeof getOrder>>;

/** The orders of one checkout (id order) with their merchant's name and the promo code, if any. */
export async function ordersOfCheckout(db: Kysely<DB>, checkoutId: number) {
  const rows = await findOrdersOfCheckout(db, checkoutId);
  const [names, codes] = await Promise.all([
    merchantNames(
      db,
      rows.map((r) => r.merchant_id),
    ),
    promoCodesByIds(
      db,
      rows.flatMap((r) => (r.promo_code_id === null ? [] : [r.promo_code_id])),
    ),
  ]);
  return rows.map((o) => ({
    ...o,
    display_name: names.get(o.merchant_id) ?? '',
    promo_code: o.promo_code_id === null ? null : (codes.get(o.promo_code_id) ?? null),
  }));
}

/** A merchant's orders, newest first (optionally of one status). */
export function listMerchantOrders(db: Kysely<DB>, merchantId: number, status?: OrderStatus, limit = 100) {
  return findMerchantOrders(db, merchantId, status, limit);
}

/** A customer's orders (by account, and by email when given), newest first, with the merchant's name. */
export async function listUserOrders(db: Kysely<DB>, userId: number, email?: string) {
  const rows = await findUserOrders(db, userId, email);
  const names = await merchantNames(
    db,
    rows.map((r) => r.merchant_id),
  );
  return rows.map(({ merchant_id, ...o }) => ({ ...o, merchant_name: names.get(merchant_id) ?? '' }));
}

/** What `transitionOrder` takes. */
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
 * returns them to stock and gives a gift card back what the order took. Publishes `order` and
 * `stock` events after commit.
 */
export async function transitionOrder(db: Kysely<DB>, events: EventBus, input: TransitionInput) {
  const result = await db.transaction().execute(async (trx) => {
    const order = await findOrder(trx, input.orderId, input.merchantId);
    if (!order) throw notFound('order');
    const from = order.status;
    if (!NEXT[from].includes(input.to))
      throw new AppError('conflict', 'order.transition_invalid', {
        params: { from, to: input.to },
        details: { from, to: input.to },
      });
    const now = new Date().toISOString();
    if (!(await moveOrder(trx, order.id, from, input.to, now)))
      throw new AppError('conflict', 'order.transition_invalid', { params: { from, to: input.to } });
    await insertOrderEvent(trx, {
      order_id: order.id,
      from_status: from,
      to_status: input.to,
      actor: input.actor,
      reason: input.reason ?? null,
      created_at: now,
    });
    if (input.to === 'cancelled' && order.payment_method === 'gift_card' && order.payment_reference)
      await refundGiftCardPart(trx, order.payment_reference);
    let changes: StockChange[] = [];
    if (input.to === 'completed' || input.to === 'cancelled') {
      const units = await findOrderUnits(trx, order.id);
      changes = await settleOrderUnits(
        trx,
        input.to === 'completed' ? 'sold' : 'returned',
        units.map((u) => ({ ...u, merchant_id: order.merchant_id })),
      );
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

/** The gift card gets back what this order took from it (in the cancellation's transaction), if it took anything. */
async function refundGiftCardPart(trx: Kysely<DB>, reference: string): Promise<void> {
  try {
    await refundGiftCard(trx, { orderRef: reference });
  } catch (err) {
    // No redemption under this reference: nothing was taken from a card.
    if (err instanceof AppError && err.code === 'not_found') return;
    throw err;
  }
}

/** An order's payment fields (for the payments module's refund of a cancelled order); undefined if none. */
export function findOrderPayment(db: Kysely<DB>, orderId: number) {
  return findOrderPaymentRow(db, orderId);
}

/** Records an order's payment status (payments: 'paid', 'refunded', 'voided', 'refund_failed'...). */
export async function setPaymentStatus(db: Kysely<DB>, orderId: number, status: string): Promise<void> {
  await updatePaymentStatus(db, orderId, status);
}

/**
 * A Stripe PaymentIntent event for the orders it pays (by card, under its id): succeeded → 'paid';
 * payment failed or canceled → 'failed'; any other event (amount_capturable_updated…) changes
 * nothing. A cancelled order, or one refunded or voided, is never touched: events arrive late and
 * out of order (one intent pays several orders; one of them may be refunded). Returns the status set.
 */
export async function recordCardPaymentEvent(
  db: Kysely<DB>,
  eventType: string,
  paymentIntentId: string,
): Promise<string | undefined> {
  const status =
    eventType === 'payment_intent.succeeded'
      ? 'paid'
      : eventType === 'payment_intent.payment_failed' || eventType === 'payment_intent.canceled'
        ? 'failed'
        : undefined;
  if (status) await updatePaymentStatusByReference(db, 'card', paymentIntentId, status);
  return status;
}
