/**
 * Products: lookups scoped by merchant, paged lists, dashboard counts and the writes of the
 * back-office, the API and imports. No SQL here (products.repository.ts) and no stock: availability
 * is the inventory module's, which joins through these functions (catalog never imports inventory).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import {
  countIncompleteProducts,
  countProducts as countRows,
  insertProduct,
  type NewProduct,
  type ProductChanges,
  type ProductListFilter,
  type ProductRow,
  type ProductStatusFilter,
  selectAllProductsOfMerchant,
  selectProductById,
  selectProductBySku,
  selectProductIdsBySku,
  selectProductIdsOfMerchant,
  selectProductsByIds,
  selectProductsOfMerchant,
  updateProduct,
  updateProductImagesJson,
  updateProductStatus,
} from './products.repository.ts';
import { type ProductImage, parseImages } from './products.schemas.ts';
import {
  bulkUpsertProducts as bulkUpsert,
  flattenNestedVariants,
  type ImportedProductFields,
  selectImportFieldsBySku,
  selectProductRowsByHandle,
  updateVariantParents,
} from './products-import.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

export type {
  ImportedProductFields,
  NewProduct,
  ProductChanges,
  ProductListFilter,
  ProductRow,
  ProductStatusFilter,
};

/** One product by id, any status; with `merchantId` only when it is that merchant's. */
export function findProductById(db: Db, id: number, opts: { merchantId?: number } = {}) {
  return selectProductById(db, id, opts);
}

/** Like `findProductById`, with its parsed `images`; throws not_found (`product`) when absent. */
export async function getMerchantProduct(db: Db, merchantId: number, id: number) {
  const p = await selectProductById(db, id, { merchantId });
  if (!p) throw notFound('product');
  return { ...p, images: parseImages(p.images_json) };
}

/** Products by ids (unknown ids absent, any order), optionally scoped by merchant and status. */
export function findProductsByIds(
  db: Db,
  ids: readonly number[],
  opts: { merchantId?: number; status?: ProductStatusFilter } = {},
) {
  return ids.length ? selectProductsByIds(db, ids, opts) : Promise.resolve([]);
}

/** A merchant's product by SKU (exact). */
export function findProductBySku(db: Db, merchantId: number, sku: string) {
  return selectProductBySku(db, merchantId, sku);
}

/** The merchant's product ids for these SKUs (unknown SKUs absent). */
export function productIdsBySku(db: Db, merchantId: number, skus: readonly string[]) {
  return selectProductIdsBySku(db, merchantId, skus);
}

/** The import-relevant fields of the merchant's products with these SKUs. */
export function importFieldsBySku(db: Db, merchantId: number, skus: readonly string[]) {
  return selectImportFieldsBySku(db, merchantId, skus);
}

/**
 * A page of a merchant's products (filters: status, default active; category; text; id sets)
 * and the total, ordered by id or by French title (`order: 'title'`).
 */
export function productsOfMerchant(
  db: Db,
  merchantId: number,
  opts: ProductListFilter & { limit: number; offset: number; order?: 'id' | 'title' },
) {
  return selectProductsOfMerchant(db, merchantId, opts);
}

/** Ids of a merchant's products matching a filter (default: active), in id order. */
export function productIdsOfMerchant(db: Db, merchantId: number, filter: ProductListFilter = {}) {
  return selectProductIdsOfMerchant(db, merchantId, filter);
}

/** Every product of a merchant, any status, in id order (exports, feeds). */
export function allProductsOfMerchant(db: Db, merchantId: number) {
  return selectAllProductsOfMerchant(db, merchantId);
}

/** Number of products (default active) of one merchant, or of the region without `merchantId`. */
export function countProducts(db: Db, opts: { merchantId?: number; status?: ProductStatusFilter } = {}) {
  return countRows(db, opts);
}

/** A merchant's active products lacking a category, and lacking a photo (dashboard). */
export function incompleteProductCounts(db: Db, merchantId: number) {
  return countIncompleteProducts(db, merchantId);
}

/** Creates a product; returns its id. */
export function createProduct(db: Db, values: NewProduct) {
  return insertProduct(db, values);
}

/** Changes fields of a merchant's product (`updated_at` set to now unless given); false when not found. */
export function updateProductFields(db: Db, merchantId: number, id: number, changes: ProductChanges) {
  return updateProduct(db, merchantId, id, { updated_at: new Date().toISOString(), ...changes });
}

/** Activates or archives some of a merchant's products; returns how many changed. */
export function setProductStatus(
  db: Db,
  merchantId: number,
  ids: readonly number[],
  status: 'active' | 'archived',
) {
  return updateProductStatus(db, merchantId, ids, status, new Date().toISOString());
}

/** Replaces a product's photos (scoped by merchant when given; `at`: the update time, default now). */
export function setProductImages(
  db: Db,
  productId: number,
  images: readonly ProductImage[] | readonly unknown[],
  opts: { merchantId?: number; at?: string } = {},
) {
  return updateProductImagesJson(db, productId, JSON.stringify(images), opts.at ?? new Date().toISOString(), {
    merchantId: opts.merchantId,
  });
}

/**
 * Inserts or updates (by SKU) many products of a merchant in the caller's transaction, the fast
 * bulk path of imports; returns product ids by SKU.
 */
export function bulkUpsertProducts(
  trx: Db,
  merchantId: number,
  rows: readonly ImportedProductFields[],
  now = new Date().toISOString(),
) {
  return rows.length ? bulkUpsert(trx, merchantId, rows, now) : Promise.resolve(new Map<string, number>());
}

/**
 * The merchant's product rows (not variants) that import handles designate, by stored handle or by
 * SKU (a handle defaults to the product row's SKU).
 */
export function productRowsByHandle(db: Db, merchantId: number, handles: readonly string[]) {
  return handles.length ? selectProductRowsByHandle(db, merchantId, handles) : Promise.resolve([]);
}

/**
 * The second pass of an import: variant rows whose product row was created in the same import get
 * its id; then any product row that became a variant hands its own variants to its new product.
 */
export async function linkImportedVariants(
  trx: Db,
  merchantId: number,
  links: readonly { id: number; parent_id: number }[],
  regrouped: boolean,
): Promise<void> {
  await updateVariantParents(trx, merchantId, links);
  if (regrouped) await flattenNestedVariants(trx, merchantId);
}
