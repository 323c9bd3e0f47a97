/**
 * Payment methods behind one interface. A checkout authorizes once for every merchant order
 * (after stock is reserved), captures after the orders are committed, and voids if anything fails.
 *
 * - in_store: pay at pickup or delivery; nothing to authorize (default).
 * - card: Stripe Payment Intents on each merchant's connected account (manual capture); only when
 *   STRIPE_SECRET_KEY is configured and the merchant has a `stripe_account_id`.
 * - gift_card: the regional gift card (src/modules/giftcards), debited inside a transaction.
 */
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { refundGiftCard } from '../giftcards/index.ts';
import { checkGiftCardUsable, type GiftShare, redeemAcross } from '../giftcards/split.ts';
import '../orders/orders.tables.ts';

export type PaymentMethodId = 'in_store' | 'card' | 'gift_card';
export const PAYMENT_METHODS: readonly PaymentMethodId[] = ['in_store', 'card', 'gift_card'];

/** What a payment method sees of a checkout: one amount per merchant order. */
export interface CheckoutForPayment {
  id: number;
  total_cents: number;
  parts: { merchant_id: number; total_cents: number }[];
  /** Method-specific input from the checkout body (card: payment_method; gift_card: code). */
  input: Record<string, unknown>;
}

/** The result of an authorization, stored on the checkout (so a sweeper can void it after a crash). */
export interface Authorization {
  /** Per-merchant reference (PaymentIntent id, gift card ledger ref) and status. */
  parts: { merchant_id: number; reference: string | null }[];
  /** Order payment_status after capture: 'due' (pay at pickup) or 'paid'. */
  status_after_capture: 'due' | 'paid';
  /**
   * A gift card's part (src/modules/giftcards/split.ts): each merchant order's share, the card's
   * balance afterwards, and how the rest is paid. An order its share covers entirely is paid.
   */
  gift?: { shares: GiftShare[]; balance_after_cents: number; remainder_method: 'in_store' };
}

export interface PaymentMethod {
  readonly id: PaymentMethodId;
  /** Throws payment_method_unavailable (400) when the method cannot be used for these merchants. */
  check(db: Kysely<DB>, checkout: CheckoutForPayment): Promise<void>;
  authorize(trx: Kysely<DB>, checkout: CheckoutForPayment): Promise<Authorization>;
  capture(db: Kysely<DB>, checkout: CheckoutForPayment, auth: Authorization): Promise<void>;
  void(db: Kysely<DB>, checkout: CheckoutForPayment, auth: Authorization): Promise<void>;
}

const unavailable = (method: string) =>
  new AppError('payment_method_unavailable', 'payment.method_unavailable', { params: { method } });

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
        .execute((t) => refundGiftCard(t, { orderRef: p.reference as string, code: String(c.input.code) }))
        .catch((err: unknown) => {
          if (!(err instanceof AppError && err.code === 'conflict')) throw err;
        });
    }
  },
};

/** The Stripe SDK, pointed at STRIPE_API_BASE when set (a local fake in tests). */
export function stripeClient(
  config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>,
): Stripe | undefined {
  if (!config.STRIPE_SECRET_KEY) return undefined;
  const opts: Stripe.StripeConfig = { maxNetworkRetries: 1, timeout: 10_000 };
  if (config.STRIPE_API_BASE) {
    const u = new URL(config.STRIPE_API_BASE);
    opts.host = u.hostname;
    opts.protocol = u.protocol.replace(':', '') as 'http' | 'https';
    opts.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443));
  }
  return new Stripe(config.STRIPE_SECRET_KEY, opts);
}

async function stripeAccounts(db: Kysely<DB>, merchantIds: number[]) {
  const rows = merchantIds.length
    ? await db
        .selectFrom('merchant_payment_settings')
        .select(['merchant_id', 'stripe_account_id'])
        .where('merchant_id', 'in', merchantIds)
        .where('card_enabled', '=', 1)
        .execute()
    : [];
  return new Map(
    rows.filter((r) => r.stripe_account_id).map((r) => [r.merchant_id, r.stripe_account_id as string]),
  );
}

export function cardMethod(stripe: Stripe | undefined): PaymentMethod {
  return {
    id: 'card',
    async check(db, c) {
      if (!stripe) throw unavailable('card');
      const accounts = await stripeAccounts(
        db,
        c.parts.map((p) => p.merchant_id),
      );
      if (c.parts.some((p) => !accounts.has(p.merchant_id))) throw unavailable('card');
      if (typeof c.input.payment_method !== 'string' || !c.input.payment_method)
        throw new AppError('payment_method_unavailable', 'payment.card_details_required');
    },
    async authorize(db, c) {
      if (!stripe) throw unavailable('card');
      const accounts = await stripeAccounts(
        db,
        c.parts.map((p) => p.merchant_id),
      );
      const parts: Authorization['parts'] = [];
      try {
        for (const p of c.parts) {
          const pi = await stripe.paymentIntents.create(
            {
              amount: p.total_cents,
              currency: 'cad',
              payment_method: String(c.input.payment_method),
              confirm: true,
              capture_method: 'manual',
              metadata: { checkout_id: String(c.id), merchant_id: String(p.merchant_id) },
            },
            {
              stripeAccount: accounts.get(p.merchant_id),
              idempotencyKey: `checkout-${c.id}-m${p.merchant_id}`,
            },
          );
          parts.push({ merchant_id: p.merchant_id, reference: pi.id });
          if (pi.status !== 'requires_capture' && pi.status !== 'succeeded')
            throw new AppError('payment_failed', 'payment.card_declined');
        }
      } catch (err) {
        // Undo what was authorized before the failure, then report it.
        await this.void(db, c, { parts, status_after_capture: 'paid' }).catch(() => {});
        if (err instanceof AppError) throw err;
        throw new AppError('payment_failed', 'payment.card_declined');
      }
      return { parts, status_after_capture: 'paid' };
    },
    async capture(db, c, auth) {
      if (!stripe) return;
      const accounts = await stripeAccounts(
        db,
        c.parts.map((p) => p.merchant_id),
      );
      for (const p of auth.parts) {
        if (p.reference)
          await stripe.paymentIntents.capture(
            p.reference,
            {},
            { stripeAccount: accounts.get(p.merchant_id), idempotencyKey: `capture-${p.reference}` },
          );
      }
    },
    async void(db, c, auth) {
      if (!stripe) return;
      const accounts = await stripeAccounts(
        db,
        c.parts.map((p) => p.merchant_id),
      );
      for (const p of auth.parts) {
        if (p.reference)
          await stripe.paymentIntents.cancel(
            p.reference,
            {},
            { stripeAccount: accounts.get(p.merchant_id), idempotencyKey: `cancel-${p.reference}` },
          );
      }
    },
  };
}

/** The payment method registry of one platform. */
export function paymentMethods(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>) {
  const card = cardMethod(stripeClient(config));
  const all: Record<PaymentMethodId, PaymentMethod> = { in_store: inStore, card, gift_card: giftCard };
  return (id: string): PaymentMethod => {
    const m = all[id as PaymentMethodId];
    if (!m) throw unavailable(id);
    return m;
  };
}

/** Connects a merchant to Stripe (its connected account id) and enables card payment. */
export async function setStripeAccount(db: Kysely<DB>, merchantId: number, accountId: string | null) {
  await db
    .insertInto('merchant_payment_settings')
    .values({ merchant_id: merchantId, stripe_account_id: accountId, card_enabled: accountId ? 1 : 0 })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet({
        stripe_account_id: accountId,
        card_enabled: accountId ? 1 : 0,
        updated_at: new Date().toISOString(),
      }),
    )
    .execute();
}

/**
 * After an order paid by card is cancelled: refunds its PaymentIntent on the merchant's account
 * (or cancels it if it was never captured). Gift card refunds happen inside the cancellation's
 * transaction (src/modules/orders). Returns the order's new payment status, if it changed.
 */
export async function refundCancelledOrder(
  db: Kysely<DB>,
  config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>,
  orderId: number,
): Promise<string | undefined> {
  const o = await db
    .selectFrom('orders')
    .select(['merchant_id', 'status', 'payment_method', 'payment_status', 'payment_reference'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (o?.status !== 'cancelled' || o.payment_method !== 'card' || !o.payment_reference) return undefined;
  if (o.payment_status !== 'paid' && o.payment_status !== 'authorized') return undefined;
  const stripe = stripeClient(config);
  if (!stripe) return undefined;
  const account = (await stripeAccounts(db, [o.merchant_id])).get(o.merchant_id);
  let status = 'refunded';
  try {
    if (o.payment_status === 'paid')
      await stripe.refunds.create(
        { payment_intent: o.payment_reference },
        { stripeAccount: account, idempotencyKey: `refund-${o.payment_reference}` },
      );
    else {
      await stripe.paymentIntents.cancel(
        o.payment_reference,
        {},
        { stripeAccount: account, idempotencyKey: `cancel-${o.payment_reference}` },
      );
      status = 'voided';
    }
  } catch {
    status = 'refund_failed';
  }
  await db.updateTable('orders').set({ payment_status: status }).where('id', '=', orderId).execute();
  return status;
}
