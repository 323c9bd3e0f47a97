import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Card authorisations whose creation outcome is unknown (issue 15): the checkout's PaymentIntent
 * create timed out after the request may have reached Stripe, and the checkout failed. The row
 * keeps the create's idempotency key and exact parameters so the settlement run can replay it
 * (Stripe answers a keyed retry with the stored result) and cancel the authorisation it finds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('payment_unknown_intents'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('checkout_id', 'integer', (c) => c.notNull())
    .addColumn('params_json', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // 'unknown' until resolved: 'voided' (an authorisation cancelled), 'none' (nothing held),
    // 'abandoned' (past Stripe's 24-hour key retention: left to the operator, logged).
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('payment_intent_id', 'text')
    .addColumn('created_at', tsType(db), nowDefault(db))
    .addColumn('resolved_at', tsType(db))
    .execute();
  await db.schema
    .createIndex('payment_unknown_intents_state')
    .on('payment_unknown_intents')
    .columns(['state', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payment_unknown_intents').ifExists().execute();
}
