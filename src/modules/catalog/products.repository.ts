/**
 * Every query on `products` (the catalog module owns it). Functions take the database or the
 * caller's transaction first; lookups that come from a merchant's request are scoped by merchant
 * (another merchant's id or SKU is simply absent).
 */
import {
  type Insertable,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB, ProductsTable } from '../../db/schema.ts';
import { chunks } from '../../lib/chunks.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** A whole `products` row. */
export type ProductRow = Selectable<ProductsTable>;
/** Columns a product is created with (merchant_id and sku included). */
export type NewProduct = Insertable<ProductsTable>;
/** Columns an update may change. */
export type ProductChanges = Omit<Updateable<ProductsTable>, 'id' | 'merchant_id' | 'created_at'>;
/** `active`, `archived`, or both (`all`). */
export type ProductStatusFilter = 'active' | 'archived' | 'all';

const CHUNK = 500;
/** PostgreSQL takes a whole id/SKU list as one array parameter (`unnest`): far fewer bind parameters. */
const PG_CHUNK = 50_000;

function isPostgres(db: Db): boolean {
  return !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
}

/* ------------------------------------------------------------------ single products */

/** One product by id; with `merchantId`, only when it is that merchant's. */
export function selectProductById(
  db: Db,
  id: number,
  opts: { merchantId?: number } = {},
): Promise<ProductRow | undefined> {
  if (opts.merchantId === undefined) return productByIdQuery(db, id).then((rows) => rows[0]);
  return db
    .selectFrom('products')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', opts.merchantId)
    .executeTakeFirst();
}
// Prepared (src/db/prepared.ts): a cart add reads its product (and a variant's parent) by id.
const productByIdQuery = preparedQuery((db: Db, id: number) =>
  db.selectFrom('products').selectAll().where('id', '=', id),
);

/** One product of a merchant by SKU. */
export function selectProductBySku(db: Db, merchantId: number, sku: string): Promise<ProductRow | undefined> {
  return db
    .selectFrom('products')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('sku', '=', sku)
    .executeTakeFirst();
}

/** Products by ids (any order; unknown ids absent); scoped by merchant and/or status when given. */
export async function selectProductsByIds(
  db: Db,
  ids: readonly number[],
  opts: { merchantId?: number; status?: ProductStatusFilter } = {},
): Promise<ProductRow[]> {
  const out: ProductRow[] = [];
  for (const list of chunks([...new Set(ids)], CHUNK)) {
    let q = db.selectFrom('products').selectAll().where('id', 'in', list);
    if (opts.merchantId !== undefined) q = q.where('merchant_id', '=', opts.merchantId);
    if (opts.status && opts.status !== 'all') q = q.where('status', '=', opts.status);
    out.push(...(await q.execute()));
  }
  return out;
}

/** The merchant's product ids for the given SKUs (unknown SKUs are absent). */
export async function selectProductIdsBySku(
  db: Db,
  merchantId: number,
  skus: readonly string[],
): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  const pg = isPostgres(db);
  for (const list of chunks(skus, pg ? PG_CHUNK : CHUNK)) {
    const found = await db
      .selectFrom('products')
      .select(['id', 'sku'])
      .where('merchant_id', '=', merchantId)
      .where(pg ? sql<boolean>`sku in (select unnest(${list}::text[]))` : (eb) => eb('sku', 'in', list))
      .execute();
    for (const p of found) map.set(p.sku, p.id);
  }
  return map;
}

/* ------------------------------------------------------------------ lists and counts */

/** Filters of a merchant's product list (back-office, API). */
export interface ProductListFilter {
  status?: ProductStatusFilter;
  categoryId?: number;
  /** Free text: SKU, French or English title (case-insensitive contains), or exact GTIN. */
  q?: string;
  /** Only these ids (e.g. a stock filter computed by the inventory module). */
  onlyIds?: readonly number[];
  /** Never these ids. */
  exceptIds?: readonly number[];
  /** Products only: variant rows (with a `parent_id`) left out (public lists). */
  productsOnly?: boolean;
}

function filtered(
  db: Db,
  merchantId: number,
  f: ProductListFilter,
): SelectQueryBuilder<DB, 'products', object> {
  let q = db.selectFrom('products').where('merchant_id', '=', merchantId);
  const status = f.status ?? 'active';
  if (status !== 'all') q = q.where('status', '=', status);
  if (f.categoryId) q = q.where('category_id', '=', f.categoryId);
  if (f.q) {
    // No LIKE escaping (SQLite has no default escape character): % and _ only widen the match.
    const like = `%${f.q.toLowerCase().replace(/\\/g, '')}%`;
    const text = f.q;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['sku']), 'like', like),
        eb(eb.fn('lower', ['title_fr']), 'like', like),
        eb(eb.fn('lower', ['title_en']), 'like', like),
        eb('gtin', '=', text),
      ]),
    );
  }
  if (f.onlyIds) q = f.onlyIds.length ? q.where('id', 'in', [...f.onlyIds]) : q.where(sql<boolean>`1 = 0`);
  if (f.exceptIds?.length) q = q.where('id', 'not in', [...f.exceptIds]);
  if (f.productsOnly) q = q.where('parent_id', 'is', null);
  return q;
}

/**
 * A page of a merchant's products (default: active ones), ordered by id (`order: 'id'`, the API
 * and public pages) or by French title then id (`order: 'title'`, the back-office), and the total.
 */
export async function selectProductsOfMerchant(
  db: Db,
  merchantId: number,
  opts: ProductListFilter & { limit: number; offset: number; order?: 'id' | 'title' },
): Promise<{ total: number; rows: ProductRow[] }> {
  const q = filtered(db, merchantId, opts);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  let rows = q.selectAll();
  rows = opts.order === 'title' ? rows.orderBy('title_fr').orderBy('id') : rows.orderBy('id');
  return { total: Number(total.n), rows: await rows.limit(opts.limit).offset(opts.offset).execute() };
}

/** Ids of a merchant's products matching a filter, in id order (for joins done by other modules). */
export async function selectProductIdsOfMerchant(
  db: Db,
  merchantId: number,
  f: ProductListFilter = {},
): Promise<number[]> {
  const rows = await filtered(db, merchantId, f).select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Every product of a merchant (any status), in id order: exports and feeds. */
export function selectAllProductsOfMerchant(db: Db, merchantId: number): Promise<ProductRow[]> {
  return db.selectFrom('products').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
}

/** Number of products, of one merchant or of the whole region, by status (default active). */
export async function countProducts(
  db: Db,
  opts: { merchantId?: number; status?: ProductStatusFilter } = {},
): Promise<number> {
  let q = db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n'));
  if (opts.merchantId !== undefined) q = q.where('merchant_id', '=', opts.merchantId);
  const status = opts.status ?? 'active';
  if (status !== 'all') q = q.where('status', '=', status);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A merchant's active products without a category and without a photo (dashboard hints). */
export async function countIncompleteProducts(
  db: Db,
  merchantId: number,
): Promise<{ withoutCategory: number; withoutPhoto: number }> {
  const r = await db
    .selectFrom('products')
    .select((eb) => [
      eb.fn.sum<number>(eb.case().when('category_id', 'is', null).then(1).else(0).end()).as('no_category'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.or([eb('images_json', '=', '[]'), eb('images_json', '=', '')]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('no_photo'),
    ])
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return { withoutCategory: Number(r.no_category ?? 0), withoutPhoto: Number(r.no_photo ?? 0) };
}

/** Product ids in a category (any merchant, any status). */
export async function selectProductIdsInCategory(db: Db, categoryId: number): Promise<number[]> {
  const rows = await db.selectFrom('products').select('id').where('category_id', '=', categoryId).execute();
  return rows.map((r) => r.id);
}

/** Number of products (active and archived) per category id. */
export async function countProductsPerCategory(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('products')
    .select(['category_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('category_id', 'is not', null)
    .groupBy('category_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.category_id), Number(r.n)]));
}

/* ------------------------------------------------------------------ writes */

/** Inserts one product; returns its id. */
export async function insertProduct(db: Db, values: NewProduct): Promise<number> {
  const row = await db.insertInto('products').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Updates one product of a merchant; false when it is not that merchant's. */
export async function updateProduct(
  db: Db,
  merchantId: number,
  id: number,
  changes: ProductChanges,
): Promise<boolean> {
  const r = await db
    .updateTable('products')
    .set(changes)
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Sets the status of some of a merchant's products; returns how many rows changed. */
export async function updateProductStatus(
  db: Db,
  merchantId: number,
  ids: readonly number[],
  status: 'active' | 'archived',
  now: string,
): Promise<number> {
  let n = 0;
  for (const list of chunks(ids, CHUNK)) {
    const r = await db
      .updateTable('products')
      .set({ status, updated_at: now })
      .where('merchant_id', '=', merchantId)
      .where('id', 'in', list)
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

/** Replaces a product's images (JSON list), scoped by merchant when given. */
export async function updateProductImagesJson(
  db: Db,
  productId: number,
  imagesJson: string,
  now: string,
  opts: { merchantId?: number } = {},
): Promise<void> {
  let q = db
    .updateTable('products')
    .set({ images_json: imagesJson, updated_at: now })
    .where('id', '=', productId);
  if (opts.merchantId !== undefined) q = q.where('merchant_id', '=', opts.merchantId);
  await q.execute();
}

/** Products of category `from` move to `to` (null = uncategorised). */
export async function moveProductsToCategory(db: Db, from: number, to: number | null): Promise<void> {
  await db.updateTable('products').set({ category_id: to }).where('category_id', '=', from).execute();
}
