/** Gift card figures for admins: settlement per merchant, float and redemptions, the card list. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { merchantSummaries } from '../merchants/index.ts';
import * as repo from './giftcards.repository.ts';

export type { Period } from './giftcards.repository.ts';

/** Each merchant's gift-card money through Stripe for the same redemptions (payments: `giftCardSettlementStatus`). */
export type SettlementMoney = Map<number, { settled_cents: number; pending_cents: number }>;

/**
 * What each merchant is owed for the gift-card redemptions made in a period (net of the orders
 * cancelled since), the paid part (from the card float) and the bonus part (from the sponsor)
 * shown apart, by merchant name. `merchantIds` restricts the report (association admins see their
 * members only). With `money` (issue 15) computed for the same period, each row also says what
 * was transferred for those redemptions to date and what is still to transfer today.
 */
export async function settlementReport(
  db: Kysely<DB>,
  period: repo.Period = {},
  merchantIds?: number[],
  money?: SettlementMoney,
) {
  const rows = await repo.settlementRows(db, period, merchantIds);
  const merchants = new Map(
    (
      await merchantSummaries(
        db,
        rows.map((r) => r.merchant_id as number),
      )
    ).map((m) => [m.id, m]),
  );
  return rows
    .flatMap((r) => {
      const m = merchants.get(r.merchant_id as number);
      if (!m) return [];
      const paid = Number(r.paid_cents);
      const bonus = Number(r.bonus_cents);
      return [
        {
          merchant_id: m.id,
          slug: m.slug,
          display_name: m.display_name,
          paid_cents: paid,
          bonus_cents: bonus,
          redemptions: Number(r.redemptions),
          total_cents: paid + bonus,
          settled_cents: money?.get(m.id)?.settled_cents ?? 0,
          pending_cents: money?.get(m.id)?.pending_cents ?? 0,
        },
      ];
    })
    .sort((a, b) => (a.display_name < b.display_name ? -1 : a.display_name > b.display_name ? 1 : 0));
}

/** Gift-card float (outstanding balances) and redemptions, optionally for one association's cards. */
export async function giftCardFigures(db: Kysely<DB>, opts: { associationId?: number } & repo.Period = {}) {
  const [c, l] = await Promise.all([repo.cardTotals(db, opts.associationId), repo.redeemedTotal(db, opts)]);
  return {
    cards: Number(c.cards),
    sold_cents: Number(c.sold_cents),
    bonus_issued_cents: Number(c.bonus_issued_cents),
    float_paid_cents: Number(c.float_paid_cents),
    float_bonus_cents: Number(c.float_bonus_cents),
    redeemed_cents: Number(l.redeemed_cents),
  };
}

/** The newest cards (at most `limit`, 200 by default), restricted to these associations' cards when given. */
export async function listCards(db: Kysely<DB>, opts: { associationIds?: number[]; limit?: number } = {}) {
  return repo.listCardRows(db, opts);
}
