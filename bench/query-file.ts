// A list of searches written by someone else, for the search benchmarks' `--queries FILE`
// (bench/search.ts through HTTP, bench/search-core.ts in process): what a person would hand over.
//
// Forms: JSON lines ({"q": "...", "lat": .., "lng"/"lon": .., "radius_km"/"radius": .., optional
// category, sort, lang, page, per_page, in_stock, quebec, open_now, fulfilment}), a JSON array of
// the same objects, or CSV/TSV with a header row (q/query/text, lat/latitude, lng/lon/longitude,
// radius/radius_km and the same optional columns; commas, semicolons or tabs; quoted fields may hold
// the separator, doubled quotes and French decimal commas "45,47"). UTF-8 with or without a BOM.
// Lines that are blank or start with # (or // in JSON lines) are comments. A missing radius is
// 10 km. A bad line is not dropped silently: it is listed in `problems` with its line number.
import { readFileSync } from 'node:fs';
import type { Lang, SearchParams, SortKey } from '../src/modules/search/search.types.ts';

/** One search of the file: its parameters (as the API takes them) and the line it starts on. */
export interface FileQuery {
  line: number;
  params: Omit<SearchParams, 'now'> & { q: string; lat: number; lng: number; radius_km: number };
}

/** A line that could not be read as a search (left out of `queries`), or a remark about the file. */
export interface QueryFileProblem {
  line: number;
  message: string;
}

export interface QueryFile {
  format: 'jsonl' | 'json' | 'csv';
  queries: FileQuery[];
  /** Lines left out, each with why. */
  problems: QueryFileProblem[];
  /** Columns or keys that were ignored (not an error: the rest of the line is used). */
  ignored: string[];
}

/** The radius of a search whose line gives none (km): the API's usual one. */
export const DEFAULT_FILE_RADIUS_KM = 10;

const SORTS: readonly SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];

/** A header or key, compared without case, accents, spaces or dashes ("Rayon (km)" -> "rayonkm"). */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Every spelling a person might use for a field, folded, to the field's name. */
const FIELDS = new Map<string, string>(
  (
    [
      ['q', ['q', 'query', 'text', 'texte', 'search', 'recherche', 'requete', 'terms']],
      ['lat', ['lat', 'latitude']],
      ['lng', ['lng', 'lon', 'long', 'longitude']],
      ['radius_km', ['radius', 'radiuskm', 'rayon', 'rayonkm', 'km']],
      ['category', ['category', 'categorie', 'cat']],
      ['sort', ['sort', 'tri', 'order']],
      ['lang', ['lang', 'language', 'langue']],
      ['page', ['page']],
      ['per_page', ['perpage', 'pagesize', 'limit']],
      ['in_stock', ['instock', 'stock', 'enstock']],
      ['quebec', ['quebec']],
      ['open_now', ['opennow', 'open', 'ouvert']],
      ['fulfilment', ['fulfilment', 'fulfillment', 'mode']],
      ['near', ['near', 'pres', 'ville', 'town']],
    ] as const
  ).flatMap(([field, names]) => names.map((n) => [n, field] as [string, string])),
);

/** A number as a person writes it: "45.47", "45,47" (French decimal comma), " -75.7 ". */
function number(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/^\+/, '');
  if (!/^-?(\d+([.,]\d*)?|[.,]\d+)$/.test(s)) return undefined;
  return Number(s.replace(',', '.'));
}

function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = fold(String(v));
  if (['1', 'true', 'yes', 'oui', 'on', 'y', 'o', 'vrai'].includes(s)) return true;
  if (['0', 'false', 'no', 'non', 'off', 'n', 'faux'].includes(s)) return false;
  return undefined;
}

/**
 * One search from its fields (names already mapped to the API's): the parameters, or why not.
 * Empty values count as absent (a CSV row with an empty category column has no category).
 */
export function searchOf(fields: Record<string, unknown>): FileQuery['params'] | string {
  const present = (k: string) => fields[k] !== undefined && fields[k] !== null && fields[k] !== '';
  if (!present('q') || (typeof fields.q !== 'string' && typeof fields.q !== 'number'))
    return 'no query text (q, query or text)';
  const q = String(fields.q);
  if (q.trim() === '') return 'no query text (q, query or text)';
  if (!present('lat') || !present('lng')) return 'no position (lat and lng/lon)';
  const lat = number(fields.lat);
  const lng = number(fields.lng);
  if (lat === undefined || lat < -90 || lat > 90)
    return `latitude ${JSON.stringify(fields.lat)} is not a number in -90..90`;
  if (lng === undefined || lng < -180 || lng > 180)
    return `longitude ${JSON.stringify(fields.lng)} is not a number in -180..180`;
  const radius = present('radius_km') ? number(fields.radius_km) : DEFAULT_FILE_RADIUS_KM;
  if (radius === undefined || !(radius > 0) || radius > 500)
    return `radius ${JSON.stringify(fields.radius_km)} is not a number of km in (0, 500]`;
  const p: FileQuery['params'] = { q, lat, lng, radius_km: radius };
  if (present('category')) p.category = String(fields.category).trim();
  if (present('sort')) {
    const s = String(fields.sort).trim().toLowerCase() as SortKey;
    if (!SORTS.includes(s)) return `sort ${JSON.stringify(fields.sort)} is not one of ${SORTS.join(', ')}`;
    p.sort = s;
  }
  if (present('lang')) {
    const l = String(fields.lang).trim().toLowerCase();
    if (l !== 'fr' && l !== 'en') return `lang ${JSON.stringify(fields.lang)} is not fr or en`;
    p.lang = l as Lang;
  }
  for (const k of ['page', 'per_page'] as const)
    if (present(k)) {
      const n = number(fields[k]);
      const max = k === 'page' ? 1000 : 100;
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > max)
        return `${k} ${JSON.stringify(fields[k])} is not a whole number in 1..${max}`;
      p[k] = n;
    }
  for (const k of ['in_stock', 'quebec', 'open_now'] as const)
    if (present(k)) {
      const b = flag(fields[k]);
      if (b === undefined) return `${k} ${JSON.stringify(fields[k])} is not yes/no`;
      if (b) p[k] = true;
    }
  if (present('fulfilment')) {
    const f = String(fields.fulfilment).trim().toLowerCase();
    if (f !== 'pickup' && f !== 'delivery')
      return `fulfilment ${JSON.stringify(fields.fulfilment)} is not pickup or delivery`;
    p.fulfilment = f;
  }
  if (present('near')) p.near = String(fields.near).trim();
  return p;
}

/** The object's keys mapped to the API's names; unknown keys are added to `ignored`. */
function mapKeys(o: Record<string, unknown>, ignored: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const field = FIELDS.get(fold(k));
    if (field) out[field] = v;
    else ignored.add(k);
  }
  return out;
}

const isComment = (line: string, json: boolean) => {
  const t = line.trim();
  return t === '' || t.startsWith('#') || (json && t.startsWith('//'));
};

/** CSV/TSV records with the line each starts on (RFC 4180 quotes; a quoted field may span lines). */
function csvRecords(text: string, sep: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    // A blank line or a comment (# first) between records: skipped whole.
    const eol = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    const t = text.slice(i, eol).trim();
    if (t === '' || t.startsWith('#')) {
      i = eol + 1;
      line++;
      continue;
    }
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let done = false;
    while (i < text.length && !done) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i++;
          } else quoted = false;
        } else {
          if (c === '\n') line++;
          cell += c;
        }
      } else if (c === '"' && cell.trim() === '') {
        quoted = true;
        cell = '';
      } else if (c === sep) {
        cells.push(cell);
        cell = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        line++;
        done = true;
      } else cell += c;
      i++;
    }
    cells.push(cell);
    out.push({ line: start, cells });
  }
  return out;
}

/** The separator of a header line: tab, semicolon or comma, whichever it holds most of. */
function separatorOf(header: string): string {
  const count = (c: string) => header.split(c).length - 1;
  return ['\t', ';', ','].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
}

/** Start offsets of a JSON array's top-level items (to give each its line number). */
function arrayItemOffsets(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inString = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expectItem && c !== ']') {
      out.push(i);
      expectItem = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectItem = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectItem = true;
  }
  return out;
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Reads a list of searches from its text (see the top of this file for the forms taken). */
export function parseQueryFile(input: string): QueryFile {
  const text = input.replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  const firstLine = lines.findIndex((l) => !isComment(l, true));
  const first = firstLine < 0 ? '' : lines[firstLine]!.trim();
  const queries: FileQuery[] = [];
  const problems: QueryFileProblem[] = [];
  const ignored = new Set<string>();
  const add = (line: number, o: unknown) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      problems.push({ line, message: 'not an object' });
      return;
    }
    const p = searchOf(mapKeys(o as Record<string, unknown>, ignored));
    if (typeof p === 'string') problems.push({ line, message: p });
    else queries.push({ line, params: p });
  };

  if (first.startsWith('[')) {
    let items: unknown[];
    try {
      items = JSON.parse(text) as unknown[];
    } catch (e) {
      problems.push({ line: firstLine + 1, message: `not a JSON array: ${(e as Error).message}` });
      return { format: 'json', queries, problems, ignored: [] };
    }
    const offsets = arrayItemOffsets(text);
    for (const [k, o] of items.entries())
      add(offsets[k] === undefined ? firstLine + 1 : lineAt(text, offsets[k]!), o);
    return { format: 'json', queries, problems, ignored: [...ignored] };
  }
  if (first.startsWith('{')) {
    lines.forEach((l, k) => {
      if (isComment(l, true)) return;
      let o: unknown;
      try {
        o = JSON.parse(l);
      } catch (e) {
        problems.push({ line: k + 1, message: `not JSON: ${(e as Error).message}` });
        return;
      }
      add(k + 1, o);
    });
    return { format: 'jsonl', queries, problems, ignored: [...ignored] };
  }

  // CSV/TSV: the first line that is not a comment is the header.
  const sep = separatorOf(first);
  const records = csvRecords(text, sep);
  const header = records.shift();
  if (!header) return { format: 'csv', queries, problems, ignored: [] };
  const columns = header.cells.map((h) => {
    const field = FIELDS.get(fold(h));
    if (!field && h.trim()) ignored.add(h.trim());
    return field;
  });
  for (const need of ['q', 'lat', 'lng'])
    if (!columns.includes(need))
      problems.push({
        line: header.line,
        message: `the header has no ${need === 'q' ? 'q/query/text' : need === 'lat' ? 'lat/latitude' : 'lng/lon/longitude'} column`,
      });
  if (problems.length) return { format: 'csv', queries, problems, ignored: [...ignored] };
  for (const r of records) {
    if (r.cells.length !== header.cells.length) {
      problems.push({
        line: r.line,
        message: `${r.cells.length} fields where the header has ${header.cells.length} (a decimal comma outside quotes?)`,
      });
      continue;
    }
    const fields: Record<string, unknown> = {};
    columns.forEach((c, k) => {
      if (c) fields[c] = c === 'q' ? r.cells[k] : r.cells[k]!.trim();
    });
    const p = searchOf(fields);
    if (typeof p === 'string') problems.push({ line: r.line, message: p });
    else queries.push({ line: r.line, params: p });
  }
  return { format: 'csv', queries, problems, ignored: [...ignored] };
}

/** Reads a list of searches from a file (UTF-8). */
export function readQueryFile(path: string): QueryFile {
  return parseQueryFile(readFileSync(path, 'utf8'));
}

/** The API's query string for a file's search (`/api/v1/search?…`), per_page 20 unless given. */
export function searchPathOf(p: FileQuery['params']): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries({ per_page: 20, ...p }))
    if (v !== undefined && v !== false) u.set(k, v === true ? '1' : String(v));
  return `/api/v1/search?${u}`;
}

/** The problems of a file as lines for a person ("file:12: no position (lat and lng/lon)"). */
export function describeProblems(path: string, f: QueryFile): string[] {
  return [
    ...f.problems.map((p) => `${path}:${p.line}: ${p.message}`),
    ...(f.ignored.length ? [`${path}: ignored columns/keys: ${f.ignored.join(', ')}`] : []),
  ];
}
