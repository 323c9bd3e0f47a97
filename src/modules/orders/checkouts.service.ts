/**
 * Checkout records (`checkouts`) and the orders they become. A checkout is opened when its stock
 * is reserved ('reserved'), records its payment authorization ('authorized'), and ends confirmed
 * (its orders created) or failed/expired (its stock given back). Status moves are conditional
 * UPDATEs: the confirmation and the sweeper never both win.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { EventBus } from '../events/index.ts';
import { announceAvailability, forgetReleasedReservations, releaseReservations } from '../inventory/index.ts';
import { recordOrderTaxes, type TaxCollection } from '../taxes/index.ts';
import {
  deleteEndedCheckout,
  findCheckoutByKey,
  findDueCheckouts,
  findPendingCheckoutIds,
  insertCheckout,
  insertOrder,
  insertOrderEvent,
  insertOrderLines,
  markAuthorized,
  moveCheckout,
  updateCheckoutPaymentStatus,
} from './orders.repository.ts';
import type { CheckoutStatus } from './orders.tables.ts';
import { newTokenSalt } from './tokens.ts';

/** What opens a checkout: the cart, the key, the customer and the total charged. */
export interface OpenCheckout {
  cartId: number;
  key: string;
  paymentMethod: string;
  customer: unknown;
  lang: string;
  totalCents: number;
  expiresAt: Date;
}

/** Opens a checkout ('reserved', until `expiresAt`); returns its id. */
export async function openCheckout(db: Kysely<DB>, c: OpenCheckout): Promise<number> {
  return insertCheckout(db, {
    cart_id: c.cartId,
    idempotency_key: c.key,
    status: 'reserved',
    payment_method: c.paymentMethod,
    customer_json: JSON.stringify(c.customer),
    lang: c.lang,
    total_cents: c.totalCents,
    expires_at: c.expiresAt.toISOString(),
  });
}

/**
 * Ends a checkout that did not become orders ('failed' or 'expired', only from `onlyFrom`) and gives
 * its held stock back, in one transaction; announces the availability after commit. Idempotent:
 * false when the checkout had already moved on.
 */
export async function closeCheckout(
  db: Kysely<DB>,
  events: EventBus,
  checkoutId: number,
  status: 'failed' | 'expired',
  onlyFrom: ('reserved' | 'authorized')[] = ['reserved', 'authorized'],
): Promise<boolean> {
  const changes = await db.transaction().execute(async (trx) => {
    if (!(await moveCheckout(trx, checkoutId, onlyFrom, status))) return undefined;
    return releaseReservations(trx, checkoutId);
  });
  if (!changes) return false;
  await announceAvailability(db, events, changes);
  return true;
}

/** Records the payment authorization on the checkout (what the sweeper must void after a crash). */
export async function recordCheckoutAuthorization(
  db: Kysely<DB>,
  checkoutId: number,
  auth: unknown,
): Promise<void> {
  await markAuthorized(db, checkoutId, JSON.stringify(auth));
}

/**
 * Prepares (cart, key) for a run: the id of a checkout already confirmed under it (its orders are
 * the answer), else undefined after ending and deleting an earlier attempt that never finished.
 */
export async function checkoutForKey(
  db: Kysely<DB>,
  events: EventBus,
  cartId: number,
  key: string,
): Promise<number | undefined> {
  const prior = await findCheckoutByKey(db, cartId, key);
  if (!prior) return undefined;
  if (prior.status === 'confirmed') return prior.id;
  await forgetReleasedReservations(db, prior.id);
  if (prior.status === 'reserved' || prior.status === 'authorized')
    await closeCheckout(db, events, prior.id, 'failed');
  // A failed or expired attempt under this key (its response was never stored): start afresh.
  await deleteEndedCheckout(db, prior.id);
  return undefined;
}

/** The id of the checkout confirmed under (cart, key), if any. */
export async function confirmedCheckoutId(db: Kysely<DB>, cartId: number, key: string) {
  const c = await findCheckoutByKey(db, cartId, key);
  return c?.status === 'confirmed' ? c.id : undefined;
}

/** Checkouts past their expiry still holding stock or a payment (the sweeper's work), at most `limit`. */
export function dueCheckouts(db: Kysely<DB>, now: Date, limit = 500) {
  return findDueCheckouts(db, now, limit);
}

/** Ids of the checkouts in progress ('reserved', 'authorized'). */
export function pendingCheckoutIds(db: Kysely<DB>): Promise<number[]> {
  return findPendingCheckoutIds(db);
}

/** One merchant order of a checkout, as created. */
export interface NewOrder {
  merchant_id: number;
  fulfilment_method: 'pickup' | 'delivery';
  location_id: number;
  delivery_address_json: string | null;
  pickup_slot_at: string | null;
  subtotal_cents: number;
  discount_cents: number;
  promo_code_id: number | null;
  delivery_fee_cents: number;
  taxable_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
  payment_status: string;
  payment_reference: string | null;
  gift_card_cents?: number;
  gift_card_balance_after_cents?: number | null;
  remainder_method?: string | null;
  /** Who collects the taxes (kept in order_taxes for the receipt). */
  tax_collection: TaxCollection;
  lines: {
    product_id: number;
    location_id: number;
    sku: string;
    title: string;
    tax_class: string;
    quantity: number;
    unit_price_cents: number;
    discount_cents: number;
  }[];
}

/** What `createFromCheckout` takes. */
export interface CheckoutOrders {
  checkoutId: number;
  userId: number | null;
  customer: { name: string; email: string; phone?: string | null };
  lang: string;
  paymentMethod: string;
  /** The authorization, stored on the confirmed checkout. */
  authorization: unknown;
  orders: NewOrder[];
  /**
   * Work of other modules that must commit with the orders, run in the same transaction before
   * them (in order): the promo code's use counted, the reservations committed, the cart emptied.
   */
  withOrders?: ((trx: Transaction<DB>) => Promise<void>)[];
}

/**
 * Checkout step `orders.createFromCheckout`: in one transaction, confirms the checkout (only if
 * the sweeper has not expired it: else 409 checkout.expired), runs `withOrders`, then creates one
 * order per merchant with its lines, its tax record and its 'placed' event. Returns the orders
 * with their token salt, in the given order.
 */
export async function createFromCheckout(
  db: Kysely<DB>,
  c: CheckoutOrders,
): Promise<{ order_id: number; merchant_id: number; salt: string }[]> {
  return db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const from: CheckoutStatus[] = ['reserved', 'authorized'];
    if (
      !(await moveCheckout(trx, c.checkoutId, from, 'confirmed', {
        payment_json: JSON.stringify(c.authorization),
      }))
    )
      throw new AppError('conflict', 'checkout.expired');
    for (const step of c.withOrders ?? []) await step(trx);
    const out: { order_id: number; merchant_id: number; salt: string }[] = [];
    for (const o of c.orders) {
      const salt = newTokenSalt();
      const { lines, tax_collection, ...order } = o;
      const id = await insertOrder(trx, {
        ...order,
        checkout_id: c.checkoutId,
        user_id: c.userId,
        status: 'placed',
        customer_name: c.customer.name,
        customer_email: c.customer.email,
        customer_phone: c.customer.phone ?? null,
        lang: c.lang,
        payment_method: c.paymentMethod,
        access_token_hash: salt,
        created_at: now,
        updated_at: now,
      });
      await insertOrderLines(
        trx,
        lines.map((it) => ({ ...it, order_id: id, line_total_cents: it.unit_price_cents * it.quantity })),
      );
      // Who collected the taxes, kept for the receipt (small suppliers, decision record 0005).
      await recordOrderTaxes(trx, id, tax_collection);
      await insertOrderEvent(trx, {
        order_id: id,
        from_status: null,
        to_status: 'placed',
        actor: c.userId ? `user:${c.userId}` : 'customer',
        reason: null,
        created_at: now,
      });
      out.push({ order_id: id, merchant_id: o.merchant_id, salt });
    }
    return out;
  });
}

/** After capture: every order of the checkout takes this payment status ('paid'). */
export async function setCheckoutPaymentStatus(
  db: Kysely<DB>,
  checkoutId: number,
  status: string,
): Promise<void> {
  await updateCheckoutPaymentStatus(db, checkoutId, status);
}
