/**
 * SQL of the page of results as shown (results.ts): live price, status and stock of the page's
 * products and their variants, the texts of those not kept in memory (only theirs), and the
 * stores' names, in one statement (one snapshot, one round trip) instead of three. Reads
 * products, inventory_levels and locations (search is a read model: src/db/ownership.ts).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database, DbKind } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { metrics } from '../../lib/metrics.ts';
import './search.tables.ts';

/**
 * A row of `pageRows`, its columns in PAGE_COLUMNS' order: `kind` 0 a product of the page (with
 * its texts when asked), 1 a variant of one, each once per stock row (location_id null: none); 2 a
 * store of the page (`name`). An array, not an object: SQLite hands rows over as arrays without a
 * property set per column.
 */
export type PageRow = [
  kind: number,
  id: number,
  parent_id: number | null,
  price_cents: number | null,
  status: string | null,
  location_id: number | null,
  on_hand: number | null,
  reserved: number | null,
  name: string | null,
  sku: string | null,
  title_fr: string | null,
  title_en: string | null,
  description_fr: string | null,
  description_en: string | null,
  images_json: string | null,
  gtin: string | null,
];

/** PageRow's columns, in its order (the statement's select list). */
export const PAGE_COLUMNS = [
  'kind',
  'id',
  'parent_id',
  'price_cents',
  'status',
  'location_id',
  'on_hand',
  'reserved',
  'name',
  'sku',
  'title_fr',
  'title_en',
  'description_fr',
  'description_en',
  'images_json',
  'gtin',
] as const;

const TEXTS = ['sku', 'title_fr', 'title_en', 'description_fr', 'description_en', 'images_json', 'gtin'];

/**
 * The statement for `texts` products read with their texts, `plain` without (their texts are kept
 * in memory: results.ts) and `locs` stores, compiled once per shape and dialect: building and
 * compiling it with Kysely's builder for every page was ≈ 1.5 % of a search server's CPU. Two
 * branches of products rather than texts for all or none: the page's rows are read either way, and
 * the texts' strings cost only for the products not kept.
 */
const compiled = new Map<string, string>();

function statement(db: Kysely<DB>, kind: DbKind, texts: number, plain: number, locs: number): string {
  const key = `${kind}:${texts}:${plain}:${locs}`;
  let text = compiled.get(key);
  if (text !== undefined) return text;
  const list = (n: number) => sql.join(Array.from({ length: n }, () => 0));
  const none = sql.raw(TEXTS.map((c) => `cast(null as text) as ${c}`).join(', '));
  const own = sql.raw(TEXTS.map((c) => `p.${c}`).join(', '));
  const product = (n: number, columns: typeof own) =>
    sql`select 0 as kind, p.id, p.parent_id, p.price_cents, p.status,
      i.location_id, i.on_hand, i.reserved, cast(null as text) as name, ${columns}
    from products p left join inventory_levels i on i.product_id = p.id
    where p.id in (${list(n)})`;
  const products = [
    ...(texts > 0 ? [product(texts, own)] : []),
    ...(plain > 0 ? [product(plain, none)] : []),
  ];
  text = sql`${sql.join(products, sql` union all `)}
    union all
    select 1, v.id, v.parent_id, v.price_cents, v.status, i.location_id, i.on_hand, i.reserved,
      cast(null as text), ${none}
    from products v left join inventory_levels i on i.product_id = v.id
    where v.parent_id in (${list(texts + plain)})
    union all
    select 2, l.id, null, null, null, null, null, null, l.name, ${none}
    from locations l
    where l.id in (${list(locs)})`.compile(db).sql;
  // Shapes are few (page sizes × products kept × store counts); bounded anyway.
  if (compiled.size >= 1000) compiled.clear();
  compiled.set(key, text);
  return text;
}

/** The statements prepared on a SQLite connection, by text: rows as arrays (StatementSync.setReturnArrays). */
const prepared = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * The page's products (`productIds`; with their texts when `texts` is true, or for those in
 * `texts`) and their variants (any status), once per stock row, and the stores `locationIds` with
 * their names.
 */
export async function pageRows(
  database: Database,
  productIds: readonly number[],
  locationIds: readonly number[],
  texts: boolean | readonly number[],
): Promise<PageRow[]> {
  if (productIds.length === 0) return [];
  // A page always has a store; an empty list would not be valid SQL on PostgreSQL.
  if (locationIds.length === 0) locationIds = [0];
  let withTexts: readonly number[];
  let plain: readonly number[];
  if (texts === true || texts === false) {
    withTexts = texts ? productIds : [];
    plain = texts ? [] : productIds;
  } else {
    const wanted = new Set(texts);
    withTexts = productIds.filter((id) => wanted.has(id));
    plain = productIds.filter((id) => !wanted.has(id));
  }
  const text = statement(database.db, database.kind, withTexts.length, plain.length, locationIds.length);
  const params = [...withTexts, ...plain, ...withTexts, ...plain, ...locationIds];
  const raw = database.sqlite;
  // SQLite: the prepared statement itself, rows as arrays — Kysely's round (its connection queue,
  // a promise per step, an object of 16 properties per row) was 0.05–0.1 ms of a page's 0.3–0.6
  // (bench/page-rows.ts, docs/PERFORMANCE.md). Not inside a transaction of this connection (another request's, between
  // two of its statements): Kysely then waits for it to end, as every read does, rather than read
  // its uncommitted rows.
  if (raw && !raw.isTransaction) {
    let byText = prepared.get(raw);
    if (!byText) {
      byText = new Map();
      prepared.set(raw, byText);
    }
    let st = byText.get(text);
    if (!st) {
      st = raw.prepare(text);
      st.setReturnArrays(true);
      // As `compiled`: shapes are few, bounded anyway.
      if (byText.size >= 1000) byText.clear();
      byText.set(text, st);
    }
    // In the query metrics as a statement run through Kysely is (src/db/database.ts recordQuery).
    const t0 = performance.now();
    try {
      const rows = st.all(...params) as unknown as PageRow[];
      metrics.observeQuery((performance.now() - t0) / 1000, false);
      return rows;
    } catch (e) {
      metrics.observeQuery((performance.now() - t0) / 1000, true);
      throw e;
    }
  }
  const r = await database.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, params));
  return r.rows.map((row) => PAGE_COLUMNS.map((c) => row[c]) as PageRow);
}
