import { type Kysely, sql } from 'kysely';

/**
 * A merchant's default store: stock rows (POS sync, imports) without `location_code` go there,
 * so adding a second store never breaks an integration that never sent codes. At most one
 * default per merchant (partial unique index); the oldest store becomes the default of merchants
 * that already have stores. When no store is flagged, readers fall back to the oldest one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('locations')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_default in (0, 1)`))
    .execute();
  await sql`update locations set is_default = 1
    where id in (select min(id) from locations group by merchant_id)`.execute(db);
  await db.schema
    .createIndex('locations_one_default')
    .on('locations')
    .column('merchant_id')
    .unique()
    .where(sql.ref('is_default'), '=', 1)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('locations_one_default').ifExists().execute();
  await db.schema.alterTable('locations').dropColumn('is_default').execute();
}
