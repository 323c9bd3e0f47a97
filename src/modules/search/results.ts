/**
 * The page of results as shown: exact price and availability re-read from the database (memory
 * may lag an event in flight), texts kept per product until that product is written, with a
 * snippet around the matched words.
 */
import type { Database } from '../../db/database.ts';
import { parseImages } from '../catalog/index.ts';
import { onCatalogChange } from './memory.ts';
import { fold, type QueryWord } from './normalize.ts';
import type { Reference } from './reference.ts';
import { pageRows } from './results.repository.ts';
import type { Lang, Scored } from './search.types.ts';

/** What a result shows that stock and price do not change (kept in `shownCache`). */
interface Shown {
  sku: string;
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  image_url: string | null;
  gtin: string | null;
}

/**
 * The texts, image, SKU and GTIN of products recently shown, per database, until that product is
 * written (memory.ts onCatalogChange: indexed here, or announced by another instance; everything
 * after a full rebuild): the same products come back page after page. Price and availability are
 * still read live, with the page's rows. Bounded; the least recently shown go first.
 * `COMPTOIR_SEARCH_CACHE=0` turns it off with the other search caches.
 *
 * A written variant drops nothing here: what is kept is the product row's own columns, and a
 * variant's price and stock are read with every page.
 */
// 2,000 rather than 20,000: each entry holds both descriptions (≈ 1.1 kB of heap). The realistic
// searches show ≈ 19,800 distinct products in all, and 20,000 kept 88 % of a page's products
// rather than 4 %, but saved only ≈ 0.03 ms of CPU per page (the page's rows are read anyway) for
// ≈ 30 MB more RSS, taking a one-process server to 492–495 MB of its 500 MB budget
// (bench/results-page.ts, bench/server-memory.ts, docs/PERFORMANCE.md).
const MAX_SHOWN = 2_000;
interface ShownCache {
  entries: Map<number, Shown>;
  /** Writes learnt of: texts read before one (its products' old rows, maybe) are not kept after it. */
  writes: number;
}
const shownCaches = new WeakMap<Database, ShownCache>();

function shownCache(database: Database): ShownCache {
  let c = shownCaches.get(database);
  if (!c) {
    c = { entries: new Map(), writes: 0 };
    shownCaches.set(database, c);
  }
  return c;
}

onCatalogChange((database, ids) => {
  const c = shownCaches.get(database);
  if (!c) return;
  c.writes++;
  if (ids === null) c.entries.clear();
  else for (const id of ids) c.entries.delete(id);
});

/**
 * What the page of results shows, read from the database, by position in `slice`: texts, exact
 * price and availability at the result's own store, and that store's name. Arrays by position
 * rather than maps by id: the maps, their entries and an object per stock row were a sixth of a
 * search's allocations (docs/PERFORMANCE.md, "CPU per search under 16 connections").
 */
interface PageDetails {
  /** The product's texts, or undefined when its row was not found (deleted since). */
  shown: (Shown | undefined)[];
  /** Its price (the lowest of its variants' when they differ), NaN when its row was not found. */
  price: Float64Array;
  /** Variants at different prices: `price` is the lowest ("from"). */
  from: Uint8Array;
  /** Availability summed over its (and its variants') stock rows at the result's store; NaN: no row. */
  available: Float64Array;
  /** The result's store name, when its row was read. */
  locationName: (string | undefined)[];
}

/** What the page of results shows, read from the database: exact price and availability, texts. */
async function loadDetails(database: Database, slice: Scored[]): Promise<PageDetails> {
  const n = slice.length;
  const out: PageDetails = {
    shown: new Array<Shown | undefined>(n).fill(undefined),
    price: new Float64Array(n).fill(Number.NaN),
    from: new Uint8Array(n),
    available: new Float64Array(n).fill(Number.NaN),
    locationName: new Array<string | undefined>(n).fill(undefined),
  };
  if (n === 0) return out;
  // Each product's first position; `nextSame` chains a product's later positions (a page shows a
  // product once, but nothing here relies on it).
  const firstAt = new Map<number, number>();
  const nextSame = new Int32Array(n).fill(-1);
  const ids: number[] = [];
  const locIds: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = slice[k]!;
    const id = s.product_id;
    ids.push(id);
    const f = firstAt.get(id);
    if (f === undefined) firstAt.set(id, k);
    else {
      let last = f;
      while (nextSame[last]! >= 0) last = nextSame[last]!;
      nextSame[last] = k;
    }
    if (!locIds.includes(s.location_id)) locIds.push(s.location_id);
  }
  const useCache = process.env.COMPTOIR_SEARCH_CACHE !== '0';
  const cache = useCache ? shownCache(database) : undefined;
  const writes = cache?.writes;
  // Texts by first position: kept ones now, the others from the rows.
  const texts: (Shown | undefined)[] = new Array<Shown | undefined>(n).fill(undefined);
  const missing: number[] = [];
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    if (firstAt.get(id) !== k) continue;
    const hit = cache?.entries.get(id);
    if (hit) {
      // Most recently shown last: Map order is the eviction order.
      cache!.entries.delete(id);
      cache!.entries.set(id, hit);
      texts[k] = hit;
    } else missing.push(id);
  }
  // A product with variants shows its lowest variant price ("from") and their summed availability.
  // Price, status and stock (one row per stock row), the texts not kept (from the same rows, for
  // those products only) and the stores' names: one statement for the page (results.repository.ts).
  const rows = await pageRows(database, ids, locIds, missing);
  const price = new Float64Array(n).fill(Number.NaN);
  // Variants of the page's products, by id, in the order first read (their rows repeat per stock row).
  let variants: Map<number, { parent: number; price_cents: number }> | undefined;
  const addStock = (first: number, locationId: number, available: number) => {
    for (let k = first; k >= 0; k = nextSame[k]!)
      if (slice[k]!.location_id === locationId) {
        const a = out.available[k]!;
        out.available[k] = (Number.isNaN(a) ? 0 : a) + available;
      }
  };
  for (const r of rows) {
    const [kind, rowId, parentId, rowPrice, status, locationId, onHand, reserved, name] = r;
    const id = Number(rowId);
    if (Number(kind) === 2) {
      for (let k = 0; k < n; k++) if (slice[k]!.location_id === id) out.locationName[k] = name as string;
      continue;
    }
    const own = firstAt.get(id);
    if (Number(kind) === 0 && missing.length > 0 && own !== undefined && texts[own] === undefined) {
      const [, , , , , , , , , sku, titleFr, titleEn, descriptionFr, descriptionEn, images, gtin] = r;
      texts[own] = {
        sku: sku as string,
        title_fr: titleFr as string,
        title_en: titleEn as string,
        description_fr: descriptionFr as string,
        description_en: descriptionEn as string,
        image_url: parseImages(images as string)[0]?.url ?? null,
        gtin,
      };
    }
    let first: number;
    if (own !== undefined) {
      first = own;
      price[own] = Number(rowPrice);
    } else if (parentId != null && status === 'active' && firstAt.has(Number(parentId))) {
      first = firstAt.get(Number(parentId))!;
      variants ??= new Map();
      const v = variants.get(id);
      if (v) v.price_cents = Number(rowPrice);
      else variants.set(id, { parent: first, price_cents: Number(rowPrice) });
    } else continue;
    if (locationId != null)
      addStock(first, Number(locationId), Math.max(0, Number(onHand) - Number(reserved)));
  }
  // Kept only if no product was written while they were read (PostgreSQL: the read awaits).
  if (cache && missing.length > 0 && cache.writes === writes && shownCaches.get(database) === cache) {
    for (const id of missing) {
      const s = texts[firstAt.get(id)!];
      if (s) cache.entries.set(id, s);
    }
    for (const k of cache.entries.keys()) {
      if (cache.entries.size <= MAX_SHOWN) break;
      cache.entries.delete(k);
    }
  }
  // A product row gone since (deleted): shown from memory, as when its row was not found.
  const found = (first: number) => texts[first] !== undefined && !Number.isNaN(price[first]!);
  if (variants)
    for (const v of variants.values()) {
      if (!found(v.parent) || v.price_cents === price[v.parent]) continue;
      out.from[v.parent] = 1;
      price[v.parent] = Math.min(price[v.parent]!, v.price_cents);
    }
  for (let k = 0; k < n; k++) {
    const first = firstAt.get(ids[k]!)!;
    if (!found(first)) {
      out.available[k] = Number.NaN;
      continue;
    }
    out.shown[k] = texts[first];
    out.price[k] = price[first]!;
    out.from[k] = out.from[first]!;
  }
  return out;
}

/** The page's results as the API and the pages return them. */
export async function presentResults(
  database: Database,
  ref: Reference,
  slice: Scored[],
  words: QueryWord[],
  lang: Lang,
) {
  const d = await loadDetails(database, slice);
  const results = [];
  for (let k = 0; k < slice.length; k++) {
    const s = slice[k]!;
    const t = d.shown[k];
    const title = t ? (lang === 'en' ? t.title_en || t.title_fr : t.title_fr) : '';
    const m = ref.merchantById.get(s.merchant_id);
    const available = d.available[k]!;
    results.push({
      product_id: s.product_id,
      sku: t?.sku ?? '',
      title,
      description_snippet: t ? shownSnippet(t, lang, words) : '',
      price_cents: t ? d.price[k]! : s.price_cents,
      price_from: t ? d.from[k] === 1 : false,
      currency: 'CAD',
      quebec_label: s.quebec_label,
      image_url: t ? t.image_url : null,
      url: `/${lang}/p/${s.product_id}`,
      gtin: t ? t.gtin : null,
      merchant: { id: s.merchant_id, slug: m?.slug ?? '', name: m?.name ?? '' },
      location: {
        id: s.location_id,
        name: (t ? d.locationName[k] : undefined) ?? '',
        lat: s.lat,
        lng: s.lng,
        distance_km: Math.round(s.distance_km * 100) / 100,
        /** The store delivers to the place searched from (its delivery zones). */
        delivers: s.delivers,
      },
      available: Math.max(0, Number.isNaN(available) ? s.available : available),
      offers_nearby: s.offers,
      score: Math.round(s.score * 1000) / 1000,
    });
  }
  return results;
}

/** The snippet of a shown product's description in a language. */
function shownSnippet(t: Shown, lang: Lang, words: QueryWord[]): string {
  const text = lang === 'en' && t.description_en ? t.description_en : t.description_fr;
  return text ? shownTextSnippet(text, words) : '';
}

/**
 * `snippet(text, words)`, the text folded by the table into foldBuffer and searched there: no
 * folded string is made (most shown products are read from the database, so a folded text kept
 * with them was rarely reused).
 */
export function shownTextSnippet(text: string, words: QueryWord[]): string {
  const n = foldInto(text);
  if (n < 0) return snippetOf(text, fold(text), words);
  return snippetAt(
    text,
    firstWordAt(words, (needle) => indexIn(foldBuffer, n, needle)),
  );
}

/** `folded.indexOf(needle)` where `folded` is `buf[0..n)` as a string. */
function indexIn(buf: Uint16Array, n: number, needle: string): number {
  const m = needle.length;
  if (m === 0) return 0;
  const c0 = needle.charCodeAt(0);
  for (let i = 0, last = n - m; i <= last; i++) {
    if (buf[i] !== c0) continue;
    let j = 1;
    while (j < m && buf[i + j] === needle.charCodeAt(j)) j++;
    if (j === m) return i;
  }
  return -1;
}

/**
 * `fold` of one character, for the characters where it is one character and the same wherever the
 * character stands (Latin up to U+024F, ʼ, the general punctuation's dashes, quotes and spaces),
 * else -1. fold's lower-casing (context-free outside Greek), its replacements and NFD with marks
 * removed go character by character there, so folding each of them gives fold's result.
 */
const FOLD_ONE = (() => {
  const table = new Int32Array(0x2070).fill(-1);
  for (let c = 0; c < table.length; c++) {
    if (c >= 0x250 && c < 0x2000 && c !== 0x2bc) continue;
    const f = fold(String.fromCharCode(c));
    if (f.length === 1) table[c] = f.charCodeAt(0);
  }
  return table;
})();
let foldBuffer = new Uint16Array(256);

/**
 * `fold(text)` (normalize.ts), by a table for texts of the characters in FOLD_ONE (all shown
 * descriptions but a few): fold's five passes and its NFD were most of a page's snippets' CPU.
 */
export function foldShown(text: string): string {
  const n = foldInto(text);
  if (n < 0) return fold(text);
  const out = foldBuffer;
  let folded = '';
  // fromCharCode takes its codes as arguments: a bounded number at a time.
  for (let i = 0; i < n; i += 4096)
    folded += String.fromCharCode.apply(null, out.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
  return folded;
}

/**
 * `text` folded by FOLD_ONE into foldBuffer: its length, or -1 when a character is not in the
 * table (fold's own passes are then needed).
 */
function foldInto(text: string): number {
  const n = text.length;
  if (n > foldBuffer.length) foldBuffer = new Uint16Array(Math.max(n, foldBuffer.length * 2));
  const out = foldBuffer;
  for (let i = 0; i < n; i++) {
    const f = FOLD_ONE[text.charCodeAt(i)] ?? -1;
    if (f < 0) return -1;
    out[i] = f;
  }
  return n;
}

/** Up to 160 characters of the description, starting near the first matched word. */
export function snippet(text: string, words: QueryWord[]): string {
  return text ? snippetOf(text, fold(text), words) : '';
}

function snippetOf(text: string, folded: string, words: QueryWord[]): string {
  return snippetAt(
    text,
    firstWordAt(words, (needle) => folded.indexOf(needle)),
  );
}

/**
 * Where the first matched word starts in a folded text (`indexOf` finds a needle in it), or -1:
 * for each word, the first of its last term and the word itself.
 */
function firstWordAt(words: QueryWord[], indexOf: (needle: string) => number): number {
  let at = -1;
  for (const w of words) {
    const i = indexOf(w.terms[w.terms.length - 1] ?? w.word);
    const j = indexOf(w.word);
    const k = i < 0 ? j : j < 0 ? i : Math.min(i, j);
    if (k >= 0 && (at < 0 || k < at)) at = k;
  }
  return at;
}

/** Up to 160 characters of `text` from near `at` (the first matched word's position, or -1). */
function snippetAt(text: string, at: number): string {
  const start = at > 60 ? text.lastIndexOf(' ', at - 40) + 1 : 0;
  const body = text.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${body}${start + 160 < text.length ? '…' : ''}`;
}
