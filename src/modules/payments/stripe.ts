/**
 * Card payment through Stripe Connect, separate charges and transfers (docs/decisions/0007): one
 * PaymentIntent on the platform account per checkout (manual capture, `transfer_group` = the
 * checkout), captured when the orders exist, then one Transfer per merchant order
 * (`source_transaction` = the charge, amount = order total − platform fee), every call keyed.
 */
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { cardReadiness } from './connect.service.ts';
import { type Authorization, type PaymentLog, type PaymentMethod, unavailable } from './payment-method.ts';
import {
  findStripeAccounts,
  findUntransferredCharges,
  insertLedger,
  type LedgerEntry,
} from './payments.repository.ts';

/** The Stripe settings the payments module reads. */
export type StripeConfig = Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'> &
  Partial<Pick<Config, 'PLATFORM_FEE_PERCENT'>>;

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

/** The platform fee kept on an order of `totalCents` (rounded to the cent, never more than the order). */
export function platformFee(totalCents: number, percent: number): number {
  return Math.min(totalCents, Math.max(0, Math.round((totalCents * percent) / 100)));
}

/** A Stripe failure as the customer's error: declined, authentication failed, or Stripe unreachable. */
export function cardError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Stripe.errors.StripeCardError)
    return new AppError('payment_failed', 'payment.card_declined', {
      details: { decline_code: err.decline_code ?? err.code ?? 'card_declined' },
    });
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError)
    return new AppError('payment_failed', 'payment.card_unreachable');
  return new AppError('payment_failed', 'payment.card_declined');
}

const intentOf = (auth: Authorization) => auth.parts.find((p) => p.reference)?.reference ?? undefined;

/** The card method over `stripe` (unavailable without it); `log` receives voids that failed after a decline. */
export function cardMethod(
  stripe: Stripe | undefined,
  config: { feePercent: number },
  log?: PaymentLog,
): PaymentMethod {
  const logError = (obj: Record<string, unknown>, msg: string) => {
    if (log) log.error(obj, msg);
    else console.error(msg, obj);
  };
  return {
    id: 'card',
    async check(db, c) {
      if (!stripe) throw unavailable('card');
      // The same rule as the checkout page's offer: connected, card enabled, charges enabled.
      const ready = await cardReadiness(
        db,
        c.parts.map((p) => p.merchant_id),
      );
      const missing = c.parts.filter((p) => !ready.get(p.merchant_id)).map((p) => p.merchant_id);
      if (missing.length)
        throw new AppError('payment_method_unavailable', 'payment.card_merchants_not_ready', {
          params: { method: 'card' },
          details: { merchant_ids: missing },
        });
      if (typeof c.input.payment_method !== 'string' || !c.input.payment_method)
        throw new AppError('payment_method_unavailable', 'payment.card_details_required');
    },
    async authorize(db, c) {
      if (!stripe) throw unavailable('card');
      // Re-checked here: a merchant disconnected since the cart was read is refused before any charge.
      await this.check(db, c);
      const amount = c.parts.reduce((s, p) => s + p.total_cents, 0);
      let pi: Stripe.PaymentIntent;
      try {
        pi = await stripe.paymentIntents.create(
          {
            amount,
            currency: 'cad',
            payment_method: String(c.input.payment_method),
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            confirm: true,
            capture_method: 'manual',
            transfer_group: `checkout_${c.id}`,
            metadata: {
              checkout_id: String(c.id),
              merchant_ids: c.parts.map((p) => p.merchant_id).join(','),
            },
          },
          { idempotencyKey: `checkout-${c.id}-intent` },
        );
      } catch (err) {
        throw cardError(err);
      }
      if (pi.status !== 'requires_capture') {
        // 3-D Secure not completed (requires_action) or any other state: nothing is kept.
        await stripe.paymentIntents
          .cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` })
          .catch((err: unknown) =>
            logError({ err, checkoutId: c.id, pi: pi.id }, 'card authorization void failed'),
          );
        throw new AppError(
          'payment_failed',
          pi.status === 'requires_action' ? 'payment.card_authentication_failed' : 'payment.card_declined',
        );
      }
      return {
        parts: c.parts.map((p) => ({ merchant_id: p.merchant_id, reference: pi.id })),
        status_after_capture: 'paid',
      };
    },
    async capture(db, c, auth) {
      const piId = intentOf(auth);
      if (!stripe || !piId) return;
      const pi = await stripe.paymentIntents.capture(piId, {}, { idempotencyKey: `capture-${piId}` });
      const charge = typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null);
      const entries: LedgerEntry[] = [];
      for (const p of c.parts) {
        const fee = platformFee(p.total_cents, config.feePercent);
        const base = { merchant_id: p.merchant_id, checkout_id: c.id, payment_intent_id: piId };
        entries.push({
          ...base,
          kind: 'charge',
          amount_cents: p.total_cents,
          stripe_id: charge,
          idempotency_key: `charge-${piId}-m${p.merchant_id}`,
        });
        if (fee)
          entries.push({
            ...base,
            kind: 'fee',
            amount_cents: fee,
            stripe_id: null,
            idempotency_key: `fee-${piId}-m${p.merchant_id}`,
          });
      }
      await insertLedger(db, entries);
      await transferParts(db, stripe, c, piId, charge, config.feePercent, logError);
    },
    async void(_db, _c, auth) {
      const piId = intentOf(auth);
      if (!stripe || !piId) return;
      await stripe.paymentIntents
        .cancel(piId, {}, { idempotencyKey: `cancel-${piId}` })
        .catch((err: unknown) => {
          // Already canceled (a retried void): nothing left to release.
          if (
            err instanceof Stripe.errors.StripeInvalidRequestError &&
            err.code === 'payment_intent_unexpected_state'
          )
            return;
          throw err;
        });
    },
  };
}

/**
 * One Transfer per merchant part after capture, keyed per checkout and merchant (a retry returns
 * Stripe's stored transfer, never a second one) and recorded in the ledger. A failure leaves that
 * part pending (logged), for a later settlement run with the same keys.
 */
async function transferParts(
  db: Kysely<DB>,
  stripe: Stripe,
  c: { id: number; parts: { merchant_id: number; total_cents: number }[] },
  piId: string,
  charge: string | null,
  feePercent: number,
  logError: (obj: Record<string, unknown>, msg: string) => void,
): Promise<void> {
  const accounts = await findStripeAccounts(
    db,
    c.parts.map((p) => p.merchant_id),
  );
  for (const p of c.parts) {
    const amount = p.total_cents - platformFee(p.total_cents, feePercent);
    const destination = accounts.get(p.merchant_id);
    if (amount <= 0 || !destination) continue;
    const key = `transfer-checkout-${c.id}-m${p.merchant_id}`;
    try {
      const tr = await stripe.transfers.create(
        {
          amount,
          currency: 'cad',
          destination,
          transfer_group: `checkout_${c.id}`,
          ...(charge ? { source_transaction: charge } : {}),
          metadata: { checkout_id: String(c.id), merchant_id: String(p.merchant_id) },
        },
        { idempotencyKey: key },
      );
      await insertLedger(db, [
        {
          merchant_id: p.merchant_id,
          checkout_id: c.id,
          payment_intent_id: piId,
          kind: 'transfer',
          amount_cents: amount,
          stripe_id: tr.id,
          idempotency_key: key,
        },
      ]);
    } catch (err) {
      logError({ err, checkoutId: c.id, merchantId: p.merchant_id }, 'transfer to merchant failed (pending)');
    }
  }
}

/**
 * Retries the transfers left pending after a capture (Stripe unreachable at that moment), with the
 * same idempotency keys: a transfer Stripe already made is returned, never made twice. Returns how
 * many merchant parts are now transferred.
 */
export async function settlePendingTransfers(
  db: Kysely<DB>,
  stripe: Stripe | undefined,
  config: { feePercent: number },
  log?: PaymentLog,
): Promise<number> {
  if (!stripe) return 0;
  const pending = await findUntransferredCharges(db);
  const logError = (obj: Record<string, unknown>, msg: string) => log?.error(obj, msg);
  for (const c of pending)
    await transferParts(
      db,
      stripe,
      { id: c.checkout_id, parts: [{ merchant_id: c.merchant_id, total_cents: c.amount_cents }] },
      c.payment_intent_id,
      c.stripe_id,
      config.feePercent,
      logError,
    );
  return pending.length - (await findUntransferredCharges(db)).length;
}
