/**
 * Catalog: products (what merchants sell) and the category taxonomy. Owns `products`, `categories`
 * and `category_aliases` (src/db/ownership.ts): every other module reads and writes them through
 * these functions. Stock is the inventory module's (it builds on this one; catalog never imports it).
 */
import './categories.tables.ts';

/* ------------------------------------------------------------------ products */

/**
 * Product cards for showcases (campaigns, associations): `activeProductsOfMerchants(db, merchantIds,
 * limit)` (Québec-labelled first, then newest) and `productsByIds(db, ids)` (any status, by id).
 */
export { activeProductsOfMerchants, productsByIds } from './product-lists.repository.ts';
/** Québec labels, tax classes, the stored image shape and its parser. */
export { type ProductImage, parseImages, QUEBEC_LABELS, TAX_CLASSES } from './products.schemas.ts';
/**
 * Product lookups and writes (see products.service.ts for each):
 * - `findProductById(db, id, { merchantId? })`, `getMerchantProduct(db, merchantId, id)` (throws
 *   not_found, with `images`), `findProductsByIds(db, ids, { merchantId?, status? })`,
 *   `findProductBySku(db, merchantId, sku)`, `productIdsBySku(db, merchantId, skus)`;
 * - lists: `productsOfMerchant(db, merchantId, { status, categoryId, q, onlyIds, exceptIds, limit,
 *   offset, order })`, `productIdsOfMerchant`, `allProductsOfMerchant`;
 * - counts: `countProducts(db, { merchantId?, status? })`, `incompleteProductCounts(db, merchantId)`;
 * - writes: `createProduct`, `updateProductFields`, `setProductStatus`, `setProductImages`,
 *   `bulkUpsertProducts(trx, merchantId, rows)` and `importFieldsBySku` (imports);
 * - variant grouping of imports: `productRowsByHandle(db, merchantId, handles)` (product rows by
 *   stored handle or SKU) and `linkImportedVariants(trx, merchantId, links, regrouped)` (parents of
 *   variants whose product row the same import created; nested variants flattened).
 */
export {
  allProductsOfMerchant,
  bulkUpsertProducts,
  countProducts,
  createProduct,
  findProductById,
  findProductBySku,
  findProductsByIds,
  getMerchantProduct,
  type ImportedProductFields,
  importFieldsBySku,
  incompleteProductCounts,
  linkImportedVariants,
  type NewProduct,
  type ProductChanges,
  type ProductListFilter,
  type ProductRow,
  type ProductStatusFilter,
  productIdsBySku,
  productIdsOfMerchant,
  productRowsByHandle,
  productsOfMerchant,
  setProductImages,
  setProductStatus,
  updateProductFields,
} from './products.service.ts';

/* ------------------------------------------------------------------ variants */

/**
 * Product variants (migration 026): each `products` row is a variant (own SKU, price, GTIN, stock);
 * the product is the row without `parent_id`. `variantsOfProducts(db, productIds)` lists them
 * (product row first), `productIdsOfVariants(db, variantIds)` maps variant rows to their product;
 * `parseOptions`, `optionsObject` (`{NAME: VALUE}`) and `optionsLabel` ("M / Rouge") read
 * `options_json`.
 */
export {
  /** Adds a variant (own SKU, price, GTIN, options) to a product; undefined when it is not a product. */
  createVariant,
  optionsLabel,
  optionsObject,
  parseOptions,
  productIdsOfVariants,
  type Variant,
  type VariantOption,
  variantsOfProducts,
} from './variants.service.ts';

/* ------------------------------------------------------------------ categories */

export type { Category } from './categories.schemas.ts';
/** Folds category text (case, accents, punctuation) the way synonyms and import cells are compared. */
export { foldCategoryText } from './categories.schemas.ts';
/**
 * The category taxonomy (the default bilingual list comes from migration 005).
 * `listCategories` gives visible ones unless `includeHidden`; `categoriesForApi(db, lang)` the
 * public list; `getCategory` (throws not_found), `findCategoryById`, `findCategoryBySlug`,
 * `findCategoriesByIds`; `resolveCategorySlugs` maps slugs, old ones included (aliases), to ids;
 * `listCategoryNames` and `listCategoryAliases` are what imports match cells against; the region
 * admin's edits: `createCategory`, `renameCategory`, `setCategoryHidden` (products become
 * uncategorised), `mergeCategories` (products move, the old slug becomes an alias), synonyms.
 */
export {
  addCategorySynonym,
  categoriesForApi,
  createCategory,
  findCategoriesByIds,
  findCategoryById,
  findCategoryBySlug,
  getCategory,
  listCategories,
  listCategoriesForAdmin,
  listCategoryAliases,
  listCategoryNames,
  listCategorySynonymsOf,
  mergeCategories,
  removeCategorySynonym,
  renameCategory,
  resolveCategorySlugs,
  setCategoryHidden,
} from './categories.service.ts';
