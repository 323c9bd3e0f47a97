import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** The region this deployment serves; falls back to the Outaouais centre when not configured yet. */
export async function getRegion(db: Kysely<DB>) {
  const row = await db.selectFrom('region_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  return (
    row ?? {
      id: 1,
      slug: 'region',
      name: 'Comptoir',
      tagline_fr: '',
      tagline_en: '',
      welcome_fr: '',
      welcome_en: '',
      center_lat: 45.4765,
      center_lng: -75.7013,
      bounds_json: 'null',
      primary_color: '#1d4f91',
      accent_color: '#b3261e',
      timezone: 'America/Toronto',
      updated_at: new Date(0).toISOString(),
    }
  );
}
export type Region = Awaited<ReturnType<typeof getRegion>>;

/** Region counts shown on the home page. */
export async function regionStats(db: Kysely<DB>) {
  const [m, p] = await Promise.all([
    db
      .selectFrom('merchants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow(),
  ]);
  return { merchants: Number(m.n), products: Number(p.n) };
}

export async function listCategories(db: Kysely<DB>) {
  return db.selectFrom('categories').selectAll().orderBy('position').execute();
}
