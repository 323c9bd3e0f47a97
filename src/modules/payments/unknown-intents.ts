/**
 * Card authorisations whose creation outcome is unknown (issue 15). A checkout's PaymentIntent
 * create that timed out may still have been carried out by Stripe after the client gave up: the
 * checkout fails, yet the card would stay held until the authorisation expires (days). Stripe keeps
 * the result of a keyed request and answers a retry with the same Idempotency-Key with it (409
 * `idempotency_error` while the first is still running; keys are kept at least 24 hours): so the
 * create's key and exact parameters are recorded, the create is replayed once at once, and the
 * settlement run (under its lease) replays it later if Stripe was still busy; whatever
 * authorisation the replay returns is cancelled.
 */
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '../../db/schema.ts';
import type { PaymentLog } from './payment-method.ts';
import {
  countUnknownIntentAttempt,
  findUnknownIntent,
  findUnknownIntents,
  insertUnknownIntent,
  resolveUnknownIntentRow,
} from './payments.repository.ts';
import { stripeSdk } from './stripe-sdk.ts';

/** States in which an intent holds nothing captured and can still be cancelled. */
export const RELEASABLE = new Set<string>([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'requires_capture',
]);

/** A create whose outcome is unknown: an attempt may have reached Stripe and no answer came back. */
export class UnknownOutcome extends Error {
  /** True when an attempt timed out or Stripe was still running it (slow), false when cut off. */
  readonly slow: boolean;
  constructor(cause: unknown, slow: boolean) {
    super('payment intent creation outcome unknown', { cause });
    this.name = 'UnknownOutcome';
    this.slow = slow;
  }
}

const codeOf = (err: Stripe.errors.StripeConnectionError) =>
  (err.detail as { code?: string } | undefined)?.code;

/**
 * Another request with this key is still running at Stripe (the first one, answering late): 409
 * `idempotency_error`, which the SDK raises as a StripeAPIError.
 */
const inFlight = (err: unknown) => err instanceof stripeSdk().errors.StripeError && err.statusCode === 409;

const timedOut = (err: unknown) =>
  inFlight(err) || (err instanceof stripeSdk().errors.StripeConnectionError && codeOf(err) === 'ETIMEDOUT');

/** Whether the request may have reached Stripe (a refused connection never did). */
const mayHaveReached = (err: unknown) =>
  inFlight(err) ||
  (err instanceof stripeSdk().errors.StripeConnectionError && codeOf(err) !== 'ECONNREFUSED');

/** What the SDK itself would retry: connection errors, 409 and 5xx. */
const retryable = (err: unknown) =>
  err instanceof stripeSdk().errors.StripeConnectionError ||
  inFlight(err) ||
  (err instanceof stripeSdk().errors.StripeAPIError && (err.statusCode ?? 0) >= 500);

/** Whether a failure means Stripe was slow (timed out, or still running the keyed request). */
export const stripeWasSlow = timedOut;

/** The SDK's delay before its first retry (initialNetworkRetryDelay). */
const RETRY_DELAY_MS = 500;

/**
 * Creates a PaymentIntent under `key` with one retry (same key), as the SDK's own retry does, but
 * knowing whether any attempt may have reached Stripe: when none answered and one may have, throws
 * {@link UnknownOutcome}; any other failure is thrown as is.
 */
export async function createIntentKeyed(
  stripe: Stripe,
  params: Stripe.PaymentIntentCreateParams,
  key: string,
): Promise<Stripe.PaymentIntent> {
  let reached = false;
  let slow = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await stripe.paymentIntents.create(params, { idempotencyKey: key, maxNetworkRetries: 0 });
    } catch (err) {
      reached ||= mayHaveReached(err);
      slow ||= timedOut(err);
      if (attempt === 0 && retryable(err)) {
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        continue;
      }
      if (reached) throw new UnknownOutcome(err, slow);
      throw err;
    }
  }
}

/** How long the replay made at once waits: a stored result comes back at once; a Stripe still busy is left to the settlement run. */
const INLINE_TIMEOUT_MS = 2000;

/** Stripe prunes idempotency keys after 24 hours: past this age a replay could authorise anew. */
const KEY_RETENTION_MS = 23 * 3600_000;

type UnknownRow = { id: number; idempotency_key: string; params_json: string; created_at: string };

/**
 * Replays an unknown create with its key and parameters and cancels the authorisation it returns.
 * 'voided' / 'none' (nothing held: Stripe's stored answer was a refusal) / 'abandoned' end the row;
 * 'pending': Stripe still busy or unreachable, left for the next settlement run.
 */
async function resolveOne(
  db: Kysely<DB>,
  stripe: Stripe,
  row: UnknownRow,
  log: PaymentLog | undefined,
  timeoutMs?: number,
): Promise<'voided' | 'none' | 'abandoned' | 'pending'> {
  const now = () => new Date().toISOString();
  if (Date.now() - new Date(row.created_at).getTime() > KEY_RETENTION_MS) {
    log?.error(
      { key: row.idempotency_key },
      'unknown card authorisation abandoned: check it in Stripe by hand',
    );
    await resolveUnknownIntentRow(db, row.id, 'abandoned', null, now());
    return 'abandoned';
  }
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.create(JSON.parse(row.params_json) as Stripe.PaymentIntentCreateParams, {
      idempotencyKey: row.idempotency_key,
      maxNetworkRetries: 0,
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
    });
  } catch (err) {
    if (err instanceof stripeSdk().errors.StripeIdempotencyError) {
      // 400: the stored request differs (never expected: the parameters are the ones sent).
      log?.error({ err, key: row.idempotency_key }, 'unknown card authorisation cannot be replayed');
      await resolveUnknownIntentRow(db, row.id, 'abandoned', null, now());
      return 'abandoned';
    }
    if (
      err instanceof stripeSdk().errors.StripeCardError ||
      err instanceof stripeSdk().errors.StripeInvalidRequestError
    ) {
      // Stripe's stored answer is a refusal (declined, invalid): nothing was authorised.
      await resolveUnknownIntentRow(db, row.id, 'none', null, now());
      return 'none';
    }
    // Still running (409), unreachable, or a Stripe incident: the next run tries again.
    await countUnknownIntentAttempt(db, row.id);
    return 'pending';
  }
  if (RELEASABLE.has(pi.status)) {
    try {
      await stripe.paymentIntents.cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` });
    } catch (err) {
      if (
        !(err instanceof stripeSdk().errors.StripeInvalidRequestError) ||
        err.code !== 'payment_intent_unexpected_state'
      ) {
        await countUnknownIntentAttempt(db, row.id);
        return 'pending';
      }
    }
  } else if (pi.status !== 'canceled')
    // Manual capture: never captured by a failed checkout; anything else is for the operator.
    log?.error({ pi: pi.id, status: pi.status }, 'unknown card authorisation in an unexpected state');
  await resolveUnknownIntentRow(db, row.id, 'voided', pi.id, now());
  return 'voided';
}

/**
 * Records an unknown create (its key, checkout and exact parameters) and replays it once at once
 * (a short wait): the authorisation is cancelled now when Stripe has finished, otherwise by the
 * settlement run. Never throws for Stripe: a failure leaves the row for the settlement run.
 */
export async function voidUnknownIntent(
  db: Kysely<DB>,
  stripe: Stripe,
  p: { key: string; checkoutId: number; params: Stripe.PaymentIntentCreateParams },
  log?: PaymentLog,
): Promise<void> {
  await insertUnknownIntent(db, {
    idempotency_key: p.key,
    checkout_id: p.checkoutId,
    params_json: JSON.stringify(p.params),
  });
  const row = await findUnknownIntent(db, p.key);
  if (row?.state === 'unknown') await resolveOne(db, stripe, row, log, INLINE_TIMEOUT_MS);
}

/**
 * The settlement run's part: replays every unknown card authorisation still unresolved, cancels
 * those Stripe created, and leaves the ones Stripe is still running or cannot be reached for the
 * next run. Returns how many authorisations it cancelled.
 */
export async function voidUnknownIntents(db: Kysely<DB>, stripe: Stripe, log?: PaymentLog): Promise<number> {
  let voided = 0;
  let afterId = 0;
  for (;;) {
    const page = await findUnknownIntents(db, 100, afterId);
    if (page.length === 0) break;
    afterId = page[page.length - 1].id;
    for (const row of page) if ((await resolveOne(db, stripe, row, log)) === 'voided') voided++;
    if (page.length < 100) break;
  }
  return voided;
}
