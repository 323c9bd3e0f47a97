/**
 * Card payment through Stripe Connect, separate charges and transfers (docs/decisions/0007): one
 * PaymentIntent on the platform account per checkout (manual capture, `transfer_group` = the
 * checkout), captured when the orders exist, then one Transfer per merchant order
 * (`source_transaction` = the charge, amount = order total − platform fee), every call keyed.
 */
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { loadRegion } from '../region/index.ts';
import { cardReadiness } from './connect.service.ts';
import {
  type Authorization,
  type CheckoutForPayment,
  type PaymentLog,
  type PaymentMethod,
  unavailable,
} from './payment-method.ts';
import {
  findLedger,
  findStripeAccounts,
  findUntransferredCharges,
  insertLedger,
  type LedgerEntry,
} from './payments.repository.ts';
import { stripeSdk } from './stripe-sdk.ts';
import {
  createIntentKeyed,
  RELEASABLE,
  stripeWasSlow,
  UnknownOutcome,
  voidUnknownIntent,
} from './unknown-intents.ts';

/** The Stripe settings the payments module reads. */
export type StripeConfig = Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'> &
  Partial<Pick<Config, 'PLATFORM_FEE_PERCENT' | 'STRIPE_TIMEOUT_MS'>>;

// One client per configuration object: the SDK keeps an HTTP agent (kept-alive connections) per
// client, so a client built per call (a refund, a webhook) would open new connections every time.
const clients = new WeakMap<object, Stripe>();

/**
 * The Stripe SDK, pointed at STRIPE_API_BASE when set (a local fake in tests); built once per
 * configuration object and shared by every caller.
 */
export function stripeClient(
  config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'> & Partial<Pick<Config, 'STRIPE_TIMEOUT_MS'>>,
): Stripe | undefined {
  if (!config.STRIPE_SECRET_KEY) return undefined;
  const shared = clients.get(config);
  if (shared) return shared;
  const client = buildClient(
    config.STRIPE_SECRET_KEY,
    config.STRIPE_API_BASE,
    config.STRIPE_TIMEOUT_MS ?? 10_000,
  );
  clients.set(config, client);
  return client;
}

function buildClient(key: string, apiBase: string | undefined, timeout: number): Stripe {
  const opts: Stripe.StripeConfig = { maxNetworkRetries: 1, timeout };
  if (apiBase) {
    const u = new URL(apiBase);
    opts.host = u.hostname;
    opts.protocol = u.protocol.replace(':', '') as 'http' | 'https';
    opts.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443));
  }
  return new (stripeSdk())(key, opts);
}

/** The platform fee kept on an order of `totalCents` (rounded to the cent, never more than the order). */
export function platformFee(totalCents: number, percent: number): number {
  return feeAtRate(totalCents, Math.round(percent * 100));
}

/** The platform fee at a rate in basis points (250 = 2,5 %), rounded to the cent, within the order. */
export function feeAtRate(totalCents: number, bps: number): number {
  return Math.min(totalCents, Math.max(0, Math.round((totalCents * bps) / 10_000)));
}

/**
 * The platform fee rate for a capture now, in basis points: the region's setting (admin region
 * page), or the deployment's PLATFORM_FEE_PERCENT while the operator has never set it. Read from
 * the database, not a cache: the rate is money.
 */
export async function currentFeeBps(db: Kysely<DB>, defaultPercent: number): Promise<number> {
  const region = await loadRegion(db);
  return region.platform_fee_bps ?? Math.round(defaultPercent * 100);
}

/** A Stripe failure as the customer's error: declined, authentication failed, Stripe too slow or unreachable. */
export function cardError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // Too slow (timed out, or still running our keyed request): not "nothing was charged" for sure.
  if ((err instanceof UnknownOutcome && err.slow) || stripeWasSlow(err))
    return new AppError('payment_failed', 'payment.card_timeout');
  if (err instanceof UnknownOutcome) return new AppError('payment_failed', 'payment.card_unreachable');
  if (err instanceof stripeSdk().errors.StripeCardError)
    return new AppError('payment_failed', 'payment.card_declined', {
      details: { decline_code: err.decline_code ?? err.code ?? 'card_declined' },
    });
  if (
    err instanceof stripeSdk().errors.StripeConnectionError ||
    err instanceof stripeSdk().errors.StripeAPIError
  )
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
      if (!broughtBack(c) && (typeof c.input.payment_method !== 'string' || !c.input.payment_method))
        throw new AppError('payment_method_unavailable', 'payment.card_details_required');
    },
    async authorize(db, c) {
      if (!stripe) throw unavailable('card');
      // Re-checked here: a merchant disconnected since the cart was read is refused before any charge.
      await this.check(db, c);
      const amount = c.parts.reduce((s, p) => s + p.total_cents, 0);
      const back = broughtBack(c);
      if (back) return adoptIntent(stripe, c, back, amount, logError);
      const params: Stripe.PaymentIntentCreateParams = {
        amount,
        currency: 'cad',
        payment_method: String(c.input.payment_method),
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
        capture_method: 'manual',
        transfer_group: `checkout_${c.id}`,
        metadata: {
          checkout_id: String(c.id),
          ...(c.cart_id !== undefined ? { cart_id: String(c.cart_id) } : {}),
          merchant_ids: c.parts.map((p) => p.merchant_id).join(','),
        },
      };
      const key = `checkout-${c.id}-intent`;
      let pi: Stripe.PaymentIntent;
      try {
        pi = await createIntentKeyed(stripe, params, key);
      } catch (err) {
        // Stripe may have authorised after the client gave up: the checkout fails (this step never
        // completes, so no undo runs); the authorisation is found by replaying the keyed create
        // and cancelled, now or by the settlement run.
        if (err instanceof UnknownOutcome)
          await voidUnknownIntent(db, stripe, { key, checkoutId: c.id, params }, log).catch((e: unknown) =>
            logError({ err: e, checkoutId: c.id }, 'recording an unknown card authorisation failed'),
          );
        throw cardError(err);
      }
      // 3-D Secure: the intent stays open for the customer's bank challenge (Stripe.js
      // handleNextAction on the page); the checkout is resubmitted with it (adoptIntent).
      if (pi.status === 'requires_action' && pi.client_secret) throw actionRequired(pi);
      if (pi.status !== 'requires_capture') {
        // Any other state: nothing is kept.
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
      // The rate applied is recorded on each charge: a later change of the setting never rewrites it.
      const bps = await currentFeeBps(db, config.feePercent);
      for (const p of c.parts) {
        const fee = feeAtRate(p.total_cents, bps);
        const base = { merchant_id: p.merchant_id, checkout_id: c.id, payment_intent_id: piId };
        entries.push({
          ...base,
          kind: 'charge',
          amount_cents: p.total_cents,
          fee_bps: bps,
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
    async release(c) {
      const back = broughtBack(c);
      if (!stripe || !back) return;
      // Only an intent made for this cart (anyone can type an id), holding nothing captured, and
      // not claimed by a checkout (that one's own undo voids it; it may be paying confirmed orders).
      const pi = await stripe.paymentIntents.retrieve(back);
      if (!madeFor(pi, c) || !RELEASABLE.has(pi.status) || pi.metadata?.claimed_by) return;
      await stripe.paymentIntents
        .cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` })
        .catch((err: unknown) => logError({ err, pi: pi.id }, 'release of a 3-D Secure intent failed'));
    },
    async void(_db, _c, auth) {
      const piId = intentOf(auth);
      if (!stripe || !piId) return;
      await stripe.paymentIntents
        .cancel(piId, {}, { idempotencyKey: `cancel-${piId}` })
        .catch((err: unknown) => {
          // Already canceled (a retried void): nothing left to release.
          if (
            err instanceof stripeSdk().errors.StripeInvalidRequestError &&
            err.code === 'payment_intent_unexpected_state'
          )
            return;
          throw err;
        });
    },
  };
}

/** The PaymentIntent id the customer brought back after a 3-D Secure challenge, if any. */
function broughtBack(c: CheckoutForPayment): string | undefined {
  const v = c.input.payment_intent;
  return typeof v === 'string' && /^pi_[A-Za-z0-9_]{1,200}$/.test(v) ? v : undefined;
}

/** Whether `pi` was created by a checkout of this cart (metadata set at creation). */
const madeFor = (pi: Stripe.PaymentIntent, c: CheckoutForPayment) =>
  c.cart_id !== undefined && pi.metadata?.cart_id === String(c.cart_id);

/** The customer must authenticate (3-D Secure): what Stripe.js needs to run the challenge. */
function actionRequired(pi: Stripe.PaymentIntent): AppError {
  return new AppError('payment_action_required', 'payment.card_action_required', {
    details: { payment_intent: pi.id, client_secret: pi.client_secret },
  });
}

/**
 * The checkout resubmitted after a 3-D Secure challenge (server-side confirmation, then
 * Stripe.js handleNextAction): the intent must have been made for this cart and amount. Authorised
 * (requires_capture), it becomes this checkout's authorization; failed or abandoned, it is
 * cancelled and the customer told, nothing reserved (the flow has released the stock).
 * A second checkout cannot take the same intent: the first claims it under a key per intent.
 */
async function adoptIntent(
  stripe: Stripe,
  c: CheckoutForPayment,
  piId: string,
  amount: number,
  logError: (obj: Record<string, unknown>, msg: string) => void,
): Promise<Authorization> {
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.retrieve(piId);
  } catch (err) {
    if (err instanceof stripeSdk().errors.StripeInvalidRequestError)
      throw new AppError('payment_failed', 'payment.card_intent_invalid');
    throw cardError(err);
  }
  if (!madeFor(pi, c)) throw new AppError('payment_failed', 'payment.card_intent_invalid');
  const cancel = () =>
    stripe.paymentIntents
      .cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` })
      .catch((err: unknown) => logError({ err, checkoutId: c.id, pi: pi.id }, 'card 3DS void failed'));
  // Still waiting after the challenge (closed, abandoned) counts as failed: never a loop of challenges.
  if (pi.status !== 'requires_capture') {
    if (RELEASABLE.has(pi.status)) await cancel();
    throw new AppError('payment_failed', 'payment.card_authentication_failed');
  }
  if (pi.amount !== amount || pi.currency !== 'cad') {
    // The cart changed during the challenge: this authorization pays nothing; a new card entry will.
    await cancel();
    throw new AppError('conflict', 'payment.card_intent_amount_changed');
  }
  try {
    await stripe.paymentIntents.update(
      pi.id,
      { metadata: { checkout_id: String(c.id), claimed_by: String(c.id) } },
      { idempotencyKey: `adopt-${pi.id}` },
    );
  } catch (err) {
    // The same key with another checkout id: another checkout already took this authorization.
    if (err instanceof stripeSdk().errors.StripeIdempotencyError)
      throw new AppError('conflict', 'payment.card_intent_used');
    throw cardError(err);
  }
  return {
    parts: c.parts.map((p) => ({ merchant_id: p.merchant_id, reference: pi.id })),
    status_after_capture: 'paid',
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
    // The rate recorded with the charge (a setting changed since does not apply); older rows: the default.
    const rate = (await findLedger(db, piId, p.merchant_id)).find((l) => l.kind === 'charge')?.fee_bps;
    const fee = rate == null ? platformFee(p.total_cents, feePercent) : feeAtRate(p.total_cents, rate);
    const amount = p.total_cents - fee;
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
  const logError = (obj: Record<string, unknown>, msg: string) => log?.error(obj, msg);
  // Every pending part, a page at a time after the last one seen (parts still failing are passed,
  // not read again); counted one by one, not as "pending before − pending after" of one page.
  let done = 0;
  let afterId = 0;
  for (;;) {
    const page = await findUntransferredCharges(db, 100, afterId);
    if (page.length === 0) break;
    afterId = page[page.length - 1].id;
    for (const c of page) {
      await transferParts(
        db,
        stripe,
        { id: c.checkout_id, parts: [{ merchant_id: c.merchant_id, total_cents: c.amount_cents }] },
        c.payment_intent_id,
        c.stripe_id,
        config.feePercent,
        logError,
      );
      if ((await findLedger(db, c.payment_intent_id, c.merchant_id)).some((l) => l.kind === 'transfer'))
        done++;
    }
    if (page.length < 100) break;
  }
  return done;
}
