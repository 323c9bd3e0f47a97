/**
 * The bulk paths of catalogue imports over `products`: the fields an import compares, read by SKU,
 * and the upsert by SKU. PostgreSQL takes one array or JSON parameter per large batch, SQLite
 * multi-row statements; both give the same result.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { chunks } from '../../lib/chunks.ts';
import type { NewProduct } from './products.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

const CHUNK = 500;
const PG_CHUNK = 50_000;

function isPostgres(db: Db): boolean {
  return !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
}

/** Every field an import compares and may change, for the merchant's products with these SKUs. */
export async function selectImportFieldsBySku(db: Db, merchantId: number, skus: readonly string[]) {
  const pg = isPostgres(db);
  const out = [];
  for (const list of chunks(skus, pg ? PG_CHUNK : CHUNK)) {
    const rows = await db
      .selectFrom('products')
      .select([
        'id',
        'sku',
        'title_fr',
        'title_en',
        'description_fr',
        'description_en',
        'category_id',
        'price_cents',
        'gtin',
        'brand',
        'quebec_label',
        'quebec_label_declared_by',
        'tax_class',
        'images_json',
        'status',
        'parent_id',
        'options_json',
        'handle',
      ])
      .where('merchant_id', '=', merchantId)
      .where(pg ? sql<boolean>`sku in (select unnest(${list}::text[]))` : (eb) => eb('sku', 'in', list))
      .execute();
    out.push(...rows);
  }
  return out;
}

/** The fields an import writes for one product (merchant and time are given once per call). */
export interface ImportedProductFields {
  sku: string;
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  category_id: number | null;
  price_cents: number;
  gtin: string | null;
  brand: string | null;
  quebec_label: string | null;
  quebec_label_declared_by: string | null;
  tax_class: string;
  images_json: string;
  status: string;
  /** The product row this variant belongs to; null for a product row (set later when still unknown). */
  parent_id: number | null;
  options_json: string | null;
  handle: string | null;
}

/**
 * Inserts or updates (by merchant and SKU) many products in the caller's transaction and returns
 * their ids by SKU. PostgreSQL gets one JSON parameter per 5,000 rows (`json_to_recordset`:
 * thousands of bind parameters are slow to plan there); SQLite multi-row upserts of 400 rows.
 */
export async function bulkUpsertProducts(
  trx: Db,
  merchantId: number,
  rows: readonly ImportedProductFields[],
  now: string,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (isPostgres(trx)) {
    for (const batch of chunks(rows, 5000)) {
      const res = await sql<{ id: number; sku: string }>`
          insert into products (merchant_id, sku, title_fr, title_en, description_fr, description_en, category_id,
            price_cents, gtin, brand, quebec_label, quebec_label_declared_by, tax_class, images_json, status, parent_id, options_json, handle, updated_at)
          select ${merchantId}, x.sku, x.title_fr, x.title_en, x.description_fr, x.description_en, x.category_id,
            x.price_cents, x.gtin, x.brand, x.quebec_label, x.quebec_label_declared_by, x.tax_class, x.images_json,
            x.status, x.parent_id, x.options_json, x.handle, ${now}::timestamptz
          from json_to_recordset(${JSON.stringify(batch)}::json) as x(sku text, title_fr text, title_en text,
            description_fr text, description_en text, category_id integer, price_cents integer, gtin text, brand text,
            quebec_label text, quebec_label_declared_by text, tax_class text, images_json text, status text,
            parent_id integer, options_json text, handle text)
          on conflict (merchant_id, sku) do update set title_fr = excluded.title_fr, title_en = excluded.title_en,
            description_fr = excluded.description_fr, description_en = excluded.description_en,
            category_id = excluded.category_id, price_cents = excluded.price_cents, gtin = excluded.gtin,
            brand = excluded.brand, quebec_label = excluded.quebec_label,
            quebec_label_declared_by = excluded.quebec_label_declared_by, tax_class = excluded.tax_class,
            images_json = excluded.images_json, status = excluded.status, parent_id = excluded.parent_id,
            options_json = excluded.options_json, handle = excluded.handle, updated_at = excluded.updated_at
          returning id, sku`.execute(trx);
      for (const r of res.rows) ids.set(r.sku, r.id);
    }
    return ids;
  }
  for (const batch of chunks(rows, 400)) {
    const inserted = await trx
      .insertInto('products')
      .values(batch.map((r) => ({ merchant_id: merchantId, ...r, updated_at: now }) as NewProduct))
      .onConflict((oc) =>
        oc.columns(['merchant_id', 'sku']).doUpdateSet((eb) => ({
          title_fr: eb.ref('excluded.title_fr'),
          title_en: eb.ref('excluded.title_en'),
          description_fr: eb.ref('excluded.description_fr'),
          description_en: eb.ref('excluded.description_en'),
          category_id: eb.ref('excluded.category_id'),
          price_cents: eb.ref('excluded.price_cents'),
          gtin: eb.ref('excluded.gtin'),
          brand: eb.ref('excluded.brand'),
          quebec_label: eb.ref('excluded.quebec_label'),
          quebec_label_declared_by: eb.ref('excluded.quebec_label_declared_by'),
          tax_class: eb.ref('excluded.tax_class'),
          images_json: eb.ref('excluded.images_json'),
          status: eb.ref('excluded.status'),
          parent_id: eb.ref('excluded.parent_id'),
          options_json: eb.ref('excluded.options_json'),
          handle: eb.ref('excluded.handle'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returning(['id', 'sku'])
      .execute();
    for (const r of inserted) ids.set(r.sku, r.id);
  }
  return ids;
}

/**
 * The merchant's product rows (no parent) an import's handles designate: by stored `handle`, or by
 * SKU (a row's handle defaults to its SKU). Variant rows are never returned.
 */
export async function selectProductRowsByHandle(db: Db, merchantId: number, handles: readonly string[]) {
  const pg = isPostgres(db);
  const out: {
    id: number;
    sku: string;
    handle: string | null;
    title_fr: string;
    title_en: string;
    options_json: string | null;
  }[] = [];
  for (const list of chunks(handles, pg ? PG_CHUNK : CHUNK)) {
    const rows = await db
      .selectFrom('products')
      .select(['id', 'sku', 'handle', 'title_fr', 'title_en', 'options_json'])
      .where('merchant_id', '=', merchantId)
      .where('parent_id', 'is', null)
      .where(
        pg
          ? sql<boolean>`(handle in (select unnest(${list}::text[])) or sku in (select unnest(${list}::text[])))`
          : (eb) => eb.or([eb('handle', 'in', list), eb('sku', 'in', list)]),
      )
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Points variant rows at their product row (the second pass of an import: products are inserted first). */
export async function updateVariantParents(
  trx: Db,
  merchantId: number,
  links: readonly { id: number; parent_id: number }[],
): Promise<void> {
  if (!links.length) return;
  if (isPostgres(trx)) {
    for (const batch of chunks(links, PG_CHUNK))
      await sql`update products p set parent_id = x.parent_id
        from json_to_recordset(${JSON.stringify(batch)}::json) as x(id integer, parent_id integer)
        where p.id = x.id and p.merchant_id = ${merchantId}`.execute(trx);
    return;
  }
  for (const l of links)
    await trx
      .updateTable('products')
      .set({ parent_id: l.parent_id })
      .where('id', '=', l.id)
      .where('merchant_id', '=', merchantId)
      .execute();
}

/**
 * A product row that became a variant of another product hands its own variants over to that
 * product, which gives them its title (a variant never has variants): one statement, run after an
 * import regrouped rows.
 */
export async function flattenNestedVariants(trx: Db, merchantId: number): Promise<void> {
  // Every right-hand side reads the row as it was: `products.parent_id` is still the old parent.
  await sql`update products set
      parent_id = (select p.parent_id from products p where p.id = products.parent_id),
      title_fr = (select g.title_fr from products p join products g on g.id = p.parent_id where p.id = products.parent_id),
      title_en = (select g.title_en from products p join products g on g.id = p.parent_id where p.id = products.parent_id)
    where merchant_id = ${merchantId} and parent_id in
      (select id from products where merchant_id = ${merchantId} and parent_id is not null)`.execute(trx);
}
