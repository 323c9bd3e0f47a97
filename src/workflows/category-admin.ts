/**
 * The region admin's category edits (catalog module) followed by what search must learn of them:
 * its reference data (category names and slugs) is cached, and category names are search terms of
 * their products, so moved or renamed products are re-indexed. Kept here so that catalog does not
 * depend on search (search reads the catalog).
 */
import type { Database } from '../db/database.ts';
import * as catalog from '../modules/catalog/index.ts';
import { clearReferenceCache, indexProducts } from '../modules/search/index.ts';

/** Creates a category (see catalog `createCategory`); search's category list is refreshed. */
export async function createCategory(
  database: Database,
  input: Parameters<typeof catalog.createCategory>[1],
) {
  const created = await catalog.createCategory(database, input);
  clearReferenceCache(database);
  return created;
}

/** Renames a category; its products are re-indexed under the new names. */
export async function renameCategory(
  database: Database,
  id: number,
  input: Parameters<typeof catalog.renameCategory>[2],
): Promise<void> {
  const { productIds } = await catalog.renameCategory(database, id, input);
  clearReferenceCache(database);
  await indexProducts(database, productIds);
}

/** Hides (or shows) a category; products left uncategorised are re-indexed. */
export async function setCategoryHidden(
  database: Database,
  id: number,
  hidden: boolean,
): Promise<{ products: number }> {
  const r = await catalog.setCategoryHidden(database, id, hidden);
  clearReferenceCache(database);
  await indexProducts(database, r.productIds);
  return { products: r.products };
}

/** Merges a category into another; the moved products are re-indexed. */
export async function mergeCategories(
  database: Database,
  sourceId: number,
  targetId: number,
): Promise<{ products: number }> {
  const r = await catalog.mergeCategories(database, sourceId, targetId);
  clearReferenceCache(database);
  await indexProducts(database, r.productIds);
  return { products: r.products };
}
