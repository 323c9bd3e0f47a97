/**
 * Gift-card money through Stripe (issue 15, docs/decisions/0007):
 *
 * - A card bought online by card: one PaymentIntent on the platform account (automatic capture, no
 *   transfer: the money stays with the platform until the card is spent), keyed per card. The card
 *   becomes usable only when the signed `payment_intent.succeeded` arrives; a failed or cancelled
 *   intent voids it.
 * - Redemptions settled to merchants: each redemption (one merchant order's share) is owed in the
 *   ledger (`gift_card`, written with the redemption); a settlement run transfers it to the
 *   merchant's connected account (one transfer per redemption, keyed by its reference,
 *   `transfer_group` = the checkout), or takes it back by a reversal once the order is cancelled.
 *   A merchant not connected stays pending.
 * - The run is scheduled in every server process; a lease lets one run at a time.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { activatePaidGiftCard, giftCardPaymentState, voidUnpaidGiftCard } from '../giftcards/index.ts';
import type { PaymentLog } from './payment-method.ts';
import {
  claimRun,
  findGiftCardLedger,
  findPaymentSettingsOf,
  findUnsettledGiftCardRefs,
  insertLedger,
  releaseRun,
  type SalesPeriod,
  salesTotals,
} from './payments.repository.ts';
import { cardError, settlePendingTransfers } from './stripe.ts';
import { stripeSdk } from './stripe-sdk.ts';
import { voidUnknownIntents } from './unknown-intents.ts';

type Db = Kysely<DB>;

/** The metadata that marks a PaymentIntent as a gift card purchase. */
const GIFT_CARD_KIND = 'gift_card_purchase';

/**
 * Charges a gift card bought online (pending card `cardId` of `amountCents`) with the PaymentMethod
 * Stripe.js created: one PaymentIntent on the platform, confirmed now, keyed per card (a retry
 * returns the same intent, never a second charge). Returns the intent's id when Stripe accepted
 * the payment (`succeeded`, or `processing`); a decline, a 3-D Secure the buyer could not complete
 * or Stripe unreachable throws the buyer's translated error (the intent is cancelled, nothing kept).
 */
export async function chargeGiftCardPurchase(
  stripe: Stripe | undefined,
  p: { cardId: number; amountCents: number; paymentMethod: string; email?: string | null },
  log?: PaymentLog,
): Promise<string> {
  if (!stripe) throw new AppError('payment_method_unavailable', 'stripe.not_configured');
  if (!/^pm_[A-Za-z0-9_]{1,200}$/.test(p.paymentMethod))
    throw new AppError('payment_method_unavailable', 'payment.card_details_required');
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.create(
      {
        amount: p.amountCents,
        currency: 'cad',
        payment_method: p.paymentMethod,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
        ...(p.email ? { receipt_email: p.email } : {}),
        metadata: { kind: GIFT_CARD_KIND, gift_card_id: String(p.cardId) },
      },
      { idempotencyKey: `giftcard-${p.cardId}-intent` },
    );
  } catch (err) {
    throw cardError(err);
  }
  if (pi.status === 'succeeded' || pi.status === 'processing') return pi.id;
  // 3-D Secure: the intent stays open for the buyer's bank challenge (Stripe.js handleNextAction on
  // the page, as at checkout); the page comes back with it (confirmGiftCardPurchaseAfterAction).
  if (pi.status === 'requires_action' && pi.client_secret)
    throw new AppError('payment_action_required', 'payment.card_action_required', {
      details: { payment_intent: pi.id, client_secret: pi.client_secret },
    });
  // Any other state: the purchase is refused, nothing kept.
  await stripe.paymentIntents
    .cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` })
    .catch((err: unknown) => log?.error({ err, pi: pi.id }, 'gift card intent cancel failed'));
  throw new AppError(
    'payment_failed',
    pi.status === 'requires_action' ? 'payment.card_authentication_failed' : 'payment.card_declined',
  );
}

/**
 * A gift card purchase brought back after its 3-D Secure challenge: the intent must be the one made
 * for card `cardId` (never trusted from the page alone). Paid (`succeeded`, `processing`): returns
 * its id; the card becomes usable on the webhook as usual. Failed or abandoned: the intent is
 * cancelled and the buyer's error thrown (never a loop of challenges).
 */
export async function confirmGiftCardPurchaseAfterAction(
  stripe: Stripe | undefined,
  p: { cardId: number; paymentIntentId: string },
  log?: PaymentLog,
): Promise<string> {
  if (!stripe) throw new AppError('payment_method_unavailable', 'stripe.not_configured');
  if (!/^pi_[A-Za-z0-9_]{1,200}$/.test(p.paymentIntentId))
    throw new AppError('payment_failed', 'payment.card_intent_invalid');
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.retrieve(p.paymentIntentId);
  } catch (err) {
    if (err instanceof stripeSdk().errors.StripeInvalidRequestError)
      throw new AppError('payment_failed', 'payment.card_intent_invalid');
    throw cardError(err);
  }
  if (!isGiftCardPurchase(pi) || pi.metadata.gift_card_id !== String(p.cardId))
    throw new AppError('payment_failed', 'payment.card_intent_invalid');
  if (pi.status === 'succeeded' || pi.status === 'processing') return pi.id;
  if (pi.status !== 'canceled')
    await stripe.paymentIntents
      .cancel(pi.id, {}, { idempotencyKey: `cancel-${pi.id}` })
      .catch((err: unknown) => log?.error({ err, pi: pi.id }, 'gift card 3DS intent cancel failed'));
  throw new AppError('payment_failed', 'payment.card_authentication_failed');
}

/** Whether a PaymentIntent (from a webhook event) pays a gift card purchase. */
export function isGiftCardPurchase(pi: Pick<Stripe.PaymentIntent, 'metadata'>): boolean {
  return pi.metadata?.kind === GIFT_CARD_KIND && /^\d+$/.test(pi.metadata.gift_card_id ?? '');
}

/**
 * A verified `payment_intent.*` event of a gift card purchase (run once per event id through
 * `firstDelivery`): succeeded → the card becomes usable (for its amount, in CAD only); payment
 * failed or canceled → the pending card is voided. Money received for a card that cannot become
 * usable (voided meanwhile, another amount) is refunded in full (keyed per intent): no money is
 * kept without its card. Returns what happened.
 */
export async function recordGiftCardPaymentEvent(
  db: Db,
  stripe: Stripe | undefined,
  type: string,
  pi: Pick<Stripe.PaymentIntent, 'id' | 'metadata' | 'amount' | 'amount_received' | 'currency'>,
): Promise<'activated' | 'voided' | 'refunded' | 'unchanged'> {
  if (!isGiftCardPurchase(pi)) return 'unchanged';
  const cardId = Number(pi.metadata.gift_card_id);
  if (type === 'payment_intent.succeeded') {
    const received = pi.amount_received || pi.amount;
    if (
      pi.currency === 'cad' &&
      (await activatePaidGiftCard(db, { cardId, paymentIntentId: pi.id, amountCents: received }))
    )
      return 'activated';
    const state = await giftCardPaymentState(db, cardId);
    // Already active by this very intent (an earlier event): nothing to give back.
    if (state?.status === 'active' && state.payment_intent_id === pi.id) return 'unchanged';
    if (!stripe) throw new Error(`gift card ${cardId}: payment ${pi.id} received for an unusable card`);
    // A failure throws: the event is forgotten and Stripe's retry runs this again (same key).
    await stripe.refunds.create(
      { payment_intent: pi.id, metadata: { gift_card_id: String(cardId), reason: 'card_not_usable' } },
      { idempotencyKey: `refund-giftcard-${pi.id}` },
    );
    return 'refunded';
  }
  if (type === 'payment_intent.payment_failed' || type === 'payment_intent.canceled')
    return (await voidUnpaidGiftCard(db, cardId, pi.id)) ? 'voided' : 'unchanged';
  return 'unchanged';
}

/** The ledger entries owing each merchant its share of a gift card payment (written with the redemption). */
export async function recordGiftCardShares(
  db: Db,
  checkoutId: number,
  shares: { merchant_id: number; amount_cents: number; reference: string | null }[],
): Promise<void> {
  await insertLedger(
    db,
    shares
      .filter((s) => s.reference && s.amount_cents > 0)
      .map((s) => ({
        merchant_id: s.merchant_id,
        checkout_id: checkoutId,
        payment_intent_id: s.reference as string,
        kind: 'gift_card' as const,
        amount_cents: s.amount_cents,
        stripe_id: null,
        idempotency_key: `gc-${s.reference}`,
      })),
  );
}

/**
 * A redemption given back (the checkout voided, or the order cancelled: `why`): nothing is owed to
 * the merchant for it any more. Once per reference and reason; a transfer already made is taken
 * back by the next settlement (a reversal).
 */
export async function cancelGiftCardShare(db: Db, ref: string, why: 'void' | 'cancel'): Promise<void> {
  const rows = await findGiftCardLedger(db, ref);
  const owed = rows.filter((r) => r.kind === 'gift_card').reduce((s, r) => s + r.amount_cents, 0);
  const first = rows.find((r) => r.kind === 'gift_card');
  if (!first || owed <= 0) return;
  await insertLedger(db, [
    {
      merchant_id: first.merchant_id,
      checkout_id: first.checkout_id,
      payment_intent_id: ref,
      kind: 'gift_card',
      amount_cents: -owed,
      stripe_id: null,
      idempotency_key: `gc-${why}-${ref}`,
    },
  ]);
}

/** What one gift-card settlement pass did. */
export interface GiftCardSettlement {
  /** Redemptions transferred to their merchant now. */
  transferred: number;
  /** Transfers taken back (their order was cancelled after settlement). */
  reversed: number;
  /** Left pending: the merchant has no connected account able to receive transfers. */
  not_connected: number;
  /** Left pending: Stripe refused or was unreachable (retried at the next run, same keys). */
  failed: number;
}

/**
 * Settles every gift-card redemption whose money is not with its merchant: a transfer of what is
 * owed (idempotency key `gc-transfer-<ref>`: Stripe returns the stored transfer on a retry, never a
 * second one), or a reversal of what was sent for a cancelled order (`gc-reversal-<ref>`). Pages
 * through all of them. Merchants not connected stay pending.
 */
export async function settleGiftCardRedemptions(
  db: Db,
  stripe: Stripe | undefined,
  log?: PaymentLog,
): Promise<GiftCardSettlement> {
  const out: GiftCardSettlement = { transferred: 0, reversed: 0, not_connected: 0, failed: 0 };
  if (!stripe) return out;
  let after = '';
  for (;;) {
    const page = await findUnsettledGiftCardRefs(db, 100, after);
    if (page.length === 0) break;
    after = page[page.length - 1].ref;
    const settings = await findPaymentSettingsOf(db, [...new Set(page.map((r) => r.merchant_id))]);
    const accounts = new Map(
      settings
        .filter((s) => s.stripe_account_id && s.payouts_enabled === 1)
        .map((s) => [s.merchant_id, s.stripe_account_id as string]),
    );
    for (const r of page) {
      const base = { merchant_id: r.merchant_id, checkout_id: r.checkout_id, payment_intent_id: r.ref };
      try {
        if (r.owed_cents > r.sent_cents && r.transfers === 0) {
          const destination = accounts.get(r.merchant_id);
          if (!destination) {
            out.not_connected++;
            continue;
          }
          const key = `gc-transfer-${r.ref}`;
          const amount = r.owed_cents - r.sent_cents;
          const tr = await stripe.transfers.create(
            {
              amount,
              currency: 'cad',
              destination,
              transfer_group: `checkout_${r.checkout_id}`,
              description: 'Gift card redemption',
              metadata: { gift_card_ref: r.ref, merchant_id: String(r.merchant_id) },
            },
            { idempotencyKey: key },
          );
          await insertLedger(db, [
            { ...base, kind: 'transfer', amount_cents: amount, stripe_id: tr.id, idempotency_key: key },
          ]);
          out.transferred++;
        } else if (r.owed_cents < r.sent_cents) {
          const transfer = (await findGiftCardLedger(db, r.ref)).find((l) => l.kind === 'transfer');
          if (!transfer?.stripe_id) continue;
          const key = `gc-reversal-${r.ref}`;
          const amount = r.sent_cents - r.owed_cents;
          const rev = await stripe.transfers.createReversal(
            transfer.stripe_id,
            { amount, metadata: { gift_card_ref: r.ref } },
            { idempotencyKey: key },
          );
          await insertLedger(db, [
            { ...base, kind: 'reversal', amount_cents: amount, stripe_id: rev.id, idempotency_key: key },
          ]);
          out.reversed++;
        }
      } catch (err) {
        out.failed++;
        log?.error(
          { err: err instanceof stripeSdk().errors.StripeError ? err.message : err, ref: r.ref },
          'gift card settlement failed (pending, retried at the next run)',
        );
      }
    }
    if (page.length < 100) break;
  }
  return out;
}

/**
 * Per merchant: what is owed for the gift-card redemptions made in `period` (all when open; net of
 * the orders cancelled since), what was transferred for them to date (transfers − reversals), and
 * what is still pending today; owed = settled + pending, to the cent.
 */
export async function giftCardSettlementStatus(
  db: Db,
  merchantIds?: number[],
  period: SalesPeriod = {},
): Promise<Map<number, { owed_cents: number; settled_cents: number; pending_cents: number }>> {
  const totals = await salesTotals(db, { merchantIds, period, giftCardsOnly: true });
  return new Map(
    [...totals].map(([m, t]) => {
      const owed = t.gift_card.plus - t.gift_card.minus;
      const sent = t.transfer.plus - t.transfer.minus - (t.reversal.plus - t.reversal.minus);
      return [m, { owed_cents: owed, settled_cents: sent, pending_cents: owed - sent }];
    }),
  );
}

/** What one settlement run did (`ran: false`: another process holds the lease). */
export interface SettlementRun {
  ran: boolean;
  /** Card-paid merchant parts whose transfer was retried and is now made. */
  card_transfers: number;
  /** Card authorisations of failed checkouts, created by Stripe after a timeout, now cancelled. */
  voided_intents: number;
  gift_cards: GiftCardSettlement;
}

/**
 * One settlement run: card authorisations of unknown outcome cancelled (unknown-intents.ts), card
 * transfers left pending after a capture, then gift-card redemptions.
 * Only one process runs at a time: the run takes the `settlement` lease (one UPDATE of an expired
 * lease) for `leaseMs`, and gives it back when done; a process that dies frees it at expiry.
 */
export async function runSettlement(
  db: Db,
  stripe: Stripe | undefined,
  config: { feePercent: number },
  opts: { holder?: string; leaseMs?: number; log?: PaymentLog; now?: Date } = {},
): Promise<SettlementRun> {
  const idle = { transferred: 0, reversed: 0, not_connected: 0, failed: 0 };
  if (!stripe) return { ran: false, card_transfers: 0, voided_intents: 0, gift_cards: idle };
  const now = opts.now ?? new Date();
  const holder = opts.holder ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const until = new Date(now.getTime() + (opts.leaseMs ?? 10 * 60_000)).toISOString();
  if (!(await claimRun(db, 'settlement', holder, now.toISOString(), until)))
    return { ran: false, card_transfers: 0, voided_intents: 0, gift_cards: idle };
  try {
    const voided_intents = await voidUnknownIntents(db, stripe, opts.log);
    const card_transfers = await settlePendingTransfers(db, stripe, config, opts.log);
    const gift_cards = await settleGiftCardRedemptions(db, stripe, opts.log);
    return { ran: true, card_transfers, voided_intents, gift_cards };
  } finally {
    await releaseRun(db, 'settlement', holder, new Date().toISOString());
  }
}

/**
 * Runs the settlement every `intervalMs` in this process (a failed run is logged and retried at
 * the next tick; the lease keeps several processes from running it together). Returns a stop
 * function that waits for a run in progress.
 */
export function startSettlementTimer(
  db: Db,
  stripe: Stripe | undefined,
  config: { feePercent: number },
  intervalMs: number,
  log?: PaymentLog,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const timer = setInterval(() => {
    if (running) return;
    running = runSettlement(db, stripe, config, { holder, log, leaseMs: Math.max(intervalMs * 2, 60_000) })
      .catch((err: unknown) => log?.error({ err }, 'settlement run failed (retried at the next tick)'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
