import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { checkZipSize, readXlsx, workbookPartsFirst } from '../../src/modules/imports/xlsx.ts';

type Entry = { name: string; method: number; crc: number; data: Buffer };

/** The entries as a streaming reader meets them: local headers one after the other from byte 0. */
function storedOrder(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  let p = 0;
  while (buf.readUInt32LE(p) === 0x04034b50) {
    assert.equal(buf.readUInt16LE(p + 6) & 8, 0, 'no data descriptor: the sizes are in the local header');
    const method = buf.readUInt16LE(p + 8);
    const size = buf.readUInt32LE(p + 18);
    const nameLen = buf.readUInt16LE(p + 26);
    const start = p + 30 + nameLen + buf.readUInt16LE(p + 28);
    const raw = buf.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    assert.equal(data.length, buf.readUInt32LE(p + 22), 'uncompressed size in the local header');
    out.push({
      name: buf.toString('utf8', p + 30, p + 30 + nameLen),
      method,
      crc: buf.readUInt32LE(p + 14),
      data,
    });
    p = start + size;
  }
  return out;
}

/** The entries' contents by name, read through the central directory (independent of order). */
async function contents(buf: Buffer): Promise<Map<string, string>> {
  const zip = await new ExcelJS.Workbook().xlsx.load(buf as unknown as ExcelJS.Buffer); // parses: the archive must be valid
  assert.ok(zip.worksheets.length > 0);
  const map = new Map<string, string>();
  for (const e of storedOrder(buf)) map.set(e.name, e.data.toString('base64'));
  return map;
}

const fixtures = ['square-item-library.xlsx', 'gabarit-fr.xlsx'].map((f) =>
  readFileSync(new URL(`../fixtures/imports/${f}`, import.meta.url)),
);

async function writtenByExcelJs(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Produits').addRow(['sku', 'titre', 'prix']);
  wb.getWorksheet('Produits')?.addRow(['A-1', 'Café équitable', 12.99]);
  wb.addWorksheet('Notes').addRow(['à ignorer']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('the workbook parts come first, then the worksheets in their order, with the same contents', async () => {
  for (const original of [...fixtures, await writtenByExcelJs()]) {
    const before = storedOrder(original).map((e) => e.name);
    assert.ok(
      before.indexOf('xl/workbook.xml') > before.indexOf('xl/worksheets/sheet1.xml'),
      'workbook.xml after sheet1',
    );
    const moved = workbookPartsFirst(original);
    await checkZipSize(moved);
    const entries = storedOrder(moved);
    const names = entries.map((e) => e.name);
    assert.deepEqual([...names].sort(), [...before].sort(), 'same entries');
    const firstSheet = names.findIndex((n) => n.startsWith('xl/worksheets/sheet'));
    for (const part of ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/sharedStrings.xml'])
      if (names.includes(part)) assert.ok(names.indexOf(part) < firstSheet, `${part} before the worksheets`);
    const sheets = (list: string[]) => list.filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
    assert.deepEqual(sheets(names), sheets(before), 'worksheets keep their order');
    for (const e of entries) assert.equal(crc32(e.data), e.crc, `${e.name}: CRC of the inflated data`);
    assert.deepEqual(await contents(moved), await contents(original));
  }
});

test('rows read from a workbook stored workbook.xml-last are those ExcelJS reads from the whole file', async () => {
  for (const buf of [...fixtures, await writtenByExcelJs()]) {
    const whole = await new ExcelJS.Workbook().xlsx.load(buf as unknown as ExcelJS.Buffer);
    const expected: string[][] = [];
    whole.worksheets[0]?.eachRow((row) => {
      const values = row.values as unknown[];
      expected.push(
        values
          .slice(1)
          .map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? '' : String(v))),
      );
    });
    const rows = await readXlsx(buf, 10_000);
    assert.equal(rows.length, expected.length);
    // Plain cells compared one by one (rich text and formulas have their own tests in import-formats).
    for (let r = 0; r < rows.length; r++)
      for (let c = 0; c < expected[r].length; c++)
        if (expected[r][c] !== '') assert.equal(rows[r][c], expected[r][c], `row ${r + 1}, column ${c + 1}`);
  }
});
