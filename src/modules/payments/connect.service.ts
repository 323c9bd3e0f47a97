/**
 * Stripe Connect for merchants (docs/decisions/0007): onboarding through a Stripe-hosted Account
 * Link, the account's status kept current by `account.updated` events (replays and late events
 * change nothing), card readiness per merchant, and each merchant's statement from the ledger.
 */
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import {
  type AccountFlags,
  applyAccountStatus,
  deleteStripeEvent,
  findPaymentSettings,
  findPaymentSettingsOf,
  listLedger,
  recordStripeEvent,
  type SalesPeriod,
  salesTotals,
  upsertStripeAccount,
} from './payments.repository.ts';

/** A merchant's card payment status as shown to it and to the operator. */
export interface ConnectStatus extends AccountFlags {
  connected: boolean;
  account_id: string | null;
}

const statusOf = (row: Awaited<ReturnType<typeof findPaymentSettings>>): ConnectStatus => ({
  connected: Boolean(row?.stripe_account_id),
  account_id: row?.stripe_account_id ?? null,
  charges_enabled: row?.charges_enabled === 1 && row.card_enabled === 1,
  payouts_enabled: row?.payouts_enabled === 1,
  details_submitted: row?.details_submitted === 1,
});

const flagsOf = (a: Pick<Stripe.Account, keyof AccountFlags>): AccountFlags => ({
  charges_enabled: Boolean(a.charges_enabled),
  payouts_enabled: Boolean(a.payouts_enabled),
  details_submitted: Boolean(a.details_submitted),
});

/** One merchant's Stripe status. */
export async function connectStatus(db: Kysely<DB>, merchantId: number): Promise<ConnectStatus> {
  return statusOf(await findPaymentSettings(db, merchantId));
}

/** The Stripe status of several merchants (the operator's list), by merchant id. */
export async function connectStatuses(
  db: Kysely<DB>,
  merchantIds: number[],
): Promise<Map<number, ConnectStatus>> {
  const rows = await findPaymentSettingsOf(db, merchantIds);
  const out = new Map<number, ConnectStatus>();
  for (const id of merchantIds) out.set(id, statusOf(rows.find((r) => r.merchant_id === id)));
  return out;
}

/** Which of these merchants can take a card payment now (connected, charges enabled). */
export async function cardReadiness(db: Kysely<DB>, merchantIds: number[]): Promise<Map<number, boolean>> {
  const s = await connectStatuses(db, merchantIds);
  return new Map([...s].map(([id, v]) => [id, v.charges_enabled]));
}

/**
 * Starts (or resumes) a merchant's Stripe onboarding: creates its Express connected account once
 * (country CA, keyed per merchant so a double click creates one account), then an Account Link to
 * Stripe's hosted onboarding. Returns the link's URL to redirect to.
 */
export async function startOnboarding(
  db: Kysely<DB>,
  stripe: Stripe | undefined,
  merchantId: number,
  opts: { email?: string | null; refreshUrl: string; returnUrl: string },
): Promise<string> {
  if (!stripe) throw new AppError('payment_method_unavailable', 'stripe.not_configured');
  let accountId = (await findPaymentSettings(db, merchantId))?.stripe_account_id ?? null;
  if (!accountId) {
    const account = await stripe.accounts.create(
      {
        type: 'express',
        country: 'CA',
        default_currency: 'cad',
        ...(opts.email ? { email: opts.email } : {}),
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        metadata: { merchant_id: String(merchantId) },
      },
      { idempotencyKey: `connect-account-m${merchantId}` },
    );
    accountId = account.id;
    await upsertStripeAccount(db, merchantId, accountId, flagsOf(account));
  }
  const link = await stripe.accountLinks.create({
    account: accountId,
    refresh_url: opts.refreshUrl,
    return_url: opts.returnUrl,
    type: 'account_onboarding',
  });
  return link.url;
}

/**
 * Reads a merchant's account from Stripe and stores its status (the return page: the webhook may
 * not have arrived yet). Returns the status; unchanged when the merchant has no account.
 */
export async function refreshAccountStatus(
  db: Kysely<DB>,
  stripe: Stripe | undefined,
  merchantId: number,
): Promise<ConnectStatus> {
  const row = await findPaymentSettings(db, merchantId);
  if (stripe && row?.stripe_account_id) {
    const account = await stripe.accounts.retrieve(row.stripe_account_id);
    await applyAccountStatus(db, account.id, flagsOf(account), Math.floor(Date.now() / 1000));
  }
  return connectStatus(db, merchantId);
}

/**
 * A verified Connect event: `account.updated` stores the account's charges/payouts flags. The
 * event id is recorded in the same transaction, so a replayed event changes nothing; an event
 * older than the status already stored (out of order) is ignored. Returns what happened.
 */
export async function handleConnectEvent(
  db: Kysely<DB>,
  event: Pick<Stripe.Event, 'id' | 'type' | 'created' | 'data'>,
): Promise<'duplicate' | 'applied' | 'stale' | 'ignored'> {
  return db.transaction().execute(async (trx) => {
    if (!(await recordStripeEvent(trx, event.id, event.type))) return 'duplicate';
    if (event.type !== 'account.updated') return 'ignored';
    const account = event.data.object as Stripe.Account;
    const n = await applyAccountStatus(trx, account.id, flagsOf(account), event.created);
    return n > 0 ? 'applied' : 'stale';
  });
}

/**
 * Runs `handle` for a platform webhook event the first time its id is seen; a replay runs nothing.
 * If `handle` fails the id is forgotten, so Stripe's retry runs it again. Returns whether it ran.
 */
export async function firstDelivery(
  db: Kysely<DB>,
  eventId: string,
  type: string,
  handle: () => Promise<unknown>,
): Promise<boolean> {
  if (!(await recordStripeEvent(db, eventId, type))) return false;
  try {
    await handle();
  } catch (err) {
    await deleteStripeEvent(db, eventId);
    throw err;
  }
  return true;
}

/**
 * A merchant's statement: totals per kind, net transferred, pending, lines. With a period, every
 * figure is about the sales made in it (card orders captured, gift-card redemptions), whatever
 * happened to them since: their refunds, fee, transfers, and what is still pending today.
 */
export interface Statement {
  /** The period of sales (ISO 8601, `to` excluded); open ends are all time. */
  period: SalesPeriod;
  /** Captured by card. */
  charged_cents: number;
  /** Given back to card holders (cancelled orders). */
  refunded_cents: number;
  /** Transfers minus reversals: what the merchant's Stripe account received. */
  transferred_cents: number;
  /** Platform fee kept (net of fees given back on refunds). */
  platform_fee_cents: number;
  /** Owed for gift-card redemptions (net of cancelled orders), paid by the same transfers. */
  gift_card_cents: number;
  /** Redeemed by gift card (before cancellations). */
  gift_card_redeemed_cents: number;
  /** Gift-card redemptions given back (orders cancelled). */
  gift_card_returned_cents: number;
  /**
   * Still to transfer today for these sales: captured or redeemed, not refunded, not transferred
   * (a transfer that failed and awaits a retry, or a merchant not connected yet).
   */
  pending_cents: number;
  lines: Awaited<ReturnType<typeof listLedger>>;
}

/**
 * One merchant's statement, for the sales of `period` (all time by default), to the cent:
 * (charged + gift cards redeemed) − (refunded + gift cards given back) − platform fee
 * = transferred + pending.
 */
export async function merchantStatement(
  db: Kysely<DB>,
  merchantId: number,
  period: SalesPeriod = {},
): Promise<Statement> {
  const t = (await salesTotals(db, { merchantIds: [merchantId], period })).get(merchantId);
  const net = (k: keyof NonNullable<typeof t>) => (t ? t[k].plus - t[k].minus : 0);
  const transferred = net('transfer') - net('reversal');
  const gift = net('gift_card');
  return {
    period,
    charged_cents: net('charge'),
    refunded_cents: net('refund'),
    transferred_cents: transferred,
    platform_fee_cents: net('fee'),
    gift_card_cents: gift,
    gift_card_redeemed_cents: t?.gift_card.plus ?? 0,
    gift_card_returned_cents: t?.gift_card.minus ?? 0,
    pending_cents: net('charge') + gift - net('refund') - transferred - net('fee'),
    lines: await listLedger(db, merchantId, 200, period),
  };
}
