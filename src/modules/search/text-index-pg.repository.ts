/**
 * SQL of the in-process text index on PostgreSQL (text-index-pg.ts): the documents' lexemes as the
 * tsvector holds them, the very set a tsquery matches against. A document's title terms are its
 * lexemes of weight A (setweight of title_terms, writeDocsPostgres), its body terms those of
 * weight B: what `term:A` and `term` match. Read from the tsvector rather than title_terms and
 * body_terms: the parser splits some texts ("1e5x" is '1e5' and 'x'), the tsvector is what matches.
 */

import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { DocTermsRow } from './text-index.repository.ts';
import './search.tables.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** A document's lexemes of weight A (title) and B (body), each space-separated (ts_filter keeps a lexeme once). */
const TERMS = sql`product_id,
  array_to_string(tsvector_to_array(ts_filter(tsv, '{a}')), ' ') as title_terms,
  array_to_string(tsvector_to_array(ts_filter(tsv, '{b}')), ' ') as body_terms`;

/** One keyset page of documents' lexemes, ids above `afterId` in ascending order. */
export async function tsDocumentPage(db: Q, afterId: number, limit: number): Promise<DocTermsRow[]> {
  const r = await sql<DocTermsRow>`select ${TERMS} from search_documents
    where product_id > ${afterId} order by product_id limit ${limit}`.execute(db);
  return r.rows;
}

/** The current lexemes of some documents (an id without a row is not indexed). */
export async function tsDocumentTermsOf(db: Q, ids: number[]): Promise<DocTermsRow[]> {
  const r = await sql<DocTermsRow>`select ${TERMS} from search_documents
    where product_id = any(${ids}::int[])`.execute(db);
  return r.rows;
}
