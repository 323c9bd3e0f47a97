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
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
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
