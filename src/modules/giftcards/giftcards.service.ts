/**
 * Regional gift card (like APICA's "Achetez Aylmer" cards). Rules, after Québec's Consumer
 * Protection Act (docs/context FACTS): the paid amount never expires and costs no fees; a
 * sponsor-funded bonus is kept apart, with its own stated validity. The code is 16 random
 * characters (80 bits) shown once; only its SHA-256 is stored (./codes.ts).
 *
 * Spending order: the BONUS part is spent first, then the paid part. The bonus is the part that
 * can expire, so spending it first is what serves the card holder; the paid part, which never
 * expires, stays longest. Settlement reports show both parts apart (the sponsor funds the bonus).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { activeMembersAmong, getAssociation } from '../associations/index.ts';
import { merchantSummaries } from '../merchants/index.ts';
import { generateCode, hashCode, normaliseCode, usableBonus, validShape } from './codes.ts';
import * as repo from './giftcards.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Fixed amounts offered on the purchase form; any whole-dollar amount in [MIN, MAX] may be chosen. */
export const FIXED_AMOUNTS_CENTS = [2500, 5000, 10000];
export const MIN_AMOUNT_CENTS = 1000;
export const MAX_AMOUNT_CENTS = 50000;
/** Failed look-ups from one address within the window that lock it out (on top of the HTTP rate limit). */
export const MAX_FAILED_LOOKUPS = 10;
export const FAILED_LOOKUP_WINDOW_MS = 15 * 60 * 1000;

export interface IssueInput {
  paidCents: number;
  /** Sponsor bonus, as a percentage of the paid amount (e.g. 20) or an amount in cents. */
  bonusPercent?: number;
  bonusCents?: number;
  bonusExpiresAt?: string | null;
  sponsor?: string | null;
  associationId?: number | null;
  buyerName?: string | null;
  buyerEmail?: string | null;
  /**
   * 'pending': bought online, to be paid at the association's office (or by card: active once
   * Stripe confirms the payment); 'active': issued by an admin.
   */
  status?: 'pending' | 'active';
}

/** Issues a card; returns its code (the only time it is known in clear). */
export async function issueGiftCard(db: Kysely<DB>, input: IssueInput) {
  const issues = [];
  const paid = input.paidCents;
  if (!Number.isInteger(paid) || paid < MIN_AMOUNT_CENTS || paid > MAX_AMOUNT_CENTS)
    issues.push({
      field: 'amount',
      message: 'giftcard.amount_range',
      params: { min: MIN_AMOUNT_CENTS / 100, max: MAX_AMOUNT_CENTS / 100 },
    });
  let bonus = input.bonusCents ?? 0;
  if (input.bonusPercent !== undefined) {
    if (!Number.isFinite(input.bonusPercent) || input.bonusPercent < 0 || input.bonusPercent > 100)
      issues.push({ field: 'bonus_percent', message: 'giftcard.bonus_invalid' });
    else bonus = Math.round((paid * input.bonusPercent) / 100);
  }
  if (!Number.isInteger(bonus) || bonus < 0)
    issues.push({ field: 'bonus', message: 'giftcard.bonus_invalid' });
  if (bonus > 0 && !input.bonusExpiresAt)
    issues.push({ field: 'bonus_expires_at', message: 'giftcard.bonus_needs_expiry' });
  if (input.bonusExpiresAt && Number.isNaN(Date.parse(input.bonusExpiresAt)))
    issues.push({ field: 'bonus_expires_at', message: 'field.invalid' });
  if (issues.length) throw new ValidationError(issues);
  const code = generateCode();
  const status = input.status ?? 'active';
  return db.transaction().execute(async (trx) => {
    const id = await repo.insertCard(trx, {
      code_hash: hashCode(code),
      code_last4: normaliseCode(code).slice(-4),
      association_id: input.associationId ?? null,
      status,
      paid_cents: paid,
      bonus_cents: bonus,
      paid_balance_cents: paid,
      bonus_balance_cents: bonus,
      bonus_expires_at: bonus > 0 ? new Date(input.bonusExpiresAt as string).toISOString() : null,
      sponsor: input.sponsor ?? null,
      buyer_name: input.buyerName ?? null,
      buyer_email: input.buyerEmail ?? null,
      activated_at: status === 'active' ? new Date().toISOString() : null,
    });
    await repo.insertLedgerRow(trx, {
      card_id: id,
      kind: 'issue',
      paid_delta_cents: paid,
      bonus_delta_cents: bonus,
      merchant_id: null,
      order_ref: null,
      note: status,
    });
    return { id, code, status, paid_cents: paid, bonus_cents: bonus };
  });
}

/** A pending card (bought online, paid at the association's office) becomes usable. */
export async function activateGiftCard(db: Kysely<DB>, cardId: number, associationIds?: number[]) {
  return db.transaction().execute(async (trx) => {
    if (!(await repo.activatePendingCard(trx, cardId, associationIds)))
      throw new AppError('not_found', 'error.not_found');
    await repo.insertLedgerRow(trx, {
      card_id: cardId,
      kind: 'activate',
      paid_delta_cents: 0,
      bonus_delta_cents: 0,
      merchant_id: null,
      order_ref: null,
      note: null,
    });
  });
}

/** Records the Stripe PaymentIntent paying a pending card bought online by card. */
export async function attachPaymentIntent(db: Kysely<DB>, cardId: number, paymentIntentId: string) {
  await repo.setCardPaymentIntent(db, cardId, paymentIntentId);
}

/**
 * A pending card bought online by card becomes usable: Stripe confirmed its PaymentIntent
 * (`payment_intent.succeeded`) for the card's amount. Idempotent: false when the card is not
 * pending any more (already active, voided) or the intent does not pay it.
 */
export async function activatePaidGiftCard(
  db: Kysely<DB>,
  p: { cardId: number; paymentIntentId: string; amountCents: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await repo.activateCardPaidBy(trx, p))) return false;
    await repo.insertLedgerRow(trx, {
      card_id: p.cardId,
      kind: 'activate',
      paid_delta_cents: 0,
      bonus_delta_cents: 0,
      merchant_id: null,
      order_ref: null,
      note: `card ${p.paymentIntentId}`,
    });
    return true;
  });
}

/**
 * A pending card whose card payment failed or was cancelled is voided (its balances emptied, a
 * `cancel` ledger row). Only a pending card, paid by this intent when given; false otherwise.
 */
export async function voidUnpaidGiftCard(
  db: Kysely<DB>,
  cardId: number,
  paymentIntentId?: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const card = await repo.findCardById(trx, cardId);
    if (!card || !(await repo.cancelPendingCard(trx, cardId, paymentIntentId))) return false;
    await repo.insertLedgerRow(trx, {
      card_id: cardId,
      kind: 'cancel',
      paid_delta_cents: -card.paid_balance_cents,
      bonus_delta_cents: -card.bonus_balance_cents,
      merchant_id: null,
      order_ref: null,
      note: paymentIntentId ? `card ${paymentIntentId} not paid` : 'card not paid',
    });
    return true;
  });
}

/** A card's status and the PaymentIntent recorded on it (undefined: no such card). */
export async function giftCardPaymentState(db: Db, cardId: number) {
  const card = await repo.findCardById(db, cardId);
  return card ? { status: card.status, payment_intent_id: card.payment_intent_id } : undefined;
}

/** A card by its code as typed (undefined for a code that cannot exist or is unknown). */
export async function findCardByCode(db: Db, code: string) {
  if (!validShape(code)) return undefined;
  return repo.findCardByHash(db, hashCode(code));
}
export type GiftCard = NonNullable<Awaited<ReturnType<typeof findCardByCode>>>;

/** Logs a failed look-up and refuses addresses that failed too often (brute force). */
export async function recordFailedLookup(db: Kysely<DB>, ip: string, code: string, context: string) {
  await repo.insertAttempt(db, { ip, code_prefix: normaliseCode(code).slice(0, 4), context });
}

export async function tooManyFailures(db: Kysely<DB>, ip: string, now = new Date()) {
  const since = new Date(now.getTime() - FAILED_LOOKUP_WINDOW_MS).toISOString();
  return (await repo.countAttemptsSince(db, ip, since)) >= MAX_FAILED_LOOKUPS;
}

/** Balance look-up for the card holder: throttled per address, every failure logged. */
export async function checkBalance(db: Kysely<DB>, code: string, ip: string, now = new Date()) {
  if (await tooManyFailures(db, ip, now)) throw new AppError('rate_limited', 'giftcard.too_many_attempts');
  const card = await findCardByCode(db, code);
  if (!card || card.status === 'cancelled') {
    await recordFailedLookup(db, ip, code, 'balance');
    throw new AppError('not_found', 'giftcard.unknown');
  }
  const [ledger, association] = await Promise.all([
    cardLedger(db, card.id),
    card.association_id ? getAssociation(db, card.association_id) : undefined,
  ]);
  return {
    id: card.id,
    last4: card.code_last4,
    status: card.status,
    paid_cents: card.paid_cents,
    bonus_cents: card.bonus_cents,
    paid_balance_cents: card.paid_balance_cents,
    bonus_balance_cents: usableBonus(card, now),
    bonus_expires_at: card.bonus_expires_at,
    bonus_expired: card.bonus_cents > 0 && usableBonus(card, now) === 0,
    sponsor: card.sponsor,
    association: association ? { slug: association.slug, name: association.name } : null,
    ledger,
  };
}

/** A card's ledger, oldest first, with the merchant's name on redemptions and refunds. */
export async function cardLedger(db: Db, cardId: number) {
  const rows = await repo.ledgerOf(db, cardId);
  const ids = rows.flatMap((r) => (r.merchant_id === null ? [] : [r.merchant_id]));
  const names = new Map((await merchantSummaries(db, ids)).map((m) => [m.id, m.display_name]));
  return rows.map(({ merchant_id, ...r }) => ({
    ...r,
    merchant_name: merchant_id === null ? null : (names.get(merchant_id) ?? null),
  }));
}

/**
 * THE acceptance rule: the merchants (among `among`, or all) where a card of this association
 * (null: a region-wide card) can be spent: enrolled to accept the card, approved, and, for an
 * association's card, an active member of that association. Sorted by name.
 */
export async function acceptingMerchants(db: Db, associationId: number | null, among?: number[]) {
  const enrolled = await repo.participantIds(db, among);
  const approved = (await merchantSummaries(db, enrolled)).filter((m) => m.status === 'approved');
  const members =
    associationId === null
      ? undefined
      : await activeMembersAmong(
          db,
          associationId,
          approved.map((m) => m.id),
        );
  return approved
    .filter((m) => !members || members.has(m.id))
    .sort((a, b) => (a.display_name < b.display_name ? -1 : a.display_name > b.display_name ? 1 : 0));
}

/** Is the merchant one where this card can be spent? (see `acceptingMerchants`). */
export async function acceptsCard(db: Db, card: { association_id: number | null }, merchantId: number) {
  return (await acceptingMerchants(db, card.association_id, [merchantId])).length > 0;
}

/** Where a card of this association (null: region-wide) is accepted, for the public page: `slug, display_name`. */
export async function participatingMerchants(db: Db, associationId: number | null) {
  return (await acceptingMerchants(db, associationId)).map((m) => ({
    slug: m.slug,
    display_name: m.display_name,
  }));
}

/** Ids of every merchant enrolled to accept the card (whatever its status or memberships). */
export async function enrolledMerchantIds(db: Db): Promise<number[]> {
  return repo.participantIds(db);
}

/** Merchants accepting the card (enrolment by a region or association admin). */
export async function setParticipation(db: Kysely<DB>, merchantId: number, accepts: boolean) {
  if (accepts) await repo.addParticipant(db, merchantId);
  else await repo.removeParticipant(db, merchantId);
}
