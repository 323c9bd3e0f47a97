/**
 * The page of results as shown: exact price, texts and availability re-read from the database
 * (memory may lag an event in flight), with a snippet around the matched words.
 */
import type { Database } from '../../db/database.ts';
import { parseImages } from '../catalog/index.ts';
import { fold, type QueryWord } from './normalize.ts';
import type { Reference } from './reference.ts';
import { activeVariantRowsOf, pageRows } from './search.repository.ts';
import type { Lang, Scored } from './search.types.ts';

interface Detail {
  sku: string;
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  images_json: string;
  price_cents: number;
  /** Variants at different prices: `price_cents` is the lowest ("from"). */
  from_price: boolean;
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
  // A product with variants shows its lowest variant price ("from") and their summed availability.
  const variants = await activeVariantRowsOf(database.db, ids);
  const productOf = new Map<number, number>(ids.map((id) => [id, id]));
  for (const v of variants) productOf.set(Number(v.id), Number(v.parent_id));
  const [products, locations, stock] = await pageRows(database.db, ids, locIds, [...productOf.keys()]);
  const locMap = new Map(locations.map((l) => [Number(l.id), { name: l.name }]));
  for (const p of products)
    out.set(Number(p.id), {
      ...p,
      price_cents: Number(p.price_cents),
      from_price: false,
      locations: locMap,
      stock: new Map(),
    });
  for (const v of variants) {
    const d = out.get(Number(v.parent_id));
    if (!d || Number(v.price_cents) === d.price_cents) continue;
    d.from_price = true;
    d.price_cents = Math.min(d.price_cents, Number(v.price_cents));
  }
  for (const r of stock) {
    const d = out.get(productOf.get(Number(r.product_id)) ?? 0);
    if (!d) continue;
    const available = Math.max(0, Number(r.on_hand) - Number(r.reserved));
    d.stock.set(Number(r.location_id), (d.stock.get(Number(r.location_id)) ?? 0) + available);
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
  const details = await loadDetails(database, slice);
  return slice.map((s) => {
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
      price_from: d?.from_price ?? false,
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
        /** The store delivers to the place searched from (its delivery zones). */
        delivers: s.delivers,
      },
      available: Math.max(0, d?.stock.get(s.location_id) ?? s.available),
      offers_nearby: s.offers,
      score: Math.round(s.score * 1000) / 1000,
    };
  });
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
