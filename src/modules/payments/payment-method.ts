/**
 * The payment method interface shared by every method (payments.service.ts, stripe.ts).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { GiftShare } from '../giftcards/index.ts';

export type PaymentMethodId = 'in_store' | 'card' | 'gift_card';
export const PAYMENT_METHODS: readonly PaymentMethodId[] = ['in_store', 'card', 'gift_card'];

/** What a payment method sees of a checkout: one amount per merchant order. */
export interface CheckoutForPayment {
  id: number;
  /** The cart being paid: a card intent brought back after 3-D Secure must have been made for it. */
  cart_id?: number;
  total_cents: number;
  parts: { merchant_id: number; total_cents: number }[];
  /**
   * Method-specific input from the checkout body (card: payment_method, or payment_intent after a
   * 3-D Secure challenge; gift_card: code).
   */
  input: Record<string, unknown>;
}

/** The result of an authorization, stored on the checkout (so a sweeper can void it after a crash). */
export interface Authorization {
  /** Per-merchant reference (PaymentIntent id, gift card ledger ref) and status. */
  parts: { merchant_id: number; reference: string | null }[];
  /** Order payment_status after capture: 'due' (pay at pickup) or 'paid'. */
  status_after_capture: 'due' | 'paid';
  /**
   * A gift card's part (src/modules/giftcards, redeemAcross): each merchant order's share, the
   * card's balance afterwards, and how the rest is paid. An order its share covers entirely is paid.
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
  /**
   * Releases what the customer brought back from an earlier attempt (card: a PaymentIntent
   * authorised through 3-D Secure) when the checkout is refused before it is authorised.
   */
  release?(checkout: CheckoutForPayment): Promise<void>;
}

/** The registry of one platform: a method by its id (throws payment_method_unavailable if unknown). */
export type PaymentRegistry = (id: string) => PaymentMethod;

/** Where payment failures that cannot be reported to the customer go (pino-compatible). */
export interface PaymentLog {
  error(obj: unknown, msg: string): void;
}

export const unavailable = (method: string) =>
  new AppError('payment_method_unavailable', 'payment.method_unavailable', { params: { method } });
