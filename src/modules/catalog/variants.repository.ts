/**
 * Product variants (migration 026): every `products` row is a variant; the product is the row
 * without `parent_id`, its other variants point to it.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB, ProductsTable } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;
const CHUNK = 500;

/** Every variant row of the given products (the product rows themselves included), product by product. */
export async function selectVariantRows(
  db: Db,
  productIds: readonly number[],
): Promise<Selectable<ProductsTable>[]> {
  const out: Selectable<ProductsTable>[] = [];
  const ids = [...new Set(productIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    out.push(...(await variantRowsQuery(db, part, part)));
  }
  return out;
}
// Prepared (src/db/prepared.ts): every product page and product API answer runs it; the list is
// passed twice because each bound value takes its own place in the query.
const variantRowsQuery = preparedQuery((db: Db, ids: readonly number[], parents: readonly number[]) =>
  db
    .selectFrom('products')
    .selectAll()
    .where((eb) => eb.or([eb('id', 'in', ids), eb('parent_id', 'in', parents)]))
    .orderBy('id'),
);

/** For each given row id, the id of its product (itself when it is a product row). */
export async function selectProductIdsOfRows(
  db: Db,
  rowIds: readonly number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const ids = [...new Set(rowIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom('products')
      .select(['id', 'parent_id'])
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) out.set(r.id, r.parent_id ?? r.id);
  }
  return out;
}

/**
 * Inserts a variant of a product: a `products` row with `parent_id`, the product's merchant,
 * texts, category, brand and labels, and its own SKU, price, GTIN and options. Undefined when the
 * product does not exist or is itself a variant.
 */
export async function insertVariant(
  db: Db,
  productId: number,
  values: { sku: string; price_cents: number; gtin?: string | null; options_json: string | null },
): Promise<number | undefined> {
  const p = await db
    .selectFrom('products')
    .selectAll()
    .where('id', '=', productId)
    .where('parent_id', 'is', null)
    .executeTakeFirst();
  if (!p) return undefined;
  const row = await db
    .insertInto('products')
    .values({
      merchant_id: p.merchant_id,
      sku: values.sku,
      title_fr: p.title_fr,
      title_en: p.title_en,
      description_fr: p.description_fr,
      description_en: p.description_en,
      category_id: p.category_id,
      brand: p.brand,
      gtin: values.gtin ?? null,
      price_cents: values.price_cents,
      tax_class: p.tax_class,
      quebec_label: p.quebec_label,
      quebec_label_declared_by: p.quebec_label_declared_by,
      quebec_label_verified: p.quebec_label_verified,
      quebec_label_verified_at: p.quebec_label_verified_at,
      images_json: p.images_json,
      status: p.status,
      parent_id: p.id,
      options_json: values.options_json,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
