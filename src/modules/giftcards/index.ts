import { createHash, randomInt } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import './giftcards.tables.ts';

/**
 * Regional gift card (like APICA's "Achetez Aylmer" cards). Rules, after Québec's Consumer
 * Protection Act (docs/context FACTS): the paid amount never expires and costs no fees; a
 * sponsor-funded bonus is kept apart, with its own stated validity. The code is 16 random
 * characters (80 bits) shown once; only its SHA-256 is stored.
 *
 * Spending order: the BONUS part is spent first, then the paid part. The bonus is the part that
 * can expire, so spending it first is what serves the card holder; the paid part, which never
 * expires, stays longest. Settlement reports show both parts apart (the sponsor funds the bonus).
 */

/** Crockford base32 without I, L, O, U: no confusable characters when read aloud or typed. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 16;
/** Fixed amounts offered on the purchase form; any whole-dollar amount in [MIN, MAX] may be chosen. */
export const FIXED_AMOUNTS_CENTS = [2500, 5000, 10000];
export const MIN_AMOUNT_CENTS = 1000;
export const MAX_AMOUNT_CENTS = 50000;
/** Failed look-ups from one address within the window that lock it out (on top of the HTTP rate limit). */
export const MAX_FAILED_LOOKUPS = 10;
export const FAILED_LOOKUP_WINDOW_MS = 15 * 60 * 1000;

export function generateCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s.replace(/(.{4})(?=.)/g, '$1-');
}

/** Accepts lower case, spaces and dashes, and the usual confusions (O→0, I/L→1). */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export const hashCode = (code: string) =>
  createHash('sha256')
    .update(`comptoir-gift-card:${normaliseCode(code)}`)
    .digest('hex');

const validShape = (code: string) =>
  normaliseCode(code).length === CODE_LENGTH && [...normaliseCode(code)].every((c) => ALPHABET.includes(c));

type Db = Kysely<DB> | Transaction<DB>;

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
  /** 'pending': bought online, to be paid at the association's office; 'active': issued by an admin. */
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
    const card = await trx
      .insertInto('gift_cards')
      .values({
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
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('gift_card_ledger')
      .values({
        card_id: card.id,
        kind: 'issue',
        paid_delta_cents: paid,
        bonus_delta_cents: bonus,
        merchant_id: null,
        order_ref: null,
        note: status,
      })
      .execute();
    return { id: card.id, code, status, paid_cents: paid, bonus_cents: bonus };
  });
}

/** A pending card (bought online, paid at the association's office) becomes usable. */
export async function activateGiftCard(db: Kysely<DB>, cardId: number, associationIds?: number[]) {
  return db.transaction().execute(async (trx) => {
    let q = trx
      .updateTable('gift_cards')
      .set({ status: 'active', activated_at: new Date().toISOString() })
      .where('id', '=', cardId)
      .where('status', '=', 'pending');
    if (associationIds) q = q.where('association_id', 'in', associationIds.length ? associationIds : [-1]);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('not_found', 'error.not_found');
    await trx
      .insertInto('gift_card_ledger')
      .values({
        card_id: cardId,
        kind: 'activate',
        paid_delta_cents: 0,
        bonus_delta_cents: 0,
        merchant_id: null,
        order_ref: null,
        note: null,
      })
      .execute();
  });
}

export type GiftCard = NonNullable<Awaited<ReturnType<typeof findCardByCode>>>;

async function findCardByCode(db: Db, code: string) {
  if (!validShape(code)) return undefined;
  return db.selectFrom('gift_cards').selectAll().where('code_hash', '=', hashCode(code)).executeTakeFirst();
}

/** The bonus still usable at `now` (0 once its stated validity has passed). */
export function usableBonus(
  card: { bonus_balance_cents: number; bonus_expires_at: string | null },
  now = new Date(),
) {
  if (!card.bonus_expires_at || new Date(card.bonus_expires_at).getTime() <= now.getTime()) return 0;
  return card.bonus_balance_cents;
}

/** Logs a failed look-up and refuses addresses that failed too often (brute force). */
export async function recordFailedLookup(db: Kysely<DB>, ip: string, code: string, context: string) {
  await db
    .insertInto('gift_card_attempts')
    .values({ ip, code_prefix: normaliseCode(code).slice(0, 4), context })
    .execute();
}

export async function tooManyFailures(db: Kysely<DB>, ip: string, now = new Date()) {
  const since = new Date(now.getTime() - FAILED_LOOKUP_WINDOW_MS).toISOString();
  const r = await db
    .selectFrom('gift_card_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ip', '=', ip)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n) >= MAX_FAILED_LOOKUPS;
}

/** Balance look-up for the card holder: throttled per address, every failure logged. */
export async function checkBalance(db: Kysely<DB>, code: string, ip: string, now = new Date()) {
  if (await tooManyFailures(db, ip, now)) throw new AppError('rate_limited', 'giftcard.too_many_attempts');
  const card = await findCardByCode(db, code);
  if (!card || card.status === 'cancelled') {
    await recordFailedLookup(db, ip, code, 'balance');
    throw new AppError('not_found', 'giftcard.unknown');
  }
  const ledger = await cardLedger(db, card.id);
  const association = card.association_id
    ? await db
        .selectFrom('associations')
        .select(['slug', 'name'])
        .where('id', '=', card.association_id)
        .executeTakeFirst()
    : undefined;
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
    association: association ?? null,
    ledger,
  };
}

export async function cardLedger(db: Db, cardId: number) {
  return db
    .selectFrom('gift_card_ledger as l')
    .leftJoin('merchants as m', 'm.id', 'l.merchant_id')
    .select([
      'l.id',
      'l.kind',
      'l.paid_delta_cents',
      'l.bonus_delta_cents',
      'l.order_ref',
      'l.created_at',
      'm.display_name as merchant_name',
    ])
    .where('l.card_id', '=', cardId)
    .orderBy('l.id')
    .execute();
}

/** Is the merchant one where this card can be spent? Approved, accepting the card, and in the card's association. */
export async function acceptsCard(db: Db, card: { association_id: number | null }, merchantId: number) {
  let q = db
    .selectFrom('gift_card_merchants as g')
    .innerJoin('merchants as m', 'm.id', 'g.merchant_id')
    .select('m.id')
    .where('g.merchant_id', '=', merchantId)
    .where('m.status', '=', 'approved');
  if (card.association_id !== null) {
    const aid = card.association_id;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('association_members as am')
          .select('am.merchant_id')
          .whereRef('am.merchant_id', '=', 'm.id')
          .where('am.association_id', '=', aid)
          .where('am.status', '=', 'active'),
      ),
    );
  }
  return (await q.executeTakeFirst()) !== undefined;
}

export interface RedeemInput {
  code: string;
  merchantId: number;
  amountCents: number;
  /** The order (or checkout line) paid; one redemption per card and order. */
  orderRef: string;
  now?: Date;
}

export interface Redemption {
  card_id: number;
  bonus_cents: number;
  paid_cents: number;
  balance_after_cents: number;
}

/**
 * Debits a card inside the caller's transaction (the checkout's). Atomic under concurrency: the
 * debit is a conditional UPDATE on the row version read just before; a concurrent debit makes it
 * match nothing and the read is retried, so two checkouts can never spend the same balance (the
 * CHECK constraints paid/bonus_balance >= 0 are the last guard). Refuses unknown, inactive cards,
 * non-participating merchants, insufficient balance, non-positive amounts and a second redemption
 * for the same order.
 */
export async function redeemGiftCard(trx: Db, input: RedeemInput): Promise<Redemption> {
  const now = input.now ?? new Date();
  if (!Number.isInteger(input.amountCents) || input.amountCents <= 0)
    throw new ValidationError([{ field: 'amount_cents', message: 'giftcard.amount_positive' }]);
  if (!input.orderRef) throw new ValidationError([{ field: 'order_ref', message: 'field.required' }]);
  for (let attempt = 0; attempt < 20; attempt++) {
    const card = await findCardByCode(trx, input.code);
    if (!card || card.status === 'cancelled') throw new AppError('payment_failed', 'giftcard.unknown');
    if (card.status !== 'active') throw new AppError('payment_failed', 'giftcard.not_active');
    if (attempt === 0) {
      if (!(await acceptsCard(trx, card, input.merchantId)))
        throw new AppError('payment_failed', 'giftcard.merchant_not_participating');
      const dup = await trx
        .selectFrom('gift_card_ledger')
        .select('id')
        .where('card_id', '=', card.id)
        .where('kind', '=', 'redeem')
        .where('order_ref', '=', input.orderRef)
        .executeTakeFirst();
      if (dup) throw new AppError('conflict', 'giftcard.already_redeemed');
    }
    const bonusAvail = usableBonus(card, now);
    const total = bonusAvail + card.paid_balance_cents;
    if (total < input.amountCents)
      throw new AppError('payment_failed', 'giftcard.insufficient', {
        details: { balance_cents: total },
      });
    const bonusUsed = Math.min(bonusAvail, input.amountCents);
    const paidUsed = input.amountCents - bonusUsed;
    const r = await trx
      .updateTable('gift_cards')
      .set({
        bonus_balance_cents: card.bonus_balance_cents - bonusUsed,
        paid_balance_cents: card.paid_balance_cents - paidUsed,
        version: card.version + 1,
      })
      .where('id', '=', card.id)
      .where('version', '=', card.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) continue; // someone spent from the card meanwhile: read again
    try {
      await trx
        .insertInto('gift_card_ledger')
        .values({
          card_id: card.id,
          kind: 'redeem',
          paid_delta_cents: -paidUsed,
          bonus_delta_cents: -bonusUsed,
          merchant_id: input.merchantId,
          order_ref: input.orderRef,
          note: null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'giftcard.already_redeemed');
      throw err;
    }
    return {
      card_id: card.id,
      bonus_cents: bonusUsed,
      paid_cents: paidUsed,
      balance_after_cents: total - input.amountCents,
    };
  }
  throw new AppError('conflict', 'giftcard.busy');
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errcode?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

/**
 * Gives back what a redemption took (order cancelled), to the same parts it came from; once per
 * order. A bonus given back after its validity has passed stays unusable (it expired). With only
 * `orderRef` (an order cancelled later), the card is found from the redemption's ledger row.
 */
export async function refundGiftCard(trx: Db, input: { orderRef: string; cardId?: number; code?: string }) {
  let cardId = input.cardId;
  if (cardId === undefined && input.code) cardId = (await findCardByCode(trx, input.code))?.id;
  if (cardId === undefined && !input.code) {
    // Order cancelled by the merchant: the order knows its payment reference, not the card's code.
    const reds = await trx
      .selectFrom('gift_card_ledger')
      .select('card_id')
      .where('kind', '=', 'redeem')
      .where('order_ref', '=', input.orderRef)
      .execute();
    if (reds.length === 1) cardId = reds[0].card_id;
    else if (reds.length > 1) throw new AppError('conflict', 'giftcard.no_redemption');
    else throw new AppError('not_found', 'giftcard.no_redemption');
  }
  if (cardId === undefined) throw new AppError('not_found', 'giftcard.unknown');
  const red = await trx
    .selectFrom('gift_card_ledger')
    .selectAll()
    .where('card_id', '=', cardId)
    .where('kind', '=', 'redeem')
    .where('order_ref', '=', input.orderRef)
    .executeTakeFirst();
  if (!red) throw new AppError('not_found', 'giftcard.no_redemption');
  const paidBack = -red.paid_delta_cents;
  const bonusBack = -red.bonus_delta_cents;
  try {
    await trx
      .insertInto('gift_card_ledger')
      .values({
        card_id: cardId,
        kind: 'refund',
        paid_delta_cents: paidBack,
        bonus_delta_cents: bonusBack,
        merchant_id: red.merchant_id,
        order_ref: input.orderRef,
        note: null,
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'giftcard.already_refunded');
    throw err;
  }
  await trx
    .updateTable('gift_cards')
    .set((eb) => ({
      paid_balance_cents: eb('paid_balance_cents', '+', paidBack),
      bonus_balance_cents: eb('bonus_balance_cents', '+', bonusBack),
      version: eb('version', '+', 1),
    }))
    .where('id', '=', cardId)
    .execute();
  return { card_id: cardId, paid_cents: paidBack, bonus_cents: bonusBack };
}

/** Merchants accepting the card (enrolment by a region or association admin). */
export async function setParticipation(db: Kysely<DB>, merchantId: number, accepts: boolean) {
  if (accepts)
    await db
      .insertInto('gift_card_merchants')
      .values({ merchant_id: merchantId })
      .onConflict((oc) => oc.column('merchant_id').doNothing())
      .execute();
  else await db.deleteFrom('gift_card_merchants').where('merchant_id', '=', merchantId).execute();
}

export interface Period {
  from?: string;
  to?: string;
}

/**
 * What each merchant is owed for gift-card redemptions in a period (redemptions net of refunds),
 * the paid part (from the card float) and the bonus part (from the sponsor) shown apart.
 * `merchantIds` restricts the report (association admins see their members only).
 */
export async function settlementReport(db: Kysely<DB>, period: Period = {}, merchantIds?: number[]) {
  let q = db
    .selectFrom('gift_card_ledger as l')
    .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
    .select(['m.id as merchant_id', 'm.slug', 'm.display_name'])
    .select((eb) => [
      sql<number>`coalesce(sum(-l.paid_delta_cents), 0)`.as('paid_cents'),
      sql<number>`coalesce(sum(-l.bonus_delta_cents), 0)`.as('bonus_cents'),
      eb.fn.count<number>('l.id').filterWhere('l.kind', '=', 'redeem').as('redemptions'),
    ])
    .where('l.kind', 'in', ['redeem', 'refund'])
    .groupBy(['m.id', 'm.slug', 'm.display_name'])
    .orderBy('m.display_name');
  if (period.from) q = q.where('l.created_at', '>=', period.from);
  if (period.to) q = q.where('l.created_at', '<', period.to);
  if (merchantIds) q = q.where('m.id', 'in', merchantIds.length ? merchantIds : [-1]);
  const rows = await q.execute();
  return rows.map((r) => ({
    ...r,
    paid_cents: Number(r.paid_cents),
    bonus_cents: Number(r.bonus_cents),
    redemptions: Number(r.redemptions),
    total_cents: Number(r.paid_cents) + Number(r.bonus_cents),
  }));
}

/** Gift-card float (outstanding balances) and redemptions, optionally for one association's cards. */
export async function giftCardFigures(db: Kysely<DB>, opts: { associationId?: number } & Period = {}) {
  let cards = db
    .selectFrom('gift_cards')
    .select([
      sql<number>`coalesce(sum(paid_cents), 0)`.as('sold_cents'),
      sql<number>`coalesce(sum(bonus_cents), 0)`.as('bonus_issued_cents'),
      sql<number>`coalesce(sum(paid_balance_cents), 0)`.as('float_paid_cents'),
      sql<number>`coalesce(sum(bonus_balance_cents), 0)`.as('float_bonus_cents'),
      sql<number>`count(*)`.as('cards'),
    ])
    .where('status', '=', 'active');
  if (opts.associationId !== undefined) cards = cards.where('association_id', '=', opts.associationId);
  let led = db
    .selectFrom('gift_card_ledger as l')
    .innerJoin('gift_cards as c', 'c.id', 'l.card_id')
    .select([sql<number>`coalesce(sum(-l.paid_delta_cents - l.bonus_delta_cents), 0)`.as('redeemed_cents')])
    .where('l.kind', 'in', ['redeem', 'refund']);
  if (opts.associationId !== undefined) led = led.where('c.association_id', '=', opts.associationId);
  if (opts.from) led = led.where('l.created_at', '>=', opts.from);
  if (opts.to) led = led.where('l.created_at', '<', opts.to);
  const [c, l] = await Promise.all([cards.executeTakeFirstOrThrow(), led.executeTakeFirstOrThrow()]);
  return {
    cards: Number(c.cards),
    sold_cents: Number(c.sold_cents),
    bonus_issued_cents: Number(c.bonus_issued_cents),
    float_paid_cents: Number(c.float_paid_cents),
    float_bonus_cents: Number(c.float_bonus_cents),
    redeemed_cents: Number(l.redeemed_cents),
  };
}

export async function listCards(db: Kysely<DB>, opts: { associationIds?: number[]; limit?: number } = {}) {
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
