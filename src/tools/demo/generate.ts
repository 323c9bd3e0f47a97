import type { QuebecLabel, TaxClass } from '../../db/schema.ts';
import { slugify } from '../../modules/common/slug.ts';
import {
  ASSOCIATIONS,
  CATEGORY_BRAND_WORDS,
  CATEGORY_MATERIALS,
  CATEGORY_EN as CATEGORY_NAMES_EN,
  CATEGORY_WEIGHTS,
  CHEAP_TYPES,
  EXPENSIVE_TYPES,
  FAMILY_NAMES,
  FOOD_CATEGORIES,
  FOOD_LABELS,
  FOOD_ONLY_PHRASES,
  MATERIAL_EN,
  NONFOOD_LABELS,
  NONFOOD_ONLY_PHRASES,
  PHRASE_EN,
  PLACE_NAMES,
  QUALIFIERS,
  type Qualifier,
  SHOP_WORDS,
  STANDARD_RATED_FOOD,
  TOWN_STREETS,
  USAGE_EN,
  VOCABULARY,
} from './region.ts';

/** mulberry32: a small, fast, deterministic PRNG (32-bit state). */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Standard normal (Box-Muller). */
  gauss(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  weighted(weights: readonly number[], total: number): number {
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

/** Derives independent streams from one --seed. */
export function streamSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** GTIN-13 from a 12-digit body: appends the GS1 check digit. */
export function gtin13(body12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body12.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return body12 + String((10 - (sum % 10)) % 10);
}

export function isValidGtin13(g: string): boolean {
  return /^\d{13}$/.test(g) && gtin13(g.slice(0, 12)) === g;
}

// ---------------------------------------------------------------- geography

const KM_PER_DEG_LAT = 111.2;
/** The Ottawa River (Québec shore), west to east: the region is north of it. */
const RIVER: [number, number][] = [
  [-76.6, 45.57],
  [-76.25, 45.52],
  [-76.0, 45.43],
  [-75.9, 45.38],
  [-75.8, 45.37],
  [-75.73, 45.41],
  [-75.7, 45.425],
  [-75.65, 45.44],
  [-75.5, 45.475],
  [-75.42, 45.53],
  [-75.2, 45.575],
  [-75.0, 45.6],
  [-74.8, 45.62],
];

export function riverLat(lng: number): number {
  for (let i = 1; i < RIVER.length; i++) {
    const [x1, y1] = RIVER[i] as [number, number];
    const [x0, y0] = RIVER[i - 1] as [number, number];
    if (lng <= x1) return y0 + ((lng - x0) / (x1 - x0)) * (y1 - y0);
  }
  return (RIVER[RIVER.length - 1] as [number, number])[1];
}

export function insideRegion(lat: number, lng: number): boolean {
  const b = VOCABULARY.region;
  return (
    lat >= b.minLat && lat <= b.maxLat && lng >= b.minLng && lng <= b.maxLng && lat > riverLat(lng) + 0.003
  );
}

function pointNear(rng: Rng, lat: number, lng: number, sigmaKm: number): [number, number] {
  const kmPerDegLng = KM_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  for (let tries = 0; tries < 20; tries++) {
    const la = lat + (rng.gauss() * sigmaKm) / KM_PER_DEG_LAT;
    const ln = lng + (rng.gauss() * sigmaKm) / kmPerDegLng;
    if (insideRegion(la, ln)) return [round6(la), round6(ln)];
  }
  return [round6(lat), round6(lng)];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function distanceKm(aLat: number, aLng: number, bLat: number, bLng: number): number {
  const dLat = (aLat - bLat) * KM_PER_DEG_LAT;
  const dLng = (aLng - bLng) * KM_PER_DEG_LAT * Math.cos((((aLat + bLat) / 2) * Math.PI) / 180);
  return Math.sqrt(dLat * dLat + dLng * dLng);
}

// ---------------------------------------------------------------- merchants

export interface DemoLocation {
  id: number;
  merchant_id: number;
  code: string;
  name: string;
  address_line: string;
  municipality: string;
  postal_code: string;
  lat: number;
  lng: number;
  phone: string;
  hours_json: string;
  pickup: number;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}

export interface DemoMerchant {
  id: number;
  slug: string;
  legal_name: string;
  display_name: string;
  neq: string;
  gst_number: string | null;
  qst_number: string | null;
  description_fr: string;
  description_en: string;
  email: string;
  phone: string;
  website: string | null;
  status: 'approved' | 'pending';
  approved_at: string | null;
  /** Vocabulary category ids (1..15), main trade first. */
  categories: number[];
  associations: string[];
  locations: DemoLocation[];
}

const HOURS_TEMPLATES = [
  // Québec retail: late Thursday and Friday.
  {
    mon: [['09:30', '17:30']],
    tue: [['09:30', '17:30']],
    wed: [['09:30', '17:30']],
    thu: [['09:30', '21:00']],
    fri: [['09:30', '21:00']],
    sat: [['09:30', '17:00']],
    sun: [['10:00', '17:00']],
  },
  // Independent shop, closed Sunday and Monday.
  {
    tue: [['10:00', '18:00']],
    wed: [['10:00', '18:00']],
    thu: [['10:00', '20:00']],
    fri: [['10:00', '20:00']],
    sat: [['10:00', '17:00']],
  },
  // Grocery: every day.
  {
    mon: [['08:00', '21:00']],
    tue: [['08:00', '21:00']],
    wed: [['08:00', '21:00']],
    thu: [['08:00', '21:00']],
    fri: [['08:00', '21:00']],
    sat: [['08:00', '20:00']],
    sun: [['09:00', '18:00']],
  },
  // Workshop with a lunch break, weekdays and Saturday morning.
  {
    mon: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    wed: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    thu: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    fri: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    sat: [['09:00', '12:00']],
  },
].map((h) => JSON.stringify(h));

const FSA_LETTERS = 'ABCEGHJKLMNPRSTVWXYZ';

function postalCode(rng: Rng, town: string): string {
  const fsa = rng.pick(TOWN_STREETS[town]?.fsa ?? ['J8X']);
  return `${fsa} ${rng.int(10)}${FSA_LETTERS[rng.int(FSA_LETTERS.length)]}${rng.int(10)}`;
}

const phone = (rng: Rng) =>
  `${rng.chance(0.85) ? '819' : '873'}-${rng.range(200, 999)}-${String(rng.int(10000)).padStart(4, '0')}`;

const of = (place: string) => (/^[AEIOUÉÈÂ]/i.test(place) ? `d’${place}` : `de ${place}`);

const TOWNS = VOCABULARY.towns;
const TOWN_SHARES = TOWNS.map((t) => t[3]);
const TOWN_TOTAL = TOWN_SHARES.reduce((a, b) => a + b, 0);
const CAT_TOTAL = CATEGORY_WEIGHTS.reduce((a, b) => a + b, 0);
const townByName = new Map(TOWNS.map((t) => [t[0], t]));

/** Association centres: their first town. */
export const ASSOCIATION_CENTRES = ASSOCIATIONS.map((a) => {
  const t = townByName.get(a.towns[0] as string)!;
  return { slug: a.slug, lat: t[1], lng: t[2] };
});

function associationsFor(rng: Rng, town: string, lat: number, lng: number): string[] {
  const out: string[] = [];
  const own = ASSOCIATIONS.find((a) => a.towns.includes(town));
  // Gatineau's east end has no association of its own: merchants close to Hull join the Vieux-Hull one.
  if (own && (town !== 'Gatineau' || distanceKm(lat, lng, 45.4289, -75.7136) < 6)) out.push(own.slug);
  if (rng.chance(0.12)) {
    const near = ASSOCIATION_CENTRES.filter((c) => !out.includes(c.slug))
      .map((c) => ({ slug: c.slug, d: distanceKm(lat, lng, c.lat, c.lng) }))
      .sort((a, b) => a.d - b.d)[0];
    if (near && near.d < 25) out.push(near.slug);
  }
  return out;
}

const DAY_MS = 86_400_000;
const BASE_TIME = Date.UTC(2026, 0, 15, 14, 0, 0);

export function generateMerchants(count: number, seed: number): DemoMerchant[] {
  const rng = new Rng(streamSeed(seed, 1));
  const slugs = new Set<string>();
  const merchants: DemoMerchant[] = [];
  let locationId = 0;
  for (let id = 1; id <= count; id++) {
    const town = TOWNS[rng.weighted(TOWN_SHARES, TOWN_TOTAL)]!;
    const townName = town[0];
    const main = rng.weighted(CATEGORY_WEIGHTS, CAT_TOTAL) + 1;
    const categories = [main];
    const extra = rng.chance(0.1) ? 2 : rng.chance(0.35) ? 1 : 0;
    for (let k = 0; k < extra; k++) {
      const c = rng.weighted(CATEGORY_WEIGHTS, CAT_TOTAL) + 1;
      if (!categories.includes(c)) categories.push(c);
    }

    let display = '';
    let slug = '';
    for (let attempt = 0; attempt < 6; attempt++) {
      const word = rng.pick(SHOP_WORDS[main - 1]!);
      const r = rng.next();
      display =
        r < 0.55
          ? `${word} ${rng.pick(FAMILY_NAMES)}`
          : r < 0.8
            ? `${word} ${rng.pick(PLACE_NAMES)}`
            : `${word} ${of(townName)}`;
      if (attempt === 5) display = `${display} (${townName})`;
      slug = slugify(display);
      if (!slugs.has(slug)) break;
    }
    if (slugs.has(slug)) slug = `${slug}-${id}`;
    slugs.add(slug);

    const form = rng.next();
    const prefix = form < 0.7 ? '11' : form < 0.9 ? '22' : form < 0.995 ? '33' : '88';
    // A bijection on 0..1e8-1 keeps NEQs unique without a lookup.
    const neq = prefix + String((id * 48_271 + (seed % 1000) * 7_919_113) % 100_000_000).padStart(8, '0');
    const legal = prefix === '11' ? `${display} inc.` : prefix === '33' ? `${display} S.E.N.C.` : display;
    const registered = rng.chance(0.85);
    const bn = String(100_000_000 + rng.int(900_000_000));
    const status: 'approved' | 'pending' = id > 1 && rng.chance(0.03) ? 'pending' : 'approved';
    const tel = phone(rng);

    const locations: DemoLocation[] = [];
    const nLocations = rng.chance(0.08) ? 2 : 1;
    for (let l = 0; l < nLocations; l++) {
      const t = l === 0 ? town : TOWNS[rng.weighted(TOWN_SHARES, TOWN_TOTAL)]!;
      const [lat, lng] = pointNear(rng, t[1], t[2], t[4]);
      const delivery = rng.chance(0.4);
      const hours = HOURS_TEMPLATES[main <= 2 && rng.chance(0.5) ? 2 : rng.int(HOURS_TEMPLATES.length)]!;
      locations.push({
        id: ++locationId,
        merchant_id: id,
        code: l === 0 ? 'principal' : 'succursale',
        name: l === 0 ? display : `${display} — ${t[0]}`,
        address_line: `${rng.range(1, 2999)}, ${rng.pick(TOWN_STREETS[t[0]]?.streets ?? ['rue Principale'])}`,
        municipality: t[0],
        postal_code: postalCode(rng, t[0]),
        lat,
        lng,
        phone: l === 0 ? tel : phone(rng),
        hours_json: hours,
        pickup: rng.chance(0.96) ? 1 : 0,
        delivery_radius_km: delivery ? rng.range(5, 15) : 0,
        delivery_fee_cents: delivery ? rng.pick([300, 399, 400, 499, 500, 599, 600, 699, 750, 800]) : 0,
      });
    }
    const first = locations[0]!;
    const catFr = categories.map((c) => VOCABULARY.categories[c - 1]!.name.toLowerCase());
    const catEn = categories.map((c) => (CATEGORY_NAMES_EN[c - 1] ?? '').toLowerCase());
    const years = rng.range(2, 60);
    merchants.push({
      id,
      slug,
      legal_name: legal,
      display_name: display,
      neq,
      gst_number: registered ? `${bn}RT0001` : null,
      qst_number: registered ? `${String(1_000_000_000 + rng.int(9_000_000_000))}TQ0001` : null,
      description_fr: `${display}, commerce ${of(townName)} depuis ${years} ans : ${catFr.join(', ')}. ${
        first.delivery_radius_km
          ? `Cueillette en magasin ou livraison dans un rayon de ${first.delivery_radius_km} km.`
          : 'Cueillette en magasin.'
      }`,
      description_en: `${display}, a ${townName} business for ${years} years: ${catEn.join(', ')}. ${
        first.delivery_radius_km
          ? `In-store pickup or delivery within ${first.delivery_radius_km} km.`
          : 'In-store pickup.'
      }`,
      email: `bonjour@${slug}.example`,
      phone: tel,
      website: rng.chance(0.55) ? `https://${slug}.example` : null,
      status,
      approved_at: status === 'approved' ? new Date(BASE_TIME - rng.int(700) * DAY_MS).toISOString() : null,
      categories,
      associations: associationsFor(rng, townName, first.lat, first.lng),
      locations,
    });
  }
  return merchants;
}

// ---------------------------------------------------------------- products

interface ProductDescription {
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
  brand: string | null;
  base_cents: number;
  tax_class: TaxClass;
  label: QuebecLabel | null;
  verified: number;
}

const LABEL_PHRASES: Record<QuebecLabel, [string, string]> = {
  aliments_du_quebec: ['Aliments du Québec.', 'Aliments du Québec (food from Québec).'],
  aliments_prepares_au_quebec: [
    'Aliments préparés au Québec.',
    'Aliments préparés au Québec (prepared in Québec).',
  ],
  produit_du_quebec: ['Produit du Québec.', 'Produit du Québec (made in Québec).'],
  fabrique_au_quebec: ['Fabriqué au Québec.', 'Fabriqué au Québec (manufactured in Québec).'],
  concu_au_quebec: ['Conçu au Québec.', 'Conçu au Québec (designed in Québec).'],
};

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** French plural of a type when the vocabulary gives none: the head word takes the plural. */
export function pluralFr(singular: string): string {
  const sp = singular.indexOf(' ');
  const head = sp < 0 ? singular : singular.slice(0, sp);
  const rest = sp < 0 ? '' : singular.slice(sp);
  let p: string;
  if (/[sxz]$/.test(head)) p = head;
  else if (/(au|eu)$/.test(head)) p = `${head}x`;
  else if (/al$/.test(head)) p = `${head.slice(0, -2)}aux`;
  else p = `${head}s`;
  return p + rest;
}

export function pluralEn(s: string): string {
  if (/(s|pajamas|jeans|seeds|compost|pottery|knitwear|jewelry|firewood|paint|dishes)$/.test(s)) return s;
  if (/[^aeiou]y$/.test(s)) return `${s.slice(0, -1)}ies`;
  if (/(sh|ch|x)$/.test(s)) return `${s}es`;
  return `${s}s`;
}

/** Vocabulary brands that fit each category. */
export const BRANDS_BY_CATEGORY: string[][] = VOCABULARY.categories.map((c) =>
  VOCABULARY.brands.filter((b) => CATEGORY_BRAND_WORDS[c.id]?.test(b)),
);
const brandFor = (rng: Rng, cat: number): string | null => {
  const list = BRANDS_BY_CATEGORY[cat - 1] ?? [];
  return list.length ? rng.pick(list) : null;
};

const FOOD_Q = QUALIFIERS.filter((q) => q.scope !== 'nonfood');
const NONFOOD_Q = QUALIFIERS.filter((q) => q.scope !== 'food');
const PHRASES_FOOD = VOCABULARY.description_phrases.filter((p) => !NONFOOD_ONLY_PHRASES.has(p));
const PHRASES_NONFOOD = VOCABULARY.description_phrases.filter((p) => !FOOD_ONLY_PHRASES.has(p));
const afterMaterial = (q: Qualifier) => /^(pour |du |de l'|des |sans )/.test(q.fr);

/** Share of products with a Québec label: each category's `qc` scaled so ~30% of the catalogue has one. */
const MEAN_QC =
  VOCABULARY.categories.reduce((s, c, i) => s + c.qc * (CATEGORY_WEIGHTS[i] as number), 0) / CAT_TOTAL;
const LABEL_SCALE = 0.3 / MEAN_QC;

function formatPrice(rng: Rng, dollars: number): number {
  if (dollars < 10) return Math.max(1, Math.floor(dollars)) * 100 + rng.pick([49, 79, 99, 99, 29]);
  if (dollars < 100) return Math.floor(dollars) * 100 + rng.pick([99, 99, 49, 95, 0]);
  return (Math.floor(dollars / 10) * 10 - 1) * 100 + rng.pick([99, 99, 95, 0]);
}

function describe(rng: Rng, cat: number, brand: string | null): ProductDescription {
  const c = VOCABULARY.categories[cat - 1]!;
  const food = FOOD_CATEGORIES.has(cat);
  const [sing, plural0, en] = rng.pick(c.types);
  const plural = rng.chance(0.1);
  let fr = plural ? (plural0 ?? pluralFr(sing)) : sing;
  let enTitle = plural ? pluralEn(en) : en;
  let q: Qualifier | null = rng.chance(0.55) ? rng.pick(food ? FOOD_Q : NONFOOD_Q) : null;
  if (q && ((q.cats && !q.cats.includes(cat)) || (q.match && !q.match.test(sing)))) q = null;
  const mats = CATEGORY_MATERIALS[cat];
  const material = mats && !sing.includes(' en ') && rng.chance(0.35) ? rng.pick(mats) : null;
  const qFr = q ? (plural ? q.frPlural : q.fr) : '';
  if (q && !afterMaterial(q)) fr += ` ${qFr}`;
  if (material) {
    fr += ` ${material}`;
    enTitle = `${MATERIAL_EN[material]} ${enTitle}`;
  }
  if (q && afterMaterial(q)) fr += ` ${qFr}`;
  if (q) enTitle = q.enAfter ? `${enTitle} ${q.en}` : `${q.en} ${enTitle}`;
  const title_fr = capitalise(fr);
  const title_en = capitalise(enTitle);

  const [min, max] = c.price;
  const [lo, hi] = EXPENSIVE_TYPES.test(sing) ? [0.55, 1] : CHEAP_TYPES.test(sing) ? [0, 0.3] : [0.15, 0.65];
  const dollars = min * (max / min) ** (lo + (hi - lo) * rng.next());
  const label = rng.chance(Math.min(0.95, c.qc * LABEL_SCALE))
    ? rng.pick(food ? FOOD_LABELS : NONFOOD_LABELS)
    : null;
  const usage = rng.pick(VOCABULARY.usages);
  const phrase = rng.pick(food ? PHRASES_FOOD : PHRASES_NONFOOD);
  const labelFr = label ? ` ${LABEL_PHRASES[label][0]}` : '';
  const labelEn = label ? ` ${LABEL_PHRASES[label][1]}` : '';
  return {
    title_fr,
    title_en,
    description_fr: `${title_fr}${brand ? ` — ${brand}` : ''}. Idéal pour ${usage}. ${phrase}.${labelFr}`,
    description_en: `${title_en}${brand ? ` by ${brand}` : ''}. Ideal for ${USAGE_EN[usage] ?? 'every day'}. ${PHRASE_EN[phrase] ?? phrase}.${labelEn}`,
    brand,
    base_cents: formatPrice(rng, dollars),
    tax_class: food ? (STANDARD_RATED_FOOD.has(sing) ? 'standard' : 'zero_rated') : 'standard',
    label,
    verified: label && rng.chance(0.3) ? 1 : 0,
  };
}

interface PoolItem extends ProductDescription {
  gtin: string;
}

/** Columnar batch, ready for a prepared statement loop (SQLite) or unnest arrays (PostgreSQL). */
export interface ProductBatch {
  n: number;
  id: number[];
  merchant_id: number[];
  sku: string[];
  title_fr: string[];
  title_en: string[];
  description_fr: string[];
  description_en: string[];
  category_id: number[];
  brand: (string | null)[];
  gtin: (string | null)[];
  price_cents: number[];
  tax_class: string[];
  quebec_label: (string | null)[];
  quebec_label_declared_by: (string | null)[];
  quebec_label_verified: number[];
  quebec_label_verified_at: (string | null)[];
  images_json: string[];
  inv_product_id: number[];
  inv_location_id: number[];
  inv_on_hand: number[];
}

export const PRODUCT_COLUMNS = [
  'id',
  'merchant_id',
  'sku',
  'title_fr',
  'title_en',
  'description_fr',
  'description_en',
  'category_id',
  'brand',
  'gtin',
  'price_cents',
  'tax_class',
  'quebec_label',
  'quebec_label_declared_by',
  'quebec_label_verified',
  'quebec_label_verified_at',
  'images_json',
] as const;

function emptyBatch(): ProductBatch {
  const b = { n: 0 } as ProductBatch;
  for (const c of PRODUCT_COLUMNS) (b as unknown as Record<string, unknown[]>)[c] = [];
  b.inv_product_id = [];
  b.inv_location_id = [];
  b.inv_on_hand = [];
  return b;
}

const SHARED_SHARE = 0.25;
const VERIFIED_AT = new Date(BASE_TIME).toISOString();

/**
 * Streams the catalogue in batches: per merchant, products of its categories; a quarter are the
 * same product (same GTIN and title) as at other merchants, the rest are the merchant's own.
 * Memory stays bounded: only the shared pool (~6% of products) and one batch are held.
 */
export class ProductStream {
  private rng: Rng;
  private pool: PoolItem[][] = [];
  private counts: number[];
  private merchantIndex = 0;
  private producedForMerchant = 0;
  private nextId = 1;
  private uniqueGtin = 0;
  private usedPool = new Set<PoolItem>();
  readonly total: number;

  private merchants: DemoMerchant[];
  /** Database ids of the vocabulary's categories (index = vocabulary id - 1). */
  private categoryIds: number[];
  private images: string[];

  constructor(
    merchants: DemoMerchant[],
    total: number,
    seed: number,
    categoryIds: number[],
    images: string[],
  ) {
    this.merchants = merchants;
    this.categoryIds = categoryIds;
    this.images = images;
    this.total = total;
    const poolRng = new Rng(streamSeed(seed, 2));
    // Merchant sizes: log-normal weights, spread over `total` by largest remainder.
    const w = merchants.map(() => Math.exp(poolRng.gauss() * 0.9));
    const sum = w.reduce((a, b) => a + b, 0) || 1;
    const exact = w.map((x) => (x / sum) * total);
    this.counts = exact.map(Math.floor);
    let left = total - this.counts.reduce((a, b) => a + b, 0);
    const order = exact
      .map((x, i) => [x - Math.floor(x), i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (let k = 0; left > 0 && merchants.length; k = (k + 1) % order.length, left--) {
      const idx = order[k]![1];
      this.counts[idx] = (this.counts[idx] ?? 0) + 1;
    }
    // Shared pool per category: about four offers per shared product on average.
    const share = new Array<number>(15).fill(0);
    for (const m of merchants) {
      const k = (m.categories[0] as number) - 1;
      share[k] = (share[k] ?? 0) + 1;
    }
    let poolGtin = 0;
    for (let c = 1; c <= 15; c++) {
      const size = Math.max(
        3,
        Math.round((total * SHARED_SHARE * ((share[c - 1] ?? 0) / (merchants.length || 1))) / 4),
      );
      const items: PoolItem[] = [];
      for (let k = 0; k < size; k++) {
        const brand =
          brandFor(poolRng, c) ??
          `${poolRng.pick(FAMILY_NAMES)} ${poolRng.pick(['et fils', 'et filles', 'Design', 'Création'])}`;
        const d = describe(poolRng, c, brand);
        items.push({ ...d, gtin: gtin13(`0628${String(poolGtin++).padStart(8, '0')}`) });
      }
      this.pool.push(items);
    }
    this.rng = new Rng(streamSeed(seed, 3));
  }

  get done(): number {
    return this.nextId - 1;
  }

  /** Next batch of up to `size` products (and their inventory rows); n = 0 at the end. */
  nextBatch(size: number): ProductBatch {
    const b = emptyBatch();
    const rng = this.rng;
    while (b.n < size && this.merchantIndex < this.merchants.length) {
      const m = this.merchants[this.merchantIndex]!;
      if (this.producedForMerchant >= (this.counts[this.merchantIndex] ?? 0)) {
        this.merchantIndex++;
        this.producedForMerchant = 0;
        this.usedPool.clear();
        continue;
      }
      this.producedForMerchant++;
      const cat = rng.chance(0.75) || m.categories.length === 1 ? m.categories[0]! : rng.pick(m.categories);
      let item: ProductDescription | undefined;
      let gtin: string | null = null;
      let price = 0;
      if (rng.chance(SHARED_SHARE)) {
        const pool = this.pool[cat - 1]!;
        // Popular products are carried by many merchants: skew towards the start of the pool.
        const p = pool[Math.floor(pool.length * rng.next() ** 2)]!;
        if (!this.usedPool.has(p)) {
          this.usedPool.add(p);
          item = p;
          gtin = p.gtin;
          price = formatPrice(rng, (p.base_cents / 100) * (0.92 + rng.next() * 0.16));
        }
      }
      if (!item) {
        const r = rng.next();
        const brand = r < 0.4 ? brandFor(rng, cat) : r < 0.7 ? m.display_name : null;
        item = describe(rng, cat, brand);
        price = item.base_cents;
        if (rng.chance(0.6)) gtin = gtin13(`0629${String(this.uniqueGtin++).padStart(8, '0')}`);
      }
      const id = this.nextId++;
      b.id.push(id);
      b.merchant_id.push(m.id);
      b.sku.push(`${slugPrefix(cat)}-${String(this.producedForMerchant).padStart(5, '0')}`);
      b.title_fr.push(item.title_fr);
      b.title_en.push(item.title_en);
      b.description_fr.push(item.description_fr);
      b.description_en.push(item.description_en);
      b.category_id.push(this.categoryIds[cat - 1]!);
      b.brand.push(item.brand);
      b.gtin.push(gtin);
      b.price_cents.push(price);
      b.tax_class.push(item.tax_class);
      b.quebec_label.push(item.label);
      b.quebec_label_declared_by.push(item.label ? 'merchant' : null);
      b.quebec_label_verified.push(item.verified);
      b.quebec_label_verified_at.push(item.verified ? VERIFIED_AT : null);
      b.images_json.push(this.images[cat - 1]!);
      for (const loc of m.locations) {
        const r = rng.next();
        const onHand = r < 0.15 ? 0 : r < 0.25 ? rng.range(1, 3) : rng.range(4, 60);
        b.inv_product_id.push(id);
        b.inv_location_id.push(loc.id);
        b.inv_on_hand.push(onHand);
      }
      b.n++;
    }
    return b;
  }
}

const PREFIXES = [
  'EPI',
  'BOI',
  'CHA',
  'VET',
  'SPO',
  'LIV',
  'JOU',
  'MAI',
  'BEA',
  'QUI',
  'ELE',
  'ART',
  'ANI',
  'BEB',
  'JAR',
];
const slugPrefix = (cat: number) => PREFIXES[cat - 1] ?? 'PRD';
