/**
 * Reads an uploaded file into raw rows of a known layout: our template (English or French column
 * names), Shopify, Square or Lightspeed exports, as CSV (any encoding and separator), JSON or .xlsx.
 */
import { parse } from 'csv-parse/sync';
import { foldHeader, mapTemplateHeader } from './columns.ts';
import { isLightspeedHeader, parseLightspeed } from './lightspeed.ts';
import { isShopifyHeader, parseShopify } from './shopify.ts';
import { isSquareHeader, parseSquare } from './square.ts';
import { FormatError, type ImportFormat, type ImportInput, type Layout, MAX_IMPORT_ROWS } from './types.ts';
import { isZip, MAX_XLSX_BYTES, readXlsx, XLSX_CONTENT_TYPE, XlsxError } from './xlsx.ts';

function detectLayout(header: string[]): Layout | undefined {
  if (isShopifyHeader(header)) return 'shopify';
  if (isSquareHeader(header)) return 'square';
  if (isLightspeedHeader(header)) return 'lightspeed';
  // English or French column names (titre, catégorie, prix...): see columns.ts.
  if (mapTemplateHeader(header)) return 'template';
  return undefined;
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
  // Our export's stock columns, one per store: `on_hand_<store code>` (or `stock_<code>`).
  const stockColumns = header.flatMap((h, i) => {
    const m = /^(?:on_hand|stock)_(.+)$/.exec(foldHeader(h));
    return m && !fields.has(i) ? [{ i, location: m[1] }] : [];
  });
  return {
    layout,
    // Row numbers as the spreadsheet shows them: the header is row 1.
    rows: records.slice(1).map((r, i) => {
      const data: Record<string, unknown> = {};
      for (const [col, field] of fields) data[field] = r[col] ?? '';
      const stock = stockColumns.flatMap(({ i: col, location }) => {
        // An empty cell leaves that store's stock alone.
        const cell = (r[col] ?? '').trim();
        return cell ? [{ location, on_hand: /^\d+$/.test(cell) ? Number(cell) : cell }] : [];
      });
      if (stock.length) data.stock = stock;
      return { row: i + 2, data };
    }),
  };
}

/** True when the body is an Excel workbook: its content type, or the ZIP magic bytes. */
export function isXlsxInput(input: ImportInput): boolean {
  const ct = (input.contentType ?? '').toLowerCase();
  return (
    ct.startsWith(XLSX_CONTENT_TYPE) ||
    (Buffer.isBuffer(input.body) && isZip(input.body)) ||
    (typeof input.body === 'string' && input.body.startsWith('PK\u0003\u0004'))
  );
}

/** Reads an Excel workbook body (first worksheet) into canonical rows. */
export async function parseXlsxImport(input: ImportInput): Promise<ReturnType<typeof parseImport>> {
  if (!Buffer.isBuffer(input.body) || !isZip(input.body)) throw new FormatError('invalid_xlsx');
  if (input.body.length > MAX_XLSX_BYTES) throw new FormatError('xlsx_too_large');
  let records: string[][];
  try {
    records = await readXlsx(input.body, MAX_IMPORT_ROWS);
  } catch (err) {
    if (err instanceof XlsxError) throw Object.assign(new FormatError(err.code), { cause: err.cause });
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
    // Not UTF-8: by design read as Windows-1252 (see above).
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
      // The merchant's file: refused whole with a translated error, nothing imported.
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
    // The merchant's file: refused whole with a translated error, nothing imported.
    throw new FormatError('invalid_csv');
  }
  const { layout, rows } = rowsOf(records);
  return { format: `${layout}_csv`, rows };
}
