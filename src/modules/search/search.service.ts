import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { ValidationError } from '../../lib/errors.ts';
import { parseImages } from '../catalog/index.ts';
import { boundingBox, haversineKm } from '../common/geo.ts';
import { localDayAndTime, type OpeningHours, parseHours } from '../common/hours.ts';
import { editsOne, fold, parseQuery, type QueryWord } from './normalize.ts';
import { merchantsOf } from './owners.ts';
import { type LocationRef, type Reference, reference } from './reference.ts';

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

interface Candidate {
  product_id: number;
  merchant_id: number;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  gtin: string | null;
  location_id: number;
  lat: number;
  lng: number;
  pickup: number;
  delivery_radius_km: number;
  hours_json: string;
  available: number;
  bm: number;
}

interface Scored extends Candidate {
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
    const postal = near.replace(/\s+/g, '').toUpperCase();
    if (/^[A-Z]\d[A-Z]?\d?[A-Z]?\d?$/.test(postal)) {
      const r = await sql<{ lat: number | null; lng: number | null }>`select avg(lat) as lat, avg(lng) as lng
        from locations where upper(replace(postal_code, ' ', '')) like ${`${postal}%`}`.execute(database.db);
      const row = r.rows[0];
      if (row?.lat != null && row.lng != null)
        return { lat: Number(row.lat), lng: Number(row.lng), source: 'near' };
    }
  }
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

interface Hit {
  product_id: number;
  merchant_id: number;
  bm: number;
}

/** Text hits: product, merchant and the backend's relevance (SQLite FTS5 BM25, PostgreSQL ts_rank). */
async function textHits(database: Database, expr: string): Promise<Hit[]> {
  let rows: Hit[];
  if (database.kind === 'sqlite') {
    // BM25 costs 2-10× the match itself: computed when the match is selective, else two cheap
    // tiers (title match 2, description-only match 1), see docs/ARCHITECTURE.md "Search".
    const plain = await sql<{ product_id: number }>`select rowid as product_id from search_fts
      where search_fts match ${expr} limit ${MAX_TEXT_HITS}`.execute(database.db);
    if (plain.rows.length <= MAX_BM25_HITS) {
      const r = await sql<Hit>`select rowid as product_id, -bm25(search_fts, 4.0, 1.0) as bm
        from search_fts where search_fts match ${expr} limit ${MAX_TEXT_HITS}`.execute(database.db);
      rows = r.rows;
    } else {
      const title = await sql<{ product_id: number }>`select rowid as product_id from search_fts
        where search_fts match ${`{title_terms} : (${expr})`} limit ${MAX_TEXT_HITS}`.execute(database.db);
      const inTitle = new Set(title.rows.map((r) => Number(r.product_id)));
      rows = plain.rows.map((r) => ({
        product_id: Number(r.product_id),
        merchant_id: 0,
        bm: inTitle.has(Number(r.product_id)) ? 2 : 1,
      }));
    }
    // The FTS table holds no columns to read back: the merchant comes from the in-memory owner map.
    const owners = await merchantsOf(
      database,
      rows.map((h) => Number(h.product_id)),
    );
    for (const h of rows) h.merchant_id = owners.get(Number(h.product_id)) ?? 0;
    return rows;
  }
  const r = await sql<Hit>`select d.product_id, d.merchant_id, ts_rank(d.tsv, q) as bm
    from search_documents d, to_tsquery('simple', ${expr}) q
    where d.tsv @@ q limit ${MAX_TEXT_HITS}`.execute(database.db);
  return r.rows;
}

const idList = (database: Database, ids: number[]) =>
  database.kind === 'sqlite'
    ? sql`(select value from json_each(${JSON.stringify(ids)}))`
    : sql`(select unnest(${ids}::int[]))`;

interface ProductRow {
  id: number;
  merchant_id: number;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  gtin: string | null;
}

/**
 * Offers near the point: every product (of the hits, or of nearby merchants when there are no
 * words) at each of its merchant's locations within the radius, with live availability.
 */
async function offerCandidates(
  database: Database,
  nearby: Map<number, LocationRef[]>,
  hits: Hit[] | undefined,
  stats: { capped: boolean },
): Promise<Candidate[]> {
  let products: ProductRow[];
  const bmOf = new Map<number, number>();
  if (hits) {
    let near = hits.filter((h) => nearby.has(Number(h.merchant_id)));
    if (near.length > MAX_SCORED_PRODUCTS) {
      // Very common words: only the best text matches near the point are scored and counted.
      near = near
        .sort((a, b) => Number(b.bm) - Number(a.bm) || a.product_id - b.product_id)
        .slice(0, MAX_SCORED_PRODUCTS);
      stats.capped = true;
    }
    const ids: number[] = [];
    for (const h of near) {
      ids.push(Number(h.product_id));
      bmOf.set(Number(h.product_id), Number(h.bm));
    }
    if (ids.length === 0) return [];
    const r =
      await sql<ProductRow>`select id, merchant_id, category_id, quebec_label, price_cents, gtin from products
      where id in ${idList(database, ids)} and status = 'active'`.execute(database.db);
    products = r.rows;
  } else {
    const merchants = [...nearby.keys()];
    if (merchants.length === 0) return [];
    const r =
      await sql<ProductRow>`select id, merchant_id, category_id, quebec_label, price_cents, gtin from products
      where merchant_id in ${idList(database, merchants)} and status = 'active' order by id limit ${MAX_BROWSE_OFFERS}`.execute(
        database.db,
      );
    products = r.rows;
    if (products.length >= MAX_BROWSE_OFFERS) stats.capped = true;
  }
  if (products.length === 0) return [];
  const stock = await sql<{
    product_id: number;
    location_id: number;
    available: number;
  }>`select product_id, location_id,
      on_hand - reserved as available from inventory_levels where product_id in ${idList(
        database,
        products.map((p) => Number(p.id)),
      )}`.execute(database.db);
  const avail = new Map<string, number>();
  for (const s of stock.rows) avail.set(`${s.product_id}:${s.location_id}`, Number(s.available));
  const out: Candidate[] = [];
  for (const p of products) {
    const pid = Number(p.id);
    for (const l of nearby.get(Number(p.merchant_id)) ?? []) {
      out.push({
        product_id: pid,
        merchant_id: Number(p.merchant_id),
        category_id: p.category_id === null ? null : Number(p.category_id),
        quebec_label: p.quebec_label,
        price_cents: Number(p.price_cents),
        gtin: p.gtin,
        location_id: l.id,
        lat: l.lat,
        lng: l.lng,
        pickup: l.pickup,
        delivery_radius_km: l.delivery_radius_km,
        hours_json: l.hours_json,
        available: avail.get(`${pid}:${l.id}`) ?? 0,
        bm: bmOf.get(pid) ?? 0,
      });
    }
  }
  return out;
}

/** The local weekday and time once per request (Intl formatting is far too slow to run per offer). */
export function clock(now: Date, timeZone: string) {
  return localDayAndTime(now, timeZone);
}

/** Whether opening hours include a local weekday and time. */
export function openAt(hours: OpeningHours, at: ReturnType<typeof clock>): boolean {
  return (hours[at.day] ?? []).some(([open, close]) => at.time >= open && at.time < close);
}

const hoursCache = new Map<string, ReturnType<typeof parseHours>>();
function hoursOf(json: string) {
  let h = hoursCache.get(json);
  if (!h) {
    h = parseHours(json);
    if (hoursCache.size > 50_000) hoursCache.clear();
    hoursCache.set(json, h);
  }
  return h;
}

export interface FacetValue {
  value: string;
  count: number;
  label?: string;
}

/** Products near a point, ranked, filtered and counted by facet. */
export async function search(database: Database, params: SearchParams) {
  const ref = await reference(database);
  const lang: Lang = params.lang ?? 'fr';
  const radius = params.radius_km ?? 25;
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

  // Locations within the radius, by merchant (the reference data keeps them in memory).
  const nearby = new Map<number, LocationRef[]>();
  for (const l of ref.locations) {
    if (l.lat < box.minLat || l.lat > box.maxLat || l.lng < box.minLng || l.lng > box.maxLng) continue;
    if (merchant && l.merchant_id !== merchant.id) continue;
    if (association && !association.members.has(l.merchant_id)) continue;
    const list = nearby.get(l.merchant_id);
    if (list) list.push(l);
    else nearby.set(l.merchant_id, [l]);
  }

  let words = parseQuery(params.q ?? '', { prefixLast: true });
  let relaxed = false;
  const stats = { capped: false };
  let candidates: Candidate[];
  if (words.length === 0) {
    candidates = await offerCandidates(database, nearby, undefined, stats);
  } else {
    words = await expandTypos(database, words);
    words = await completeWordsNeedNoPrefix(database, words);
    candidates = await offerCandidates(
      database,
      nearby,
      await textHits(database, matchExpr(database, words, 'all')),
      stats,
    );
    if (candidates.length === 0 && words.length > 1) {
      relaxed = true;
      candidates = await offerCandidates(
        database,
        nearby,
        await textHits(database, matchExpr(database, words, 'any')),
        stats,
      );
    }
  }

  const now = params.now ?? new Date();
  const at = clock(now, ref.timezone);
  let maxBm = 0;
  for (const c of candidates) if (Number(c.bm) > maxBm) maxBm = Number(c.bm);
  // Best offer of each product (then of each GTIN) within the radius, after filters.
  const bestByProduct = new Map<number, Scored>();
  const offersByProduct = new Map<number, number>();
  for (const c of candidates) {
    const d = haversineKm(point.lat, point.lng, c.lat, c.lng);
    if (d > radius) continue;
    const available = Math.max(0, Number(c.available));
    if (category && Number(c.category_id) !== category.id) continue;
    if (params.quebec && !c.quebec_label) continue;
    if (params.in_stock && available <= 0) continue;
    if (params.fulfilment === 'pickup' && !Number(c.pickup)) continue;
    if (
      params.fulfilment === 'delivery' &&
      !(Number(c.delivery_radius_km) >= d && Number(c.delivery_radius_km) > 0)
    )
      continue;
    if (association && !association.members.has(Number(c.merchant_id))) continue;
    if (merchant && Number(c.merchant_id) !== merchant.id) continue;
    if (!ref.merchantById.has(Number(c.merchant_id))) continue;
    if (params.open_now && !openAt(hoursOf(c.hours_json), at)) continue;
    const text = maxBm > 0 ? Number(c.bm) / maxBm : 0;
    const score =
      RANKING.text * text +
      RANKING.proximity * Math.max(0, 1 - d / Math.max(radius, 0.001)) +
      RANKING.inStock * (available > 0 ? 1 : 0) +
      RANKING.quebec * (c.quebec_label ? 1 : 0);
    const pid = Number(c.product_id);
    offersByProduct.set(pid, (offersByProduct.get(pid) ?? 0) + 1);
    const prev = bestByProduct.get(pid);
    if (!prev || score > prev.score || (score === prev.score && d < prev.distance_km)) {
      bestByProduct.set(pid, {
        ...c,
        product_id: pid,
        merchant_id: Number(c.merchant_id),
        category_id: c.category_id === null ? null : Number(c.category_id),
        location_id: Number(c.location_id),
        price_cents: Number(c.price_cents),
        available,
        distance_km: d,
        score,
        offers: 0,
      });
    }
  }
  const tie = (a: Scored, b: Scored) => a.distance_km - b.distance_km || a.product_id - b.product_id;
  const cmp: Record<SortKey, (a: Scored, b: Scored) => number> = {
    relevance: (a, b) => b.score - a.score || tie(a, b),
    distance: (a, b) => tie(a, b),
    price_asc: (a, b) => a.price_cents - b.price_cents || tie(a, b),
    price_desc: (a, b) => b.price_cents - a.price_cents || tie(a, b),
  };
  const sorted = [...bestByProduct.values()].sort(cmp[sort]);
  // One result per GTIN: the first in the requested order stands for the others (their offers are counted).
  const byGtin = new Map<string, Scored>();
  const results: Scored[] = [];
  for (const s of sorted) {
    s.offers = offersByProduct.get(s.product_id) ?? 1;
    const first = s.gtin ? byGtin.get(s.gtin) : undefined;
    if (first) {
      first.offers += s.offers;
      continue;
    }
    if (s.gtin) byGtin.set(s.gtin, s);
    results.push(s);
  }

  const facets = computeFacets(ref, results, lang, at);
  const slice = results.slice((page - 1) * perPage, page * perPage);
  const details = await loadDetails(database, slice);
  return {
    total: results.length,
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
        price_cents: s.price_cents,
        currency: 'CAD',
        quebec_label: s.quebec_label,
        image_url: image?.url ?? null,
        url: `/${lang}/p/${s.product_id}`,
        gtin: s.gtin,
        merchant: { id: s.merchant_id, slug: m?.slug ?? '', name: m?.name ?? '' },
        location: {
          id: s.location_id,
          name: loc?.name ?? '',
          lat: s.lat,
          lng: s.lng,
          distance_km: Math.round(s.distance_km * 100) / 100,
        },
        available: s.available,
        offers_nearby: s.offers,
        score: Math.round(s.score * 1000) / 1000,
      };
    }),
    facets,
  };
}

function computeFacets(ref: Reference, results: Scored[], lang: Lang, at: ReturnType<typeof clock>) {
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
    if (Number(s.delivery_radius_km) > 0 && Number(s.delivery_radius_km) >= s.distance_km) delivery++;
    if (openAt(hoursOf(s.hours_json), at)) openNow++;
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
  locations: Map<number, { name: string }>;
}

async function loadDetails(database: Database, slice: Scored[]): Promise<Map<number, Detail>> {
  const out = new Map<number, Detail>();
  if (slice.length === 0) return out;
  const ids = slice.map((s) => s.product_id);
  const locIds = [...new Set(slice.map((s) => s.location_id))];
  const [products, locations] = await Promise.all([
    database.db
      .selectFrom('products')
      .select(['id', 'sku', 'title_fr', 'title_en', 'description_fr', 'description_en', 'images_json'])
      .where('id', 'in', ids)
      .execute(),
    database.db.selectFrom('locations').select(['id', 'name']).where('id', 'in', locIds).execute(),
  ]);
  const locMap = new Map(locations.map((l) => [Number(l.id), { name: l.name }]));
  for (const p of products) out.set(Number(p.id), { ...p, locations: locMap });
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
