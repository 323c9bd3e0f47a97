import type { Kysely, Selectable } from 'kysely';
import type { DB, RegionSettingsTable } from '../../db/schema.ts';
import './region.tables.ts';

export type RegionRow = Selectable<RegionSettingsTable>;

/** The single settings row (id 1), or undefined on a database nobody has configured yet. */
export function readRegionRow(db: Kysely<DB>): Promise<RegionRow | undefined> {
  return db.selectFrom('region_settings').selectAll().where('id', '=', 1).executeTakeFirst();
}

type RegionWrite = Omit<RegionRow, 'id' | 'updated_at'>;

/** Inserts or replaces the settings row in one statement (both databases support ON CONFLICT). */
export async function writeRegionRow(db: Kysely<DB>, values: RegionWrite): Promise<void> {
  const updated_at = new Date().toISOString();
  await db
    .insertInto('region_settings')
    .values({ id: 1, ...values, updated_at })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at }))
    .execute();
}
