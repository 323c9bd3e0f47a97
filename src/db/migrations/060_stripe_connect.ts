import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Card payments through Stripe Connect (docs/decisions/0007): each merchant's connected account
 * status (kept current by `account.updated`), the Stripe events already processed (replays change
 * nothing), and the money ledger per merchant (charges, refunds, transfers, reversals, platform fee).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);
  await db.schema
    .alterTable('merchant_payment_settings')
    .addColumn('charges_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('merchant_payment_settings')
    .addColumn('payouts_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('merchant_payment_settings')
    .addColumn('details_submitted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The `created` time of the newest account event applied: an older event arriving late is ignored.
  await db.schema.alterTable('merchant_payment_settings').addColumn('stripe_status_at', 'integer').execute();
  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('received_at', ts, now)
    .execute();
  await withId(db, db.schema.createTable('payment_ledger'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('checkout_id', 'integer', (c) => c.notNull())
    .addColumn('payment_intent_id', 'text', (c) => c.notNull())
    // charge | refund | transfer | reversal | fee (a refunded fee is a negative fee)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('stripe_id', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema
    .createIndex('payment_ledger_merchant')
    .on('payment_ledger')
    .columns(['merchant_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('payment_ledger_intent')
    .on('payment_ledger')
    .columns(['payment_intent_id', 'merchant_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payment_ledger').ifExists().execute();
  await db.schema.dropTable('stripe_events').ifExists().execute();
  for (const c of ['stripe_status_at', 'details_submitted', 'payouts_enabled', 'charges_enabled'])
    await db.schema.alterTable('merchant_payment_settings').dropColumn(c).execute();
}
