/**
 * A gift card paying part of a checkout. Order of application (documented in docs/ARCHITECTURE.md):
 * the card's whole usable balance (bonus first, then the paid part, as redeemGiftCard does) goes to
 * the checkout's merchant orders in the cart's order (merchants by name), each order taking
 * min(balance left, its total); merchants that do not accept the card are skipped and paid entirely
 * by the other method. What the card does not cover is due by the customer's other method.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { hashCode, usableBonus } from './codes.ts';
import { findCardByHash } from './giftcards.repository.ts';
import { acceptsCard } from './giftcards.service.ts';
import { redeemGiftCard } from './redemption.service.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The checkout body's field that carries the card's code. */
export const GIFT_CARD_FIELD = 'payment.code';

export interface GiftShare {
  merchant_id: number;
  /** Paid by the card for this merchant's order (0 when the card does not cover it). */
  amount_cents: number;
  reference: string | null;
}

/** The card of a code as typed (hashCode normalises it; no shape check: an unknown code is simply absent). */
const cardOf = (db: Db, code: string) => findCardByHash(db, hashCode(code));

/**
 * Read-only check before anything is reserved: a card that exists and is active but holds nothing
 * usable is a field error at `payment.code` (422). Unknown and inactive cards are left to the
 * redemption (its own refusal, unchanged).
 */
export async function checkGiftCardUsable(db: Db, code: string, now = new Date()): Promise<void> {
  const card = await cardOf(db, code);
  if (card?.status === 'active' && usableBonus(card, now) + card.paid_balance_cents <= 0)
    throw new ValidationError([{ field: GIFT_CARD_FIELD, message: 'giftcard.empty' }], { status: 422 });
}

/**
 * Debits the card across the parts inside the caller's transaction (see the module comment for
 * the order). Returns each merchant's share and the card's balance afterwards. Refuses (nothing
 * debited): a card with no balance (field error), no participating merchant at all.
 */
export async function redeemAcross(
  trx: Db,
  input: {
    code: string;
    parts: { merchant_id: number; total_cents: number }[];
    refFor: (merchantId: number) => string;
    now?: Date;
  },
): Promise<{ shares: GiftShare[]; balance_after_cents: number }> {
  const now = input.now ?? new Date();
  const card = await cardOf(trx, input.code);
  if (!card || card.status === 'cancelled') throw new AppError('payment_failed', 'giftcard.unknown');
  if (card.status !== 'active') throw new AppError('payment_failed', 'giftcard.not_active');
  let left = usableBonus(card, now) + card.paid_balance_cents;
  if (left <= 0)
    throw new ValidationError([{ field: GIFT_CARD_FIELD, message: 'giftcard.empty' }], { status: 422 });
  const shares: GiftShare[] = [];
  let accepted = 0;
  for (const p of input.parts) {
    const ok = p.total_cents > 0 && (await acceptsCard(trx, card, p.merchant_id));
    if (ok) accepted++;
    const amount = ok ? Math.min(left, p.total_cents) : 0;
    if (amount > 0) {
      const ref = input.refFor(p.merchant_id);
      // redeemGiftCard re-reads the card and debits it conditionally (never overspends); when a
      // concurrent checkout spent from it meanwhile, take what is left instead (refused before any write).
      let want = amount;
      let r: Awaited<ReturnType<typeof redeemGiftCard>> | undefined;
      for (let attempt = 0; !r && want > 0 && attempt < 5; attempt++) {
        try {
          r = await redeemGiftCard(trx, {
            code: input.code,
            merchantId: p.merchant_id,
            amountCents: want,
            orderRef: ref,
            now,
          });
        } catch (err) {
          if (!(err instanceof AppError && err.messageKey === 'giftcard.insufficient')) throw err;
          want = Math.min(want, Number(err.details?.balance_cents ?? 0));
        }
      }
      left = r ? r.balance_after_cents : 0;
      shares.push(
        r
          ? { merchant_id: p.merchant_id, amount_cents: want, reference: ref }
          : { merchant_id: p.merchant_id, amount_cents: 0, reference: null },
      );
    } else shares.push({ merchant_id: p.merchant_id, amount_cents: 0, reference: null });
  }
  if (accepted === 0 && input.parts.some((p) => p.total_cents > 0))
    throw new AppError('payment_failed', 'giftcard.merchant_not_participating');
  // Spent by concurrent checkouts before any share could be taken: the card holds nothing now.
  if (!shares.some((s) => s.amount_cents > 0))
    throw new ValidationError([{ field: GIFT_CARD_FIELD, message: 'giftcard.empty' }], { status: 422 });
  return { shares, balance_after_cents: left };
}
