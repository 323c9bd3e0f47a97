import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { insertVariant, selectProductIdsOfRows, selectVariantRows } from './variants.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** One option value of a variant, in the merchant's order (`Taille` = `M`). */
export interface VariantOption {
  name: string;
  value: string;
}

/** A variant as the public contract shows it (`variant_id` is its `products` row id). */
export interface Variant {
  variant_id: number;
  product_id: number;
  sku: string;
  price_cents: number;
  gtin: string | null;
  status: 'active' | 'archived';
  options: VariantOption[];
}

/** Parses `options_json`; anything unreadable is "no options" rather than an error on a page. */
export function parseOptions(json: string | null | undefined): VariantOption[] {
  if (!json) return [];
  try {
    const list = JSON.parse(json) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (o): o is VariantOption =>
        typeof o?.name === 'string' && typeof o?.value === 'string' && o.value !== '',
    );
  } catch {
    return [];
  }
}

/** `{NAME: VALUE}` as the API shows options. */
export function optionsObject(options: VariantOption[]): Record<string, string> {
  return Object.fromEntries(options.map((o) => [o.name, o.value]));
}

/** "M / Rouge": the options as one short label for cart lines, orders and receipts. */
export function optionsLabel(options: VariantOption[]): string {
  return options.map((o) => o.value).join(' / ');
}

/**
 * The variants of each product, product row first then by id. A product without variants has one:
 * itself, with no options.
 */
export async function variantsOfProducts(
  db: Db,
  productIds: readonly number[],
): Promise<Map<number, Variant[]>> {
  const out = new Map<number, Variant[]>();
  for (const id of productIds) out.set(id, []);
  for (const r of await selectVariantRows(db, productIds)) {
    const productId = r.parent_id ?? r.id;
    const list = out.get(productId);
    if (!list) continue;
    const v: Variant = {
      variant_id: r.id,
      product_id: productId,
      sku: r.sku,
      price_cents: r.price_cents,
      gtin: r.gtin,
      status: r.status,
      options: parseOptions(r.options_json),
    };
    if (r.parent_id === null) list.unshift(v);
    else list.push(v);
  }
  return out;
}

/** The product each variant row belongs to (a product row maps to itself); unknown ids are absent. */
export function productIdsOfVariants(db: Db, variantIds: readonly number[]): Promise<Map<number, number>> {
  return selectProductIdsOfRows(db, variantIds);
}

/**
 * Adds a variant to a product (a `products` row pointing to it, copying the product's texts,
 * category and labels, with its own SKU, price, GTIN and options); returns the variant id, or
 * undefined when `productId` is not a product (unknown, or itself a variant). Re-index the
 * product's rows afterwards (search `indexProducts`) like any catalogue write.
 */
export function createVariant(
  db: Db,
  productId: number,
  v: { sku: string; price_cents: number; gtin?: string | null; options: VariantOption[] },
): Promise<number | undefined> {
  return insertVariant(db, productId, {
    sku: v.sku,
    price_cents: v.price_cents,
    gtin: v.gtin ?? null,
    options_json: v.options.length ? JSON.stringify(v.options) : null,
  });
}
