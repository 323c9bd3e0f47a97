/**
 * Excel workbooks (.xlsx): the first worksheet, first row the header, every cell as text, so the
 * same format detection and mappers as CSV apply. A workbook is a ZIP archive: before any XML is
 * read, the archive's real uncompressed size is measured (inflating and discarding, stopping at the
 * cap), so a ZIP bomb costs at most the cap in CPU and never in memory; rows are then read as a
 * stream (ExcelJS) and reading stops past the row limit.
 */
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Largest .xlsx file accepted (API and back-office upload). */
export const MAX_XLSX_BYTES = 20 * 1024 * 1024;
/** Largest uncompressed workbook read (all parts together). */
export const MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024;
const MAX_ZIP_ENTRIES = 5000;

/** True for a ZIP archive's first bytes (`PK\x03\x04`), what every .xlsx starts with. */
export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** Why a workbook was refused: `invalid_xlsx` (not a readable workbook), `xlsx_too_large`, `too_many_rows`. */
export class XlsxError extends Error {
  readonly code: 'invalid_xlsx' | 'xlsx_too_large' | 'too_many_rows';
  constructor(code: XlsxError['code'], options?: ErrorOptions) {
    super(code, options);
    this.code = code;
  }
}

/** Inflates `data` and counts the bytes without keeping them; rejects once past `budget`. */
function inflatedSize(data: Buffer, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let n = 0;
    inflate.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > budget) {
        inflate.destroy();
        reject(new XlsxError('xlsx_too_large'));
      }
    });
    inflate.on('error', () => reject(new XlsxError('invalid_xlsx')));
    inflate.on('end', () => resolve(n));
    inflate.end(data);
  });
}

/**
 * Walks the ZIP central directory and measures what every entry really inflates to (the sizes
 * an archive declares can lie). Throws XlsxError when the total passes the cap or the archive is
 * not a plain ZIP (ZIP64 and encryption are never needed by a catalogue under the upload limit).
 */
export async function checkZipSize(buf: Buffer, cap = MAX_XLSX_UNCOMPRESSED): Promise<void> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new XlsxError('invalid_xlsx');
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || p === 0xffffffff || entries > MAX_ZIP_ENTRIES)
    throw new XlsxError('invalid_xlsx');
  let total = 0;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new XlsxError('invalid_xlsx');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1 || (method !== 0 && method !== 8)) throw new XlsxError('invalid_xlsx');
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50)
      throw new XlsxError('invalid_xlsx');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw new XlsxError('invalid_xlsx');
    const data = buf.subarray(start, start + compressed);
    total += method === 0 ? compressed : await inflatedSize(data, cap - total);
    if (total > cap) throw new XlsxError('xlsx_too_large');
  }
}

/** Where a part goes in the archive read by ExcelJS: what a worksheet needs first, then the worksheets. */
function partRank(name: string): number {
  if (name === 'xl/_rels/workbook.xml.rels') return 0;
  if (name === 'xl/workbook.xml') return 1;
  if (name === 'xl/sharedStrings.xml') return 2;
  if (name === 'xl/styles.xml') return 3;
  if (/^xl\/worksheets\/sheet\d+\.xml$/.test(name)) return 4;
  return 5;
}

/**
 * The same archive with the workbook's parts stored before its worksheets (otherwise in their
 * order), every entry with its sizes in its local header (no data descriptors). ExcelJS's streaming
 * reader takes the entries in stored order; a worksheet met before the workbook, its relations and
 * shared strings is parked in a temporary file and read at the end, and that path intermittently
 * fails ("sheets" of undefined, exceljs issue 3064) — files written by ExcelJS and many exporters
 * store xl/workbook.xml last. Call after checkZipSize (the directory is trusted from there).
 */
export function workbookPartsFirst(buf: Buffer): Buffer {
  let eocd = buf.length - 22;
  while (buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = buf.readUInt16LE(eocd + 10);
  const entries: { name: string; central: Buffer; local: Buffer; data: Buffer; rank: number }[] = [];
  let p = buf.readUInt32LE(eocd + 16);
  for (let e = 0; e < count; e++) {
    const nameLen = buf.readUInt16LE(p + 28);
    const size = 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const central = Buffer.from(buf.subarray(p, p + size));
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const at = buf.readUInt32LE(p + 42);
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    const data = buf.subarray(start, start + buf.readUInt32LE(p + 20));
    central.writeUInt16LE(central.readUInt16LE(8) & ~8, 8);
    const local = Buffer.alloc(30 + nameLen);
    local.writeUInt32LE(0x04034b50, 0);
    central.copy(local, 4, 6, 28); // version needed, flags, method, time, date, CRC, both sizes
    local.writeUInt16LE(nameLen, 26);
    central.copy(local, 30, 46, 46 + nameLen);
    entries.push({ name, central, local, data, rank: partRank(name) });
    p += size;
  }
  entries.sort((a, b) => a.rank - b.rank); // stable: the worksheets keep their order
  const parts: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    entry.central.writeUInt32LE(offset, 42);
    parts.push(entry.local, entry.data);
    offset += entry.local.length + entry.data.length;
  }
  const directoryAt = offset;
  for (const entry of entries) {
    parts.push(entry.central);
    offset += entry.central.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(offset - directoryAt, 12);
  end.writeUInt32LE(directoryAt, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/** One cell as text: numbers as written (12.99, 628123456789), rich text joined, formulas' results. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text ?? '').join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
  }
  return '';
}

/**
 * The first worksheet's rows as text cells (blank rows skipped, like the CSV reader). `maxRows`
 * counts data rows (after the header): one more and XlsxError('too_many_rows') is thrown.
 */
export async function readXlsx(buf: Buffer, maxRows: number): Promise<string[][]> {
  await checkZipSize(buf);
  // Loaded with the first spreadsheet, not by every server start (≈ 0.5 s of CPU; issue 19).
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([workbookPartsFirst(buf)]), {
    sharedStrings: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  const records: string[][] = [];
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        if (!cells.some((c) => c.trim() !== '')) continue;
        records.push(cells);
        if (records.length - 1 > maxRows) throw new XlsxError('too_many_rows');
      }
      break; // the first worksheet only
    }
  } catch (err) {
    if (err instanceof XlsxError) throw err;
    // The reader's own error is kept as the cause for whoever logs it; the user gets one message.
    throw new XlsxError('invalid_xlsx', { cause: err });
  }
  return records;
}
