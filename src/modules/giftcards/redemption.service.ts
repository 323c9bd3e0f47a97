/**
 * Spending a gift card and giving back what an order took. Both run inside the caller's
 * transaction (the checkout's, or an order cancellation's).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { usableBonus } from './codes.ts';
import * as repo from './giftcards.repository.ts';
import { acceptsCard, findCardByCode } from './giftcards.service.ts';

type Db = Kysely<DB> | Transaction<DB>;

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
      if (await repo.findRedemption(trx, card.id, input.orderRef))
        throw new AppError('conflict', 'giftcard.already_redeemed');
    }
    const bonusAvail = usableBonus(card, now);
    const total = bonusAvail + card.paid_balance_cents;
    if (total < input.amountCents)
      throw new AppError('payment_failed', 'giftcard.insufficient', {
        details: { balance_cents: total },
      });
    const bonusUsed = Math.min(bonusAvail, input.amountCents);
    const paidUsed = input.amountCents - bonusUsed;
    const debited = await repo.debitCard(trx, {
      id: card.id,
      version: card.version,
      bonus_balance_cents: card.bonus_balance_cents - bonusUsed,
      paid_balance_cents: card.paid_balance_cents - paidUsed,
    });
    if (!debited) continue; // someone spent from the card meanwhile: read again
    try {
      await repo.insertLedgerRow(trx, {
        card_id: card.id,
        kind: 'redeem',
        paid_delta_cents: -paidUsed,
        bonus_delta_cents: -bonusUsed,
        merchant_id: input.merchantId,
        order_ref: input.orderRef,
        note: null,
      });
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
    const cards = await repo.cardIdsRedeemedFor(trx, input.orderRef);
    if (cards.length === 1) cardId = cards[0];
    else if (cards.length > 1) throw new AppError('conflict', 'giftcard.no_redemption');
    else throw new AppError('not_found', 'giftcard.no_redemption');
  }
  if (cardId === undefined) throw new AppError('not_found', 'giftcard.unknown');
  const red = await repo.findRedemption(trx, cardId, input.orderRef);
  if (!red) throw new AppError('not_found', 'giftcard.no_redemption');
  const paidBack = -red.paid_delta_cents;
  const bonusBack = -red.bonus_delta_cents;
  try {
    await repo.insertLedgerRow(trx, {
      card_id: cardId,
      kind: 'refund',
      paid_delta_cents: paidBack,
      bonus_delta_cents: bonusBack,
      merchant_id: red.merchant_id,
      order_ref: input.orderRef,
      note: null,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'giftcard.already_refunded');
    throw err;
  }
  await repo.creditCard(trx, cardId, paidBack, bonusBack);
  return { card_id: cardId, paid_cents: paidBack, bonus_cents: bonusBack };
}

/**
 * Cancellation step: gives back what a card paid for this order reference, if a card paid it
 * (no redemption: nothing to do, undefined). Run it in the cancellation's transaction.
 */
export async function refundRedemptionOf(trx: Db, orderRef: string) {
  const [cardId] = await repo.cardIdsRedeemedFor(trx, orderRef);
  if (cardId === undefined) return undefined;
  return refundGiftCard(trx, { orderRef, cardId });
}
