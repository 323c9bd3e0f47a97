import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Cold start of the search (issue 19, item 6): the warm-up reads 8 columns of every product in id
 * order (src/modules/search/memory.repository.ts). On SQLite that scan read the whole products
 * table, whose rows carry the descriptions; this covering index holds exactly those columns (id
 * first, for the keyset pages), so SQLite reads the index instead (EXPLAIN QUERY PLAN: "USING
 * COVERING INDEX products_search_facts (id>?)"). Figures in docs/PERFORMANCE.md, issue 19.
 * PostgreSQL: not created — an index-only scan there depends on the visibility map being current,
 * and its warm-up was not measured; the primary key's index scan stays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await sql`create index products_search_facts on products
    (id, merchant_id, category_id, quebec_label, price_cents, gtin, status, parent_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await sql`drop index if exists products_search_facts`.execute(db);
}
