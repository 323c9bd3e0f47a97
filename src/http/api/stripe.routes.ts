import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { AppError } from '../../lib/errors.ts';
import { recordCardPaymentEvent } from '../../modules/orders/index.ts';
import { stripeClient } from '../../modules/payments/index.ts';
import type { AppContext } from '../context.ts';

/**
 * Stripe webhook: payment intent outcomes update the orders they pay. The signature
 * (Stripe-Signature, HMAC of the raw body with STRIPE_WEBHOOK_SECRET) is verified before anything.
 */
export default async function stripeWebhookRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // The raw body is needed to verify the signature (this parser only applies inside this plugin).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/api/v1/stripe/webhook', { schema: { hide: true } }, async (req, reply) => {
    const stripe = stripeClient(ctx.config);
    const secret = ctx.config.STRIPE_WEBHOOK_SECRET;
    if (!stripe || !secret) throw new AppError('not_found');
    const sig = req.headers['stripe-signature'];
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(String(req.body ?? ''), String(sig ?? ''), secret);
    } catch {
      throw new AppError('validation_failed', 'payment.webhook_signature_invalid');
    }
    if (event.type.startsWith('payment_intent.'))
      await recordCardPaymentEvent(db, event.type, (event.data.object as Stripe.PaymentIntent).id);
    return reply.code(200).send({ received: true });
  });
}
