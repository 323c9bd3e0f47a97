/**
 * SQL of the in-process text index (text-index.ts): the documents it is built from, read on the raw
 * node:sqlite handle of the building thread, and the current terms of changed documents.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './search.tables.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** A document as the text index reads it. */
export interface DocTermsRow {
  product_id: number;
  title_terms: string;
  body_terms: string;
}

/**
 * Runs `read` in one read transaction of `sqlite` (WAL: every statement sees the database as of
 * the first read), given a function yielding all documents in ascending id order, callable again.
 */
export function withDocumentRows<T>(sqlite: DatabaseSync, read: (rows: () => Iterable<DocTermsRow>) => T): T {
  const statement = sqlite.prepare(
    'select product_id, title_terms, body_terms from search_documents order by product_id',
  );
  const own = !sqlite.isTransaction;
  if (own) sqlite.exec('begin');
  try {
    return read(() => statement.iterate() as Iterable<DocTermsRow>);
  } finally {
    if (own) sqlite.exec('commit');
  }
}

/** Each connection's statements reading FTS5's averages record and SQLite's ln() (prepared once). */
const totalsStatements = new WeakMap<DatabaseSync, { totals: StatementSync; ln: StatementSync }>();

/**
 * FTS5's totals as its bm25() reads them (xRowCount, xColumnTotalSize): the averages record, row
 * 1 of search_fts_data, SQLite varints: the row count, then each column's tokens (fts5_index.c
 * sqlite3Fts5IndexGetAverages). Undefined when there is none (an empty table). Synchronous: read
 * with the text index's lists, no other change in between. A contentless_delete table never lowers
 * them on a delete (a re-indexed document counts twice), hence the record rather than a count.
 *
 * `ln`: SQLite's ln(), the C library's log() FTS5's bm25 calls: V8's Math.log (fdlibm) differs from
 * glibc's in the last bit for some arguments (ln(22.5 / 3.5)), which changes the scores' last bit.
 */
export function ftsTotals(
  sqlite: DatabaseSync,
): { rows: number; tokens: number; ln: (x: number) => number | undefined } | undefined {
  let statements = totalsStatements.get(sqlite);
  if (!statements) {
    statements = {
      totals: sqlite.prepare('select block from search_fts_data where id = 1'),
      ln: sqlite.prepare('select ln(?) as x'),
    };
    totalsStatements.set(sqlite, statements);
  }
  const { ln } = statements;
  const row = statements.totals.get() as { block: Uint8Array | null } | undefined;
  const block = row?.block;
  if (!block || block.length === 0) return undefined;
  let at = 0;
  const varint = () => {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const c = block[at++]!;
      v = v * 128 + (c & 0x7f);
      if (!(c & 0x80)) return v;
    }
    return v * 256 + block[at++]!;
  };
  const rows = varint();
  let tokens = 0;
  while (at < block.length) tokens += varint();
  return {
    rows,
    tokens,
    ln: (x) => {
      const v = (ln.get(x) as { x: number | null } | undefined)?.x;
      return typeof v === 'number' ? v : undefined;
    },
  };
}

/** The current terms of some documents (an id without a row is not indexed). */
export function documentTermsOf(db: Q, ids: number[]): Promise<DocTermsRow[]> {
  return db
    .selectFrom('search_documents')
    .select(['product_id', 'title_terms', 'body_terms'])
    .where('product_id', 'in', ids)
    .execute() as Promise<DocTermsRow[]>;
}
