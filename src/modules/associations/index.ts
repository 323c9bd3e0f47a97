import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** Local merchant associations (APICA in Aylmer, ...) with their member counts. */
export async function listAssociations(db: Kysely<DB>) {
  return db
    .selectFrom('associations as a')
    .leftJoin('association_members as am', 'am.association_id', 'a.id')
    .leftJoin('merchants as m', (j) => j.onRef('m.id', '=', 'am.merchant_id').on('m.status', '=', 'approved'))
    .select([
      'a.id',
      'a.slug',
      'a.name',
      'a.short_name',
      'a.description_fr',
      'a.description_en',
      'a.primary_color',
      'a.accent_color',
      'a.logo_url',
    ])
    .select((eb) => eb.fn.count<number>('m.id').as('member_count'))
    .groupBy([
      'a.id',
      'a.slug',
      'a.name',
      'a.short_name',
      'a.description_fr',
      'a.description_en',
      'a.primary_color',
      'a.accent_color',
      'a.logo_url',
    ])
    .orderBy('a.name')
    .execute();
}

export async function getAssociationBySlug(db: Kysely<DB>, slug: string) {
  return db.selectFrom('associations').selectAll().where('slug', '=', slug).executeTakeFirst();
}
