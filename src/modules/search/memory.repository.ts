/**
 * SQL of the catalogue facts kept in memory (memory.ts): the products' ranking facts and their
 * availability per location. Search is a read model of products and inventory_levels
 * (src/db/ownership.ts): read here, never written.
 */
import type { DatabaseSync } from 'node:sqlite';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** The facts of a product a search ranks, filters and counts by. */
export interface ProductFacts {
  id: number;
  merchant_id: number;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  gtin: string | null;
  status: string;
  /** The product this row is a variant of (null: the row is a product). */
  parent_id: number | null;
}

/** Availability of a product at a location (on hand minus reserved). */
export interface StockRow {
  product_id: number;
  location_id: number;
  available: number;
}

/** The largest product id (sizes the in-memory arrays). */
export async function maxProductId(db: Q): Promise<number> {
  const r = await sql<{ n: number | null }>`select max(id) as n from products`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** One keyset page of product facts, ids above `afterId` in order. */
export async function productFactsAfter(db: Q, afterId: number, limit: number): Promise<ProductFacts[]> {
  const r =
    await sql<ProductFacts>`select id, merchant_id, category_id, quebec_label, price_cents, gtin, status, parent_id
    from products where id > ${afterId} order by id limit ${limit}`.execute(db);
  return r.rows;
}

/** Product facts by id (products another instance re-indexed). */
export async function productFactsByIds(db: Q, ids: number[]): Promise<ProductFacts[]> {
  const r =
    await sql<ProductFacts>`select id, merchant_id, category_id, quebec_label, price_cents, gtin, status, parent_id
    from products where id in (${sql.join(ids)})`.execute(db);
  return r.rows;
}

/**
 * Stock rows of the products in (from, to], in product then location order. Ranges of product ids
 * (not keyset pages): a plain index range scan on both databases.
 */
export async function stockInRange(db: Q, from: number, to: number): Promise<StockRow[]> {
  const r = await sql<StockRow>`select product_id,
    location_id, on_hand - reserved as available from inventory_levels
    where product_id > ${from} and product_id <= ${to}
    order by product_id, location_id`.execute(db);
  return r.rows;
}

/** Stock rows of some products. */
export async function stockOf(db: Q, productIds: number[]): Promise<StockRow[]> {
  const r = await sql<StockRow>`select product_id,
    location_id, on_hand - reserved as available from inventory_levels
    where product_id in (${sql.join(productIds)})`.execute(db);
  return r.rows;
}

/** One product's facts as an array, in the order of ProductFacts' fields (see productFactRows). */
export type ProductFactRow = [
  id: number,
  merchant_id: number,
  category_id: number | null,
  quebec_label: string | null,
  price_cents: number,
  gtin: string | null,
  status: string,
  parent_id: number | null,
];

/**
 * SQLite only: the warm-up's statements over the raw handle, rows as arrays read one at a time
 * (`iterate`), so loading a million products builds no array of row objects (Kysely's `execute`
 * does: about 10 s and a V8 heap grown past 200 MB at 1M products, against about 2 s and a heap
 * that stays flat; docs/PERFORMANCE.md, issue 19). Each page is read to its end before the
 * caller yields, so no statement stays open across an await.
 */
export function sqliteFactPages(sqlite: DatabaseSync) {
  const facts = sqlite.prepare(
    `select id, merchant_id, category_id, quebec_label, price_cents, gtin, status, parent_id
     from products where id > ? order by id limit ?`,
  );
  facts.setReturnArrays(true);
  const stock = sqlite.prepare(
    `select product_id, location_id, on_hand - reserved as available from inventory_levels
     where product_id > ? and product_id <= ? order by product_id, location_id`,
  );
  stock.setReturnArrays(true);
  return {
    /** Product facts with ids above `afterId`, in id order, at most `limit`. */
    facts: (afterId: number, limit: number) =>
      facts.iterate(afterId, limit) as unknown as IterableIterator<ProductFactRow>,
    /** Stock rows [product_id, location_id, available] of the products in (from, to], in order. */
    stock: (from: number, to: number) =>
      stock.iterate(from, to) as unknown as IterableIterator<[number, number, number]>,
  };
}

/**
 * SQLite: the change log's high-water mark (the last sequence number handed out, migration 072),
 * or undefined when the database has no change log (PostgreSQL, or not migrated).
 */
export async function factLogHead(db: Q): Promise<number | undefined> {
  const t = await sql<{ n: number }>`select count(*) as n from sqlite_master
    where type = 'table' and name = 'search_fact_changes'`.execute(db);
  if (!Number(t.rows[0]?.n)) return undefined;
  const r = await sql<{ seq: number }>`select seq from sqlite_sequence
    where name = 'search_fact_changes'`.execute(db);
  return Number(r.rows[0]?.seq ?? 0);
}

/** What the change log says about a snapshot, read in one transaction (one state of the database). */
export interface FactLogSince {
  /** The snapshot the log is kept for (null: none recorded). */
  snapshotId: string | null;
  /** The log's high-water mark. */
  head: number;
  /** Products whose facts or stock changed after `seq` (up to `head`). */
  changed: number[];
}

/** SQLite: the recorded snapshot, the log's head and the products changed after `seq`. */
export async function factLogSince(db: Kysely<DB>, seq: number): Promise<FactLogSince> {
  return db.transaction().execute(async (trx) => {
    const rec = await sql<{ snapshot_id: string }>`select snapshot_id from search_fact_snapshot
      where id = 1`.execute(trx);
    const head = (await factLogHead(trx)) ?? 0;
    const changed = await sql<{ product_id: number }>`select distinct product_id from search_fact_changes
      where seq > ${seq} and seq <= ${head}`.execute(trx);
    return {
      snapshotId: rec.rows[0]?.snapshot_id ?? null,
      head,
      changed: changed.rows.map((r) => Number(r.product_id)),
    };
  });
}

/**
 * SQLite: records the snapshot now in the data directory and empties the log up to its mark
 * (later changes stay logged). A mark below the one recorded is not recorded (another process
 * wrote a newer snapshot; entries after it may be gone already); returns whether it was.
 */
export async function recordFactSnapshot(db: Kysely<DB>, snapshotId: string, seq: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rec = await sql<{ seq: number }>`select seq from search_fact_snapshot where id = 1`.execute(trx);
    if (rec.rows[0] && Number(rec.rows[0].seq) > seq) return false;
    await sql`insert into search_fact_snapshot (id, snapshot_id, seq) values (1, ${snapshotId}, ${seq})
      on conflict (id) do update set snapshot_id = excluded.snapshot_id, seq = excluded.seq`.execute(trx);
    // The text index file (migration 073) needs the entries after its own mark, maybe an older one.
    const text = await textSnapshotRecord(trx);
    await sql`delete from search_fact_changes where seq <= ${Math.min(seq, text?.seq ?? seq)}`.execute(trx);
    return true;
  });
}

/**
 * SQLite: keeps the change log bounded while a server runs for a long time (every stock write is
 * logged, the log is emptied only when a snapshot is written at start). Past `max` entries since
 * the recorded snapshot, that snapshot could not be used anyway (memory.ts reads the tables then):
 * its record and the whole log are dropped in one transaction, so the next start reads the tables
 * and writes a new snapshot. Returns whether it pruned.
 */
export async function pruneFactLog(db: Kysely<DB>, max: number): Promise<boolean> {
  if ((await factLogHead(db)) === undefined) return false;
  return db.transaction().execute(async (trx) => {
    const head = (await factLogHead(trx)) ?? 0;
    const rec = await sql<{ seq: number }>`select seq from search_fact_snapshot where id = 1`.execute(trx);
    const since = Number(rec.rows[0]?.seq ?? 0);
    const logged = await sql<{ n: number }>`select count(*) as n from search_fact_changes`.execute(trx);
    if (head - since <= max && Number(logged.rows[0]?.n ?? 0) <= max) return false;
    await sql`delete from search_fact_snapshot`.execute(trx);
    if (await hasTextSnapshotTable(trx)) await sql`delete from search_text_snapshot`.execute(trx);
    await sql`delete from search_fact_changes`.execute(trx);
    return true;
  });
}

/** SQLite: whether the text index file's record exists (migration 073). */
async function hasTextSnapshotTable(db: Q): Promise<boolean> {
  const t = await sql<{ n: number }>`select count(*) as n from sqlite_master
    where type = 'table' and name = 'search_text_snapshot'`.execute(db);
  return Number(t.rows[0]?.n) > 0;
}

/** SQLite: the text index file the change log is also kept for (migration 073), if any. */
async function textSnapshotRecord(db: Q): Promise<{ snapshotId: string; seq: number } | undefined> {
  if (!(await hasTextSnapshotTable(db))) return undefined;
  const r = await sql<{ snapshot_id: string; seq: number }>`select snapshot_id, seq from search_text_snapshot
    where id = 1`.execute(db);
  const row = r.rows[0];
  return row ? { snapshotId: row.snapshot_id, seq: Number(row.seq) } : undefined;
}

/**
 * SQLite: records, before a text index build reads search_documents, the file it will write: its
 * id and the log's head now (its mark). Recorded first, in one write transaction with reading the
 * head, so that no facts snapshot recorded meanwhile empties the log past that mark (the previous
 * text file, if any, is refused from now on). Undefined when the database has no such log.
 */
export async function reserveTextSnapshot(db: Kysely<DB>, snapshotId: string): Promise<number | undefined> {
  if ((await factLogHead(db)) === undefined || !(await hasTextSnapshotTable(db))) return undefined;
  return db.transaction().execute(async (trx) => {
    const head = (await factLogHead(trx)) ?? 0;
    await sql`insert into search_text_snapshot (id, snapshot_id, seq) values (1, ${snapshotId}, ${head})
      on conflict (id) do update set snapshot_id = excluded.snapshot_id, seq = excluded.seq`.execute(trx);
    return head;
  });
}

/** What the change log says about a text index file (one read transaction). */
export interface TextLogSince {
  /** The text index file recorded (undefined: none, or no log). */
  recorded?: { snapshotId: string; seq: number };
  head: number;
  /** Products whose document (or facts) changed after `seq`. */
  changed: number[];
}

/** SQLite: the recorded text index file, the log's head and the products changed after `seq`. */
export async function textLogSince(db: Kysely<DB>, seq: number): Promise<TextLogSince> {
  if ((await factLogHead(db)) === undefined) return { head: 0, changed: [] };
  return db.transaction().execute(async (trx) => {
    const recorded = await textSnapshotRecord(trx);
    const head = (await factLogHead(trx)) ?? 0;
    const changed = await sql<{ product_id: number }>`select distinct product_id from search_fact_changes
      where seq > ${seq} and seq <= ${head}`.execute(trx);
    return { recorded, head, changed: changed.rows.map((r) => Number(r.product_id)) };
  });
}
