import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Search index (module src/modules/search). Both databases index the same JS-normalised terms
 * (see src/modules/search/normalize.ts): SQLite in an FTS5 table (BM25), PostgreSQL in a
 * 'simple' tsvector with a GIN index. search_vocab lists every indexed term, for typo tolerance.
 */
/**
 * Covering indexes a search reads through (a few thousand products and their stock by id) without
 * touching the wide table rows. Also (re)created by rebuildSearchIndex for databases migrated
 * before they were added here.
 */
export const SEARCH_INDEXES = [
  'create index if not exists inventory_levels_search on inventory_levels (product_id, location_id, on_hand, reserved)',
  'create index if not exists products_search on products (id, status, merchant_id, category_id, price_cents, quebec_label, gtin)',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('search_documents')
    .addColumn('product_id', 'integer', (c) => c.primaryKey().references('products.id').onDelete('cascade'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull())
    .addColumn('title_terms', 'text', (c) => c.notNull())
    .addColumn('body_terms', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('search_vocab')
    .addColumn('term', 'text', (c) => c.primaryKey())
    .execute();
  if (pg) {
    await sql`alter table search_documents add column tsv tsvector not null default ''::tsvector`.execute(db);
    await sql`create index search_documents_tsv on search_documents using gin (tsv)`.execute(db);
  } else {
    await sql`create virtual table search_fts using fts5(title_terms, body_terms, tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) === 'sqlite') await sql`drop table if exists search_fts`.execute(db);
  await sql`drop index if exists products_search`.execute(db);
  await sql`drop index if exists inventory_levels_search`.execute(db);
  await db.schema.dropTable('search_vocab').ifExists().execute();
  await db.schema.dropTable('search_documents').ifExists().execute();
}
