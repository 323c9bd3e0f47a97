/**
 * SQL of the text-hit cache (hit-cache.ts): the current terms of documents just written, read on
 * the raw node:sqlite handle, synchronously, as the change is learnt of.
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
