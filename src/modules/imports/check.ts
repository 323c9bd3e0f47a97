/**
 * Checks a whole import against the merchant's catalogue and stores without writing: per-row
 * status (`create`, `update`, `unchanged`, `error`), category matches, stock rows, images to fetch.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { importFieldsBySku, parseImages, productRowsByHandle } from '../catalog/index.ts';
import { levelsOf, merchantLocations, type RowError } from '../inventory/index.ts';
import { importedImageChanges, knownImages } from '../media/index.ts';
import { defaultLocationOf } from '../merchants/index.ts';
import { loadCategoryIndex, matchCategory, matchShopifyCategory } from './category-match.ts';
import { foldHeader } from './columns.ts';
import { isXlsxInput, parseImport, parseXlsxImport } from './parse.ts';
import { issueToError, rowSchema } from './row-schema.ts';
import { mergeProduct, normaliseRow, type ProductFields, productChanged } from './rows.ts';
import {
  type Checked,
  FormatError,
  ImportFormatError,
  type ImportInput,
  type ImportPreview,
  type ImportRowResult,
  type ValidRow,
} from './types.ts';
import { groupVariants, indexHandles } from './variants.ts';

type CurrentProduct = ProductFields & { id: number; sku: string };

/** The merchant's products with the given SKUs, every field an import may change. */
async function currentProducts(db: Kysely<DB>, merchantId: number, skus: string[]) {
  const map = new Map<string, CurrentProduct>();
  for (const r of await importFieldsBySku(db, merchantId, skus)) map.set(r.sku, r);
  return map;
}

/** Parses and checks a file (the shared first step of preview and apply). */
export async function check(db: Kysely<DB>, merchantId: number, input: ImportInput): Promise<Checked> {
  const { format, rows } = isXlsxInput(input) ? await parseXlsxImport(input) : parseImport(input);
  const clearEmpty = !!input.clearEmpty;
  const rawSku = (data: unknown) => {
    const v = data && typeof data === 'object' ? (data as { sku?: unknown }).sku : undefined;
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  const rawHandle = (data: unknown) => {
    const v = data && typeof data === 'object' ? (data as { handle?: unknown }).handle : undefined;
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  const [locations, categories, current, handles] = await Promise.all([
    merchantLocations(db, merchantId),
    loadCategoryIndex(db),
    currentProducts(db, merchantId, [...new Set(rows.map((r) => rawSku(r.data)).filter((s) => s !== null))]),
    // Product rows the file's handles designate (only files with a handle column ask).
    productRowsByHandle(db, merchantId, [
      ...new Set(rows.map((r) => rawHandle(r.data)).filter((s) => s !== null)),
    ]),
  ]);
  // Rows without location_code go to the default store (adding a store never breaks an import).
  const fallback = defaultLocationOf(locations.values());
  // A POS export names its locations as the merchant typed them in the POS: matched to a store by
  // code, then by name, case-, accent- and punctuation-insensitively ("Main_Outlet" = "Main outlet").
  const byName = new Map<string, { id: number; code: string }>();
  for (const l of locations.values()) if (!byName.has(foldHeader(l.code))) byName.set(foldHeader(l.code), l);
  for (const l of locations.values()) if (!byName.has(foldHeader(l.name))) byName.set(foldHeader(l.name), l);
  const levels = await levelsOf(
    db,
    [...current.values()].map((p) => p.id),
  );
  // Image URLs already fetched for these products (re-importing the same file fetches nothing).
  const fetched = await knownImages(
    db,
    [...current.values()].map((p) => p.id),
  );
  const results: ImportRowResult[] = [];
  const valid: ValidRow[] = [];
  const unknownCategories = new Set<string>();
  const seen = new Map<string, { row: number; values?: ProductFields; stores: Set<number> }>();
  for (const { row, data } of rows) {
    const sku = rawSku(data);
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      results.push({
        row,
        sku,
        status: 'error',
        errors: [{ row, code: 'row_not_object', key: 'merchant_api.row_not_object' }],
      });
      continue;
    }
    const n = normaliseRow(data as Record<string, unknown>, { clearEmpty, row, sku });
    if ((data as { stock?: unknown }).stock !== undefined) n.data.stock = (data as { stock?: unknown }).stock;
    const parsed = rowSchema.safeParse(n.data);
    const errors: RowError[] = [
      ...n.errors,
      ...(parsed.success ? [] : parsed.error.issues.map((i) => issueToError(row, sku, i, n.data))),
    ];
    const warnings = n.warnings;
    if (parsed.success) {
      const d = parsed.data;
      const cur = current.get(d.sku);
      const base = { row, sku: d.sku };
      if (!cur) {
        // A new product needs a French title and a price; an existing one keeps them. A variant
        // takes its product's title (checked once rows are grouped, variants.ts).
        if (d.title_fr === undefined && (d.handle === undefined || d.handle === d.sku))
          errors.push({ ...base, field: 'title_fr', code: 'required', key: 'field.required' });
        if (d.price_cents === undefined && !n.errors.length)
          errors.push({
            ...base,
            field: 'price_cents',
            code: 'price_required',
            key: 'import.price_required',
          });
      }
      let categoryId: number | null | undefined;
      const unknownCategory = (values: string[]) => {
        for (const v of values) unknownCategories.add(v);
        warnings.push({
          ...base,
          field: 'category',
          code: 'unknown_category',
          key: 'import.unknown_category_warning',
          params: { category: values.join(' | ') },
        });
        // Uncategorised when new; an existing product keeps the category it has.
        categoryId = cur ? undefined : null;
      };
      if (d.category === null) categoryId = null;
      else if (d.category !== undefined) {
        categoryId = matchCategory(categories, d.category);
        if (categoryId === undefined) unknownCategory([d.category.trim()]);
      }
      if (d.shopify_category) {
        const m = matchShopifyCategory(categories, d.shopify_category);
        if (m.id !== undefined) categoryId = m.id;
        else unknownCategory(m.tried);
      }
      const loc = d.location_code ? locations.get(d.location_code) : fallback;
      if (d.on_hand != null && !loc)
        errors.push(
          d.location_code
            ? {
                ...base,
                field: 'location_code',
                code: 'unknown_location',
                key: 'merchant_api.unknown_location',
                params: { code: d.location_code },
              }
            : {
                ...base,
                field: 'location_code',
                code: 'location_code_required',
                key: 'merchant_api.location_code_required',
              },
        );
      const level = cur && loc ? levels.get(`${cur.id}:${loc.id}`) : undefined;
      if (d.on_hand != null && level && d.on_hand < level.reserved)
        errors.push({
          ...base,
          field: 'on_hand',
          code: 'on_hand_below_reserved',
          key: 'merchant_api.on_hand_below_reserved',
          params: { reserved: level.reserved },
        });
      const img = importedImageChanges(fetched, cur?.id, cur ? parseImages(cur.images_json) : [], d);
      const stock: { locationId: number; on_hand: number }[] = [];
      for (const cell of d.stock ?? []) {
        const store = byName.get(foldHeader(cell.location));
        if (!store) {
          warnings.push({
            ...base,
            field: 'stock',
            code: 'unknown_location',
            key: 'import_formats.unknown_location_warning',
            params: { location: cell.location },
          });
          continue;
        }
        const lv = cur ? levels.get(`${cur.id}:${store.id}`) : undefined;
        if (lv && cell.on_hand < lv.reserved)
          errors.push({
            ...base,
            field: 'stock',
            location_code: store.code,
            code: 'on_hand_below_reserved',
            key: 'merchant_api.on_hand_below_reserved',
            params: { reserved: lv.reserved },
          });
        else if (!stock.some((x) => x.locationId === store.id))
          stock.push({ locationId: store.id, on_hand: cell.on_hand });
      }
      const values = mergeProduct(cur, img.changes, categoryId);
      const first = seen.get(d.sku);
      // Our own export repeats a product once per store: the same product cells for another store
      // is a stock row, not a duplicate.
      const stockOnly =
        first?.values !== undefined &&
        d.on_hand != null &&
        loc !== undefined &&
        !first.stores.has(loc.id) &&
        !productChanged(first.values, values);
      if (first !== undefined && !stockOnly)
        errors.push({
          ...base,
          field: 'sku',
          code: 'duplicate_sku',
          key: 'import.duplicate_sku',
          params: { row: first.row },
        });
      else if (first === undefined)
        seen.set(d.sku, {
          row,
          values: errors.length ? undefined : values,
          stores: new Set(d.on_hand != null && loc ? [loc.id] : []),
        });
      if (stockOnly && loc) first?.stores.add(loc.id);
      if (!errors.length) {
        const write = !stockOnly && (!cur || productChanged(cur, values));
        const stockChange =
          (d.on_hand != null && (!level || level.on_hand !== d.on_hand)) ||
          stock.some((x) => levels.get(`${cur?.id}:${x.locationId}`)?.on_hand !== x.on_hand);
        valid.push({
          row,
          sku: d.sku,
          values,
          write,
          productId: cur?.id,
          on_hand: d.on_hand ?? undefined,
          locationId: d.on_hand != null ? loc?.id : undefined,
          ...(stock.length ? { stock } : {}),
          images: img.fetch,
          handle: d.handle,
          options: d.options,
          current: cur,
          stockChange,
          stockOnly,
          result: results.length,
        });
        results.push({
          row,
          sku: d.sku,
          status: !cur && !stockOnly ? 'create' : write || stockChange ? 'update' : 'unchanged',
          ...(warnings.length ? { warnings } : {}),
        });
        continue;
      }
    }
    results.push({ row, sku, status: 'error', errors, ...(warnings.length ? { warnings } : {}) });
  }
  return { format, results, valid: groupVariants(valid, results, indexHandles(handles)), unknownCategories };
}

/** The preview of a checked file. */
export function summary(c: Checked): ImportPreview {
  const invalid = c.results.filter((r) => r.status === 'error').length;
  return {
    format: c.format,
    total: c.results.length,
    valid: c.results.length - invalid,
    invalid,
    unchanged: c.results.filter((r) => r.status === 'unchanged').length,
    unknown_categories: [...c.unknownCategories].sort(),
    rows: c.results,
  };
}

/**
 * Parses and validates an import without writing anything: per-row status (`create`,
 * `update`, `error`) with every error of each row. Throws ImportFormatError when the body is
 * not one of the supported formats.
 */
export async function previewImport(
  db: Kysely<DB>,
  merchantId: number,
  input: ImportInput,
): Promise<ImportPreview> {
  try {
    return summary(await check(db, merchantId, input));
  } catch (err) {
    if (err instanceof FormatError) throw new ImportFormatError(err.code, err.params);
    throw err;
  }
}
