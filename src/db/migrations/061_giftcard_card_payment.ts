import type { Kysely } from 'kysely';

/**
 * Gift cards bought online by card (issue 15): the Stripe PaymentIntent that pays a card. The card
 * stays pending until Stripe's signed `payment_intent.succeeded` for this intent arrives; one
 * intent pays one card (unique).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gift_cards').addColumn('payment_intent_id', 'text').execute();
  await db.schema
    .createIndex('gift_cards_payment_intent')
    .on('gift_cards')
    .column('payment_intent_id')
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('gift_cards_payment_intent').ifExists().execute();
  await db.schema.alterTable('gift_cards').dropColumn('payment_intent_id').execute();
}
