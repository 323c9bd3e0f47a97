/**
 * SQL of the payments module: `merchant_payment_settings` (each merchant's Stripe connected account
 * and its status), `stripe_events` (webhook events already processed), `payment_ledger` (money
 * per merchant through Stripe), `payment_runs` (leases) and `payment_unknown_intents` (card
 * authorisations whose creation outcome is unknown).
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './payments.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The connected Stripe account of each merchant, whatever its status (transfers, refunds). */
export async function findStripeAccounts(db: Db, merchantIds: number[]): Promise<Map<number, string>> {
  const rows = await findPaymentSettingsOf(db, merchantIds);
  return new Map(
    rows.filter((r) => r.stripe_account_id).map((r) => [r.merchant_id, r.stripe_account_id as string]),
  );
}

/** One merchant's payment settings row, if any. */
export function findPaymentSettings(db: Db, merchantId: number) {
  return db
    .selectFrom('merchant_payment_settings')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/** The payment settings of several merchants (the operator's list, their accounts). */
export async function findPaymentSettingsOf(db: Db, merchantIds: number[]) {
  if (merchantIds.length === 0) return [];
  return db
    .selectFrom('merchant_payment_settings')
    .selectAll()
    .where('merchant_id', 'in', merchantIds)
    .execute();
}

/** A connected account's status, as Stripe reports it. */
export interface AccountFlags {
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
}

/** The status columns of `merchant_payment_settings` for these flags. */
const flagColumns = (s: AccountFlags) => ({
  charges_enabled: s.charges_enabled ? 1 : 0,
  payouts_enabled: s.payouts_enabled ? 1 : 0,
  details_submitted: s.details_submitted ? 1 : 0,
});

/** Stores a merchant's connected account and its status; card payment is enabled with it. */
export async function upsertStripeAccount(
  db: Db,
  merchantId: number,
  accountId: string,
  status: AccountFlags,
): Promise<void> {
  const row = { stripe_account_id: accountId, card_enabled: 1, ...flagColumns(status) };
  await db
    .insertInto('merchant_payment_settings')
    .values({ merchant_id: merchantId, ...row })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet({ ...row, updated_at: new Date().toISOString() }),
    )
    .execute();
}

/**
 * Applies an account's status as of `at` (Unix seconds of the event or the read): only when no
 * newer status was applied (an older event arriving late changes nothing). Returns rows changed.
 */
export async function applyAccountStatus(
  db: Db,
  accountId: string,
  status: AccountFlags,
  at: number,
): Promise<number> {
  const r = await db
    .updateTable('merchant_payment_settings')
    .set({ ...flagColumns(status), stripe_status_at: at, updated_at: new Date().toISOString() })
    .where('stripe_account_id', '=', accountId)
    .where((eb) => eb.or([eb('stripe_status_at', 'is', null), eb('stripe_status_at', '<=', at)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Records a webhook event id; false when it was already recorded (a replay). */
export async function recordStripeEvent(db: Db, id: string, type: string): Promise<boolean> {
  const r = await db
    .insertInto('stripe_events')
    .values({ id, type })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** One ledger entry to add (its idempotency key makes a second write of the same entry a no-op). */
export type LedgerEntry = Omit<Selectable<DB['payment_ledger']>, 'id' | 'created_at' | 'fee_bps'> & {
  /** On a charge: the platform fee rate applied (basis points), kept for statements and later transfers. */
  fee_bps?: number | null;
};

/** Adds ledger entries; an entry whose key is already there is skipped. */
export async function insertLedger(db: Db, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('payment_ledger')
    .values(entries)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}

/** The ledger entries of one merchant's part of a PaymentIntent. */
export function findLedger(db: Db, paymentIntentId: string, merchantId: number) {
  return db
    .selectFrom('payment_ledger')
    .select(['kind', 'amount_cents', 'stripe_id', 'checkout_id', 'idempotency_key', 'fee_bps'])
    .where('payment_intent_id', '=', paymentIntentId)
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
}

/** A period of sales: ISO 8601 instants, `from` included, `to` excluded; either may be open. */
export interface SalesPeriod {
  from?: string;
  to?: string;
}

/**
 * The sales (one merchant's part of a card PaymentIntent, or one gift-card redemption reference)
 * and when each was made: its first `charge` or `gift_card` entry. Every later entry of the sale
 * (refund, fee, transfer, reversal, cancellation) belongs to the sale's period, so a period's
 * figures always add up (a transfer made after the period closed still counts for its sale).
 */
function salesOf(db: Db, merchantIds: number[] | undefined) {
  let q = db
    .selectFrom('payment_ledger')
    .select((eb) => [
      'payment_intent_id',
      'merchant_id',
      eb.fn.min('created_at').as('made_at'),
      sql<number>`max(case when kind = 'gift_card' then 1 else 0 end)`.as('gift'),
    ])
    .where('kind', 'in', ['charge', 'gift_card'])
    .groupBy(['payment_intent_id', 'merchant_id']);
  if (merchantIds) q = q.where('merchant_id', 'in', merchantIds.length ? merchantIds : [-1]);
  return q.as('s');
}

/** Sums per kind of one merchant's sales: positive and negative amounts apart. */
export type KindTotals = Record<LedgerEntry['kind'], { plus: number; minus: number }>;

/**
 * Per merchant, the ledger totals per kind of the sales made in `period` (all when open), with
 * every later entry of those sales whenever it was written; `giftCardsOnly` keeps gift-card
 * redemptions only. Negative amounts (a redemption given back, a fee returned) are summed apart.
 */
export async function salesTotals(
  db: Db,
  opts: { merchantIds?: number[]; period?: SalesPeriod; giftCardsOnly?: boolean } = {},
): Promise<Map<number, KindTotals>> {
  let q = db
    .selectFrom('payment_ledger as l')
    .innerJoin(salesOf(db, opts.merchantIds), (j) =>
      j.onRef('s.payment_intent_id', '=', 'l.payment_intent_id').onRef('s.merchant_id', '=', 'l.merchant_id'),
    )
    .select([
      'l.merchant_id',
      'l.kind',
      sql<number | string>`sum(case when l.amount_cents > 0 then l.amount_cents else 0 end)`.as('plus'),
      sql<number | string>`sum(case when l.amount_cents < 0 then -l.amount_cents else 0 end)`.as('minus'),
    ])
    .groupBy(['l.merchant_id', 'l.kind']);
  if (opts.period?.from) q = q.where('s.made_at', '>=', opts.period.from);
  if (opts.period?.to) q = q.where('s.made_at', '<', opts.period.to);
  if (opts.giftCardsOnly) q = q.where('s.gift', '=', 1);
  const out = new Map<number, KindTotals>();
  for (const r of await q.execute()) {
    let t = out.get(r.merchant_id);
    if (!t) {
      const zero = () => ({ plus: 0, minus: 0 });
      t = {
        charge: zero(),
        refund: zero(),
        transfer: zero(),
        reversal: zero(),
        fee: zero(),
        gift_card: zero(),
      };
      out.set(r.merchant_id, t);
    }
    t[r.kind] = { plus: Number(r.plus ?? 0), minus: Number(r.minus ?? 0) };
  }
  return out;
}

/** One merchant's ledger, newest first (statement lines); only the sales made in `period` when given. */
export function listLedger(db: Db, merchantId: number, limit = 200, period: SalesPeriod = {}) {
  let q = db
    .selectFrom('payment_ledger as l')
    .innerJoin(salesOf(db, [merchantId]), (j) =>
      j.onRef('s.payment_intent_id', '=', 'l.payment_intent_id').onRef('s.merchant_id', '=', 'l.merchant_id'),
    )
    .select([
      'l.checkout_id',
      'l.payment_intent_id',
      'l.kind',
      'l.amount_cents',
      'l.stripe_id',
      'l.created_at',
      'l.fee_bps',
    ])
    .where('l.merchant_id', '=', merchantId);
  if (period.from) q = q.where('s.made_at', '>=', period.from);
  if (period.to) q = q.where('s.made_at', '<', period.to);
  return q.orderBy('l.id', 'desc').limit(limit).execute();
}

/**
 * Captured merchant parts with no transfer yet and not refunded (a transfer that failed), a page
 * of `limit` after the ledger row `afterId` (the settlement pages through them all).
 */
export function findUntransferredCharges(db: Db, limit = 100, afterId = 0) {
  return db
    .selectFrom('payment_ledger as c')
    .select([
      'c.id',
      'c.merchant_id',
      'c.checkout_id',
      'c.payment_intent_id',
      'c.amount_cents',
      'c.stripe_id',
    ])
    .where('c.kind', '=', 'charge')
    .where('c.id', '>', afterId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('payment_ledger as t')
            .select('t.id')
            .whereRef('t.payment_intent_id', '=', 'c.payment_intent_id')
            .whereRef('t.merchant_id', '=', 'c.merchant_id')
            .where('t.kind', 'in', ['transfer', 'refund']),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

/** Forgets a recorded event id (its processing failed: Stripe's retry must run it again). */
export async function deleteStripeEvent(db: Db, id: string): Promise<void> {
  await db.deleteFrom('stripe_events').where('id', '=', id).execute();
}

/**
 * Gift-card redemption references whose money is not settled with their merchant: what is owed
 * (`gift_card` entries) differs from what was sent (transfers − reversals). A page of `limit`
 * after the reference `after` (text order), oldest reference first.
 */
export async function findUnsettledGiftCardRefs(db: Db, limit = 100, after = '') {
  const rows = await db
    .selectFrom('payment_ledger')
    .select((eb) => [
      'payment_intent_id as ref',
      'merchant_id',
      eb.fn.min('checkout_id').as('checkout_id'),
      sql<number | string>`sum(case when kind = 'gift_card' then amount_cents else 0 end)`.as('owed'),
      sql<
        number | string
      >`sum(case when kind = 'transfer' then amount_cents when kind = 'reversal' then -amount_cents else 0 end)`.as(
        'sent',
      ),
      sql<number | string>`sum(case when kind = 'gift_card' then 1 else 0 end)`.as('n'),
      sql<number | string>`sum(case when kind = 'transfer' then 1 else 0 end)`.as('transfers'),
    ])
    .where('kind', 'in', ['gift_card', 'transfer', 'reversal'])
    .where('payment_intent_id', '>', after)
    .groupBy(['payment_intent_id', 'merchant_id'])
    .having(sql<boolean>`sum(case when kind = 'gift_card' then 1 else 0 end) > 0`)
    .having(
      sql<boolean>`sum(case when kind = 'gift_card' then amount_cents else 0 end) <> sum(case when kind = 'transfer' then amount_cents when kind = 'reversal' then -amount_cents else 0 end)`,
    )
    .orderBy('payment_intent_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ref: r.ref,
    merchant_id: r.merchant_id,
    checkout_id: Number(r.checkout_id),
    owed_cents: Number(r.owed),
    sent_cents: Number(r.sent),
    transfers: Number(r.transfers),
  }));
}

/** The ledger entries of one gift-card redemption reference. */
export function findGiftCardLedger(db: Db, ref: string) {
  return db
    .selectFrom('payment_ledger')
    .select(['merchant_id', 'checkout_id', 'kind', 'amount_cents', 'stripe_id', 'idempotency_key'])
    .where('payment_intent_id', '=', ref)
    .where('kind', 'in', ['gift_card', 'transfer', 'reversal'])
    .orderBy('id')
    .execute();
}

/**
 * Takes the lease of the run `name` until `until` (ISO 8601) when no other holder has it (its
 * lease expired): one UPDATE, so two processes never both win. True when taken.
 */
export async function claimRun(db: Db, name: string, holder: string, now: string, until: string) {
  await db
    .insertInto('payment_runs')
    .values({ name, holder: null, lease_until: new Date(0).toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const r = await db
    .updateTable('payment_runs')
    .set({ holder, lease_until: until })
    .where('name', '=', name)
    .where('lease_until', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives the lease back (the run finished), recording when it ran. */
export async function releaseRun(db: Db, name: string, holder: string, now: string) {
  await db
    .updateTable('payment_runs')
    .set({ holder: null, lease_until: now, last_run_at: now })
    .where('name', '=', name)
    .where('holder', '=', holder)
    .execute();
}

/**
 * Records a card authorisation whose creation outcome is unknown (its create's key and exact
 * parameters); a second record of the same key changes nothing.
 */
export async function insertUnknownIntent(
  db: Db,
  row: { idempotency_key: string; checkout_id: number; params_json: string },
) {
  await db
    .insertInto('payment_unknown_intents')
    .values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}

/** Unknown authorisations still to resolve, oldest first, after id `afterId`. */
export function findUnknownIntents(db: Db, limit: number, afterId = 0) {
  return db
    .selectFrom('payment_unknown_intents')
    .selectAll()
    .where('state', '=', 'unknown')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** An unknown authorisation by its create's key (tests, the inline attempt). */
export function findUnknownIntent(db: Db, key: string) {
  return db
    .selectFrom('payment_unknown_intents')
    .selectAll()
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/** Ends an unknown authorisation ('voided', 'none', 'abandoned'), once. */
export async function resolveUnknownIntentRow(
  db: Db,
  id: number,
  state: 'voided' | 'none' | 'abandoned',
  paymentIntentId: string | null,
  now: string,
) {
  await db
    .updateTable('payment_unknown_intents')
    .set({ state, payment_intent_id: paymentIntentId, resolved_at: now })
    .where('id', '=', id)
    .where('state', '=', 'unknown')
    .execute();
}

/** One more failed attempt to resolve an unknown authorisation (Stripe still slow or unreachable). */
export async function countUnknownIntentAttempt(db: Db, id: number) {
  await db
    .updateTable('payment_unknown_intents')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('id', '=', id)
    .execute();
}
