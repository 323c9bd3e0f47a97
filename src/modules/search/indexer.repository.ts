/**
 * SQL of the search index (search_documents, search_vocab, search_fts: tables the search module
 * owns) and of the catalogue rows it is built from (products and categories, read as a read model).
 * SQLite writes go through prepared statements on the raw node:sqlite handle (one transaction per
 * batch, far faster than the query builder for bulk loads); PostgreSQL unnests arrays server-side.
 */
import type { DatabaseSync } from 'node:sqlite';
import { type Kysely, sql, type Transaction } from 'kysely';
import { SEARCH_INDEXES } from '../../db/migrations/010_search.ts';
import type { DB } from '../../db/schema.ts';
import './search.tables.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** A product as the index reads it: texts, category names, ranking facts and status. */
export interface SourceRow {
  id: number;
  merchant_id: number;
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  brand: string | null;
  gtin: string | null;
  category_fr: string | null;
  category_en: string | null;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  status: string;
  /** Set on a variant row (never indexed: its product is). */
  parent_id: number | null;
}

/** What the index stores for a product: title terms (weighted higher) and body terms. */
export interface IndexedDoc {
  product_id: number;
  merchant_id: number;
  title_terms: string;
  body_terms: string;
}

const SOURCE = sql`select p.id, p.merchant_id, p.title_fr, p.title_en, p.description_fr, p.description_en,
  p.brand, p.gtin, p.status, p.parent_id, p.category_id, p.quebec_label, p.price_cents, c.name_fr as category_fr, c.name_en as category_en
  from products p left join categories c on c.id = p.category_id`;

/** The source rows of some products, whatever their status. */
export async function sourceRows(db: Q, ids: number[]): Promise<SourceRow[]> {
  if (ids.length === 0) return [];
  const list = sql.join(ids.map((id) => sql`${id}`));
  const r = await sql<SourceRow>`${SOURCE} where p.id in (${list})`.execute(db);
  return r.rows;
}

/** One keyset page of active products' source rows (variant rows left out), ids above `afterId` in order. */
export async function activeSourceRowsAfter(db: Q, afterId: number, limit: number): Promise<SourceRow[]> {
  const r =
    await sql<SourceRow>`${SOURCE} where p.id > ${afterId} and p.status = 'active' and p.parent_id is null order by p.id limit ${limit}`.execute(
      db,
    );
  return r.rows;
}

/** How many products are active (progress of a rebuild; variant rows are not products). */
export async function countActiveProducts(db: Q): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*) as n from products where status = 'active' and parent_id is null`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Creates the index's indexes if missing (constant DDL of migration 010). */
export async function ensureSearchIndexes(db: Q): Promise<void> {
  for (const statement of SEARCH_INDEXES) await sql.raw(statement).execute(db);
}

/**
 * SQLite: replaces the documents of `replaced` ids by `docs` (`fresh`: the index is empty, nothing
 * to delete) and adds the vocabulary, in one transaction unless one is already open.
 */
export function writeDocsSqlite(
  s: DatabaseSync,
  docs: IndexedDoc[],
  replaced: number[],
  vocab: string[],
  fresh: boolean,
): void {
  const delFts = s.prepare('delete from search_fts where rowid = ?');
  const delDoc = s.prepare('delete from search_documents where product_id = ?');
  const insDoc = s.prepare(
    'insert into search_documents (product_id, merchant_id, title_terms, body_terms) values (?, ?, ?, ?)',
  );
  const insFts = s.prepare('insert into search_fts (rowid, title_terms, body_terms) values (?, ?, ?)');
  const insVocab = s.prepare('insert or ignore into search_vocab (term) values (?)');
  const own = !s.isTransaction;
  if (own) s.exec('begin immediate');
  try {
    for (const id of fresh ? [] : replaced) {
      delFts.run(id);
      delDoc.run(id);
    }
    for (const d of docs) {
      insDoc.run(d.product_id, d.merchant_id, d.title_terms, d.body_terms);
      insFts.run(d.product_id, d.title_terms, d.body_terms);
    }
    for (const t of vocab) insVocab.run(t);
    if (own) s.exec('commit');
  } catch (e) {
    if (own) s.exec('rollback');
    throw e;
  }
}

/** PostgreSQL: the same as writeDocsSqlite, one statement per table in one transaction. */
export async function writeDocsPostgres(
  db: Kysely<DB>,
  docs: IndexedDoc[],
  replaced: number[],
  vocab: string[],
  fresh: boolean,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (!fresh)
      await sql`delete from search_documents where product_id = any(${replaced}::int[])`.execute(tx);
    if (docs.length > 0) {
      await sql`insert into search_documents (product_id, merchant_id, title_terms, body_terms, tsv)
        select id, mid, tt, bt, setweight(to_tsvector('simple', tt), 'A') || setweight(to_tsvector('simple', bt), 'B')
        from unnest(${docs.map((d) => d.product_id)}::int[], ${docs.map((d) => d.merchant_id)}::int[],
                    ${docs.map((d) => d.title_terms)}::text[], ${docs.map((d) => d.body_terms)}::text[]) as u(id, mid, tt, bt)`.execute(
        tx,
      );
    }
    if (vocab.length > 0) {
      await sql`insert into search_vocab (term) select unnest(${vocab}::text[]) on conflict do nothing`.execute(
        tx,
      );
    }
  });
}

/** Empties the whole index (before a rebuild). */
export async function clearSearchIndex(db: Q, sqlite: DatabaseSync | undefined): Promise<void> {
  if (sqlite) sqlite.exec('delete from search_fts; delete from search_documents; delete from search_vocab');
  else await sql`truncate search_documents, search_vocab`.execute(db);
}

/**
 * After a rebuild: merges the FTS5 segments (SQLite) or refreshes the planner's statistics of both
 * tables it refilled (PostgreSQL: the vocabulary too, read by typo and known-word lookups).
 */
export async function optimizeSearchIndex(db: Q, sqlite: DatabaseSync | undefined): Promise<void> {
  if (sqlite) sqlite.exec("insert into search_fts(search_fts) values ('optimize')");
  else await sql`analyze search_documents, search_vocab`.execute(db);
}
