import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { dialectOf, tsType } from './helpers.ts';

/**
 * Pickup slots and gift cards paying part of an order.
 *
 * - locations.pickup_slot_minutes: length of a pickup window (the slots are cut from the store's
 *   opening ranges, in the region's time zone); pickup_days_ahead: how many days are offered.
 *   (The preparation time, locations.preparation_minutes, comes from migration 039.)
 * - orders.pickup_slot_at: the chosen slot's start, UTC; null for a delivery or an order placed
 *   before slots existed.
 * - orders.gift_card_cents: the part of the order's total paid by gift card (0..total); the rest
 *   (total − gift_card_cents) is due by `remainder_method` (in_store or card).
 *   gift_card_balance_after_cents: what the card still held once this checkout was paid.
 *
 * No index on pickup_slot_at: today's pickups of a merchant read through orders_merchant_status
 * (merchant, status in placed/accepted/ready), a small set.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = tsType(db);
  await db.schema
    .alterTable('locations')
    .addColumn('pickup_slot_minutes', 'integer', (c) =>
      c.notNull().defaultTo(30).check(sql`pickup_slot_minutes between 5 and 240`),
    )
    .execute();
  await db.schema
    .alterTable('locations')
    .addColumn('pickup_days_ahead', 'integer', (c) =>
      c.notNull().defaultTo(7).check(sql`pickup_days_ahead between 1 and 30`),
    )
    .execute();
  await db.schema.alterTable('orders').addColumn('pickup_slot_at', ts).execute();
  await db.schema
    .alterTable('orders')
    .addColumn('gift_card_cents', 'integer', (c) => {
      const col = c.notNull().defaultTo(0);
      // SQLite accepts a column CHECK naming another column; PostgreSQL takes it as a table constraint.
      return pg ? col : col.check(sql`gift_card_cents >= 0 and gift_card_cents <= total_cents`);
    })
    .execute();
  if (pg)
    await sql`alter table orders add constraint orders_gift_card_range check (gift_card_cents >= 0 and gift_card_cents <= total_cents)`.execute(
      db,
    );
  await db.schema.alterTable('orders').addColumn('gift_card_balance_after_cents', 'integer').execute();
  await db.schema.alterTable('orders').addColumn('remainder_method', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) === 'postgres')
    await sql`alter table orders drop constraint if exists orders_gift_card_range`.execute(db);
  for (const c of ['remainder_method', 'gift_card_balance_after_cents', 'gift_card_cents', 'pickup_slot_at'])
    await db.schema.alterTable('orders').dropColumn(c).execute();
  for (const c of ['pickup_days_ahead', 'pickup_slot_minutes'])
    await db.schema.alterTable('locations').dropColumn(c).execute();
}
