/**
 * The back-office's products and their stock: the list with stock filters, the product form, photos,
 * stock per store and the inventory grid. The catalog module owns products, the inventory module
 * stock levels (and the stock rules: `syncInventory`), the merchants module stores; this file
 * checks the forms and combines their public functions.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import {
  createProduct,
  findCategoryById,
  findProductBySku,
  findProductsByIds,
  getMerchantProduct,
  parseImages,
  productIdsOfMerchant,
  productsOfMerchant,
  setProductImages as saveProductImages,
  updateProductFields,
} from '../catalog/index.ts';
import { zodIssues } from '../common/validation.ts';
import type { EventBus } from '../events/index.ts';
import {
  availableByProduct,
  LOW_STOCK_THRESHOLD,
  levelsForProducts,
  productLevelsAtStores,
  type RowError,
  RowErrors,
  syncInventory,
} from '../inventory/index.ts';
import { locationsOfMerchant } from '../merchants/index.ts';
import { onHandQuantity, type ProductFilters, productInput, type StockCell } from './backoffice.schemas.ts';

/** Products per page in the back-office list and the inventory grid. */
export const PRODUCTS_PER_PAGE = 25;

/**
 * One page of the merchant's products (French title order) with their availability summed over
 * every store; the stock filter keeps those with at most 0 (`out`) or LOW_STOCK_THRESHOLD (`low`).
 */
export async function listProducts(db: Kysely<DB>, merchantId: number, f: ProductFilters) {
  const filter = { status: f.status, categoryId: f.category, q: f.q || undefined };
  let onlyIds: number[] | undefined;
  if (f.stock !== 'all') {
    const max = f.stock === 'out' ? 0 : LOW_STOCK_THRESHOLD;
    const ids = await productIdsOfMerchant(db, merchantId, filter);
    const available = await availableByProduct(db, ids);
    onlyIds = ids.filter((id) => (available.get(id) ?? 0) <= max);
  }
  const { total, rows } = await productsOfMerchant(db, merchantId, {
    ...filter,
    onlyIds,
    limit: PRODUCTS_PER_PAGE,
    offset: (f.page - 1) * PRODUCTS_PER_PAGE,
    order: 'title',
  });
  const available = await availableByProduct(
    db,
    rows.map((r) => r.id),
  );
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      sku: r.sku,
      title_fr: r.title_fr,
      title_en: r.title_en,
      price_cents: r.price_cents,
      status: r.status,
      quebec_label: r.quebec_label,
      images_json: r.images_json,
      available: available.get(r.id) ?? 0,
      images: parseImages(r.images_json),
    })),
  };
}

/** One of the merchant's products with its parsed `images` (404 for another merchant's). */
export function getProduct(db: Kysely<DB>, merchantId: number, id: number) {
  return getMerchantProduct(db, merchantId, id);
}

/** Creates or updates a product; a Québec label set here is a claim declared by the merchant (unverified). */
export async function saveProduct(
  db: Kysely<DB>,
  merchantId: number,
  id: number | undefined,
  raw: unknown,
): Promise<number> {
  const r = productInput.safeParse(raw);
  const skuRaw =
    typeof (raw as Record<string, unknown>)?.sku === 'string'
      ? (raw as Record<string, string>).sku.trim()
      : '';
  if (!r.success) {
    const issues = zodIssues(r.error);
    if (skuRaw && !issues.some((i) => i.field === 'sku')) {
      const d = await findProductBySku(db, merchantId, skuRaw);
      if (d && d.id !== id) issues.unshift({ field: 'sku', message: 'backoffice.sku_taken' });
    }
    throw new ValidationError(issues);
  }
  const v = r.data;
  if (v.category_id && !(await findCategoryById(db, v.category_id)))
    throw new ValidationError([{ field: 'category_id', message: 'field.invalid' }]);
  const dup = await findProductBySku(db, merchantId, v.sku);
  if (dup && dup.id !== id) throw new ValidationError([{ field: 'sku', message: 'backoffice.sku_taken' }]);
  const now = new Date().toISOString();
  const values = {
    sku: v.sku,
    title_fr: v.title_fr,
    title_en: v.title_en,
    description_fr: v.description_fr,
    description_en: v.description_en,
    category_id: v.category_id ?? null,
    brand: v.brand ?? null,
    gtin: v.gtin ?? null,
    price_cents: v.price,
    tax_class: v.tax_class,
    status: v.status,
    updated_at: now,
  };
  if (id !== undefined) {
    const cur = await getMerchantProduct(db, merchantId, id);
    const labelChanged = (v.quebec_label ?? null) !== cur.quebec_label;
    await updateProductFields(db, merchantId, id, {
      ...values,
      ...(labelChanged
        ? {
            quebec_label: v.quebec_label ?? null,
            quebec_label_declared_by: v.quebec_label ? 'merchant' : null,
            quebec_label_verified: 0,
            quebec_label_verified_at: null,
          }
        : {}),
    });
    return id;
  }
  return createProduct(db, {
    merchant_id: merchantId,
    ...values,
    quebec_label: v.quebec_label ?? null,
    quebec_label_declared_by: v.quebec_label ? 'merchant' : null,
  });
}

/** Replaces the photos of one of the merchant's products (404 for another merchant's). */
export async function setProductImages(db: Kysely<DB>, merchantId: number, id: number, images: unknown[]) {
  await getMerchantProduct(db, merchantId, id);
  await saveProductImages(db, id, images, { merchantId });
}

/** Stock of one product at each of the merchant's locations (0 where no row exists yet). */
export async function productStock(db: Kysely<DB>, merchantId: number, productId: number) {
  const product = await getMerchantProduct(db, merchantId, productId);
  return { product, levels: await productLevelsAtStores(db, merchantId, productId) };
}

/** Inventory grid: one page of products (rows) × the merchant's stores (columns) and each cell's stock. */
export async function stockGrid(db: Kysely<DB>, merchantId: number, f: ProductFilters) {
  const { total, rows } = await listProducts(db, merchantId, f);
  const [locations, levels] = await Promise.all([
    locationsOfMerchant(db, merchantId),
    levelsForProducts(
      db,
      rows.map((r) => r.id),
    ),
  ]);
  const level = (pid: number, lid: number) =>
    levels.find((l) => l.product_id === pid && l.location_id === lid) ?? { on_hand: 0, reserved: 0 };
  return { total, rows, locations, level };
}

/** A stock form's problem, on the field of its cell. */
export interface StockFieldError {
  field: string;
  /** Translation key and parameters. */
  key: string;
  params?: Record<string, string | number>;
}

/** The back-office's wording of an inventory refusal (the reserved-units rule has its own). */
function stockError(field: string, e: RowError): StockFieldError {
  return e.code === 'on_hand_below_reserved'
    ? { field, key: 'backoffice.qty_below_reserved', params: e.params }
    : { field, key: e.key, params: e.params };
}

/**
 * Saves the cells of a stock form: every product and store must be the merchant's (else 404);
 * each value must be a whole number (field errors); changed cells go to `syncInventory`, which
 * applies the stock rules (never below the reserved units) and publishes the `stock` events.
 * Returns how many cells changed, or the field errors (nothing is written then).
 */
export async function saveStockCells(
  db: Kysely<DB>,
  events: EventBus,
  merchantId: number,
  cells: readonly StockCell[],
): Promise<{ saved: number; errors: StockFieldError[] }> {
  const pids = [...new Set(cells.map((c) => c.productId))];
  const products = pids.length ? await findProductsByIds(db, pids, { merchantId }) : [];
  const locations = await locationsOfMerchant(db, merchantId);
  if (products.length !== pids.length || cells.some((c) => !locations.some((l) => l.id === c.locationId)))
    throw notFound('product');
  const levels = await levelsForProducts(db, pids);
  const errors: StockFieldError[] = [];
  const rows: { sku: string; location_code: string; on_hand: number }[] = [];
  const fieldOfRow: string[] = [];
  for (const c of cells) {
    const n = onHandQuantity.safeParse(c.value);
    if (!n.success) {
      errors.push({ field: c.field, key: 'backoffice.qty_invalid' });
      continue;
    }
    const cur = levels.find((l) => l.product_id === c.productId && l.location_id === c.locationId);
    if (n.data === (cur?.on_hand ?? 0)) continue;
    rows.push({
      sku: products.find((p) => p.id === c.productId)?.sku as string,
      location_code: locations.find((l) => l.id === c.locationId)?.code as string,
      on_hand: n.data,
    });
    fieldOfRow.push(c.field);
  }
  if (errors.length || !rows.length) return { saved: 0, errors };
  try {
    await syncInventory(db, events, merchantId, rows);
  } catch (e) {
    if (!(e instanceof RowErrors)) throw e;
    return { saved: 0, errors: e.errors.map((re) => stockError(fieldOfRow[re.row - 1] ?? '_', re)) };
  }
  return { saved: rows.length, errors };
}
