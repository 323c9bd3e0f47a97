/**
 * SQL of the page of results as shown (results.ts): live price, status and stock of the page's
 * products and their variants, the texts of those not kept in memory, and the stores' names, in
 * one statement (one snapshot, one round trip) instead of three. Reads products, inventory_levels
 * and locations (search is a read model: src/db/ownership.ts).
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { DbKind } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import './search.tables.ts';

/**
 * A row of `pageRows`: `kind` 0 a product of the page (with its texts when asked), 1 a variant of
 * one, each once per stock row (location_id null: none); 2 a store of the page (`name`).
 */
export interface PageRow {
  kind: number;
  id: number;
  parent_id: number | null;
  price_cents: number | null;
  status: string | null;
  location_id: number | null;
  on_hand: number | null;
  reserved: number | null;
  name: string | null;
  sku: string | null;
  title_fr: string | null;
  title_en: string | null;
  description_fr: string | null;
  description_en: string | null;
  images_json: string | null;
  gtin: string | null;
}

const TEXTS = ['sku', 'title_fr', 'title_en', 'description_fr', 'description_en', 'images_json', 'gtin'];

/**
 * The statement for `ids` products and `locs` stores, compiled once per shape and dialect: building
 * and compiling it with Kysely's builder for every page was ≈ 1.5 % of a search server's CPU.
 */
const compiled = new Map<string, string>();

function statement(db: Kysely<DB>, kind: DbKind, ids: number, locs: number, texts: boolean): string {
  const key = `${kind}:${ids}:${locs}:${texts ? 1 : 0}`;
  let text = compiled.get(key);
  if (text !== undefined) return text;
  const p = sql.join(Array.from({ length: ids }, () => 0));
  const l = sql.join(Array.from({ length: locs }, () => 0));
  const none = sql.raw(TEXTS.map((c) => `cast(null as text) as ${c}`).join(', '));
  const own = texts ? sql.raw(TEXTS.map((c) => `p.${c}`).join(', ')) : none;
  text = sql`select 0 as kind, p.id, p.parent_id, p.price_cents, p.status,
      i.location_id, i.on_hand, i.reserved, cast(null as text) as name, ${own}
    from products p left join inventory_levels i on i.product_id = p.id
    where p.id in (${p})
    union all
    select 1, v.id, v.parent_id, v.price_cents, v.status, i.location_id, i.on_hand, i.reserved,
      cast(null as text), ${none}
    from products v left join inventory_levels i on i.product_id = v.id
    where v.parent_id in (${p})
    union all
    select 2, l.id, null, null, null, null, null, null, l.name, ${none}
    from locations l
    where l.id in (${l})`.compile(db).sql;
  // Shapes are few (page sizes × store counts); bounded anyway.
  if (compiled.size >= 1000) compiled.clear();
  compiled.set(key, text);
  return text;
}

/**
 * The page's products (`productIds`, with their texts when `texts`) and their variants (any
 * status), once per stock row, and the stores `locationIds` with their names. `kind` is the
 * database's (the statement is kept per dialect).
 */
export async function pageRows(
  db: Kysely<DB>,
  kind: DbKind,
  productIds: number[],
  locationIds: number[],
  texts: boolean,
): Promise<PageRow[]> {
  if (productIds.length === 0) return [];
  // A page always has a store; an empty list would not be valid SQL on PostgreSQL.
  if (locationIds.length === 0) locationIds = [0];
  const text = statement(db, kind, productIds.length, locationIds.length, texts);
  const params = [...productIds, ...productIds, ...locationIds];
  const r = await db.executeQuery<PageRow>(CompiledQuery.raw(text, params));
  return r.rows;
}
