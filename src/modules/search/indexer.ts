import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { SEARCH_INDEXES } from '../../db/migrations/010_search.ts';
import './search.tables.ts';
import {
  announceCatalogChange,
  announceCatalogReset,
  forgetCatalogMemory,
  type ProductFacts,
  refreshProducts,
  reloadStock,
} from './memory.ts';
import { documentTerms } from './normalize.ts';
import { clearReferenceCache, markReferenceStale } from './reference.ts';

interface SourceRow {
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
}

export interface IndexedDoc {
  product_id: number;
  merchant_id: number;
  title_terms: string;
  body_terms: string;
}

/** What the index stores for a product: title terms (weighted higher) and body terms. */
export function toDoc(r: SourceRow): IndexedDoc {
  return {
    product_id: Number(r.id),
    merchant_id: Number(r.merchant_id),
    title_terms: documentTerms(r.title_fr, r.title_en, r.brand),
    body_terms: documentTerms(r.description_fr, r.description_en, r.category_fr, r.category_en, r.gtin),
  };
}

const SOURCE_SQL = `select p.id, p.merchant_id, p.title_fr, p.title_en, p.description_fr, p.description_en,
  p.brand, p.gtin, p.status, p.category_id, p.quebec_label, p.price_cents, c.name_fr as category_fr, c.name_en as category_en
  from products p left join categories c on c.id = p.category_id`;

async function loadSource(database: Database, ids: number[]): Promise<SourceRow[]> {
  if (ids.length === 0) return [];
  const list = sql.join(ids.map((id) => sql`${id}`));
  const r = await sql<SourceRow>`${sql.raw(SOURCE_SQL)} where p.id in (${list})`.execute(database.db);
  return r.rows;
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
  markReferenceStale(database);
  const vocab = vocabOf(docs);
  if (database.kind === 'sqlite' && database.sqlite) {
    const s = database.sqlite;
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
      for (const id of fresh ? [] : all) {
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
    return;
  }
  // PostgreSQL: one statement per table, arrays unnested server-side.
  const db = database.db;
  await db.transaction().execute(async (tx) => {
    if (!fresh) await sql`delete from search_documents where product_id = any(${all}::int[])`.execute(tx);
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

/**
 * Re-indexes the given products after any change (import, back-office edit, archive, delete).
 * Archived or deleted products leave the index. Availability is never indexed: it is read from
 * inventory_levels at query time.
 */
export async function indexProducts(database: Database, productIds: readonly number[]): Promise<void> {
  const ids = [...new Set(productIds.map(Number))].filter((n) => Number.isInteger(n) && n > 0);
  for (let i = 0; i < ids.length; i += 2000) {
    const chunk = ids.slice(i, i + 2000);
    const rows = await loadSource(database, chunk);
    const active = rows.filter((r) => r.status === 'active');
    const activeIds = new Set(active.map((r) => Number(r.id)));
    const gone = chunk.filter((id) => !activeIds.has(id));
    await writeDocs(database, active.map(toDoc), gone);
    refreshProducts(database, rows as ProductFacts[], gone);
    await reloadStock(database, [...activeIds]);
    await announceCatalogChange(database, chunk);
  }
}

/** Rebuilds the whole index from the catalogue (after a bulk load such as the demo seed). */
export async function rebuildSearchIndex(
  database: Database,
  onProgress?: (done: number, total: number, phase: string) => void,
): Promise<void> {
  const db = database.db;
  for (const statement of SEARCH_INDEXES) await sql.raw(statement).execute(db);
  const totalRow = await sql<{
    n: number;
  }>`select count(*) as n from products where status = 'active'`.execute(db);
  const total = Number(totalRow.rows[0]?.n ?? 0);
  if (database.kind === 'sqlite' && database.sqlite) {
    const s = database.sqlite;
    s.exec('delete from search_fts; delete from search_documents; delete from search_vocab');
  } else {
    await sql`truncate search_documents, search_vocab`.execute(db);
  }
  forgetCatalogMemory(database);
  clearReferenceCache(database);
  const BATCH = 10_000;
  let lastId = 0;
  let done = 0;
  for (;;) {
    const r =
      await sql<SourceRow>`${sql.raw(SOURCE_SQL)} where p.id > ${lastId} and p.status = 'active' order by p.id limit ${BATCH}`.execute(
        db,
      );
    if (r.rows.length === 0) break;
    lastId = Number(r.rows[r.rows.length - 1]!.id);
    await writeDocs(database, r.rows.map(toDoc), [], true);
    done += r.rows.length;
    onProgress?.(done, total, 'search index');
  }
  if (database.kind === 'sqlite' && database.sqlite) {
    database.sqlite.exec("insert into search_fts(search_fts) values ('optimize')");
  } else {
    await sql`analyze search_documents`.execute(db);
  }
  forgetCatalogMemory(database);
  await announceCatalogReset(database);
}
