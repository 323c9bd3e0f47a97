import type { Kysely } from 'kysely';
import { realType } from './helpers.ts';

/**
 * Region settings an operator sets with `comptoir region set` or /fr/admin/region (region module):
 * English name, default search radius, logo, contact and legal pages. The row stays optional: with
 * no row the region module serves neutral defaults, so a fresh database still renders every page.
 */
const TEXT_COLUMNS = [
  'name_en',
  'logo_path',
  'contact_email',
  'contact_phone',
  'contact_address',
  'terms_fr',
  'terms_en',
  'privacy_fr',
  'privacy_en',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of TEXT_COLUMNS) {
    await db.schema
      .alterTable('region_settings')
      .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  }
  await db.schema
    .alterTable('region_settings')
    .addColumn('default_radius_km', realType(db), (c) => c.notNull().defaultTo(25))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [...TEXT_COLUMNS, 'default_radius_km']) {
    await db.schema.alterTable('region_settings').dropColumn(column).execute();
  }
}
