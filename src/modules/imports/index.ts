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
 * `t(lang, key, params)`; `translateRowErrors` does it for a whole result. The module owns no
 * table: products are written through the catalog, stock through inventory, images through media.
 */

/**
 * Applies an import in one transaction (`partial` writes the valid rows only); `importIndexingIdle`
 * waits for the background search indexing of large imports (more than SYNC_INDEX_MAX products).
 */
export { applyImport, importIndexingIdle, SYNC_INDEX_MAX } from './apply.ts';
/** Parses and validates an import without writing anything (per-row status and errors). */
export { previewImport } from './check.ts';
/**
 * The catalogue in the template's columns (`exportProducts`, round-trips through import), a CSV
 * cell protected from formula injection (`csvSafe`), row errors translated (`translateRowErrors`).
 */
export { csvSafe, exportProducts, TEMPLATE_COLUMNS, translateRowErrors } from './export.ts';
/** Strips HTML from imported descriptions (Shopify's Body HTML). */
export { stripHtml } from './html.ts';
/** Text decoding (UTF-8/16, Windows-1252), CSV separator detection and the raw parse of a body. */
export { decodeText, detectSeparator, parseImport } from './parse.ts';
/** The shapes of an import and of its outcome; ImportFormatError is a problem with the whole file. */
export {
  type ImportFormat,
  ImportFormatError,
  type ImportInput,
  type ImportPreview,
  type ImportResult,
  type ImportRowResult,
  MAX_IMPORT_ROWS,
} from './types.ts';
/** Excel workbooks: detection (ZIP magic), size limits and their content type. */
export { isZip, MAX_XLSX_BYTES, MAX_XLSX_UNCOMPRESSED, XLSX_CONTENT_TYPE } from './xlsx.ts';
