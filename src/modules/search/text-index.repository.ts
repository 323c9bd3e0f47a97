/**
 * SQL of the in-process text index (text-index.ts): the documents it is built from, read on the raw
 * node:sqlite handle of the building thread, and the current terms of changed documents.
 */
import type { DatabaseSync } from 'node:sqlite';
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

/** The current terms of some documents (an id without a row is not indexed). */
export function documentTermsOf(db: Q, ids: number[]): Promise<DocTermsRow[]> {
  return db
    .selectFrom('search_documents')
    .select(['product_id', 'title_terms', 'body_terms'])
    .where('product_id', 'in', ids)
    .execute() as Promise<DocTermsRow[]>;
}
