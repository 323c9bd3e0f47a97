import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formInteger,
  httpUrl,
  humanText,
  humanTextProblem,
  isHttpUrl,
  jsonInteger,
  zodIssues,
} from '../../src/modules/common/validation.ts';
import { decodeText, detectSeparator, parseImport } from '../../src/modules/imports/index.ts';

describe('humanText', () => {
  const name = humanText({ min: 2, max: 20 });
  const issues = (v: unknown) => {
    const r = name.safeParse(v);
    return r.success ? [] : zodIssues(r.error).map((i) => i.message);
  };

  test('accepts ordinary names in any script, with accents, apostrophes and joiners inside words', () => {
    assert.equal(name.parse('  Érablière d’Émile '), 'Érablière d’Émile');
    assert.equal(name.parse('Café 𝒳 — 東京'), 'Café 𝒳 — 東京');
    assert.equal(name.parse('👩\u200D🍳 Chef'), '👩\u200D🍳 Chef', 'a ZWJ emoji sequence is fine');
  });

  test('refuses control characters (NUL, newline, tab, C1)', () => {
    for (const v of ['Pain\u0000', 'Ligne\nDeux', 'Tab\tulé', 'C1\u0085x', 'Bell\u0007'])
      assert.deepEqual(issues(v), ['text.control_characters'], JSON.stringify(v));
  });

  test('refuses bidi embeddings, overrides and isolates', () => {
    for (const c of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ])
      assert.deepEqual(issues(`abc${c}def`), ['text.bidi_override'], c.codePointAt(0)?.toString(16));
  });

  test('refuses strings that are empty once invisible characters are removed', () => {
    for (const v of ['\u200B\u200B', '\u200C\u200D\u2060', '\uFEFF\u00AD', '\u3164\u3164', ' \u200B '])
      assert.ok(
        issues(v).includes('text.invisible_only') || issues(v).includes('field.too_short'),
        JSON.stringify(v),
      );
    assert.deepEqual(issues('\u200B\u200B\u200B'), ['text.invisible_only']);
  });

  test('length limits still apply after trimming; min 0 allows empty but not invisible-only', () => {
    assert.deepEqual(issues(' a '), ['field.too_short']);
    assert.deepEqual(issues('x'.repeat(21)), ['field.too_long']);
    const optional = humanText({ min: 0, max: 10 });
    assert.equal(optional.parse(''), '');
    assert.equal(optional.safeParse('\u200B').success, false);
  });

  test('humanTextProblem is usable outside zod', () => {
    assert.equal(humanTextProblem('Marie'), undefined);
    assert.equal(humanTextProblem(''), undefined);
    assert.equal(humanTextProblem('\u202Eeiram'), 'text.bidi_override');
  });
});

describe('httpUrl', () => {
  const url = httpUrl({ max: 300 });
  test('http and https only', () => {
    assert.equal(url.parse(' https://boutique.example/a?b=1 '), 'https://boutique.example/a?b=1');
    assert.equal(url.parse('http://boutique.example'), 'http://boutique.example');
    for (const v of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.test/',
    ]) {
      const r = url.safeParse(v);
      assert.equal(r.success, false, v);
    }
    const r = url.safeParse('javascript://example.com/%0aalert(1)');
    assert.equal(r.success, false);
    assert.ok(!r.success && zodIssues(r.error).some((i) => i.message === 'text.url_http_only'));
  });
  test('isHttpUrl for output filtering', () => {
    assert.equal(isHttpUrl('https://a.example'), true);
    assert.equal(isHttpUrl('javascript:alert(1)'), false);
    assert.equal(isHttpUrl(null), false);
    assert.equal(isHttpUrl('not a url'), false);
  });
});

describe('quantities', () => {
  test('JSON: integer numbers only', () => {
    assert.equal(jsonInteger.parse(3), 3);
    for (const v of [true, [1], '0x10', '3', 1.5, null, Number.NaN, Number.POSITIVE_INFINITY])
      assert.equal(jsonInteger.safeParse(v).success, false, String(v));
  });
  test('forms: decimal digits (or a JSON number)', () => {
    assert.equal(formInteger.parse('12'), 12);
    assert.equal(formInteger.parse(' 7 '), 7);
    assert.equal(formInteger.parse(4), 4);
    for (const v of ['0x10', '1e2', 'true', '', '-1', '1.5', true, [1], '9999999999'])
      assert.equal(formInteger.safeParse(v).success, false, JSON.stringify(v));
  });
});

describe('uploaded text decoding', () => {
  const text = 'sku;title_fr\nA;Épicerie — crème brûlée à 12,99 $ l’unité\n';
  test('UTF-8 with and without BOM', () => {
    assert.equal(decodeText(Buffer.from(text)), text);
    assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), text);
  });
  test('UTF-16 LE and BE with BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(decodeText(le), text);
    const be = Buffer.from(le.subarray(2)).swap16();
    assert.equal(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), text);
  });
  test('Windows-1252 when the bytes are not UTF-8 (É=C9, è=E8, û=FB, ’=92, —=97)', () => {
    const bytes = Buffer.from([
      0xc9, 0x70, 0x69, 0x63, 0x65, 0x72, 0x69, 0x65, 0x20, 0x97, 0x20, 0x63, 0x72, 0xe8, 0x6d, 0x65, 0x20,
      0x62, 0x72, 0xfb, 0x6c, 0xe9, 0x65, 0x20, 0x6c, 0x92, 0x75,
    ]);
    assert.equal(decodeText(bytes), 'Épicerie — crème brûlée l’u');
  });
  test('separator from the header line: comma, semicolon, tab; quoted ones do not count', () => {
    assert.equal(detectSeparator('a,b,c\n1;2;3;4;5'), ',');
    assert.equal(detectSeparator('a;b;c\n1,2'), ';');
    assert.equal(detectSeparator('a\tb\tc\n'), '\t');
    assert.equal(detectSeparator('"x;y;z",b\n'), ',');
    assert.equal(detectSeparator('only'), ',');
  });
  test('parseImport: a ;-separated Windows-1252 template', () => {
    const csv = 'sku;title_fr;price_cents\r\nA-1;Cr\xe8me br\xfbl\xe9e;1299\r\n';
    const parsed = parseImport({ body: Buffer.from(csv, 'latin1'), contentType: 'text/csv' });
    assert.equal(parsed.format, 'template_csv');
    assert.deepEqual(parsed.rows[0].data, { sku: 'A-1', title_fr: 'Crème brûlée', price_cents: '1299' });
  });
  test('parseImport refuses NUL characters in text and in JSON values', () => {
    assert.throws(() => parseImport({ body: 'sku,title_fr\nA,B\u0000', contentType: 'text/csv' }), {
      code: 'contains_nul',
    });
    assert.throws(() => parseImport({ body: [{ sku: 'A', title_fr: 'x\u0000' }] }), { code: 'contains_nul' });
  });
});
