import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { ValidationError } from '../../lib/errors.ts';
import { parseImages } from '../catalog/index.ts';
import { boundingBox, haversineKm } from '../common/geo.ts';
import { localDayAndTime, type OpeningHours } from '../common/hours.ts';
import { fsaOf } from '../geocoding/index.ts';
import { browse, type Facets } from './browse.ts';
import { availableAt, type CatalogMemory, catalogGeneration, catalogMemory } from './memory.ts';
import { editsOne, fold, parseQuery, type QueryWord } from './normalize.ts';
import { cellKey, cellOf, type LocationRef, type Reference, reference, toMinutes } from './reference.ts';

export type Lang = 'fr' | 'en';
export type SortKey = 'relevance' | 'distance' | 'price_asc' | 'price_desc';

export interface SearchParams {
  q?: string;
  lat?: number;
  lng?: number;
  near?: string;
  radius_km?: number;
  category?: string;
  quebec?: boolean;
  in_stock?: boolean;
  fulfilment?: 'pickup' | 'delivery';
  association?: string;
  merchant?: string;
  open_now?: boolean;
  sort?: SortKey;
  page?: number;
  per_page?: number;
  lang?: Lang;
  /** Evaluation instant for "open now" (tests); defaults to now. */
  now?: Date;
}

/**
 * Ranking weights (documented in docs/ARCHITECTURE.md, "Search"):
 * score = 1.0·text + 0.5·proximity + 0.3·in_stock + 0.15·quebec
 * text = the backend's relevance (SQLite FTS5 BM25, PostgreSQL ts_rank) divided by the best of the
 * candidate set, so 0..1; proximity = 1 - distance/radius; in_stock and quebec are 0 or 1.
 */
export const RANKING = { text: 1, proximity: 0.5, inStock: 0.3, quebec: 0.15 } as const;

/** Most candidate products read from the text index per query (best text matches first). */
export const MAX_TEXT_HITS = 100_000;
/** Above this many text hits, SQLite ranks by title/description tiers instead of BM25. */
export const MAX_BM25_HITS = 4_000;
/** Most products considered for a query without words (browse by filters near a point). */
export const MAX_BROWSE_OFFERS = 5_000;
/**
 * Most products near the point scored per query (the best text matches). Beyond it, `total` and
 * facet counts cover these best matches only and the response says `approximate: true`.
 */
export const MAX_SCORED_PRODUCTS = 2_000;

/** The best offer of a product near the point, as ranked and counted. */
export interface Scored {
  product_id: number;
  merchant_id: number;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  /** The GTIN's number in memory (0: none), for grouping without string keys; the text is read with the page. */
  gtin_id: number;
  location_id: number;
  lat: number;
  lng: number;
  pickup: number;
  delivery_radius_km: number;
  /** The location delivers to the point. */
  delivers: boolean;
  /** The location is open at the evaluation instant. */
  open: boolean;
  available: number;
  distance_km: number;
  score: number;
  offers: number;
}

export function invalid(field: string, message: string, params?: Record<string, string | number>) {
  return new ValidationError([{ field, message, params }]);
}

/** A point for the search: explicit lat/lng, else the `near` town or postal code, else the region's centre. */
export async function resolvePoint(
  database: Database,
  ref: Reference,
  p: { lat?: number; lng?: number; near?: string },
): Promise<{ lat: number; lng: number; source: 'coordinates' | 'near' | 'region' }> {
  if (p.lat !== undefined && p.lng !== undefined) return { lat: p.lat, lng: p.lng, source: 'coordinates' };
  if ((p.lat === undefined) !== (p.lng === undefined)) throw invalid('lat', 'search.lat_lng_pair');
  const near = fold(p.near ?? '').trim();
  if (near) {
    const exact = ref.municipalities.find((m) => m.folded === near);
    const starts = exact ?? ref.municipalities.find((m) => m.folded.startsWith(near));
    if (starts) return { lat: starts.lat, lng: starts.lng, source: 'near' };
    // A postal code, full ("J9H 5E1", "j9h5e1") or its FSA: the towns owning that FSA (their
    // centre), else the stores whose postal code starts with it.
    const fsa = fsaOf(p.near ?? '');
    const towns = fsa ? ref.municipalities.filter((m) => m.prefixes.includes(fsa)) : [];
    if (towns.length)
      return {
        lat: towns.reduce((a, m) => a + m.lat, 0) / towns.length,
        lng: towns.reduce((a, m) => a + m.lng, 0) / towns.length,
        source: 'near',
      };
    const postal = fsa ?? near.replace(/\s+/g, '').toUpperCase();
    if (/^[A-Z]\d[A-Z]?\d?[A-Z]?\d?$/.test(postal)) {
      const r = await sql<{ lat: number | null; lng: number | null }>`select avg(lat) as lat, avg(lng) as lng
        from locations where upper(replace(postal_code, ' ', '')) like ${`${postal}%`}`.execute(database.db);
      const row = r.rows[0];
      if (row?.lat != null && row.lng != null)
        return { lat: Number(row.lat), lng: Number(row.lng), source: 'near' };
    }
  }
  // A place given but not found is 'region' too: callers tell it from no place by `near` (pages say so).
  return { ...ref.center, source: 'region' };
}

/** Typo tolerance: words of 5+ letters unknown to the index gain the indexed terms one edit away. */
async function expandTypos(database: Database, words: QueryWord[]): Promise<QueryWord[]> {
  const unknownWords = words.filter((w) => w.word.length >= 5 && !/^\d+$/.test(w.word));
  if (unknownWords.length === 0) return words;
  const all = unknownWords.flatMap((w) => w.terms);
  const known = await sql<{
    term: string;
  }>`select term from search_vocab where term in (${sql.join(all)})`.execute(database.db);
  const knownSet = new Set(known.rows.map((r) => r.term));
  const out: QueryWord[] = [];
  for (const w of words) {
    if (!unknownWords.includes(w) || w.terms.some((t) => knownSet.has(t))) {
      out.push(w);
      continue;
    }
    const variants = editsOne(w.word);
    const found = await sql<{
      term: string;
    }>`select term from search_vocab where term in (${sql.join(variants)})`.execute(database.db);
    out.push({ ...w, terms: [...w.terms, ...found.rows.map((r) => r.term).slice(0, 12)] });
  }
  return out;
}

/**
 * The last word is matched as a prefix only while it is incomplete: a word already in the index
 * vocabulary ("bottes") is matched through its stems, which is much cheaper than a prefix scan.
 */
async function completeWordsNeedNoPrefix(database: Database, words: QueryWord[]): Promise<QueryWord[]> {
  const last = words[words.length - 1];
  if (!last?.prefix) return words;
  const known = await sql<{ term: string }>`select term from search_vocab where term = ${last.word}`.execute(
    database.db,
  );
  if (known.rows.length === 0) return words;
  return [...words.slice(0, -1), { ...last, prefix: false }];
}

/** Backend match expression: every word must match one of its terms (or, for the last, a prefix). */
function matchExpr(database: Database, words: QueryWord[], mode: 'all' | 'any'): string {
  if (database.kind === 'sqlite') {
    const groups = words.map((w) => {
      const alts = w.terms.map((t) => `"${t}"`);
      if (w.prefix && w.word.length >= 3) alts.push(`"${w.word}"*`);
      return `(${alts.join(' OR ')})`;
    });
    return groups.join(mode === 'all' ? ' AND ' : ' OR ');
  }
  const groups = words.map((w) => {
    const alts = w.terms.map((t) => t);
    if (w.prefix && w.word.length >= 3) alts.push(`${w.word}:*`);
    return `(${alts.join(' | ')})`;
  });
  return groups.join(mode === 'all' ? ' & ' : ' | ');
}

/** Text matches of one expression: product ids, best first (relevance desc, then id), and their relevance. */
interface Hits {
  ids: Int32Array;
  bm: Float32Array;
}

/**
 * Per-process cache of text matches and prepared query words, keyed by the expression. Popular
 * queries repeat (a region's shoppers search for the same few hundred things), and a match does
 * not depend on where the shopper stands, so the index is read once per query and catalogue
 * generation: any product (re)indexed on this instance, or announced by another through a
 * `catalog` event, drops the whole cache. `COMPTOIR_SEARCH_CACHE=0` turns it off (benchmarks
 * measure both).
 */
interface HitCache {
  generation: number;
  entries: Map<string, unknown>;
  ids: number;
}
const MAX_CACHED_IDS = 4_000_000;
const hitCaches = new WeakMap<Database, HitCache>();
const cacheEnabled = () => process.env.COMPTOIR_SEARCH_CACHE !== '0';

function cacheOf(database: Database): HitCache {
  const generation = catalogGeneration(database);
  let c = hitCaches.get(database);
  if (!c || c.generation !== generation) {
    c = { generation, entries: new Map(), ids: 0 };
    hitCaches.set(database, c);
  }
  return c;
}

/** A value cached per database until the catalogue changes (see HitCache). */
export async function cached<T>(database: Database, key: string, compute: () => Promise<T>): Promise<T> {
  if (!cacheEnabled()) return compute();
  const c = cacheOf(database);
  const hit = c.entries.get(key);
  if (hit) {
    // Most recently used last: Map order is the eviction order.
    c.entries.delete(key);
    c.entries.set(key, hit);
    return hit as T;
  }
  const value = await compute();
  const c2 = cacheOf(database);
  if (c2 !== c) return value; // the catalogue changed meanwhile: do not keep a stale answer
  const size = sizeOf(value);
  c.entries.set(key, value);
  c.ids += size;
  for (const [k, v] of c.entries) {
    if (c.ids <= MAX_CACHED_IDS) break;
    c.entries.delete(k);
    c.ids -= sizeOf(v);
  }
  return value;
}

const sizeOf = (v: unknown) =>
  (v as Partial<Hits>).ids instanceof Int32Array ? (v as Hits).ids.length + 1 : 1;

function sortedHits(rows: { product_id: number; bm: number }[]): Hits {
  rows.sort((a, b) => Number(b.bm) - Number(a.bm) || Number(a.product_id) - Number(b.product_id));
  const ids = new Int32Array(rows.length);
  const bm = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    ids[i] = Number(rows[i]!.product_id);
    bm[i] = Number(rows[i]!.bm);
  }
  return { ids, bm };
}

/** Text hits: products and the backend's relevance (SQLite FTS5 BM25, PostgreSQL ts_rank). */
function textHits(database: Database, expr: string): Promise<Hits> {
  return cached(database, `h:${expr}`, async () => {
    if (database.kind === 'sqlite') {
      // BM25 costs 2-10× the match itself: computed when the match is selective, else two cheap
      // tiers (title match 2, description-only match 1), see docs/ARCHITECTURE.md "Search".
      const plain = await sql<{ product_id: number }>`select rowid as product_id from search_fts
        where search_fts match ${expr} limit ${MAX_TEXT_HITS}`.execute(database.db);
      if (plain.rows.length <= MAX_BM25_HITS) {
        const r = await sql<{ product_id: number; bm: number }>`select rowid as product_id,
          -bm25(search_fts, 4.0, 1.0) as bm
          from search_fts where search_fts match ${expr} limit ${MAX_TEXT_HITS}`.execute(database.db);
        return sortedHits(r.rows);
      }
      const title = await sql<{ product_id: number }>`select rowid as product_id from search_fts
        where search_fts match ${`{title_terms} : (${expr})`} limit ${MAX_TEXT_HITS}`.execute(database.db);
      const inTitle = new Set(title.rows.map((r) => Number(r.product_id)));
      return sortedHits(
        plain.rows.map((r) => ({
          product_id: Number(r.product_id),
          bm: inTitle.has(Number(r.product_id)) ? 2 : 1,
        })),
      );
    }
    const r = await sql<{ product_id: number; bm: number }>`select d.product_id, ts_rank(d.tsv, q) as bm
      from search_documents d, to_tsquery('simple', ${expr}) q
      where d.tsv @@ q limit ${MAX_TEXT_HITS}`.execute(database.db);
    return sortedHits(r.rows);
  });
}

const idList = (database: Database, ids: number[]) =>
  database.kind === 'sqlite'
    ? sql`(select value from json_each(${JSON.stringify(ids)}))`
    : sql`(select unnest(${ids}::int[]))`;

/**
 * Products near the point: of the hits (best text matches first) or, when there are no words,
 * of nearby merchants; each with its text relevance. The merchant comes from memory (memory.ts).
 */
async function nearProducts(
  database: Database,
  m: CatalogMemory,
  area: NearArea,
  hits: Hits | undefined,
  stats: { capped: boolean },
  rank: CandidateRank,
): Promise<{ ids: number[]; bms: number[] }> {
  const ids: number[] = [];
  const bms: number[] = [];
  if (hits) {
    const owner = m.merchant;
    for (let i = 0; i < hits.ids.length; i++) {
      const pid = hits.ids[i]!;
      const mid = pid < owner.length ? owner[pid]! : 0;
      if (mid === 0 || !area.isNear(mid)) continue;
      ids.push(pid);
      bms.push(hits.bm[i]!);
    }
    if (ids.length > MAX_SCORED_PRODUCTS) {
      // Very common words: only MAX_SCORED_PRODUCTS are scored and counted. Which ones matters: the
      // best for the requested order (taking the first in hit order, as before, dropped the
      // closest shops from a distance sort and the cheapest from a price sort).
      stats.capped = true;
      return bestCandidates(ids, bms, rank);
    }
    return { ids, bms };
  }
  const merchants = area.all();
  if (merchants.length === 0) return { ids, bms };
  const r = await sql<{ id: number }>`select id from products
    where merchant_id in ${idList(database, merchants)} and status = 'active' order by id limit ${MAX_BROWSE_OFFERS}`.execute(
    database.db,
  );
  for (const row of r.rows) {
    ids.push(Number(row.id));
    bms.push(0);
  }
  if (ids.length >= MAX_BROWSE_OFFERS) stats.capped = true;
  return { ids, bms };
}

/**
 * How a candidate ranks before it is scored (smaller first): its product, its text relevance and
 * the best relevance among the candidates. An estimate of the final order from what memory knows
 * without looking at its offers.
 */
type CandidateRank = (productId: number, bm: number, maxBm: number) => number;

/**
 * The MAX_SCORED_PRODUCTS best candidates by `rank` (ties: hit order). Linear: a selection of the
 * cut-off key, not a sort.
 */
function bestCandidates(ids: number[], bms: number[], rank: CandidateRank) {
  const n = ids.length;
  let maxBm = 0;
  for (const b of bms) if (b > maxBm) maxBm = b;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rank(ids[i]!, bms[i]!, maxBm);
  const cut = kthSmallest(keys.slice(), MAX_SCORED_PRODUCTS - 1);
  const out = { ids: [] as number[], bms: [] as number[] };
  let atCut = MAX_SCORED_PRODUCTS;
  for (let i = 0; i < n; i++) if (keys[i]! < cut) atCut--;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k < cut || (k === cut && atCut-- > 0)) {
      out.ids.push(ids[i]!);
      out.bms.push(bms[i]!);
    }
  }
  return out;
}

/** The k-th smallest value (0-based) of `a`, which it reorders (Hoare's selection). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Which merchants have a location in the search box (and pass the merchant/association filters),
 * decided lazily per merchant and remembered for the search: most searches look at far fewer
 * merchants (those of their text matches) than the region holds.
 */
interface NearArea {
  /** 0 = not decided yet, 1 = near, 2 = not near. */
  state: Uint8Array;
  maxMerchant: number;
  isNear(merchantId: number): boolean;
  /** Distance from the point to the merchant's nearest location kept by the filters (km). */
  distanceKm(merchantId: number): number;
  /** Every near merchant (for searches without words): a pass over the grid cells of the box. */
  all(): number[];
}

/** A nearby location with what depends only on it, computed once per search (not once per offer). */
interface NearLocation {
  ref: LocationRef;
  /** Inside the box and the radius, and kept by the location-level filters. */
  offers: boolean;
  distance_km: number;
  proximity: number;
  delivers: boolean;
  open: boolean;
}

/** The local weekday and time once per request (Intl formatting is far too slow to run per offer). */
export function clock(now: Date, timeZone: string) {
  return localDayAndTime(now, timeZone);
}

const DAY_INDEX: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

/** Same as openAt, over hours pre-converted to minutes (reference.ts), for the per-location hot path. */
function openAtMinutes(minutes: number[][], dayIndex: number, t: number): boolean {
  const day = minutes[dayIndex] ?? [];
  for (let i = 0; i + 1 < day.length; i += 2) if (t >= day[i]! && t < day[i + 1]!) return true;
  return false;
}

const openMasks = new WeakMap<Reference, { key: number; mask: Uint8Array }>();
/** Which locations are open at a local weekday and minute: computed once per minute for all of them. */
function openLocations(ref: Reference, dayIndex: number, t: number): Uint8Array {
  const key = dayIndex * 1440 + t;
  const hit = openMasks.get(ref);
  if (hit?.key === key) return hit.mask;
  const mask = new Uint8Array(ref.locations.length);
  for (const l of ref.locations) mask[l.index] = openAtMinutes(l.minutes, dayIndex, t) ? 1 : 0;
  openMasks.set(ref, { key, mask });
  return mask;
}

/** Whether opening hours include a local weekday and time. */
export function openAt(hours: OpeningHours, at: ReturnType<typeof clock>): boolean {
  return (hours[at.day] ?? []).some(([open, close]) => at.time >= open && at.time < close);
}

export interface FacetValue {
  value: string;
  count: number;
  label?: string;
}

/**
 * `COMPTOIR_BROWSE_LEGACY=1` serves queries without words the way they were served before
 * browse.ts (at most MAX_BROWSE_OFFERS products, lowest ids first): kept only so the browse
 * benchmark can compare both in one run.
 */
const legacyBrowse = () => process.env.COMPTOIR_BROWSE_LEGACY === '1';

/** Products near a point, ranked, filtered and counted by facet. */
export async function search(database: Database, params: SearchParams) {
  const ref = await reference(database);
  const lang: Lang = params.lang ?? 'fr';
  const radius = params.radius_km ?? ref.defaultRadiusKm;
  const page = params.page ?? 1;
  const perPage = params.per_page ?? 20;
  const sort = params.sort ?? 'relevance';
  const category = params.category ? ref.categoryBySlug.get(params.category) : undefined;
  if (params.category && !category) throw invalid('category', 'search.unknown_category');
  const association = params.association
    ? ref.associations.find((a) => a.slug === params.association)
    : undefined;
  if (params.association && !association) throw invalid('association', 'search.unknown_association');
  const merchant = params.merchant ? ref.merchantBySlug.get(params.merchant) : undefined;
  if (params.merchant && !merchant) throw invalid('merchant', 'search.unknown_merchant');
  const point = await resolvePoint(database, ref, params);
  const box = boundingBox(point.lat, point.lng, radius);

  const now = params.now ?? new Date();
  const at = clock(now, ref.timezone);
  // Merchants with a location in the box (a pass over the in-memory locations, no allocation
  // per location); distance, delivery and opening are computed only for the locations of
  // merchants that have a candidate product, once per search.
  const inBox = (l: LocationRef) =>
    l.lat >= box.minLat && l.lat <= box.maxLat && l.lng >= box.minLng && l.lng <= box.maxLng;
  const keeps = (l: LocationRef) =>
    inBox(l) &&
    !(merchant && l.merchant_id !== merchant.id) &&
    !(association && !association.members.has(l.merchant_id));
  const state = new Uint8Array(ref.maxMerchantId + 1);
  let merchantKm: Float64Array | undefined;
  const area: NearArea = {
    state,
    maxMerchant: ref.maxMerchantId,
    isNear(mid) {
      if (mid > ref.maxMerchantId) return false;
      let v = state[mid]!;
      if (v === 0) {
        v = 2;
        for (const l of ref.locationsByMerchant[mid] ?? []) {
          if (keeps(l)) {
            v = 1;
            break;
          }
        }
        state[mid] = v;
      }
      return v === 1;
    },
    distanceKm(mid) {
      merchantKm ??= new Float64Array(ref.maxMerchantId + 1).fill(-1);
      let d = merchantKm[mid]!;
      if (d < 0) {
        d = Number.POSITIVE_INFINITY;
        for (const l of ref.locationsByMerchant[mid] ?? [])
          if (keeps(l)) d = Math.min(d, haversineKm(point.lat, point.lng, l.lat, l.lng));
        merchantKm[mid] = d;
      }
      return d;
    },
    all() {
      const out: number[] = [];
      for (let row = cellOf(box.minLat); row <= cellOf(box.maxLat); row++) {
        for (let col = cellOf(box.minLng); col <= cellOf(box.maxLng); col++) {
          for (const l of ref.grid.get(cellKey(row, col)) ?? []) {
            if (state[l.merchant_id] !== 0 || !keeps(l)) continue;
            state[l.merchant_id] = 1;
            out.push(l.merchant_id);
          }
        }
      }
      return out;
    },
  };
  const safeRadius = Math.max(radius, 0.001);
  const atDay = DAY_INDEX[at.day] ?? 0;
  const atMinutes = toMinutes(at.time);
  const facts = new Map<number, NearLocation>();
  const openMask = openLocations(ref, atDay, atMinutes);
  const locationFacts = (l: LocationRef): NearLocation => {
    let f = facts.get(l.index);
    if (!f) {
      const d = haversineKm(point.lat, point.lng, l.lat, l.lng);
      const delivers = l.delivery_radius_km > 0 && l.delivery_radius_km >= d;
      const open = openMask[l.index] === 1;
      f = {
        ref: l,
        offers:
          inBox(l) &&
          d <= radius &&
          !(params.fulfilment === 'pickup' && !l.pickup) &&
          !(params.fulfilment === 'delivery' && !delivers) &&
          !(params.open_now && !open),
        distance_km: d,
        proximity: Math.max(0, 1 - d / safeRadius),
        delivers,
        open,
      };
      facts.set(l.index, f);
    }
    return f;
  };

  const m = await catalogMemory(database);
  // Which candidates to score when there are too many (see nearProducts): the final order's
  // estimate. Relevance: text and proximity and the Québec boost as in the score (stock, known only
  // per offer, is left out); the other orders exactly.
  const rank: CandidateRank =
    sort === 'distance'
      ? (pid) => area.distanceKm(m.merchant[pid]!)
      : sort === 'price_asc'
        ? (pid) => m.price[pid]!
        : sort === 'price_desc'
          ? (pid) => -m.price[pid]!
          : (pid, bm, maxBm) =>
              -(
                RANKING.text * (maxBm > 0 ? bm / maxBm : 0) +
                RANKING.proximity * Math.max(0, 1 - area.distanceKm(m.merchant[pid]!) / safeRadius) +
                RANKING.quebec * (m.quebec[pid]! ? 1 : 0)
              );
  let words = parseQuery(params.q ?? '', { prefixLast: true });
  let relaxed = false;
  const stats = { capped: false };
  let near: { ids: number[]; bms: number[] };
  let total: number;
  let facets: Facets;
  let slice: Scored[];
  if (words.length === 0 && !legacyBrowse()) {
    // Browsing without words: exact over every nearby product, in typed arrays (browse.ts).
    const r = browse(ref, m, {
      point,
      radius,
      keeps,
      box,
      fulfilment: params.fulfilment,
      openNow: params.open_now === true,
      openMask,
      categoryId: category?.id ?? 0,
      quebec: params.quebec === true,
      inStock: params.in_stock === true,
      sort,
      offset: (page - 1) * perPage,
      limit: perPage,
      lang,
      weights: RANKING,
    });
    total = r.total;
    facets = r.facets;
    slice = r.page;
  } else {
    if (words.length === 0) {
      near = await nearProducts(database, m, area, undefined, stats, rank);
    } else {
      const parsed = words;
      words = await cached(database, `w:${JSON.stringify(parsed)}`, async () =>
        completeWordsNeedNoPrefix(database, await expandTypos(database, parsed)),
      );
      near = await nearProducts(
        database,
        m,
        area,
        await textHits(database, matchExpr(database, words, 'all')),
        stats,
        rank,
      );
      if (near.ids.length === 0 && words.length > 1) {
        relaxed = true;
        near = await nearProducts(
          database,
          m,
          area,
          await textHits(database, matchExpr(database, words, 'any')),
          stats,
          rank,
        );
      }
    }

    let maxBm = 0;
    for (const b of near.bms) if (b > maxBm) maxBm = b;
    const categoryId = category?.id ?? 0;
    // Best offer of each product within the radius, after filters (then one per GTIN below).
    const scored: Scored[] = [];
    for (let i = 0; i < near.ids.length; i++) {
      const pid = near.ids[i]!;
      if (pid >= m.merchant.length || m.merchant[pid] === 0) continue; // archived since
      const mid = m.merchant[pid]!;
      if (categoryId && m.category[pid] !== categoryId) continue;
      const q = m.quebec[pid]!;
      if (params.quebec && q === 0) continue;
      const text = maxBm > 0 ? near.bms[i]! / maxBm : 0;
      const base = RANKING.text * text + RANKING.quebec * (q ? 1 : 0);
      let best: NearLocation | undefined;
      let bestScore = 0;
      let bestAvailable = 0;
      let offers = 0;
      for (const loc of ref.locationsByMerchant[mid] ?? []) {
        const l = locationFacts(loc);
        if (!l.offers) continue;
        const available = Math.max(0, availableAt(m, pid, loc.id));
        if (params.in_stock && available <= 0) continue;
        const score = base + RANKING.proximity * l.proximity + RANKING.inStock * (available > 0 ? 1 : 0);
        offers++;
        if (!best || score > bestScore || (score === bestScore && l.distance_km < best.distance_km)) {
          best = l;
          bestScore = score;
          bestAvailable = available;
        }
      }
      if (!best) continue;
      const g = m.gtin[pid]!;
      const c = m.category[pid]!;
      scored.push({
        product_id: pid,
        merchant_id: mid,
        category_id: c === 0 ? null : c,
        quebec_label: q === 0 ? null : m.quebecLabels[q - 1]!,
        price_cents: m.price[pid]!,
        gtin_id: g,
        location_id: best.ref.id,
        lat: best.ref.lat,
        lng: best.ref.lng,
        pickup: best.ref.pickup,
        delivery_radius_km: best.ref.delivery_radius_km,
        delivers: best.delivers,
        open: best.open,
        available: bestAvailable,
        distance_km: best.distance_km,
        score: bestScore,
        offers,
      });
    }
    const tie = (a: Scored, b: Scored) => a.distance_km - b.distance_km || a.product_id - b.product_id;
    const cmp: Record<SortKey, (a: Scored, b: Scored) => number> = {
      relevance: (a, b) => b.score - a.score || tie(a, b),
      distance: (a, b) => tie(a, b),
      price_asc: (a, b) => a.price_cents - b.price_cents || tie(a, b),
      price_desc: (a, b) => b.price_cents - a.price_cents || tie(a, b),
    };
    const sorted = scored.sort(cmp[sort]);
    // One result per GTIN: the first in the requested order stands for the others (their offers are counted).
    const byGtin = new Map<number, Scored>();
    const results: Scored[] = [];
    for (const s of sorted) {
      const first = s.gtin_id ? byGtin.get(s.gtin_id) : undefined;
      if (first) {
        first.offers += s.offers;
        continue;
      }
      if (s.gtin_id) byGtin.set(s.gtin_id, s);
      results.push(s);
    }

    facets = computeFacets(ref, results, lang);
    slice = results.slice((page - 1) * perPage, page * perPage);
    total = results.length;
  }
  const details = await loadDetails(database, slice);
  return {
    total,
    page,
    per_page: perPage,
    point: { lat: point.lat, lng: point.lng, source: point.source, radius_km: radius },
    relaxed,
    approximate: stats.capped,
    results: slice.map((s) => {
      const d = details.get(s.product_id);
      const title = d ? (lang === 'en' ? d.title_en || d.title_fr : d.title_fr) : '';
      const description = d ? (lang === 'en' ? d.description_en || d.description_fr : d.description_fr) : '';
      const m = ref.merchantById.get(s.merchant_id);
      const loc = d?.locations.get(s.location_id);
      const image = d ? parseImages(d.images_json)[0] : undefined;
      return {
        product_id: s.product_id,
        sku: d?.sku ?? '',
        title,
        description_snippet: snippet(description, words),
        price_cents: d?.price_cents ?? s.price_cents,
        currency: 'CAD',
        quebec_label: s.quebec_label,
        image_url: image?.url ?? null,
        url: `/${lang}/p/${s.product_id}`,
        gtin: d?.gtin ?? null,
        merchant: { id: s.merchant_id, slug: m?.slug ?? '', name: m?.name ?? '' },
        location: {
          id: s.location_id,
          name: loc?.name ?? '',
          lat: s.lat,
          lng: s.lng,
          distance_km: Math.round(s.distance_km * 100) / 100,
        },
        available: Math.max(0, d?.stock.get(s.location_id) ?? s.available),
        offers_nearby: s.offers,
        score: Math.round(s.score * 1000) / 1000,
      };
    }),
    facets,
  };
}

function computeFacets(ref: Reference, results: Scored[], lang: Lang) {
  const count = <K>(key: (s: Scored) => K | K[] | null | undefined) => {
    const m = new Map<K, number>();
    for (const s of results) {
      const k = key(s);
      if (k === null || k === undefined) continue;
      for (const v of Array.isArray(k) ? k : [k]) m.set(v, (m.get(v) ?? 0) + 1);
    }
    return [...m.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  };
  const category = count((s) => s.category_id).flatMap(([id, n]) => {
    const c = ref.categoryById.get(id as number);
    return c ? [{ value: c.slug, count: n, label: lang === 'fr' ? c.name_fr : c.name_en }] : [];
  });
  const quebec = count((s) => s.quebec_label).map(([v, n]) => ({ value: String(v), count: n }));
  const merchant = count((s) => s.merchant_id)
    .slice(0, 20)
    .map(([id, n]) => {
      const m = ref.merchantById.get(id as number);
      return { value: m?.slug ?? String(id), count: n, label: m?.name ?? '' };
    });
  const association = count((s) => ref.memberships.get(s.merchant_id)).map(([id, n]) => {
    const a = ref.associations.find((x) => x.id === id);
    return { value: a?.slug ?? String(id), count: n, label: a?.name ?? '' };
  });
  let inStock = 0;
  let pickup = 0;
  let delivery = 0;
  let openNow = 0;
  for (const s of results) {
    if (s.available > 0) inStock++;
    if (Number(s.pickup)) pickup++;
    if (s.delivers) delivery++;
    if (s.open) openNow++;
  }
  return {
    category,
    quebec_label: quebec,
    merchant,
    association,
    in_stock: [{ value: '1', count: inStock }],
    fulfilment: [
      { value: 'pickup', count: pickup },
      { value: 'delivery', count: delivery },
    ],
    open_now: [{ value: '1', count: openNow }],
  };
}

interface Detail {
  sku: string;
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  images_json: string;
  price_cents: number;
  gtin: string | null;
  locations: Map<number, { name: string }>;
  /** Availability by location id. */
  stock: Map<number, number>;
}

/** What the page of results shows, read from the database: exact price and availability, texts. */
async function loadDetails(database: Database, slice: Scored[]): Promise<Map<number, Detail>> {
  const out = new Map<number, Detail>();
  if (slice.length === 0) return out;
  const ids = slice.map((s) => s.product_id);
  const locIds = [...new Set(slice.map((s) => s.location_id))];
  const [products, locations, stock] = await Promise.all([
    database.db
      .selectFrom('products')
      .select([
        'id',
        'sku',
        'title_fr',
        'title_en',
        'description_fr',
        'description_en',
        'images_json',
        'price_cents',
        'gtin',
      ])
      .where('id', 'in', ids)
      .execute(),
    database.db.selectFrom('locations').select(['id', 'name']).where('id', 'in', locIds).execute(),
    database.db
      .selectFrom('inventory_levels')
      .select(['product_id', 'location_id', 'on_hand', 'reserved'])
      .where('product_id', 'in', ids)
      .execute(),
  ]);
  const locMap = new Map(locations.map((l) => [Number(l.id), { name: l.name }]));
  for (const p of products)
    out.set(Number(p.id), { ...p, price_cents: Number(p.price_cents), locations: locMap, stock: new Map() });
  for (const r of stock)
    out.get(Number(r.product_id))?.stock.set(Number(r.location_id), Number(r.on_hand) - Number(r.reserved));
  return out;
}

/** Up to 160 characters of the description, starting near the first matched word. */
export function snippet(text: string, words: QueryWord[]): string {
  if (!text) return '';
  const folded = fold(text);
  let at = -1;
  for (const w of words) {
    const i = folded.indexOf(w.terms[w.terms.length - 1] ?? w.word);
    const j = folded.indexOf(w.word);
    const k = [i, j].filter((x) => x >= 0).sort((a, b) => a - b)[0];
    if (k !== undefined && (at < 0 || k < at)) at = k;
  }
  const start = at > 60 ? text.lastIndexOf(' ', at - 40) + 1 : 0;
  const body = text.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${body}${start + 160 < text.length ? '…' : ''}`;
}

/**
 * "Did you mean": each word of 4+ letters unknown to the index is replaced by the nearest indexed
 * word one edit away (same length first). Undefined when nothing would change.
 */
export async function spellingSuggestion(database: Database, q: string): Promise<string | undefined> {
  const ws = parseQuery(q);
  if (ws.length === 0) return undefined;
  let changed = false;
  const out: string[] = [];
  for (const w of ws) {
    if (w.word.length < 4 || /^\d+$/.test(w.word)) {
      out.push(w.word);
      continue;
    }
    const known = await sql<{ term: string }>`select term from search_vocab where term = ${w.word}`.execute(
      database.db,
    );
    if (known.rows.length > 0) {
      out.push(w.word);
      continue;
    }
    const found = await sql<{
      term: string;
    }>`select term from search_vocab where term in (${sql.join(editsOne(w.word))})`.execute(database.db);
    const best = found.rows
      .map((r) => r.term)
      .sort(
        (a, b) =>
          Math.abs(a.length - w.word.length) - Math.abs(b.length - w.word.length) ||
          b.length - a.length ||
          a.localeCompare(b),
      )[0];
    if (best) {
      out.push(best);
      changed = true;
    } else out.push(w.word);
  }
  return changed ? out.join(' ') : undefined;
}
