/** Shapes shared by the import steps (parse, check, apply) and the errors of a whole file. */
import type { RowError } from '../inventory/index.ts';
import type { ProductFields } from './rows.ts';

/** Most rows one import may hold. */
export const MAX_IMPORT_ROWS = 200_000;

/** The file's layout (whose columns) and container: `square_xlsx` is Square's export saved as Excel. */
export type ImportFormat = 'json' | `${'template' | 'shopify' | 'square' | 'lightspeed'}_${'csv' | 'xlsx'}`;
export type Layout = 'template' | 'shopify' | 'square' | 'lightspeed';

/** An uploaded file and its options. */
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

/** One row's outcome. */
export interface ImportRowResult {
  /** CSV: the row number the spreadsheet shows (the header is row 1); JSON: array index + 1. */
  row: number;
  sku: string | null;
  status: 'create' | 'update' | 'unchanged' | 'created' | 'updated' | 'error';
  errors?: RowError[];
  /** Problems that did not stop the row (an unknown category: the row applies uncategorised). */
  warnings?: RowError[];
}

/** What a preview reports. */
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

/** What an applied import reports. */
export interface ImportResult extends ImportPreview {
  applied: boolean;
  created: number;
  updated: number;
}

/** A valid row, ready to write. */
export interface ValidRow {
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
  /** The row's `handle` cell (variants.ts groups rows by it). */
  handle?: string;
  /** The row's option cells, when the file has option columns. */
  options?: { name: string; value: string }[];
  /** The product row's SKU when that row is created by this import (its id is set after the insert). */
  parentSku?: string;
  /** The stored product (undefined: a new SKU), for deciding whether the row changes anything. */
  current?: ProductFields;
  /** The row changes stock (a row whose product fields are unchanged is still an update). */
  stockChange: boolean;
  /** A repeated SKU carrying stock for another store (our export's one row per store). */
  stockOnly: boolean;
  /** Index of the row's outcome in `Checked.results`. */
  result: number;
}

/** The outcome of checking a whole file. */
export interface Checked {
  format: ImportFormat;
  results: ImportRowResult[];
  valid: ValidRow[];
  unknownCategories: Set<string>;
}

/** A format problem found while parsing (becomes ImportFormatError at the public API). */
export class FormatError extends Error {
  readonly code: string;
  readonly params?: Record<string, string | number>;
  constructor(code: string, params?: Record<string, string | number>) {
    super(code);
    this.code = code;
    this.params = params;
  }
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
