/**
 * SQL of a search at query time: the index vocabulary, the text match (SQLite FTS5 or PostgreSQL
 * tsvector), products near a point without words, and the exact rows of the page of results.
 * Search is a read model (src/db/ownership.ts): it reads products, locations and inventory_levels
 * here and never writes them.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DbKind } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import './search.tables.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** Which of `terms` the index vocabulary holds. */
export async function knownTerms(db: Q, terms: string[]): Promise<string[]> {
  const r = await sql<{
    term: string;
  }>`select term from search_vocab where term in (${sql.join(terms)})`.execute(db);
  return r.rows.map((row) => row.term);
}

/** Whether the index vocabulary holds `term`. */
export async function termKnown(db: Q, term: string): Promise<boolean> {
  const r = await sql<{ term: string }>`select term from search_vocab where term = ${term}`.execute(db);
  return r.rows.length > 0;
}

/**
 * Whether any document matches a text expression (SQLite FTS5, PostgreSQL tsquery): a search
 * leaves out a word none matches (text-match.ts wordsThatMayMatch) when the text index is not
 * loaded. The documents, not search_vocab: the vocabulary keeps a deleted product's terms.
 */
export async function anyDocumentMatches(db: Q, kind: DbKind, expr: string): Promise<boolean> {
  const r =
    kind === 'sqlite'
      ? await sql<{
          one: number;
        }>`select 1 as one from search_fts where search_fts match ${expr} limit 1`.execute(db)
      : await sql<{ one: number }>`select 1 as one from search_documents
          where tsv @@ to_tsquery('simple', ${expr}) limit 1`.execute(db);
  return r.rows.length > 0;
}

/**
 * SQLite: the ids of the products matching an FTS5 expression (the first `limit` in index order;
 * no relevance computed), read as one comma-separated text: a common word matches up to 100,000
 * products, and one row object per match cost 4-10× the match itself (PERFORMANCE.md).
 */
export async function ftsMatchIds(db: Q, expr: string, limit: number): Promise<Int32Array> {
  const r = await sql<{ ids: string | null }>`select group_concat(product_id) as ids
    from (select rowid as product_id from search_fts where search_fts match ${expr} limit ${limit})`.execute(
    db,
  );
  return idListOf(r.rows[0]?.ids ?? null);
}

/** The ids of group_concat's or string_agg's text (decimal ids, comma-separated; null: none). */
export function idListOf(text: string | null): Int32Array {
  if (!text) return new Int32Array(0);
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) n++;
  const out = new Int32Array(n);
  let k = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      out[k++] = v;
      v = 0;
    } else v = v * 10 + (c - 48);
  }
  out[k] = v;
  return out;
}

/** SQLite: products matching an FTS5 expression with their BM25 relevance (title weighted 4×). */
export async function ftsMatchesWithBm25(
  db: Q,
  expr: string,
  limit: number,
): Promise<{ product_id: number; bm: number }[]> {
  const r = await sql<{ product_id: number; bm: number }>`select rowid as product_id,
    -bm25(search_fts, 4.0, 1.0) as bm
    from search_fts where search_fts match ${expr} limit ${limit}`.execute(db);
  return r.rows;
}

/**
 * PostgreSQL: the ids of the products matching the tsquery `expr` (`plain`: the lowest `limit`, as
 * FTS5's index order keeps), and of those of them that also match `titleExpr` (the same query on
 * title terms only: weight A of the tsvector, migration 010), in one pass over the matching rows,
 * each list read as one comma-separated text as ftsMatchIds: a common word matches up to 100,000
 * products, and all of them ranked by ts_rank and read as one row object each cost the server
 * 10 ms of CPU per new text of the realistic mix, against 3.5 so (PERFORMANCE.md; the database's
 * time, its heap pages read, is the same either way). Ordered by id: without it a list past
 * `limit` kept whichever rows the scan met first (a parallel or synchronised scan's, in any
 * order); with it, a list the planner expects long walks the ids in order and stops at `limit`.
 */
export async function tsMatchLists(
  db: Q,
  expr: string,
  titleExpr: string,
  limit: number,
): Promise<{ plain: Int32Array; title: Int32Array }> {
  const r = await sql<{ ids: string | null; title: string | null }>`select
      string_agg(product_id::text, ',') as ids, string_agg(product_id::text, ',') filter (where t) as title
    from (select product_id, tsv @@ to_tsquery('simple', ${titleExpr}) as t from search_documents
      where tsv @@ to_tsquery('simple', ${expr}) order by product_id limit ${limit}) m`.execute(db);
  return { plain: idListOf(r.rows[0]?.ids ?? null), title: idListOf(r.rows[0]?.title ?? null) };
}

/** PostgreSQL: products matching a tsquery with their ts_rank relevance. */
export async function tsMatchesWithRank(
  db: Q,
  expr: string,
  limit: number,
): Promise<{ product_id: number; bm: number }[]> {
  const r = await sql<{ product_id: number; bm: number }>`select d.product_id, ts_rank(d.tsv, q) as bm
    from search_documents d, to_tsquery('simple', ${expr}) q
    where d.tsv @@ q limit ${limit}`.execute(db);
  return r.rows;
}

const idList = (kind: DbKind, ids: number[]) =>
  kind === 'sqlite'
    ? sql`(select value from json_each(${JSON.stringify(ids)}))`
    : sql`(select unnest(${ids}::int[]))`;

/** Active products (not variant rows) of some merchants, lowest ids first (searches without words, legacy path). */
export async function activeProductIdsOf(
  db: Q,
  kind: DbKind,
  merchantIds: number[],
  limit: number,
): Promise<number[]> {
  const r = await sql<{ id: number }>`select id from products
    where merchant_id in ${idList(kind, merchantIds)} and status = 'active' and parent_id is null order by id limit ${limit}`.execute(
    db,
  );
  return r.rows.map((row) => Number(row.id));
}

/** Centre of the stores whose postal code starts with `postalPrefix` (no spaces, upper case). */
export async function storesCentreByPostalPrefix(
  db: Q,
  postalPrefix: string,
): Promise<{ lat: number; lng: number } | undefined> {
  const r = await sql<{ lat: number | null; lng: number | null }>`select avg(lat) as lat, avg(lng) as lng
    from locations where upper(replace(postal_code, ' ', '')) like ${`${postalPrefix}%`}`.execute(db);
  const row = r.rows[0];
  return row?.lat != null && row.lng != null ? { lat: Number(row.lat), lng: Number(row.lng) } : undefined;
}

/** The highest product id of the search documents (0: none). */
export async function maxDocumentId(db: Q): Promise<number> {
  const r = await sql<{ m: number | null }>`select max(product_id) as m from search_documents`.execute(db);
  return Number(r.rows[0]?.m ?? 0);
}

/** The titles of the products among `ids` (a sample of the catalogue, for warm-up.ts). */
export function productTitlesOf(db: Q, ids: number[]) {
  return db.selectFrom('products').select(['title_fr', 'title_en']).where('id', 'in', ids).execute();
}
