/**
 * One import row → what to write: empty cells and absent columns leave the product's fields alone
 * (re-importing never destroys back-office work), prices in dollars or cents, status words.
 */
import type { QuebecLabel, TaxClass } from '../../db/schema.ts';
import { type ProductImage, parseImages } from '../catalog/index.ts';
import type { RowError } from '../inventory/index.ts';
import {
  centsFromText,
  dollarsToCents,
  normaliseQuebecLabel,
  normaliseStatus,
  normaliseTaxClass,
  OPTION_FIELDS,
} from './columns.ts';

/**
 * Fields a back-office user enriches after an import: an empty cell leaves them alone unless
 * the import asks `clear_empty`.
 */
export const ENRICHMENTS = new Set(['image_url', 'title_en', 'description_en', 'quebec_label', 'category']);

/** The product columns an import reads and writes. */
export interface ProductFields {
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  category_id: number | null;
  price_cents: number;
  gtin: string | null;
  brand: string | null;
  quebec_label: QuebecLabel | null;
  quebec_label_declared_by: string | null;
  tax_class: TaxClass;
  images_json: string;
  status: 'active' | 'archived';
  /** The product row this variant row belongs to; null for a product row (see variants.ts). */
  parent_id: number | null;
  /** The variant's options, JSON `[{"name","value"}]`; null without options. */
  options_json: string | null;
  /** The product row's import handle when it differs from its SKU. */
  handle: string | null;
}

/** A cell as trimmed text (numbers as written; absent or null: ''). */
const cellText = (v: unknown) =>
  typeof v === 'string'
    ? v.trim()
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : v == null
        ? ''
        : v;

const BLANK: unique symbol = Symbol('blank');
const kind = (v: unknown) =>
  v === undefined ? 'absent' : v === null || (typeof v === 'string' && v.trim() === '') ? BLANK : 'value';
const intFromText = (v: unknown) =>
  typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v;

/**
 * Raw row (CSV text or JSON values) → the values to validate: absent columns and blank cells
 * that leave a field alone are omitted; blanks that clear a field become null or ''. Price cells
 * are converted here (errors in `errors`).
 */
export function normaliseRow(
  r: Record<string, unknown>,
  opts: { clearEmpty: boolean; row: number; sku: string | null },
): { data: Record<string, unknown>; errors: RowError[]; warnings: RowError[] } {
  const data: Record<string, unknown> = {};
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  const base = { row: opts.row, ...(opts.sku ? { sku: opts.sku } : {}) };
  for (const k of [
    'sku',
    'title_fr',
    'title_en',
    'description_fr',
    'description_en',
    'category',
    'gtin',
    'brand',
    'quebec_label',
    'tax_class',
    'image_url',
    'location_code',
    'on_hand',
    'status',
  ]) {
    const v = r[k];
    const state = kind(v);
    if (state === 'absent') continue;
    if (state === BLANK) {
      if (ENRICHMENTS.has(k)) {
        if (opts.clearEmpty) data[k] = k === 'title_en' || k === 'description_en' ? '' : null;
      } else if (k === 'sku') data[k] = '';
      else if (k === 'description_fr') data[k] = '';
      else if (k === 'gtin' || k === 'brand' || k === 'location_code') data[k] = null;
      // title_fr, tax_class, on_hand, status: a blank keeps the current value (required on creation).
      continue;
    }
    if (typeof v !== 'string') data[k] = v;
    else if (k === 'on_hand') data[k] = intFromText(v);
    else if (k === 'tax_class') data[k] = normaliseTaxClass(v);
    else if (k === 'quebec_label') data[k] = normaliseQuebecLabel(v);
    else if (k === 'status') data[k] = normaliseStatus(v);
    else if (k === 'gtin') data[k] = v.trim();
    else if (k === 'image_url' && v.trim().startsWith('/media/')) {
      // Our own export's uploaded image: keep the current image.
    } else data[k] = v;
  }
  // Prices: `price_cents` in cents, `price` (prix) in dollars.
  const cents = r.price_cents;
  const dollars = r.price;
  const bad = (field: string) =>
    errors.push({
      ...base,
      field,
      code: 'price_invalid',
      key: 'import.price_invalid',
      params: { value: String(field === 'price' ? dollars : cents) },
    });
  if (kind(cents) === 'value') {
    if (typeof cents === 'number') data.price_cents = cents;
    else {
      const c = typeof cents === 'string' ? centsFromText(cents) : undefined;
      if (c === undefined) bad('price_cents');
      else data.price_cents = c;
    }
  } else if (kind(dollars) === 'value') {
    const c =
      typeof dollars === 'number'
        ? Number.isFinite(dollars) &&
          dollars >= 0 &&
          Math.abs(dollars * 100 - Math.round(dollars * 100)) < 1e-6
          ? Math.round(dollars * 100)
          : undefined
        : typeof dollars === 'string'
          ? dollarsToCents(dollars)
          : undefined;
    if (c === undefined) bad('price');
    else data.price_cents = c;
  }
  // Variants: the handle groups rows into one product; a blank one means "the row's SKU".
  const handle = r.handle;
  if (typeof handle === 'string' ? handle.trim() : handle != null) data.handle = cellText(handle);
  if (OPTION_FIELDS.some((f) => r[f] !== undefined))
    data.options = [1, 2, 3].map((n) => ({
      name: cellText(r[`option${n}_name`]),
      value: cellText(r[`option${n}_value`]),
    }));
  if (r.images !== undefined) data.images = r.images;
  if (r.shopify_category !== undefined) data.shopify_category = r.shopify_category;
  if (typeof r.gtin_ignored === 'string')
    warnings.push({
      ...base,
      field: 'gtin',
      code: 'gtin_ignored',
      key: 'import.gtin_ignored',
      params: { value: r.gtin_ignored },
    });
  return { data, errors, warnings };
}

/** What a validated row asks to change (undefined = leave alone). */
export interface RowChanges {
  title_fr?: string;
  title_en?: string;
  description_fr?: string;
  description_en?: string;
  price_cents?: number;
  gtin?: string | null;
  brand?: string | null;
  quebec_label?: QuebecLabel | null;
  tax_class?: TaxClass;
  image_url?: string | null;
  images?: string[];
  status?: 'active' | 'draft' | 'archived';
}

const sameImages = (a: ProductImage[], b: ProductImage[]) =>
  a.length === b.length && a.every((x, i) => x.url === b[i].url);

/**
 * The product's fields after applying a row over the current ones (`cur` undefined: a new product,
 * with defaults). `categoryId` undefined leaves the category alone. Draft and archived both mean
 * "not on sale" (stored as `archived`: the products table knows active and archived only).
 */
export function mergeProduct(
  cur: ProductFields | undefined,
  d: RowChanges,
  categoryId: number | null | undefined,
): ProductFields {
  const images = cur ? parseImages(cur.images_json) : [];
  const fresh = (url: string): ProductImage =>
    // Nominal intrinsic size: the page's CSS sizes the image; the real size is unknown here.
    images.find((i) => i.url === url) ?? { url, width: 800, height: 800 };
  let next = images;
  if (d.images) next = d.images.map(fresh);
  else if (d.image_url === null) next = [];
  else if (d.image_url !== undefined && images[0]?.url !== d.image_url)
    next = [fresh(d.image_url), ...images.slice(1).filter((i) => i.url !== d.image_url)];
  const label = d.quebec_label !== undefined ? d.quebec_label : (cur?.quebec_label ?? null);
  const labelChanged = label !== (cur?.quebec_label ?? null);
  return {
    title_fr: d.title_fr ?? cur?.title_fr ?? '',
    title_en: d.title_en ?? cur?.title_en ?? '',
    description_fr: d.description_fr ?? cur?.description_fr ?? '',
    description_en: d.description_en ?? cur?.description_en ?? '',
    category_id: categoryId !== undefined ? categoryId : (cur?.category_id ?? null),
    price_cents: d.price_cents ?? cur?.price_cents ?? 0,
    gtin: d.gtin !== undefined ? d.gtin : (cur?.gtin ?? null),
    brand: d.brand !== undefined ? d.brand : (cur?.brand ?? null),
    quebec_label: label,
    quebec_label_declared_by: labelChanged
      ? label
        ? 'import'
        : null
      : (cur?.quebec_label_declared_by ?? null),
    tax_class: d.tax_class ?? cur?.tax_class ?? 'standard',
    images_json: cur && sameImages(next, images) ? cur.images_json : JSON.stringify(next),
    status: d.status ? (d.status === 'active' ? 'active' : 'archived') : (cur?.status ?? 'active'),
    // Grouping is decided for the whole file afterwards (variants.ts); until then, as stored.
    parent_id: cur?.parent_id ?? null,
    options_json: cur?.options_json ?? null,
    handle: cur?.handle ?? null,
  };
}

const COMPARED: (keyof ProductFields)[] = [
  'title_fr',
  'title_en',
  'description_fr',
  'description_en',
  'category_id',
  'price_cents',
  'gtin',
  'brand',
  'quebec_label',
  'tax_class',
  'images_json',
  'status',
  'parent_id',
  'options_json',
  'handle',
];

/** True when applying the row would change the stored product. */
export function productChanged(cur: ProductFields, next: ProductFields): boolean {
  return COMPARED.some((k) => cur[k] !== next[k]);
}
