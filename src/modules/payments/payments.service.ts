/**
 * Payment methods behind one interface. A checkout authorizes once for every merchant order
 * (after stock is reserved), captures after the orders are committed, and voids if anything fails.
 *
 * - in_store: pay at pickup or delivery; nothing to authorize (default).
 * - card: one Stripe PaymentIntent on the platform per checkout (manual capture), then a transfer
 *   per merchant order (docs/decisions/0007, ./stripe.ts); only when Stripe is configured and every
 *   merchant's connected account has charges enabled.
 * - gift_card: the regional gift card (src/modules/giftcards), debited inside a transaction.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { checkGiftCardUsable, redeemAcross, refundGiftCard } from '../giftcards/index.ts';
import { findOrderPayment, setPaymentStatus } from '../orders/index.ts';
import { cancelGiftCardShare, recordGiftCardShares } from './giftcard-money.service.ts';
import {
  type Authorization,
  type CheckoutForPayment,
  type PaymentLog,
  type PaymentMethod,
  type PaymentMethodId,
  type PaymentRegistry,
  unavailable,
} from './payment-method.ts';
import { findLedger, insertLedger } from './payments.repository.ts';
import { cardMethod, type StripeConfig, stripeClient } from './stripe.ts';

export const inStore: PaymentMethod = {
  id: 'in_store',
  async check() {},
  async authorize(_trx, c) {
    return {
      parts: c.parts.map((p) => ({ merchant_id: p.merchant_id, reference: null })),
      status_after_capture: 'due',
    };
  },
  async capture() {},
  async void() {},
};

export const giftCard: PaymentMethod = {
  id: 'gift_card',
  async check(db, c) {
    if (typeof c.input.code !== 'string' || c.input.code.trim() === '')
      throw new AppError('payment_method_unavailable', 'payment.gift_card_code_required');
    // A card holding nothing: a field error before any stock is reserved.
    await checkGiftCardUsable(db, c.input.code);
  },
  async authorize(trx, c) {
    // All shares in one transaction: the card pays its whole balance across the orders (cart
    // order), or nothing; what it does not cover is due in store (remainder_method).
    return trx.transaction().execute(async (t) => {
      const { shares, balance_after_cents } = await redeemAcross(t, {
        code: String(c.input.code),
        parts: c.parts,
        refFor: (m) => `checkout:${c.id}:merchant:${m}`,
      });
      // Owed to each merchant from now on (settled by transfer: ./giftcard-money.service.ts).
      await recordGiftCardShares(t, c.id, shares);
      const covered = c.parts.every(
        (p) => (shares.find((s) => s.merchant_id === p.merchant_id)?.amount_cents ?? 0) >= p.total_cents,
      );
      return {
        parts: shares.map((s) => ({ merchant_id: s.merchant_id, reference: s.reference })),
        status_after_capture: covered ? ('paid' as const) : ('due' as const),
        gift: { shares, balance_after_cents, remainder_method: 'in_store' as const },
      };
    });
  },
  async capture() {},
  async void(db, c, auth) {
    for (const p of auth.parts) {
      if (!p.reference) continue;
      await db
        .transaction()
        .execute(async (t) => {
          await refundGiftCard(t, { orderRef: p.reference as string, code: String(c.input.code) });
          await cancelGiftCardShare(t, p.reference as string, 'void');
        })
        .catch((err: unknown) => {
          // Already refunded (a retried void): nothing left to give back.
          if (!(err instanceof AppError && err.code === 'conflict')) throw err;
        });
    }
  },
};

/**
 * The payment method registry of one platform. `log` receives failures that are not reported to
 * the customer (an authorization that could not be voided after a decline).
 */
export function paymentMethods(config: StripeConfig, log?: PaymentLog): PaymentRegistry {
  const card = cardMethod(stripeClient(config), { feePercent: config.PLATFORM_FEE_PERCENT ?? 0 }, log);
  const all: Record<PaymentMethodId, PaymentMethod> = { in_store: inStore, card, gift_card: giftCard };
  return (id: string): PaymentMethod => {
    const m = all[id as PaymentMethodId];
    if (!m) throw unavailable(id);
    return m;
  };
}

/** Checkout step (read-only, before stock is reserved): refuses a method that cannot pay this checkout. */
export async function checkPayment(
  db: Kysely<DB>,
  payments: PaymentRegistry,
  methodId: string,
  checkout: CheckoutForPayment,
): Promise<void> {
  await payments(methodId).check(db, checkout);
}

/** Checkout step: authorizes every merchant order's amount; its undo is {@link voidPayment}. */
export async function authorizePayment(
  db: Kysely<DB>,
  payments: PaymentRegistry,
  methodId: string,
  checkout: CheckoutForPayment,
): Promise<Authorization> {
  return payments(methodId).authorize(db, checkout);
}

/**
 * Checkout step, after the orders are committed: captures what was authorized. Returns the orders'
 * payment status afterwards ('paid' or 'due'); the caller (orders) records it.
 */
export async function capturePayment(
  db: Kysely<DB>,
  payments: PaymentRegistry,
  methodId: string,
  checkout: CheckoutForPayment,
  auth: Authorization,
): Promise<Authorization['status_after_capture']> {
  await payments(methodId).capture(db, checkout, auth);
  return auth.status_after_capture;
}

/** Undo of {@link authorizePayment}: releases an authorization (card) or refunds the debit (gift card). */
export async function voidPayment(
  db: Kysely<DB>,
  payments: PaymentRegistry,
  methodId: string,
  checkout: CheckoutForPayment,
  auth: Authorization,
): Promise<void> {
  await payments(methodId).void(db, checkout, auth);
}

/**
 * After an order paid by card is cancelled: refunds that order's part of the checkout's
 * PaymentIntent (a partial refund), then reverses the transfer its merchant received
 * (docs/decisions/0007), each keyed per order so a retry does nothing twice. Gift card refunds
 * happen inside the cancellation's transaction (src/modules/orders). Returns the order's new
 * payment status, if it changed ('refunded', or 'refund_failed' for the operator to settle).
 */
export async function refundCancelledOrder(
  db: Kysely<DB>,
  config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>,
  orderId: number,
  log?: PaymentLog,
): Promise<string | undefined> {
  const o = await findOrderPayment(db, orderId);
  if (o?.status === 'cancelled' && o.payment_method === 'gift_card' && o.payment_reference) {
    // The card got its money back in the cancellation: nothing is owed to the merchant any more;
    // a transfer already made is reversed by the next settlement run.
    await cancelGiftCardShare(db, o.payment_reference, 'cancel');
    return undefined;
  }
  if (o?.status !== 'cancelled' || o.payment_method !== 'card' || !o.payment_reference) return undefined;
  if (o.payment_status !== 'paid' && o.payment_status !== 'authorized') return undefined;
  // The platform's shared client (built once per configuration), not one per refund.
  const stripe = stripeClient(config);
  if (!stripe) return undefined;
  const pi = o.payment_reference;
  let status = 'refunded';
  try {
    const ledger = await findLedger(db, pi, o.merchant_id);
    const charge = ledger.find((l) => l.kind === 'charge');
    // Not captured (the capture failed): the one authorization also pays the other orders.
    if (!charge) throw new Error(`no capture recorded for ${pi} (merchant ${o.merchant_id})`);
    const base = { merchant_id: o.merchant_id, checkout_id: charge.checkout_id, payment_intent_id: pi };
    const refundKey = `refund-${pi}-m${o.merchant_id}`;
    if (!ledger.some((l) => l.idempotency_key === refundKey)) {
      const refund = await stripe.refunds.create(
        { payment_intent: pi, amount: charge.amount_cents, metadata: { order_id: String(orderId) } },
        { idempotencyKey: refundKey },
      );
      await insertLedger(db, [
        {
          ...base,
          kind: 'refund',
          amount_cents: charge.amount_cents,
          stripe_id: refund.id,
          idempotency_key: refundKey,
        },
      ]);
    }
    // The platform fee kept on this order is given back with it.
    const fee = ledger.filter((l) => l.kind === 'fee').reduce((s, l) => s + l.amount_cents, 0);
    if (fee > 0)
      await insertLedger(db, [
        {
          ...base,
          kind: 'fee',
          amount_cents: -fee,
          stripe_id: null,
          idempotency_key: `fee-refund-${pi}-m${o.merchant_id}`,
        },
      ]);
    const transfer = ledger.find((l) => l.kind === 'transfer');
    const reversalKey = `reversal-${pi}-m${o.merchant_id}`;
    if (transfer?.stripe_id && !ledger.some((l) => l.idempotency_key === reversalKey)) {
      const reversal = await stripe.transfers.createReversal(
        transfer.stripe_id,
        { amount: transfer.amount_cents, metadata: { order_id: String(orderId) } },
        { idempotencyKey: reversalKey },
      );
      await insertLedger(db, [
        {
          ...base,
          kind: 'reversal',
          amount_cents: transfer.amount_cents,
          stripe_id: reversal.id,
          idempotency_key: reversalKey,
        },
      ]);
    }
  } catch (err) {
    // Recorded on the order ('refund_failed') for the operator to settle by hand.
    log?.error({ err, orderId }, 'card refund of a cancelled order failed');
    status = 'refund_failed';
  }
  await setPaymentStatus(db, orderId, status);
  return status;
}
