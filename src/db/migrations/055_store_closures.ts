import type { Kysely } from 'kysely';

/**
 * Exceptional closures of a store (a holiday, an inventory day): a JSON list of
 * `{"date": "2026-06-24", "label": "Fête nationale"}` on the store's row, read with its opening
 * hours; NULL = none. Pickup slots are not offered on those dates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('locations').addColumn('closures_json', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('locations').dropColumn('closures_json').execute();
}
