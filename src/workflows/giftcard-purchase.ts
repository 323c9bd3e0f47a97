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
import { attachPaymentIntent, issueGiftCard, voidUnpaidGiftCard } from '../modules/giftcards/index.ts';
import { chargeGiftCardPurchase, type PaymentLog } from '../modules/payments/index.ts';

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
 * too: if the charge went through after all, its `payment_intent.succeeded` finds the card voided
 * and the payment is refunded (src/modules/payments, recordGiftCardPaymentEvent).
 */
const REFUSED = new Set([
  'payment.card_declined',
  'payment.card_authentication_failed',
  'payment.card_details_required',
  'payment.card_unreachable',
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
    if (err instanceof AppError && REFUSED.has(err.messageKey)) await voidUnpaidGiftCard(db, card.id);
    throw err;
  }
}
