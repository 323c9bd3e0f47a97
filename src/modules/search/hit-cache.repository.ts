/**
 * SQL of the text-hit cache (hit-cache.ts): the current terms of documents just written, read on
 * the raw node:sqlite handle, synchronously, as the change is learnt of; the same rows serve the
 * text index's dirty documents (text-index-state.ts): one read per change for both.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DocTermsRow } from './text-index.repository.ts';
import './search.tables.ts';

/** Each connection's statement (prepared once). */
const statements = new WeakMap<DatabaseSync, StatementSync>();

/**
 * The current terms of some documents (an id without a row is not indexed), synchronously: the
 * cache decides what a change drops in the same tick as the change, so no search in between is
 * answered from a list it makes stale.
 */
export function documentTermsNow(sqlite: DatabaseSync, ids: readonly number[]): DocTermsRow[] {
  let statement = statements.get(sqlite);
  if (!statement) {
    statement = sqlite.prepare(
      'select product_id, title_terms, body_terms from search_documents where product_id in (select value from json_each(?))',
    );
    statements.set(sqlite, statement);
  }
  return statement.all(JSON.stringify(ids)) as unknown as DocTermsRow[];
}

/** The rows read for a change's ids (the hooks' array), until the change's tick ends. */
const readForChange = new WeakMap<readonly number[], { sqlite: DatabaseSync; rows: DocTermsRow[] }>();

/**
 * documentTermsNow for the ids of one catalogue change (memory.ts onCatalogChange gives each hook
 * the same array): the first hook to ask reads, the others of the same tick get the same rows.
 * Forgotten when the tick's synchronous work ends, so a later change is never answered from it.
 */
export function changedDocumentTerms(sqlite: DatabaseSync, ids: readonly number[]): DocTermsRow[] {
  const read = readForChange.get(ids);
  if (read?.sqlite === sqlite) return read.rows;
  const rows = documentTermsNow(sqlite, ids);
  readForChange.set(ids, { sqlite, rows });
  queueMicrotask(() => readForChange.delete(ids));
  return rows;
}
