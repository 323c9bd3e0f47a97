/**
 * The bulk paths of catalogue imports over `products`: the fields an import compares, read by SKU,
 * and the upsert by SKU. PostgreSQL takes one array or JSON parameter per large batch, SQLite
 * multi-row statements; both give the same result.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { NewProduct } from './products.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

const CHUNK = 500;
const PG_CHUNK = 50_000;

function isPostgres(db: Db): boolean {
  return !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
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
            price_cents, gtin, brand, quebec_label, quebec_label_declared_by, tax_class, images_json, status, updated_at)
          select ${merchantId}, x.sku, x.title_fr, x.title_en, x.description_fr, x.description_en, x.category_id,
            x.price_cents, x.gtin, x.brand, x.quebec_label, x.quebec_label_declared_by, x.tax_class, x.images_json,
            x.status, ${now}::timestamptz
          from json_to_recordset(${JSON.stringify(batch)}::json) as x(sku text, title_fr text, title_en text,
            description_fr text, description_en text, category_id integer, price_cents integer, gtin text, brand text,
            quebec_label text, quebec_label_declared_by text, tax_class text, images_json text, status text)
          on conflict (merchant_id, sku) do update set title_fr = excluded.title_fr, title_en = excluded.title_en,
            description_fr = excluded.description_fr, description_en = excluded.description_en,
            category_id = excluded.category_id, price_cents = excluded.price_cents, gtin = excluded.gtin,
            brand = excluded.brand, quebec_label = excluded.quebec_label,
            quebec_label_declared_by = excluded.quebec_label_declared_by, tax_class = excluded.tax_class,
            images_json = excluded.images_json, status = excluded.status, updated_at = excluded.updated_at
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
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returning(['id', 'sku'])
      .execute();
    for (const r of inserted) ids.set(r.sku, r.id);
  }
  return ids;
}
