// A realistic shopper's search, drawn from the demo vocabulary (src/tools/demo/vocabulary.json):
// shared by bench/search-core.ts (in process) and bench/search.ts (through HTTP), `--set realistic`.
//
// The vocabulary's searches (35 %), single product words in French or English such as "miel",
// "bottes", "honey" (20 %), a product word with a qualifier (10 %), as-you-type prefixes (15 %),
// qualifiers alone — "bio", "local" (5 %), brands (5 %), typos (7 %), a search that matches nothing
// (3 %); at points drawn around the towns by their share of the merchants (their spread as the
// demo generator), 5, 10 or 25 km. About 1,000 distinct texts: most of them common words or
// prefixes that match tens of thousands of products, unlike the vocabulary's 30 searches.
import { readFileSync } from 'node:fs';
import type { Database } from '../src/db/database.ts';
import type { SearchParams, SortKey } from '../src/modules/search/search.types.ts';
import { pickWith } from './cli.ts';

interface Vocabulary {
  queries: [string, number][];
  towns: [string, number, number, number, number][];
  categories: { types: [string, string | null, string][] }[];
  qualifiers: string[];
  brands: string[];
}

export const vocabulary = JSON.parse(
  readFileSync(new URL('../src/tools/demo/vocabulary.json', import.meta.url), 'utf8'),
) as Vocabulary;

/** The vocabulary's 30 consumer searches. */
export const QUERIES = vocabulary.queries.map((q) => q[0]);
const TYPES = vocabulary.categories.flatMap((c) => c.types);
/** Product words alone: a type's head word in French or English ("miel", "bottes", "honey"). */
export const HEADS = [
  ...new Set(TYPES.flatMap(([fr, plural, en]) => [fr.split(' ')[0]!, (plural ?? fr).split(' ')[0]!, en])),
];

/** Text, point and radius of realistic searches, drawn with `random` (in this order, per search). */
export function realisticShopper(random: () => number) {
  const pick = pickWith(random);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const totalShare = vocabulary.towns.reduce((a, t) => a + t[3], 0);
  return {
    /** What a shopper types. */
    text(): string {
      const r = random();
      if (r < 0.35) return pick(QUERIES);
      if (r < 0.55) return pick(HEADS);
      if (r < 0.65) return `${pick(HEADS)} ${pick(vocabulary.qualifiers)}`;
      if (r < 0.8) {
        const q = pick(QUERIES);
        return q.slice(0, 3 + Math.floor(random() * (q.length - 2)));
      }
      if (r < 0.85) return pick(vocabulary.qualifiers);
      if (r < 0.9) return pick(vocabulary.brands);
      if (r < 0.97) {
        const w = pick(HEADS);
        const k = Math.floor(random() * (w.length - 1));
        return w.length < 5 ? w : w.slice(0, k) + w[k + 1] + w[k] + w.slice(k + 2);
      }
      return 'xylophone quantique';
    },
    /** A town by its share of the merchants, then a point around it (its spread, as the generator). */
    point(): { lat: number; lng: number } {
      let r = random() * totalShare;
      let town = vocabulary.towns[0]!;
      for (const t of vocabulary.towns) {
        town = t;
        r -= t[3];
        if (r <= 0) break;
      }
      const [, lat, lng, , sigma] = town;
      return {
        lat: lat + (gauss() * sigma) / 111.32,
        lng: lng + (gauss() * sigma) / (111.32 * Math.cos((lat * Math.PI) / 180)),
      };
    },
    /** 10 km mostly, sometimes 5 or 25. */
    radius(): number {
      const r = random();
      return r < 0.1 ? 5 : r < 0.25 ? 25 : 10;
    },
  };
}

/** A realistic shopper (realisticShopper): its text, point and radius, drawn in that order. */
export type Shopper = ReturnType<typeof realisticShopper>;

/**
 * The API path of `shopper`'s next search (text, point to 5 decimals, radius; 20 a page), then
 * `extra` (more `&k=v`): bench:search's realistic request, so that the HTTP benches given the same
 * seed send the same searches.
 */
export function shopperSearchPath(shopper: Shopper, extra = ''): string {
  const q = shopper.text();
  const { lat, lng } = shopper.point();
  return `/api/v1/search?q=${encodeURIComponent(q)}&lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=${shopper.radius()}&per_page=20${extra}`;
}

const SORTS: SortKey[] = ['distance', 'price_asc', 'price_desc'];

/**
 * The in-process search benchmarks' i-th query (bench/search-core.ts, candidates-cpu.ts,
 * results-page.ts): a point around a town (its spread), 10 km, top 20, the text `firstText()`, or
 * with `shopper` a realistic shopper's text, point and radius; one query in three varies order,
 * filters, page or language. Draws from `random` / `pick` in one fixed order, so two trees or two
 * benchmarks given the same seed run the same searches.
 */
export function benchSearchQuery(o: {
  random: () => number;
  pick: <T>(xs: readonly T[]) => T;
  munis: readonly { lat: unknown; lng: unknown; spread_km: unknown }[];
  categories: readonly { slug: string }[];
  now: Date;
  firstText: () => string;
  shopper?: () => Shopper;
}): (i: number) => SearchParams {
  const { random, pick } = o;
  return (i) => {
    const mu = pick(o.munis);
    const spread = Math.max(1, Number(mu.spread_km));
    const p: SearchParams = {
      q: o.firstText(),
      lat: Number(mu.lat) + ((random() - 0.5) * 2 * spread) / 111.32,
      lng:
        Number(mu.lng) +
        ((random() - 0.5) * 2 * spread) / (111.32 * Math.cos((Number(mu.lat) * Math.PI) / 180)),
      radius_km: 10,
      per_page: 20,
      now: o.now,
    };
    if (o.shopper) {
      const shopper = o.shopper();
      p.q = shopper.text();
      Object.assign(p, shopper.point());
      p.radius_km = shopper.radius();
    }
    if (i % 3 !== 2) return p;
    const r = random();
    if (r < 0.3) p.sort = pick(SORTS);
    else if (r < 0.4) p.in_stock = true;
    else if (r < 0.5) p.quebec = true;
    else if (r < 0.6) p.fulfilment = random() < 0.5 ? 'pickup' : 'delivery';
    else if (r < 0.7) p.open_now = true;
    else if (r < 0.8) p.category = pick(o.categories).slug;
    else if (r < 0.9) p.page = 2;
    else p.lang = 'en';
    if (random() < 0.2) p.radius_km = 25;
    return p;
  };
}

/**
 * What benchQueries draws. `vocabulary`: a vocabulary search around a municipality (bench/search-core.ts
 * by default); `realistic`: a realistic shopper's, drawn after a vocabulary text that it replaces
 * (bench/search-core.ts --set realistic, bench/phrases.ts); `shopper`: a realistic shopper's with
 * nothing drawn before its text (bench/results-page.ts, bench/ranking-cap.ts), so not the same
 * searches as `realistic` for the same seed.
 */
export type BenchQuerySet = 'vocabulary' | 'realistic' | 'shopper';

/**
 * The in-process benches' i-th search (benchSearchQuery) of `set` over `database`'s region (its
 * municipalities and categories), drawn from `random` and run at `now`: two benches given the same
 * seed and set answer the same searches.
 */
export async function benchQueries(
  database: Pick<Database, 'db'>,
  random: () => number,
  set: BenchQuerySet,
  now = new Date(),
): Promise<(i: number) => SearchParams> {
  const munis = await database.db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute();
  const categories = await database.db.selectFrom('categories').select('slug').execute();
  const pick = pickWith(random);
  const shopper = realisticShopper(random);
  return benchSearchQuery({
    random,
    pick,
    munis,
    categories,
    now,
    firstText: set === 'shopper' ? () => '' : () => pick(QUERIES),
    shopper: set === 'vocabulary' ? undefined : () => shopper,
  });
}
