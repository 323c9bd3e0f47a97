/**
 * Catalogue import: our template, a JSON array, Shopify's product export, Square's item library
 * export or Lightspeed X-Series' product export, as CSV or Excel (.xlsx), detected from the header
 * row. Two steps the back-office can show separately:
 *
 *   const preview = await previewImport(db, merchantId, { body, contentType });
 *   // show preview.rows (per-row status and errors) to the merchant, then:
 *   const result = await applyImport(db, events, merchantId, { body, contentType }, { partial });
 *
 * Errors carry a stable `code` and a message key (`key`, `params`) to translate with
 * `t(lang, key, params)`; `translateRowErrors` does it for a whole result.
 */
import { parse } from 'csv-parse/sync';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { DB, QuebecLabel } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { parseImages, QUEBEC_LABELS, TAX_CLASSES } from '../catalog/index.ts';
import { humanText } from '../common/validation.ts';
import type { EventBus } from '../events/index.ts';
import {
  type AvailabilityChange,
  announceAvailability,
  defaultLocationOf,
  isPostgres,
  levelsOf,
  merchantLocations,
  type RowError,
  writeLevels,
} from '../inventory/index.ts';
import { importedImageChanges, knownImages, queueImageFetches } from '../media/index.ts';
import { indexProducts } from '../search/index.ts';
import { loadCategoryIndex, matchCategory, matchShopifyCategory } from './category-match.ts';
import { foldHeader, mapTemplateHeader } from './columns.ts';
import { isLightspeedHeader, parseLightspeed } from './lightspeed.ts';
import { mergeProduct, normaliseRow, type ProductFields, productChanged } from './rows.ts';
import { isShopifyHeader, parseShopify } from './shopify.ts';
import { isSquareHeader, parseSquare } from './square.ts';
import { isZip, MAX_XLSX_BYTES, readXlsx, XLSX_CONTENT_TYPE, XlsxError } from './xlsx.ts';

export { stripHtml } from './html.ts';
export { isZip, MAX_XLSX_BYTES, MAX_XLSX_UNCOMPRESSED, XLSX_CONTENT_TYPE } from './xlsx.ts';

export const TEMPLATE_COLUMNS = [
  'sku',
  'title_fr',
  'title_en',
  'description_fr',
  'description_en',
  'category',
  'price_cents',
  'gtin',
  'brand',
  'quebec_label',
  'tax_class',
  'image_url',
  'location_code',
  'on_hand',
  'status',
] as const;
export const MAX_IMPORT_ROWS = 200_000;

/** Imports up to this many products are searchable when the response is sent; larger ones shortly after. */
export const SYNC_INDEX_MAX = 2000;
const pendingIndexing = new Set<Promise<void>>();

/** Resolves when the background search indexing of large imports has finished (tests, benchmarks, shutdown). */
export async function importIndexingIdle(): Promise<void> {
  while (pendingIndexing.size) await Promise.all([...pendingIndexing]);
}

/** The file's layout (whose columns) and container: `square_xlsx` is Square's export saved as Excel. */
export type ImportFormat = 'json' | `${'template' | 'shopify' | 'square' | 'lightspeed'}_${'csv' | 'xlsx'}`;
type Layout = 'template' | 'shopify' | 'square' | 'lightspeed';

export interface ImportInput {
  /** CSV text, a parsed JSON value (array of rows), or the file's bytes (CSV in any encoding, .xlsx). */
  body: unknown;
  /** The request's content type: text/csv, application/json, XLSX_CONTENT_TYPE... (format detection). */
  contentType?: string;
  /**
   * Empty cells clear back-office enrichments (image, English texts, Québec label, category);
   * by default they leave them alone.
   */
  clearEmpty?: boolean;
}

export interface ImportRowResult {
  /** CSV: the row number the spreadsheet shows (the header is row 1); JSON: array index + 1. */
  row: number;
  sku: string | null;
  status: 'create' | 'update' | 'unchanged' | 'created' | 'updated' | 'error';
  errors?: RowError[];
  /** Problems that did not stop the row (an unknown category: the row applies uncategorised). */
  warnings?: RowError[];
}

export interface ImportPreview {
  format: ImportFormat;
  total: number;
  valid: number;
  invalid: number;
  /** Valid rows that change nothing (a re-import of the same file). */
  unchanged: number;
  /** Category values no category matched, to map (or ask the region to create). */
  unknown_categories: string[];
  rows: ImportRowResult[];
}

export interface ImportResult extends ImportPreview {
  applied: boolean;
  created: number;
  updated: number;
}

// Plain schema (no preprocess: 2-3x faster on 100,000 rows); `normalise` maps CSV text first.
const fullRowSchema = z.object({
  sku: z.string().trim().min(1).max(100),
  title_fr: humanText({ max: 300 }),
  title_en: humanText({ min: 0, max: 300 }),
  description_fr: z.string().max(10_000),
  description_en: z.string().max(10_000),
  category: z.string().trim().max(100).nullable(),
  price_cents: z.number().int().min(0).max(100_000_000),
  gtin: z
    .string()
    .regex(/^\d{8,14}$/, 'import.gtin_invalid')
    .nullable(),
  brand: z.string().max(200).nullable(),
  quebec_label: z.enum(QUEBEC_LABELS as [QuebecLabel, ...QuebecLabel[]]).nullable(),
  tax_class: z.enum(TAX_CLASSES),
  image_url: z
    .string()
    .max(2000)
    .regex(/^https?:\/\/[^\s]+$/i, 'import.image_url_invalid')
    .nullable(),
  location_code: z.string().trim().max(100).nullable(),
  on_hand: z.number().int().min(0).max(1_000_000_000).nullable(),
});

/**
 * A row as validated: every field optional (an absent column or a blank cell leaves the product's
 * field alone; `normaliseRow` decides) except the SKU; plus the import-only fields.
 */
const rowSchema = fullRowSchema.partial().extend({
  sku: fullRowSchema.shape.sku,
  status: z.enum(['active', 'draft', 'archived']).optional(),
  images: z
    .array(
      z
        .string()
        .max(2000)
        .regex(/^https?:\/\/[^\s]+$/i, 'import.image_url_invalid'),
    )
    .max(50)
    .optional(),
  shopify_category: z
    .object({
      productCategory: z.string().optional(),
      type: z.string().optional(),
      tags: z.string().optional(),
    })
    .optional(),
  /** Stock per location name or code (Square, Lightspeed: one column per location). */
  stock: z
    .array(z.object({ location: z.string().max(200), on_hand: fullRowSchema.shape.on_hand.unwrap() }))
    .max(500)
    .optional(),
});

function detectLayout(header: string[]): Layout | undefined {
  if (isShopifyHeader(header)) return 'shopify';
  if (isSquareHeader(header)) return 'square';
  if (isLightspeedHeader(header)) return 'lightspeed';
  // English or French column names (titre, catégorie, prix...): see columns.ts.
  if (mapTemplateHeader(header)) return 'template';
  return undefined;
}

class FormatError extends Error {
  readonly code: string;
  readonly params?: Record<string, string | number>;
  constructor(code: string, params?: Record<string, string | number>) {
    super(code);
    this.code = code;
    this.params = params;
  }
}

/** The header matched no format: one message naming the columns found (the first 12) and what is expected. */
function unknownHeader(header: string[]): FormatError {
  const cols = header.filter(Boolean);
  const shown = cols
    .slice(0, 12)
    .map((c) => (c.length > 40 ? `${c.slice(0, 40)}…` : c))
    .join(', ');
  return new FormatError('unknown_header', {
    columns: (shown || '—') + (cols.length > 12 ? ', …' : ''),
  });
}

/** Header + rows (records[0] is the header) → canonical rows of the detected layout. */
function rowsOf(records: string[][]): { layout: Layout; rows: { row: number; data: unknown }[] } {
  if (!records.length) throw new FormatError('unknown_format');
  const header = records[0].map((c) => c.trim());
  const layout = detectLayout(header);
  if (!layout) throw unknownHeader(header);
  if (records.length - 1 > MAX_IMPORT_ROWS) throw new FormatError('too_many_rows');
  if (layout === 'shopify') return { layout, rows: parseShopify(records) };
  if (layout === 'square') return { layout, rows: parseSquare(records) };
  if (layout === 'lightspeed') return { layout, rows: parseLightspeed(records) };
  const fields = mapTemplateHeader(header) as NonNullable<ReturnType<typeof mapTemplateHeader>>;
  return {
    layout,
    // Row numbers as the spreadsheet shows them: the header is row 1.
    rows: records.slice(1).map((r, i) => {
      const data: Record<string, unknown> = {};
      for (const [col, field] of fields) data[field] = r[col] ?? '';
      return { row: i + 2, data };
    }),
  };
}

/** True when the body is an Excel workbook: its content type, or the ZIP magic bytes. */
function isXlsxInput(input: ImportInput): boolean {
  const ct = (input.contentType ?? '').toLowerCase();
  return (
    ct.startsWith(XLSX_CONTENT_TYPE) ||
    (Buffer.isBuffer(input.body) && isZip(input.body)) ||
    (typeof input.body === 'string' && input.body.startsWith('PK\u0003\u0004'))
  );
}

/** Reads an Excel workbook body (first worksheet) into canonical rows. */
async function parseXlsxImport(input: ImportInput): Promise<ReturnType<typeof parseImport>> {
  if (!Buffer.isBuffer(input.body) || !isZip(input.body)) throw new FormatError('invalid_xlsx');
  if (input.body.length > MAX_XLSX_BYTES) throw new FormatError('xlsx_too_large');
  let records: string[][];
  try {
    records = await readXlsx(input.body, MAX_IMPORT_ROWS);
  } catch (err) {
    if (err instanceof XlsxError) throw new FormatError(err.code);
    throw err;
  }
  if (!records.length) throw unknownHeader([]);
  if (records.some((r) => r.some((c) => c.includes('\u0000')))) throw new FormatError('contains_nul');
  const { layout, rows } = rowsOf(records);
  return { format: `${layout}_xlsx`, rows };
}

/**
 * Decodes an uploaded text file: UTF-8 (with or without BOM), UTF-16 LE/BE with their BOM, else
 * Windows-1252 when the bytes are not valid UTF-8 (what French Excel writes for "CSV (séparateur :
 * point-virgule)"), so accents are never stored as mojibake.
 */
export function decodeText(buf: Uint8Array): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
    return new TextDecoder('utf-8').decode(buf.subarray(3));
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('windows-1252').decode(buf);
  }
}

/** The CSV separator: whichever of `,` `;` and tab occurs most in the header line (outside quotes). */
export function detectSeparator(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

/** True when a string anywhere in a parsed JSON value holds a NUL character (PostgreSQL refuses them). */
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object' || depth > 16) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasNul(x, depth + 1)) return true;
  return false;
}

/**
 * Parses a text or JSON body into raw rows (not yet validated) and says which format it was.
 * Excel workbooks are read asynchronously by `previewImport` / `applyImport`.
 */
export function parseImport(input: ImportInput): {
  format: ImportFormat;
  rows: { row: number; data: unknown }[];
} {
  const ct = (input.contentType ?? '').toLowerCase();
  let body = input.body;
  if (isXlsxInput(input)) throw new FormatError('invalid_xlsx');
  if (Buffer.isBuffer(body)) body = decodeText(body);
  // A NUL is never text: refused whole (nothing imported) rather than a database error later.
  if (typeof body === 'string' ? body.includes('\u0000') : hasNul(body))
    throw new FormatError('contains_nul');
  if (typeof body === 'string' && !ct.includes('csv') && /^\s*\[/.test(body)) {
    try {
      body = JSON.parse(body);
    } catch {
      throw new FormatError('invalid_json');
    }
  }
  if (Array.isArray(body)) {
    if (body.length > MAX_IMPORT_ROWS) throw new FormatError('too_many_rows');
    return { format: 'json', rows: body.map((data, i) => ({ row: i + 1, data })) };
  }
  if (typeof body !== 'string') throw new FormatError('unknown_format');
  let records: string[][];
  try {
    const text = body.replace(/^\uFEFF/, '');
    records = parse(text, {
      delimiter: detectSeparator(text),
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch {
    throw new FormatError('invalid_csv');
  }
  const { layout, rows } = rowsOf(records);
  return { format: `${layout}_csv`, rows };
}

function issueToError(row: number, sku: string | null, issue: z.core.$ZodIssue, raw: object): RowError {
  const field = issue.path.join('.') || '_';
  const given = (raw as Record<string, unknown>)[String(issue.path[0])];
  const missing = given === undefined || given === null || given === '';
  const base = { row, field, ...(sku ? { sku } : {}) };
  if (issue.message && /^[a-z_]+\.[a-z_.]+$/.test(issue.message))
    return { ...base, code: issue.message.split('.')[1], key: issue.message };
  switch (issue.code) {
    case 'invalid_type':
      return missing
        ? { ...base, code: 'required', key: 'field.required' }
        : { ...base, code: 'invalid_type', key: 'field.invalid_type' };
    case 'too_small':
      return issue.origin === 'string'
        ? { ...base, code: 'too_short', key: 'field.too_short', params: { minimum: Number(issue.minimum) } }
        : { ...base, code: 'too_small', key: 'field.too_small', params: { minimum: Number(issue.minimum) } };
    case 'too_big':
      return issue.origin === 'string'
        ? { ...base, code: 'too_long', key: 'field.too_long', params: { maximum: Number(issue.maximum) } }
        : { ...base, code: 'too_big', key: 'field.too_big', params: { maximum: Number(issue.maximum) } };
    case 'invalid_value':
      return {
        ...base,
        code: 'invalid_enum',
        key: 'field.invalid_enum',
        params: { options: issue.values.map(String).join(', ') },
      };
    default:
      return { ...base, code: 'invalid', key: 'field.invalid' };
  }
}

interface ValidRow {
  row: number;
  sku: string;
  values: ProductFields;
  /** The product row must be written (new or changed). */
  write: boolean;
  productId?: number;
  on_hand?: number;
  locationId?: number;
  /** Stock per store from a POS export's location columns (Square, Lightspeed). */
  stock?: { locationId: number; on_hand: number }[];
  /** Image URLs to fetch in the background (media module): never stored as foreign links. */
  images?: { urls: string[]; pending: { url: string; position: number }[] };
}

interface Checked {
  format: ImportFormat;
  results: ImportRowResult[];
  valid: ValidRow[];
  unknownCategories: Set<string>;
}

type CurrentProduct = ProductFields & { id: number; sku: string };

/** The merchant's products with the given SKUs, every field an import may change. */
async function currentProducts(db: Kysely<DB>, merchantId: number, skus: string[]) {
  const map = new Map<string, CurrentProduct>();
  const pg = isPostgres(db);
  for (let i = 0; i < skus.length; i += pg ? 50_000 : 500) {
    const list = skus.slice(i, i + (pg ? 50_000 : 500));
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
    for (const r of rows) map.set(r.sku, r);
  }
  return map;
}

async function check(db: Kysely<DB>, merchantId: number, input: ImportInput): Promise<Checked> {
  const { format, rows } = isXlsxInput(input) ? await parseXlsxImport(input) : parseImport(input);
  const clearEmpty = !!input.clearEmpty;
  const rawSku = (data: unknown) => {
    const v = data && typeof data === 'object' ? (data as { sku?: unknown }).sku : undefined;
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  const [locations, categories, current] = await Promise.all([
    merchantLocations(db, merchantId),
    loadCategoryIndex(db),
    currentProducts(db, merchantId, [...new Set(rows.map((r) => rawSku(r.data)).filter((s) => s !== null))]),
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
        // A new product needs a French title and a price; an existing one keeps them.
        if (d.title_fr === undefined)
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
  return { format, results, valid, unknownCategories };
}

function summary(c: Checked): ImportPreview {
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

/** A format problem for the whole body (not a row): unknown header, broken CSV or JSON. */
export class ImportFormatError extends Error {
  readonly code: string;
  /** Message key to translate with `params` (e.g. the columns found in an unrecognised header). */
  readonly key: string;
  readonly params?: Record<string, string | number>;
  constructor(code: string, params?: Record<string, string | number>) {
    super(code);
    this.code = code;
    this.params = params;
    this.key = FORMAT_KEYS[code] ?? `import.${code}`;
  }
}

/** Format problems whose message lives in the import-formats bundle. */
const FORMAT_KEYS: Record<string, string> = {
  unknown_header: 'import_formats.unknown_header',
  invalid_xlsx: 'import_formats.invalid_xlsx',
  xlsx_too_large: 'import_formats.xlsx_too_large',
};

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

/**
 * Validates and applies an import in one transaction. Without `partial`, any invalid row means
 * nothing is written (`applied: false`); with `partial: true` valid rows are written and invalid
 * ones reported. Products are upserted by SKU (scoped to the merchant); rows with `on_hand`
 * set the stock at `location_code` (or the merchant's only location). Availability changes are
 * announced (SSE, inventory.low webhooks) after the commit. Pass `database: ctx.database` so the
 * imported products are re-indexed for search (`indexProducts`): before returning for up to
 * SYNC_INDEX_MAX products, in the background for larger imports (see `importIndexingIdle`).
 */
export async function applyImport(
  db: Kysely<DB>,
  events: EventBus,
  merchantId: number,
  input: ImportInput,
  opts: {
    partial?: boolean;
    /** The open database (ctx.database): when given, imported products are re-indexed for search. */
    database?: Database;
  } = {},
): Promise<ImportResult> {
  let checked: Checked;
  try {
    checked = await check(db, merchantId, input);
  } catch (err) {
    if (err instanceof FormatError) throw new ImportFormatError(err.code, err.params);
    throw err;
  }
  const preview = summary(checked);
  if (preview.invalid > 0 && !opts.partial) return { ...preview, applied: false, created: 0, updated: 0 };
  const now = new Date().toISOString();
  const { changes, written } = await db.transaction().execute(async (trx) => {
    const ids = new Map<string, number>();
    for (const v of checked.valid) if (v.productId !== undefined) ids.set(v.sku, v.productId);
    const values = checked.valid
      .filter((v) => v.write)
      .map(({ sku, values: p }) => ({ merchant_id: merchantId, sku, ...p, updated_at: now }));
    const written = values.map((v) => v.sku);
    if (isPostgres(trx)) {
      // One JSON parameter per 5,000 rows (thousands of bind parameters are slow to plan on PostgreSQL).
      for (let i = 0; i < values.length; i += 5000) {
        const batch = values.slice(i, i + 5000).map(({ merchant_id: _m, updated_at: _u, ...v }) => v);
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
    }
    for (let i = 0; !isPostgres(trx) && i < values.length; i += 400) {
      const rows = await trx
        .insertInto('products')
        .values(values.slice(i, i + 400))
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
      for (const r of rows) ids.set(r.sku, r.id);
    }
    const stockRows = checked.valid.flatMap((v) => [
      ...(v.on_hand !== undefined && v.locationId !== undefined ? [v] : []),
      ...(v.stock ?? []).map((x) => ({ ...v, ...x })),
    ]);
    // Products created by this import have no stock yet: only existing ones are looked up.
    const levels = await levelsOf(
      trx,
      stockRows.filter((v) => v.productId !== undefined).map((v) => v.productId as number),
    );
    const writes: { product_id: number; location_id: number; on_hand: number }[] = [];
    const changes: AvailabilityChange[] = [];
    for (const v of stockRows) {
      const product_id = ids.get(v.sku) as number;
      const location_id = v.locationId as number;
      const cur = levels.get(`${product_id}:${location_id}`);
      const on_hand = v.on_hand as number;
      if (cur && cur.on_hand === on_hand) continue;
      writes.push({ product_id, location_id, on_hand });
      changes.push({
        product_id,
        sku: v.sku,
        location_id,
        merchant_id: merchantId,
        available: on_hand - (cur?.reserved ?? 0),
        previous: cur ? cur.on_hand - cur.reserved : 0,
      });
    }
    await writeLevels(trx, writes);
    await queueImageFetches(
      trx,
      merchantId,
      checked.valid.flatMap((v) =>
        v.images && ids.has(v.sku)
          ? [{ productId: ids.get(v.sku) as number, existing: v.productId !== undefined, ...v.images }]
          : [],
      ),
    );
    return { changes, written: written.map((s) => ids.get(s) as number) };
  });
  await announceAvailability(db, events, changes);
  if (opts.database && written.length) {
    const productIds = written;
    if (productIds.length <= SYNC_INDEX_MAX) await indexProducts(opts.database, productIds);
    else {
      // Large imports answer first; search catches up in the background (pages show the products at once).
      const job = indexProducts(opts.database, productIds)
        .catch((err) => console.error('search indexing after import failed', err))
        .finally(() => pendingIndexing.delete(job));
      pendingIndexing.add(job);
    }
  }
  let created = 0;
  let updated = 0;
  for (const r of preview.rows) {
    if (r.status === 'create') {
      r.status = 'created';
      created++;
    } else if (r.status === 'update') {
      r.status = 'updated';
      updated++;
    }
  }
  return { ...preview, applied: true, created, updated };
}

/** Adds translated `message`s to row errors and warnings (for API responses and back-office pages). */
export function translateRowErrors<T extends { errors?: RowError[]; warnings?: RowError[] }>(
  lang: Lang,
  rows: T[],
) {
  const tr = (list: RowError[]) =>
    list.map(({ key, params, ...e }) => ({ ...e, message: t(lang, key, params) }));
  return rows.map((r) =>
    r.errors || r.warnings
      ? {
          ...r,
          ...(r.errors ? { errors: tr(r.errors) } : {}),
          ...(r.warnings ? { warnings: tr(r.warnings) } : {}),
        }
      : r,
  );
}

/** Protects a CSV cell from formula injection in spreadsheets (=, +, -, @, tab, CR lead). */
export function csvSafe(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The merchant's catalogue in the import template's columns (round-trips through import). */
export async function exportProducts(db: Kysely<DB>, merchantId: number): Promise<string[][]> {
  const rows = await db
    .selectFrom('products as p')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .leftJoin('inventory_levels as i', 'i.product_id', 'p.id')
    .leftJoin('locations as l', (j) =>
      j.onRef('l.id', '=', 'i.location_id').on('l.merchant_id', '=', merchantId),
    )
    .select([
      'p.sku',
      'p.title_fr',
      'p.title_en',
      'p.description_fr',
      'p.description_en',
      'c.slug as category',
      'p.price_cents',
      'p.gtin',
      'p.brand',
      'p.quebec_label',
      'p.tax_class',
      'p.images_json',
      'l.code as location_code',
      'i.on_hand',
      'p.status',
    ])
    .where('p.merchant_id', '=', merchantId)
    .orderBy('p.id')
    .orderBy('l.id')
    .execute();
  const out: string[][] = [[...TEMPLATE_COLUMNS]];
  for (const r of rows) {
    let image = '';
    try {
      image = (JSON.parse(r.images_json) as { url?: string }[])[0]?.url ?? '';
    } catch {}
    out.push(
      [
        r.sku,
        r.title_fr,
        r.title_en,
        r.description_fr,
        r.description_en,
        r.category,
        r.price_cents,
        r.gtin,
        r.brand,
        r.quebec_label,
        r.tax_class,
        image,
        r.location_code,
        r.on_hand,
        r.status,
      ].map(csvSafe),
    );
  }
  return out;
}
