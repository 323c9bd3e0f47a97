/**
 * Card payment: Stripe Payment Intents on each merchant's connected account, manual capture.
 */
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { type Authorization, type PaymentLog, type PaymentMethod, unavailable } from './payment-method.ts';
import { findStripeAccounts } from './payments.repository.ts';

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

const accountsOf = (db: Kysely<DB>, parts: { merchant_id: number }[]) =>
  findStripeAccounts(
    db,
    parts.map((p) => p.merchant_id),
  );

/** The card method over `stripe` (unavailable without it); `log` receives voids that failed after a decline. */
export function cardMethod(stripe: Stripe | undefined, log?: PaymentLog): PaymentMethod {
  return {
    id: 'card',
    async check(db, c) {
      if (!stripe) throw unavailable('card');
      const accounts = await accountsOf(db, c.parts);
      if (c.parts.some((p) => !accounts.has(p.merchant_id))) throw unavailable('card');
      if (typeof c.input.payment_method !== 'string' || !c.input.payment_method)
        throw new AppError('payment_method_unavailable', 'payment.card_details_required');
    },
    async authorize(db, c) {
      if (!stripe) throw unavailable('card');
      const accounts = await accountsOf(db, c.parts);
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
        // Undo what was authorized before the failure, then report the failure itself; an
        // authorization left behind expires at Stripe, but an operator must know about it.
        await this.void(db, c, { parts, status_after_capture: 'paid' }).catch((voidErr: unknown) => {
          const references = parts.map((p) => p.reference);
          if (log)
            log.error({ err: voidErr, checkoutId: c.id, references }, 'card authorization void failed');
          else console.error('card authorization void failed', { checkoutId: c.id, references }, voidErr);
        });
        if (err instanceof AppError) throw err;
        throw new AppError('payment_failed', 'payment.card_declined');
      }
      return { parts, status_after_capture: 'paid' };
    },
    async capture(db, c, auth) {
      if (!stripe) return;
      const accounts = await accountsOf(db, c.parts);
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
      const accounts = await accountsOf(db, c.parts);
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
