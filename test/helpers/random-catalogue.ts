/**
 * Random products from a seed, for the text index suites (search-text-index*.test.ts; the sequence
 * alone in search-pg-tiers): the same seed and words give the very same catalogue, so a failure
 * replays. One sequence feeds the texts and whatever else a suite draws (retitles, random queries),
 * in the order they are drawn.
 */
import type { Database } from '../../src/db/database.ts';
import { rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { seedMiniRegion } from './fixtures.ts';

/** The next number of a seeded sequence in [0, 1] (a linear congruential generator, 31 bits). */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** The four texts of a product the search indexes. */
export interface ProductTexts {
  title_fr: string;
  title_en: string;
  description_fr: string;
  description_en: string;
}

export interface RandomCatalogue {
  /** The catalogue's sequence: every draw moves the texts of the products inserted next. */
  random: () => number;
  /** A word (or phrase) of `words`, by default the catalogue's. */
  pick: (words?: readonly string[]) => string;
  /** Two picked words. */
  title: (words?: readonly string[]) => string;
  /** Every id inserted so far, in order. */
  ids: number[];
  /** Seeds the mini region into `database`, `n` products of its maple grove, and the search index. */
  seed: (database: Database, n: number) => Promise<void>;
  /** Inserts `n` more products (SKU `<sku>-<how many inserted before>`), returns their ids. */
  insertProducts: (n: number) => Promise<number[]>;
}

/** A French title, an English one for half, two titles of description, an English one for 30 %. */
export const bilingualTexts = ({ random, title }: RandomCatalogue): ProductTexts => ({
  title_fr: title(),
  title_en: random() < 0.5 ? title() : '',
  description_fr: `${title()} ${title()}`,
  description_en: random() < 0.3 ? title() : '',
});

/** A French title and two titles of description, no English. */
export const frenchTexts = ({ title }: RandomCatalogue): ProductTexts => ({
  title_fr: title(),
  title_en: '',
  description_fr: `${title()} ${title()}`,
  description_en: '',
});

/**
 * A catalogue drawn from `seed` over `words`; `texts` draws a product's texts (bilingualTexts by
 * default), each product priced 10 $ at the standard tax class.
 */
export function randomCatalogue(options: {
  seed: number;
  words: readonly string[];
  sku: string;
  texts?: (catalogue: RandomCatalogue) => ProductTexts;
}): RandomCatalogue {
  const { words, sku, texts = bilingualTexts } = options;
  const random = seededRandom(options.seed);
  const pick = (xs: readonly string[] = words) => xs[Math.floor(random() * xs.length)]!;
  const title = (xs: readonly string[] = words) => `${pick(xs)} ${pick(xs)}`;
  const ids: number[] = [];
  let into: { database: Database; merchantId: number } | undefined;
  const catalogue: RandomCatalogue = {
    random,
    pick,
    title,
    ids,
    seed: async (database, n) => {
      const region = await seedMiniRegion(database.db);
      into = { database, merchantId: region.merchants.erabliere.merchant_id };
      await catalogue.insertProducts(n);
      await rebuildSearchIndex(database);
    },
    insertProducts: async (n) => {
      if (!into) throw new Error('seed the catalogue first');
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const row = await into.database.db
          .insertInto('products')
          .values({
            merchant_id: into.merchantId,
            sku: `${sku}-${ids.length + out.length}`,
            ...texts(catalogue),
            price_cents: 1000,
            tax_class: 'standard',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        out.push(Number(row.id));
      }
      ids.push(...out);
      return out;
    },
  };
  return catalogue;
}
