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
  /** The descriptions folded for the snippet, on first use. */
  folded_fr: string | undefined;
  folded_en: string | undefined;
}

interface Detail {
  shown: Shown;
  price_cents: number;
  /** Variants at different prices: `price_cents` is the lowest ("from"). */
  from_price: boolean;
  /** Availability by location id. */
  stock: Map<number, number>;
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

/** What the page of results shows, read from the database: exact price and availability, texts. */
async function loadDetails(
  database: Database,
  slice: Scored[],
): Promise<{ details: Map<number, Detail>; locations: Map<number, string> }> {
  const out = new Map<number, Detail>();
  if (slice.length === 0) return { details: out, locations: new Map() };
  const ids = slice.map((s) => s.product_id);
  const locIds = [...new Set(slice.map((s) => s.location_id))];
  const useCache = process.env.COMPTOIR_SEARCH_CACHE !== '0';
  const cache = useCache ? shownCache(database) : undefined;
  const writes = cache?.writes;
  const shown = new Map<number, Shown>();
  const missing: number[] = [];
  for (const id of ids) {
    const hit = cache?.entries.get(id);
    if (hit) {
      // Most recently shown last: Map order is the eviction order.
      cache!.entries.delete(id);
      cache!.entries.set(id, hit);
      shown.set(id, hit);
    } else missing.push(id);
  }
  // A product with variants shows its lowest variant price ("from") and their summed availability.
  // Price, status and stock (one row per stock row), the texts not kept (from the same rows, for
  // those products only) and the stores' names: one statement for the page (results.repository.ts).
  const wanted = new Set(ids);
  const rows = await pageRows(database, ids, locIds, missing);
  const productOf = new Map<number, number>(ids.map((id) => [id, id]));
  const prices = new Map<number, number>();
  const variants = new Map<number, { parent_id: number; price_cents: number }>();
  const stock: { product_id: number; location_id: number; available: number }[] = [];
  const locMap = new Map<number, string>();
  for (const r of rows) {
    const [kind, rowId, parentId, price, status, locationId, onHand, reserved, name] = r;
    const id = Number(rowId);
    if (Number(kind) === 2) {
      locMap.set(id, name as string);
      continue;
    }
    if (Number(kind) === 0 && missing.length > 0 && !shown.has(id)) {
      const [, , , , , , , , , sku, titleFr, titleEn, descriptionFr, descriptionEn, images, gtin] = r;
      shown.set(id, {
        sku: sku as string,
        title_fr: titleFr as string,
        title_en: titleEn as string,
        description_fr: descriptionFr as string,
        description_en: descriptionEn as string,
        image_url: parseImages(images as string)[0]?.url ?? null,
        gtin,
        // Declared now, set on first use: the object keeps one shape, its fields inside it.
        folded_fr: undefined,
        folded_en: undefined,
      });
    }
    if (wanted.has(id)) prices.set(id, Number(price));
    else if (parentId != null && status === 'active' && wanted.has(Number(parentId))) {
      productOf.set(id, Number(parentId));
      variants.set(id, { parent_id: Number(parentId), price_cents: Number(price) });
    } else continue;
    if (locationId != null)
      stock.push({
        product_id: id,
        location_id: Number(locationId),
        available: Math.max(0, Number(onHand) - Number(reserved)),
      });
  }
  // Kept only if no product was written while they were read (PostgreSQL: the read awaits).
  if (cache && missing.length > 0 && cache.writes === writes && shownCaches.get(database) === cache) {
    for (const id of missing) {
      const s = shown.get(id);
      if (s) cache.entries.set(id, s);
    }
    for (const k of cache.entries.keys()) {
      if (cache.entries.size <= MAX_SHOWN) break;
      cache.entries.delete(k);
    }
  }
  for (const id of ids) {
    const s = shown.get(id);
    const price = prices.get(id);
    // A product row gone since (deleted): shown from memory, as when its row was not found.
    if (!s || price === undefined) continue;
    out.set(id, { shown: s, price_cents: price, from_price: false, stock: new Map() });
  }
  for (const v of variants.values()) {
    const d = out.get(v.parent_id);
    if (!d || v.price_cents === d.price_cents) continue;
    d.from_price = true;
    d.price_cents = Math.min(d.price_cents, v.price_cents);
  }
  for (const r of stock) {
    const d = out.get(productOf.get(r.product_id) ?? 0);
    if (!d) continue;
    d.stock.set(r.location_id, (d.stock.get(r.location_id) ?? 0) + r.available);
  }
  return { details: out, locations: locMap };
}

/** The page's results as the API and the pages return them. */
export async function presentResults(
  database: Database,
  ref: Reference,
  slice: Scored[],
  words: QueryWord[],
  lang: Lang,
) {
  const { details, locations } = await loadDetails(database, slice);
  return slice.map((s) => {
    const d = details.get(s.product_id);
    const t = d?.shown;
    const title = t ? (lang === 'en' ? t.title_en || t.title_fr : t.title_fr) : '';
    const m = ref.merchantById.get(s.merchant_id);
    const locName = d ? locations.get(s.location_id) : undefined;
    return {
      product_id: s.product_id,
      sku: t?.sku ?? '',
      title,
      description_snippet: t ? shownSnippet(t, lang, words) : '',
      price_cents: d?.price_cents ?? s.price_cents,
      price_from: d?.from_price ?? false,
      currency: 'CAD',
      quebec_label: s.quebec_label,
      image_url: t ? t.image_url : null,
      url: `/${lang}/p/${s.product_id}`,
      gtin: t ? t.gtin : null,
      merchant: { id: s.merchant_id, slug: m?.slug ?? '', name: m?.name ?? '' },
      location: {
        id: s.location_id,
        name: locName ?? '',
        lat: s.lat,
        lng: s.lng,
        distance_km: Math.round(s.distance_km * 100) / 100,
        /** The store delivers to the place searched from (its delivery zones). */
        delivers: s.delivers,
      },
      available: Math.max(0, d?.stock.get(s.location_id) ?? s.available),
      offers_nearby: s.offers,
      score: Math.round(s.score * 1000) / 1000,
    };
  });
}

/** The snippet of a shown product's description in a language (folded once, then kept with it). */
function shownSnippet(t: Shown, lang: Lang, words: QueryWord[]): string {
  if (lang === 'en' && t.description_en) {
    t.folded_en ??= foldShown(t.description_en);
    return snippetOf(t.description_en, t.folded_en, words);
  }
  if (!t.description_fr) return '';
  t.folded_fr ??= foldShown(t.description_fr);
  return snippetOf(t.description_fr, t.folded_fr, words);
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
  const n = text.length;
  if (n > foldBuffer.length) foldBuffer = new Uint16Array(Math.max(n, foldBuffer.length * 2));
  const out = foldBuffer;
  for (let i = 0; i < n; i++) {
    const f = FOLD_ONE[text.charCodeAt(i)] ?? -1;
    if (f < 0) return fold(text);
    out[i] = f;
  }
  let folded = '';
  // fromCharCode takes its codes as arguments: a bounded number at a time.
  for (let i = 0; i < n; i += 4096)
    folded += String.fromCharCode.apply(null, out.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
  return folded;
}

/** Up to 160 characters of the description, starting near the first matched word. */
export function snippet(text: string, words: QueryWord[]): string {
  return text ? snippetOf(text, fold(text), words) : '';
}

function snippetOf(text: string, folded: string, words: QueryWord[]): string {
  let at = -1;
  for (const w of words) {
    // The first of the word's last term and the word itself.
    const i = folded.indexOf(w.terms[w.terms.length - 1] ?? w.word);
    const j = folded.indexOf(w.word);
    const k = i < 0 ? j : j < 0 ? i : Math.min(i, j);
    if (k >= 0 && (at < 0 || k < at)) at = k;
  }
  const start = at > 60 ? text.lastIndexOf(' ', at - 40) + 1 : 0;
  const body = text.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${body}${start + 160 < text.length ? '…' : ''}`;
}
