/**
 * A gift card bought online by card (issue 15): the giftcards module issues a PENDING card, the
 * payments module charges it on the platform account (no transfer: the money stays with the
 * platform until the card is spent at a merchant), and Stripe's signed `payment_intent.succeeded`
 * makes it usable (src/http/api/stripe.routes.ts). A declined card voids the pending card.
 */
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '../db/schema.ts';
import { AppError } from '../lib/errors.ts';
import {
  attachPaymentIntent,
  findCardByCode,
  issueGiftCard,
  voidUnpaidGiftCard,
} from '../modules/giftcards/index.ts';
import {
  chargeGiftCardPurchase,
  confirmGiftCardPurchaseAfterAction,
  type PaymentLog,
} from '../modules/payments/index.ts';

/** What buying a card by card takes: the amount (paid part only: a sponsor bonus is never charged), the buyer, the PaymentMethod. */
export interface CardPurchase {
  paidCents: number;
  associationId: number | null;
  buyerName: string;
  buyerEmail: string;
  /** The PaymentMethod Stripe.js created from the Payment Element. */
  paymentMethod: string;
}

/**
 * Refusals: the pending card is voided and the buyer told nothing was kept. Stripe unreachable
 * or too slow too: if the charge went through after all, its `payment_intent.succeeded` finds the card voided
 * and the payment is refunded (src/modules/payments, recordGiftCardPaymentEvent).
 */
const REFUSED = new Set([
  'payment.card_declined',
  'payment.card_authentication_failed',
  'payment.card_details_required',
  'payment.card_unreachable',
  // Too slow: a charge Stripe made late is refunded on its webhook, the card being void.
  'payment.card_timeout',
]);

/**
 * Issues a pending card and charges it by card. Returns the card (its code, shown once) and the
 * PaymentIntent's id; the card is active once the webhook confirms the payment. A refused card,
 * or Stripe unreachable, voids the pending card and throws the buyer's error.
 */
export async function buyGiftCardByCard(
  db: Kysely<DB>,
  stripe: Stripe | undefined,
  input: CardPurchase,
  log?: PaymentLog,
) {
  if (!stripe) throw new AppError('payment_method_unavailable', 'stripe.not_configured');
  const card = await issueGiftCard(db, {
    paidCents: input.paidCents,
    associationId: input.associationId,
    buyerName: input.buyerName,
    buyerEmail: input.buyerEmail,
    status: 'pending',
  });
  try {
    const paymentIntentId = await chargeGiftCardPurchase(
      stripe,
      {
        cardId: card.id,
        amountCents: card.paid_cents,
        paymentMethod: input.paymentMethod,
        email: input.buyerEmail,
      },
      log,
    );
    await attachPaymentIntent(db, card.id, paymentIntentId);
    return { ...card, payment_intent_id: paymentIntentId };
  } catch (err) {
    if (err instanceof AppError && err.code === 'payment_action_required') {
      // 3-D Secure: the card stays pending with its intent (the webhook activates it once paid);
      // the page runs the challenge and comes back with the code it was shown for (never stored).
      const pi = String(err.details?.payment_intent ?? '');
      await attachPaymentIntent(db, card.id, pi);
      throw new AppError('payment_action_required', err.messageKey, {
        details: { ...err.details, gift_card_code: card.code },
      });
    }
    if (err instanceof AppError && REFUSED.has(err.messageKey)) await voidUnpaidGiftCard(db, card.id);
    throw err;
  }
}

/**
 * The purchase resubmitted after the 3-D Secure challenge, with the card's code (the page held it)
 * and the intent: the intent must be the one recorded on that pending card. Paid: returns the card
 * as {@link buyGiftCardByCard} does (active once the webhook confirms). Failed or abandoned: the
 * intent is cancelled, the pending card voided, the buyer's error thrown.
 */
export async function finishGiftCardByCard(
  db: Kysely<DB>,
  stripe: Stripe | undefined,
  input: { code: string; paymentIntent: string },
  log?: PaymentLog,
) {
  const card = await findCardByCode(db, input.code);
  if (!card?.payment_intent_id || card.payment_intent_id !== input.paymentIntent)
    throw new AppError('payment_failed', 'payment.card_intent_invalid');
  try {
    await confirmGiftCardPurchaseAfterAction(
      stripe,
      { cardId: card.id, paymentIntentId: card.payment_intent_id },
      log,
    );
  } catch (err) {
    if (err instanceof AppError && REFUSED.has(err.messageKey))
      await voidUnpaidGiftCard(db, card.id, card.payment_intent_id);
    throw err;
  }
  return { ...card, code: input.code, payment_intent_id: card.payment_intent_id };
}
