/**
 * SQL of the payments module: `merchant_payment_settings` only (each merchant's Stripe connected
 * account and whether card payment is enabled).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './payments.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The connected Stripe account of each merchant that accepts cards (card enabled, account set). */
export async function findStripeAccounts(db: Db, merchantIds: number[]): Promise<Map<number, string>> {
  if (merchantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('merchant_payment_settings')
    .select(['merchant_id', 'stripe_account_id'])
    .where('merchant_id', 'in', merchantIds)
    .where('card_enabled', '=', 1)
    .execute();
  return new Map(
    rows.filter((r) => r.stripe_account_id).map((r) => [r.merchant_id, r.stripe_account_id as string]),
  );
}

/** Stores a merchant's connected account; card payment is enabled exactly when there is one. */
export async function upsertStripeAccount(
  db: Db,
  merchantId: number,
  accountId: string | null,
): Promise<void> {
  await db
    .insertInto('merchant_payment_settings')
    .values({ merchant_id: merchantId, stripe_account_id: accountId, card_enabled: accountId ? 1 : 0 })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet({
        stripe_account_id: accountId,
        card_enabled: accountId ? 1 : 0,
        updated_at: new Date().toISOString(),
      }),
    )
    .execute();
}
