import { type Kysely, sql } from 'kysely';

/**
 * Delivery zones per store (towns and/or postal prefixes with a fee and an optional minimum order,
 * plus an optional radius), stored as JSON on the location, and the store's preparation time.
 * A store that delivered "within N km for a fee" keeps doing so: its radius becomes a radius zone
 * with that fee. `delivery_radius_km` / `delivery_fee_cents` stay, kept in step by the module
 * (search reads the radius), and a row written without zones (NULL) still reads them as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('locations').addColumn('delivery_zones_json', 'text').execute();
  await db.schema.alterTable('locations').addColumn('preparation_minutes', 'integer').execute();
  await sql`update locations set delivery_zones_json =
      '{"enabled":true,"radius_km":' || cast(delivery_radius_km as text) ||
      ',"zones":[{"towns":[],"postal_prefixes":[],"fee_cents":' || cast(delivery_fee_cents as text) || '}]}'
    where delivery_radius_km > 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('locations').dropColumn('preparation_minutes').execute();
  await db.schema.alterTable('locations').dropColumn('delivery_zones_json').execute();
}
