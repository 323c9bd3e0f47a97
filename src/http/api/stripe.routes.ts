import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { AppError } from '../../lib/errors.ts';
import { recordCardPaymentEvent } from '../../modules/orders/index.ts';
import {
  firstDelivery,
  handleConnectEvent,
  isGiftCardPurchase,
  recordGiftCardPaymentEvent,
  startSettlementTimer,
  stripeClient,
} from '../../modules/payments/index.ts';
import type { AppContext } from '../context.ts';

/**
 * Stripe webhooks. The signature (Stripe-Signature: HMAC-SHA256 of `t.rawBody`) is verified before
 * anything; an event id already processed is acknowledged and changes nothing (Stripe retries).
 * - /api/v1/stripe/webhook (STRIPE_WEBHOOK_SECRET): payment intent outcomes update their orders,
 *   or, for a gift card bought by card, activate (or void) that card.
 * The plugin also runs the settlement timer (SETTLEMENT_INTERVAL_SECONDS, one process at a time).
 * - /api/v1/stripe/connect-webhook (STRIPE_CONNECT_WEBHOOK_SECRET): `account.updated` keeps each
 *   merchant's charges/payouts status current (an older event arriving late is ignored).
 */
export default async function stripeWebhookRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // The raw body is needed to verify the signature (this parser only applies inside this plugin).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Built once: every webhook request only verifies a signature with it.
  const stripe = stripeClient(ctx.config);
  const verified = (body: unknown, sig: unknown, secret: string | undefined): Stripe.Event => {
    if (!stripe || !secret) throw new AppError('not_found');
    try {
      return stripe.webhooks.constructEvent(String(body ?? ''), String(sig ?? ''), secret);
    } catch {
      // A signature that does not verify is the sender's error (a 400), not a failure here.
      throw new AppError('validation_failed', 'payment.webhook_signature_invalid');
    }
  };

  app.post('/api/v1/stripe/webhook', { schema: { hide: true } }, async (req, reply) => {
    const event = verified(req.body, req.headers['stripe-signature'], ctx.config.STRIPE_WEBHOOK_SECRET);
    if (event.type.startsWith('payment_intent.')) {
      const pi = event.data.object as Stripe.PaymentIntent;
      // A gift card bought online: its card becomes usable (or is voided), no order involved.
      await firstDelivery(db, event.id, event.type, () =>
        isGiftCardPurchase(pi)
          ? recordGiftCardPaymentEvent(db, stripe, event.type, pi)
          : recordCardPaymentEvent(db, event.type, pi.id),
      );
    }
    return reply.code(200).send({ received: true });
  });

  // Settlement on a timer in every process (the lease lets one run at a time).
  if (stripe && ctx.config.SETTLEMENT_INTERVAL_SECONDS > 0) {
    const stop = startSettlementTimer(
      db,
      stripe,
      { feePercent: ctx.config.PLATFORM_FEE_PERCENT },
      ctx.config.SETTLEMENT_INTERVAL_SECONDS * 1000,
      app.log,
    );
    app.addHook('onClose', stop);
  }

  app.post('/api/v1/stripe/connect-webhook', { schema: { hide: true } }, async (req, reply) => {
    const event = verified(
      req.body,
      req.headers['stripe-signature'],
      ctx.config.STRIPE_CONNECT_WEBHOOK_SECRET,
    );
    const outcome = await handleConnectEvent(db, event);
    req.log.info({ event: event.id, type: event.type, outcome }, 'stripe connect event');
    return reply.code(200).send({ received: true });
  });
}
