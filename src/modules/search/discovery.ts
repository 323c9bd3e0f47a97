import type { Database } from '../../db/database.ts';
import { parseImages } from '../catalog/index.ts';
import { haversineKm } from '../common/geo.ts';
import { parseHours } from '../common/hours.ts';
import { clock, openAt } from './area.ts';
import {
  directoryRows,
  productStockAtStores,
  publicProductRow,
  sameGtinOffers,
  titleMatches,
} from './discovery.repository.ts';
import { fold, parseQuery } from './normalize.ts';
import { invalid, resolvePoint } from './place.ts';
import { reference } from './reference.ts';
import type { Lang } from './search.types.ts';
import { cached } from './text-match.ts';
import { variantsWithStock } from './variants.ts';

export interface Suggestion {
  type: 'product' | 'merchant' | 'category';
  text: string;
  url: string;
}

/** As-you-type suggestions: categories and merchants whose name has a word starting with the typed one, then product titles. */
export async function suggest(
  database: Database,
  q: string,
  lang: Lang,
): Promise<{ suggestions: Suggestion[] }> {
  const { words, key } = parsedPrefix(q);
  if (words.length === 0) return { suggestions: [] };
  // Suggestions do not depend on where the shopper is: cached until the catalogue changes.
  return cached(database, `s:${lang}:${key}`, () => computeSuggestions(database, words, lang));
}

/**
 * What was typed, parsed, with its cache key, for the last typed texts: parsing stems every word
 * (snowball, French and English), which was most of a suggestion's time when its answer was
 * cached. Parsing depends on the text only; bounded, the oldest first out.
 */
const parsedPrefixes = new Map<string, { words: ReturnType<typeof parseQuery>; key: string }>();
const MAX_PARSED_PREFIXES = 2_000;
function parsedPrefix(text: string) {
  // parseQuery reads the first 500 characters only: the key is bounded the same way.
  const q = text.slice(0, 500);
  let p = parsedPrefixes.get(q);
  if (!p) {
    const words = parseQuery(q, { prefixLast: true });
    p = { words, key: JSON.stringify(words) };
    if (parsedPrefixes.size >= MAX_PARSED_PREFIXES)
      parsedPrefixes.delete(parsedPrefixes.keys().next().value as string);
    parsedPrefixes.set(q, p);
  }
  return p;
}

async function computeSuggestions(
  database: Database,
  words: ReturnType<typeof parseQuery>,
  lang: Lang,
): Promise<{ suggestions: Suggestion[] }> {
  const ref = await reference(database);
  const foldedWords = words.map((w) => w.word);
  const hasAll = (tokens: string[]) => {
    return foldedWords.every((w, i) =>
      i === foldedWords.length - 1 ? tokens.some((t) => t.startsWith(w)) : tokens.includes(w),
    );
  };
  const searchPath = lang === 'fr' ? 'recherche' : 'search';
  const out: Suggestion[] = [];
  for (const c of ref.categories) {
    if (out.length >= 2) break;
    if (hasAll(c.tokens))
      out.push({
        type: 'category',
        text: lang === 'fr' ? c.name_fr : c.name_en,
        url: `/${lang}/${searchPath}?category=${encodeURIComponent(c.slug)}`,
      });
  }
  let merchants = 0;
  for (const m of ref.merchants) {
    if (merchants >= 3) break;
    if (hasAll(m.tokens)) {
      out.push({ type: 'merchant', text: m.name, url: `/${lang}/m/${m.slug}` });
      merchants++;
    }
  }
  const expr =
    database.kind === 'sqlite'
      ? `{title_terms} : (${words
          .map(
            (w) =>
              `(${[...w.terms.map((t) => `"${t}"`), ...(w.prefix && w.word.length >= 2 ? [`"${w.word}"*`] : [])].join(' OR ')})`,
          )
          .join(' AND ')})`
      : words
          .map(
            (w) =>
              `(${[...w.terms.map((t) => `${t}:A`), ...(w.prefix ? [`${w.word}:*A`] : [])].join(' | ')})`,
          )
          .join(' & ');
  const hits = await titleMatches(database.db, database.kind, expr);
  const seen = new Set<string>();
  // The shortest titles first: the most generic completions of what is typed.
  const rows = [...hits].sort(
    (a, b) =>
      (lang === 'en' ? a.title_en || a.title_fr : a.title_fr).length -
      (lang === 'en' ? b.title_en || b.title_fr : b.title_fr).length,
  );
  for (const h of rows) {
    const text = lang === 'en' ? h.title_en || h.title_fr : h.title_fr;
    const key = fold(text);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: 'product', text, url: `/${lang}/${searchPath}?q=${encodeURIComponent(text)}` });
    if (seen.size >= 6) break;
  }
  return { suggestions: out.slice(0, 10) };
}

export interface DirectoryParams {
  q?: string;
  lat?: number;
  lng?: number;
  near?: string;
  radius_km?: number;
  category?: string;
  association?: string;
  open_now?: boolean;
  page?: number;
  per_page?: number;
  lang?: Lang;
  now?: Date;
}

/** The approved merchants near a point (nearest location first), with filters. */
export async function listMerchants(database: Database, params: DirectoryParams) {
  const ref = await reference(database);
  const lang = params.lang ?? 'fr';
  const radius = params.radius_km ?? 25;
  const page = params.page ?? 1;
  const perPage = params.per_page ?? 20;
  const category = params.category ? ref.categoryBySlug.get(params.category) : undefined;
  if (params.category && !category) throw invalid('category', 'search.unknown_category');
  const association = params.association
    ? ref.associations.find((a) => a.slug === params.association)
    : undefined;
  if (params.association && !association) throw invalid('association', 'search.unknown_association');
  const point = await resolvePoint(database, ref, params);
  const words = parseQuery(params.q ?? '', { prefixLast: true }).map((w) => w.word);
  const [locations, cats, descs] = await directoryRows(database.db, words.length > 0);
  const catsOf = new Map<number, number[]>();
  for (const c of cats) {
    const list = catsOf.get(Number(c.merchant_id)) ?? [];
    list.push(Number(c.category_id));
    catsOf.set(Number(c.merchant_id), list);
  }
  const descOf = new Map(descs.map((d) => [Number(d.id), fold(`${d.description_fr} ${d.description_en}`)]));
  const at = clock(params.now ?? new Date(), ref.timezone);
  const best = new Map<number, { loc: (typeof locations)[number]; d: number; open: boolean }>();
  for (const l of locations) {
    const mid = Number(l.merchant_id);
    const d = haversineKm(point.lat, point.lng, l.lat, l.lng);
    if (d > radius) continue;
    const open = openAt(parseHours(l.hours_json), at);
    if (params.open_now && !open) continue;
    const prev = best.get(mid);
    if (!prev || d < prev.d) best.set(mid, { loc: l, d, open });
  }
  const results = [];
  for (const [mid, b] of best) {
    const m = ref.merchantById.get(mid);
    if (!m) continue;
    const mc = catsOf.get(mid) ?? [];
    if (category && !mc.includes(category.id)) continue;
    if (association && !association.members.has(mid)) continue;
    if (words.length) {
      const hay = `${m.folded} ${descOf.get(mid) ?? ''} ${fold(b.loc.municipality)}`.split(/[^a-z0-9]+/);
      if (
        !words.every((w, i) => (i === words.length - 1 ? hay.some((t) => t.startsWith(w)) : hay.includes(w)))
      )
        continue;
    }
    results.push({
      id: mid,
      slug: m.slug,
      name: m.name,
      url: `/${lang}/m/${m.slug}`,
      categories: mc.flatMap((id) => {
        const c = ref.categoryById.get(id);
        return c ? [{ slug: c.slug, name: lang === 'fr' ? c.name_fr : c.name_en }] : [];
      }),
      associations: (ref.memberships.get(mid) ?? []).flatMap((id) => {
        const a = ref.associations.find((x) => x.id === id);
        return a ? [{ slug: a.slug, name: a.name }] : [];
      }),
      open_now: b.open,
      location: {
        id: Number(b.loc.id),
        name: b.loc.name,
        address: `${b.loc.address_line}, ${b.loc.municipality}`,
        lat: b.loc.lat,
        lng: b.loc.lng,
        distance_km: Math.round(b.d * 100) / 100,
        pickup: Number(b.loc.pickup),
        delivery_radius_km: Number(b.loc.delivery_radius_km),
      },
    });
  }
  results.sort((a, b) => a.location.distance_km - b.location.distance_km || a.id - b.id);
  return {
    total: results.length,
    page,
    per_page: perPage,
    point: { lat: point.lat, lng: point.lng, source: point.source, radius_km: radius },
    results: results.slice((page - 1) * perPage, page * perPage),
  };
}

/**
 * An active product of an approved merchant with its stock at each of the merchant's stores,
 * summed over its variants, and its variants with their own stock (a variant row's id is not a
 * product: undefined). With variants at different prices `price_cents` is the lowest ("from").
 */
export async function getPublicProduct(database: Database, productId: number) {
  const p = await publicProductRow(database.db, productId);
  if (!p) return undefined;
  const stock = await productStockAtStores(database.db, p.merchant_id, productId);
  const own = stock.map((s) => ({
    ...s,
    hours: parseHours(s.hours_json),
    available: Math.max(0, (s.on_hand ?? 0) - (s.reserved ?? 0)),
  }));
  const v = await variantsWithStock(database, p, own);
  return {
    ...p,
    price_cents: v.lowestPrice,
    price_from: v.priceFrom,
    images: parseImages(p.images_json),
    offers: own.map((o) => ({ ...o, available: v.availableAt.get(o.location_id) ?? o.available })),
    variants: v.variants,
  };
}

/**
 * A product with its offers: availability at each of its merchant's locations, plus the offers of
 * the same GTIN at other merchants, all sorted by distance from the point.
 */
export async function productWithOffers(
  database: Database,
  productId: number,
  opts: { lat?: number; lng?: number; near?: string; lang?: Lang } = {},
) {
  const p = await getPublicProduct(database, productId);
  if (!p) return undefined;
  const ref = await reference(database);
  const point = await resolvePoint(database, ref, opts);
  const ownOffers = p.offers.map((o) => ({
    product_id: p.id,
    price_cents: p.price_cents,
    merchant: { id: p.merchant_id, slug: p.merchant_slug, name: p.merchant_name },
    location: {
      id: o.location_id,
      name: o.name,
      address: `${o.address_line}, ${o.municipality}`,
      lat: o.lat,
      lng: o.lng,
      distance_km: Math.round(haversineKm(point.lat, point.lng, o.lat, o.lng) * 100) / 100,
      pickup: Number(o.pickup),
      delivery_radius_km: Number(o.delivery_radius_km),
      hours: o.hours,
    },
    available: o.available,
  }));
  const others = p.gtin ? await sameGtinOffers(database.db, p.gtin, p.id) : [];
  const otherOffers = others.map((o) => ({
    product_id: Number(o.product_id),
    price_cents: Number(o.price_cents),
    merchant: { id: Number(o.merchant_id), slug: o.slug, name: o.display_name },
    location: {
      id: Number(o.location_id),
      name: o.name,
      address: `${o.address_line}, ${o.municipality}`,
      lat: o.lat,
      lng: o.lng,
      distance_km: Math.round(haversineKm(point.lat, point.lng, o.lat, o.lng) * 100) / 100,
      pickup: Number(o.pickup),
      delivery_radius_km: Number(o.delivery_radius_km),
      hours: parseHours(o.hours_json),
    },
    available: Math.max(0, Number(o.on_hand ?? 0) - Number(o.reserved ?? 0)),
  }));
  const offers = [...ownOffers, ...otherOffers].sort(
    (a, b) => a.location.distance_km - b.location.distance_km || a.location.id - b.location.id,
  );
  return { product: p, point, offers };
}
