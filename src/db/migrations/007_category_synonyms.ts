import type { Kysely } from 'kysely';

/**
 * Category synonyms the region admin types ("Dépanneur", "Alimentation" for Épicerie), matched by
 * product imports. They live in `category_aliases` next to the old slugs of merged categories:
 * `label` is the text as typed, `folded` its normalised form (lower case, no accents, punctuation as
 * spaces) that imports compare against, unique across categories. Slug aliases keep both null.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('category_aliases').addColumn('label', 'text').execute();
  await db.schema.alterTable('category_aliases').addColumn('folded', 'text').execute();
  await db.schema
    .createIndex('category_aliases_folded')
    .on('category_aliases')
    .column('folded')
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('category_aliases_folded').execute();
  await db.schema.alterTable('category_aliases').dropColumn('folded').execute();
  await db.schema.alterTable('category_aliases').dropColumn('label').execute();
}
