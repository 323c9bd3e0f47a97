/**
 * The checkout's steps, each owned by a module and run by the step runner (src/workflows/runner.ts),
 * each with its undo:
 *   1. reserve   — inventory.reserveStock: one transaction opening the checkout (orders), re-checking
 *                  that its merchants still take orders (merchants) and holding every line, or nothing.
 *                  Undo: orders.closeCheckout (status 'failed', held units released, in one transaction).
 *   2. authorize — payments.authorizePayment (in store: nothing; card: Stripe; gift card: debit), then
 *                  the authorization is recorded on the checkout for the sweeper. Undo: payments.voidPayment.
 *                  A card authorisation whose creation timed out fails the step (no undo to run): the
 *                  payments module records the keyed create and cancels what Stripe made late.
 *   3. confirm   — orders.createFromCheckout: one transaction counting the promo code's use
 *                  (campaigns.consumePromoCode: max_uses holds under concurrency), committing the
 *                  reservations (inventory), emptying the cart (cart.clearCart) and creating the
 *                  orders, only if the sweeper has not expired the checkout. Nothing to undo: it
 *                  commits whole or not at all.
 * Capture (payments.capturePayment) runs after the flow: a charge never exists without its order,
 * and a capture failure leaves the orders 'authorized' (logged), never undoes them.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { consumePromoCode, type PromoResult } from '../../modules/campaigns/index.ts';
import {
  clearCart,
  lineTitle,
  merchantUnavailable,
  outOfStock,
  unavailableMerchantLines,
} from '../../modules/cart/index.ts';
import { addressText } from '../../modules/geocoding/index.ts';
import {
  announceAvailability,
  commitReservations,
  InsufficientStock,
  reserveStock,
} from '../../modules/inventory/index.ts';
import { approvedMerchantIds } from '../../modules/merchants/index.ts';
import {
  closeCheckout,
  createFromCheckout,
  type NewOrder,
  openCheckout,
  recordCheckoutAuthorization,
} from '../../modules/orders/index.ts';
import {
  type Authorization,
  authorizePayment,
  type CheckoutForPayment,
  voidPayment,
} from '../../modules/payments/index.ts';
import { PROMO_FIELD } from '../promo.ts';
import { createStep } from '../runner.ts';
import type { CheckoutDeps, CheckoutInput, PlannedOrder } from './quote.ts';

/** How long an unfinished checkout holds stock before the sweeper returns it. */
export const RESERVATION_TTL_MS = 15 * 60 * 1000;

/** Step 1 `inventory.reserve`: the checkout opened and every line held, or nothing. Undo: release. */
export const reserveStep = createStep<
  { cartId: number; key: string; input: CheckoutInput; lang: Lang; orders: PlannedOrder[] },
  number,
  CheckoutDeps
>({
  name: 'checkout.reserve',
  async run({ cartId, key, input, lang, orders }, deps) {
    const merchantIds = orders.map((o) => o.group.merchant.id);
    const open = async (trx: Transaction<DB>) => {
      const id = await openCheckout(trx, {
        cartId,
        key,
        paymentMethod: input.payment.method,
        customer: input.customer,
        lang,
        totalCents: orders.reduce((s, o) => s + o.totals.total_cents, 0),
        expiresAt: new Date(Date.now() + RESERVATION_TTL_MS),
      });
      // Re-read here: a suspension committed since the cart was read still refuses (rolled back).
      const approved = new Set(await approvedMerchantIds(trx, merchantIds));
      const stopped = new Set(merchantIds.filter((m) => !approved.has(m)));
      if (stopped.size)
        throw merchantUnavailable(
          unavailableMerchantLines({ groups: orders.map((o) => o.group) }, (g) => stopped.has(g.merchant.id)),
        );
      return id;
    };
    // The planned lines: a delivery's lines are held at the store that delivers; stock is the variant's.
    const lines = orders.flatMap((o) =>
      o.lines.map((it) => ({
        product_id: it.variant_id,
        location_id: it.location_id,
        quantity: it.quantity,
        sku: it.sku,
        merchant_id: o.group.merchant.id,
      })),
    );
    let reserved: Awaited<ReturnType<typeof reserveStock>>;
    try {
      reserved = await reserveStock(deps.db, { lines, open });
    } catch (err) {
      if (err instanceof InsufficientStock) {
        // Short lines name variant rows; the error shows each one's product and variant.
        const productOf = new Map(orders.flatMap((o) => o.lines.map((it) => [it.variant_id, it.product_id])));
        throw outOfStock(
          err.short.map((x) => ({
            ...x,
            product_id: productOf.get(x.product_id) ?? x.product_id,
            variant_id: x.product_id,
          })),
        );
      }
      throw err;
    }
    await announceAvailability(deps.db, deps.events, reserved.changes);
    return reserved.holderId;
  },
  async undo(checkoutId, deps) {
    await closeCheckout(deps.db, deps.events, checkoutId, 'failed');
  },
});

/** Step 2 `payments.authorize`, recorded on the checkout for the sweeper. Undo: void. */
export const authorizeStep = createStep<
  { method: string; pay: CheckoutForPayment },
  { method: string; pay: CheckoutForPayment; auth: Authorization },
  CheckoutDeps
>({
  name: 'checkout.authorize',
  async run({ method, pay }, deps) {
    const auth = await authorizePayment(deps.db, deps.payments, method, pay);
    try {
      // What the sweeper must void after a crash (nothing to record for pay-in-store).
      if (auth.parts.some((x) => x.reference)) await recordCheckoutAuthorization(deps.db, pay.id, auth);
    } catch (err) {
      await voidPayment(deps.db, deps.payments, method, pay, auth).catch((e: unknown) =>
        deps.log?.error({ err: e, checkout_id: pay.id }, 'payment void failed'),
      );
      throw err;
    }
    return { method, pay, auth };
  },
  async undo({ method, pay, auth }, deps) {
    await voidPayment(deps.db, deps.payments, method, pay, auth);
  },
});

/** What step 3 takes. */
export interface ConfirmInput {
  checkoutId: number;
  cartId: number;
  input: CheckoutInput;
  lang: Lang;
  userId: number | null;
  orders: PlannedOrder[];
  auth: Authorization;
  promo: PromoResult | undefined;
}

/** Step 3 `orders.createFromCheckout` (with the promo use, the reservations' commit and `cart.clear`). */
export const confirmStep = createStep<
  ConfirmInput,
  { order_id: number; merchant_id: number; salt: string }[],
  CheckoutDeps
>({
  name: 'checkout.confirm',
  async run(c, deps) {
    const { promo } = c;
    const withOrders: ((trx: Transaction<DB>) => Promise<void>)[] = [];
    // Counted here, with the orders: a rollback gives the use back; max_uses is one conditional UPDATE.
    if (promo) withOrders.push((trx) => consumePromoCode(trx, promo.promo_code_id));
    withOrders.push((trx) => commitReservations(trx, c.checkoutId));
    withOrders.push((trx) => clearCart(trx, c.cartId));
    try {
      return await createFromCheckout(deps.db, {
        checkoutId: c.checkoutId,
        userId: c.userId,
        customer: c.input.customer,
        lang: c.lang,
        paymentMethod: c.input.payment.method,
        authorization: c.auth,
        orders: c.orders.map((o) => newOrder(o, c.auth)),
        withOrders,
      });
    } catch (err) {
      if (promo && err instanceof AppError && err.messageKey === 'promo.exhausted') {
        deps.log?.warn?.(
          {
            event: 'promo_code_refused',
            code: promo.code,
            reason: err.messageKey,
            checkout_id: c.checkoutId,
          },
          'promo code refused',
        );
        throw new ValidationError([{ field: PROMO_FIELD, message: 'promo.exhausted' }]);
      }
      throw err;
    }
  },
});

/** A planned order as the orders module creates it, with its payment status and gift card part. */
function newOrder(o: PlannedOrder, auth: Authorization): NewOrder {
  return {
    merchant_id: o.group.merchant.id,
    fulfilment_method: o.fulfilment.method,
    location_id: o.location_id,
    delivery_address_json:
      o.fulfilment.method === 'delivery'
        ? JSON.stringify({ ...o.fulfilment.address, text: addressText(o.fulfilment.address) })
        : null,
    pickup_slot_at: o.pickup_slot_at ?? null,
    subtotal_cents: o.totals.subtotal_cents,
    discount_cents: o.totals.discount_cents,
    promo_code_id: o.promo_code_id,
    delivery_fee_cents: o.totals.delivery_fee_cents,
    taxable_cents: o.totals.taxable_cents,
    gst_cents: o.totals.gst_cents,
    qst_cents: o.totals.qst_cents,
    total_cents: o.totals.total_cents,
    payment_status: paymentStatusOf(auth, o),
    payment_reference: auth.parts.find((p) => p.merchant_id === o.group.merchant.id)?.reference ?? null,
    ...giftColumnsOf(auth, o),
    tax_collection: o.group.tax_collection,
    lines: o.lines.map((it) => ({
      // The variant's row (stock, receipts), its title with options snapshotted ("T-shirt — M / Rouge").
      product_id: it.variant_id,
      location_id: it.location_id,
      sku: it.sku,
      title: lineTitle(it),
      tax_class: it.tax_class,
      quantity: it.quantity,
      unit_price_cents: it.unit_price_cents,
      discount_cents: it.discount_cents,
    })),
  };
}

/** An order's payment status at creation; an order a gift card covers entirely is paid at once. */
function paymentStatusOf(auth: Authorization, o: PlannedOrder): string {
  const share = auth.gift?.shares.find((s) => s.merchant_id === o.group.merchant.id)?.amount_cents ?? 0;
  if (auth.gift) return share >= o.totals.total_cents ? 'paid' : 'due';
  return auth.status_after_capture === 'paid' ? 'authorized' : 'due';
}

/** The gift card's part of an order, when one paid part of the checkout. */
function giftColumnsOf(auth: Authorization, o: PlannedOrder) {
  if (!auth.gift) return {};
  const share = auth.gift.shares.find((s) => s.merchant_id === o.group.merchant.id)?.amount_cents ?? 0;
  return {
    gift_card_cents: share,
    gift_card_balance_after_cents: auth.gift.balance_after_cents,
    remainder_method: share < o.totals.total_cents ? auth.gift.remainder_method : null,
  };
}
