import type { Database } from '../../db/database.ts';
import {
  activeSourceRowsAfter,
  clearSearchIndex,
  countActiveProducts,
  ensureSearchIndexes,
  type IndexedDoc,
  optimizeSearchIndex,
  type SourceRow,
  sourceRows,
  writeDocsPostgres,
  writeDocsSqlite,
} from './indexer.repository.ts';
import {
  announceCatalogChange,
  announceCatalogReset,
  forgetCatalogMemory,
  refreshProducts,
  reloadStock,
} from './memory.ts';
import { documentTerms } from './normalize.ts';
import { clearReferenceCache, markReferenceStale } from './reference.ts';
import { writeTextIndexAfterRebuild } from './text-index-file.ts';

export type { IndexedDoc } from './indexer.repository.ts';

/** What the index stores for a product: title terms (weighted higher) and body terms. */
export function toDoc(r: SourceRow): IndexedDoc {
  return {
    product_id: Number(r.id),
    merchant_id: Number(r.merchant_id),
    title_terms: documentTerms(r.title_fr, r.title_en, r.brand),
    body_terms: documentTerms(r.description_fr, r.description_en, r.category_fr, r.category_en, r.gtin),
  };
}

function vocabOf(docs: IndexedDoc[]): string[] {
  const set = new Set<string>();
  for (const d of docs) {
    for (const t of d.title_terms.split(' ')) if (t) set.add(t);
    for (const t of d.body_terms.split(' ')) if (t) set.add(t);
  }
  return [...set];
}

/** Writes docs (replacing earlier versions) and removes `gone` ids from the index. */
async function writeDocs(
  database: Database,
  docs: IndexedDoc[],
  gone: number[],
  fresh = false,
): Promise<void> {
  const all = [...docs.map((d) => d.product_id), ...gone];
  if (all.length === 0) return;
  markReferenceStale(
    database,
    docs.map((d) => d.merchant_id),
  );
  const vocab = vocabOf(docs);
  if (database.kind === 'sqlite' && database.sqlite)
    writeDocsSqlite(database.sqlite, docs, all, vocab, fresh);
  else await writeDocsPostgres(database.db, docs, all, vocab, fresh);
}

/**
 * Re-indexes the given products after any change (import, back-office edit, archive, delete).
 * Archived or deleted products leave the index. Availability is never indexed: it is read from
 * inventory_levels at query time.
 */
export async function indexProducts(database: Database, productIds: readonly number[]): Promise<void> {
  const ids = [...new Set(productIds.map(Number))].filter((n) => Number.isInteger(n) && n > 0);
  for (let i = 0; i < ids.length; i += 2000) {
    const chunk = ids.slice(i, i + 2000);
    const rows = await sourceRows(database.db, chunk);
    const active = rows.filter((r) => r.status === 'active');
    const activeIds = new Set(active.map((r) => Number(r.id)));
    // A variant row is never a document (its product is) but its facts count for its product.
    const products = active.filter((r) => r.parent_id == null);
    const productIds = new Set(products.map((r) => Number(r.id)));
    await writeDocs(
      database,
      products.map(toDoc),
      chunk.filter((id) => !productIds.has(id)),
    );
    refreshProducts(
      database,
      rows,
      chunk.filter((id) => !activeIds.has(id)),
    );
    await reloadStock(database, [...activeIds]);
    await announceCatalogChange(database, chunk);
  }
}

/**
 * Rebuilds the whole index from the catalogue (after a bulk load such as the demo seed, or
 * `comptoir reindex`); returns the number of products indexed.
 */
export async function rebuildSearchIndex(
  database: Database,
  onProgress?: (done: number, total: number, phase: string) => void,
): Promise<number> {
  const db = database.db;
  await ensureSearchIndexes(db);
  const total = await countActiveProducts(db);
  await clearSearchIndex(db, database.kind === 'sqlite' ? database.sqlite : undefined);
  forgetCatalogMemory(database);
  clearReferenceCache(database);
  const BATCH = 10_000;
  let lastId = 0;
  let done = 0;
  for (;;) {
    const rows = await activeSourceRowsAfter(db, lastId, BATCH);
    if (rows.length === 0) break;
    lastId = Number(rows[rows.length - 1]!.id);
    await writeDocs(database, rows.map(toDoc), [], true);
    done += rows.length;
    onProgress?.(done, total, 'search index');
  }
  await optimizeSearchIndex(db, database.kind === 'sqlite' ? database.sqlite : undefined);
  forgetCatalogMemory(database);
  // SQLite: the text index file of these documents, so that a server's first start loads it.
  await writeTextIndexAfterRebuild(database);
  await announceCatalogReset(database);
  return done;
}
