/**
 * SQL of the giftcards module: `gift_cards`, `gift_card_ledger`, `gift_card_merchants` and
 * `gift_card_attempts` only. Merchant names and statuses, and association memberships, come from
 * their owners' public APIs (the services).
 */
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './giftcards.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

export interface Period {
  from?: string;
  to?: string;
}

/** Stores a new card; returns its id. */
export async function insertCard(db: Db, values: Insertable<DB['gift_cards']>): Promise<number> {
  const row = await db.insertInto('gift_cards').values(values).returning(['id']).executeTakeFirstOrThrow();
  return row.id;
}

/** Appends one ledger row (issue, activate, redeem, refund). */
export async function insertLedgerRow(db: Db, values: Insertable<DB['gift_card_ledger']>): Promise<void> {
  await db.insertInto('gift_card_ledger').values(values).execute();
}

/** Activates a pending card (restricted to these associations' cards when given); returns whether one was. */
export async function activatePendingCard(
  db: Db,
  cardId: number,
  associationIds?: number[],
): Promise<boolean> {
  let q = db
    .updateTable('gift_cards')
    .set({ status: 'active', activated_at: new Date().toISOString() })
    .where('id', '=', cardId)
    .where('status', '=', 'pending');
  if (associationIds) q = q.where('association_id', 'in', associationIds.length ? associationIds : [-1]);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A card by the hash of its code. */
export function findCardByHash(db: Db, codeHash: string) {
  return db.selectFrom('gift_cards').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Debits a card if its row is still at `version`; returns whether it was (false: spent from meanwhile). */
export async function debitCard(
  db: Db,
  card: { id: number; version: number; bonus_balance_cents: number; paid_balance_cents: number },
): Promise<boolean> {
  const r = await db
    .updateTable('gift_cards')
    .set({
      bonus_balance_cents: card.bonus_balance_cents,
      paid_balance_cents: card.paid_balance_cents,
      version: card.version + 1,
    })
    .where('id', '=', card.id)
    .where('version', '=', card.version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives amounts back to a card's parts (a refund). */
export async function creditCard(
  db: Db,
  cardId: number,
  paidCents: number,
  bonusCents: number,
): Promise<void> {
  await db
    .updateTable('gift_cards')
    .set((eb) => ({
      paid_balance_cents: eb('paid_balance_cents', '+', paidCents),
      bonus_balance_cents: eb('bonus_balance_cents', '+', bonusCents),
      version: eb('version', '+', 1),
    }))
    .where('id', '=', cardId)
    .execute();
}

/** Logs one failed look-up (only the code's first 4 characters are kept). */
export async function insertAttempt(db: Db, values: { ip: string; code_prefix: string; context: string }) {
  await db.insertInto('gift_card_attempts').values(values).execute();
}

/** Failed look-ups from this address since `since` (ISO 8601). */
export async function countAttemptsSince(db: Db, ip: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('gift_card_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ip', '=', ip)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A card's ledger, oldest first. */
export function ledgerOf(db: Db, cardId: number) {
  return db
    .selectFrom('gift_card_ledger')
    .select(['id', 'kind', 'paid_delta_cents', 'bonus_delta_cents', 'order_ref', 'created_at', 'merchant_id'])
    .where('card_id', '=', cardId)
    .orderBy('id')
    .execute();
}

/** The redemption of a card for an order reference, if any. */
export function findRedemption(db: Db, cardId: number, orderRef: string) {
  return db
    .selectFrom('gift_card_ledger')
    .selectAll()
    .where('card_id', '=', cardId)
    .where('kind', '=', 'redeem')
    .where('order_ref', '=', orderRef)
    .executeTakeFirst();
}

/** The cards redeemed for an order reference (normally one). */
export async function cardIdsRedeemedFor(db: Db, orderRef: string): Promise<number[]> {
  const rows = await db
    .selectFrom('gift_card_ledger')
    .select('card_id')
    .where('kind', '=', 'redeem')
    .where('order_ref', '=', orderRef)
    .execute();
  return rows.map((r) => r.card_id);
}

/** Ids of the merchants enrolled to accept the card (restricted to `among` when given). */
export async function participantIds(db: Db, among?: number[]): Promise<number[]> {
  if (among && among.length === 0) return [];
  let q = db.selectFrom('gift_card_merchants').select('merchant_id');
  if (among) q = q.where('merchant_id', 'in', [...new Set(among)]);
  return (await q.execute()).map((r) => r.merchant_id);
}

export async function addParticipant(db: Db, merchantId: number): Promise<void> {
  await db
    .insertInto('gift_card_merchants')
    .values({ merchant_id: merchantId })
    .onConflict((oc) => oc.column('merchant_id').doNothing())
    .execute();
}

export async function removeParticipant(db: Db, merchantId: number): Promise<void> {
  await db.deleteFrom('gift_card_merchants').where('merchant_id', '=', merchantId).execute();
}

/**
 * Per merchant, the redemptions made in a period net of their refunds (whenever an order was
 * cancelled: the refund belongs to its redemption's period, as its transfer does), paid and bonus
 * parts apart.
 */
export async function settlementRows(db: Db, period: Period, merchantIds?: number[]) {
  let redeemed = db
    .selectFrom('gift_card_ledger as r')
    .select(['r.card_id', 'r.order_ref'])
    .where('r.kind', '=', 'redeem');
  if (period.from) redeemed = redeemed.where('r.created_at', '>=', period.from);
  if (period.to) redeemed = redeemed.where('r.created_at', '<', period.to);
  let q = db
    .selectFrom('gift_card_ledger as l')
    .innerJoin(redeemed.as('r'), (j) =>
      j.onRef('r.card_id', '=', 'l.card_id').onRef('r.order_ref', '=', 'l.order_ref'),
    )
    .select(['l.merchant_id'])
    .select((eb) => [
      sql<number>`coalesce(sum(-l.paid_delta_cents), 0)`.as('paid_cents'),
      sql<number>`coalesce(sum(-l.bonus_delta_cents), 0)`.as('bonus_cents'),
      eb.fn.count<number>('l.id').filterWhere('l.kind', '=', 'redeem').as('redemptions'),
    ])
    .where('l.kind', 'in', ['redeem', 'refund'])
    .where('l.merchant_id', 'is not', null)
    .groupBy('l.merchant_id');
  if (merchantIds) q = q.where('l.merchant_id', 'in', merchantIds.length ? merchantIds : [-1]);
  return q.execute();
}

/** Sold, bonus issued and outstanding balances of active cards (one association's when given). */
export function cardTotals(db: Db, associationId?: number) {
  let q = db
    .selectFrom('gift_cards')
    .select([
      sql<number>`coalesce(sum(paid_cents), 0)`.as('sold_cents'),
      sql<number>`coalesce(sum(bonus_cents), 0)`.as('bonus_issued_cents'),
      sql<number>`coalesce(sum(paid_balance_cents), 0)`.as('float_paid_cents'),
      sql<number>`coalesce(sum(bonus_balance_cents), 0)`.as('float_bonus_cents'),
      sql<number>`count(*)`.as('cards'),
    ])
    .where('status', '=', 'active');
  if (associationId !== undefined) q = q.where('association_id', '=', associationId);
  return q.executeTakeFirstOrThrow();
}

/** Amount redeemed net of refunds in a period (one association's cards when given). */
export function redeemedTotal(db: Db, opts: { associationId?: number } & Period) {
  let q = db
    .selectFrom('gift_card_ledger as l')
    .innerJoin('gift_cards as c', 'c.id', 'l.card_id')
    .select([sql<number>`coalesce(sum(-l.paid_delta_cents - l.bonus_delta_cents), 0)`.as('redeemed_cents')])
    .where('l.kind', 'in', ['redeem', 'refund']);
  if (opts.associationId !== undefined) q = q.where('c.association_id', '=', opts.associationId);
  if (opts.from) q = q.where('l.created_at', '>=', opts.from);
  if (opts.to) q = q.where('l.created_at', '<', opts.to);
  return q.executeTakeFirstOrThrow();
}

/** The newest cards (restricted to these associations' cards when given). */
export function listCardRows(db: Db, opts: { associationIds?: number[]; limit?: number } = {}) {
  let q = db
    .selectFrom('gift_cards')
    .select([
      'id',
      'code_last4',
      'association_id',
      'status',
      'paid_cents',
      'bonus_cents',
      'paid_balance_cents',
      'bonus_balance_cents',
      'bonus_expires_at',
      'buyer_name',
      'buyer_email',
      'created_at',
    ])
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 200);
  if (opts.associationIds)
    q = q.where('association_id', 'in', opts.associationIds.length ? opts.associationIds : [-1]);
  return q.execute();
}

/** Records the PaymentIntent paying a pending card (bought online by card). */
export async function setCardPaymentIntent(db: Db, cardId: number, paymentIntentId: string): Promise<void> {
  await db
    .updateTable('gift_cards')
    .set({ payment_intent_id: paymentIntentId })
    .where('id', '=', cardId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Activates a pending card paid by this PaymentIntent: only for the amount the card was bought for,
 * and only if no other intent was recorded for it. Returns whether one was activated.
 */
export async function activateCardPaidBy(
  db: Db,
  p: { cardId: number; paymentIntentId: string; amountCents: number },
): Promise<boolean> {
  const r = await db
    .updateTable('gift_cards')
    .set({ status: 'active', activated_at: new Date().toISOString(), payment_intent_id: p.paymentIntentId })
    .where('id', '=', p.cardId)
    .where('status', '=', 'pending')
    .where('paid_cents', '=', p.amountCents)
    .where((eb) =>
      eb.or([eb('payment_intent_id', 'is', null), eb('payment_intent_id', '=', p.paymentIntentId)]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Voids a pending card whose payment failed (nothing is left on it). Only a card still pending,
 * and, when given, paid by this intent. Returns the amounts it held when voided.
 */
export async function cancelPendingCard(db: Db, cardId: number, paymentIntentId?: string) {
  let q = db
    .updateTable('gift_cards')
    .set({ status: 'cancelled', paid_balance_cents: 0, bonus_balance_cents: 0 })
    .where('id', '=', cardId)
    .where('status', '=', 'pending');
  if (paymentIntentId)
    q = q.where((eb) =>
      eb.or([eb('payment_intent_id', 'is', null), eb('payment_intent_id', '=', paymentIntentId)]),
    );
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A card by id (status, amounts, buyer). */
export function findCardById(db: Db, cardId: number) {
  return db.selectFrom('gift_cards').selectAll().where('id', '=', cardId).executeTakeFirst();
}
