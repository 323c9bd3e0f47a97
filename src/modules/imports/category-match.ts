/**
 * Category cells as merchants write them, matched against the region's categories (only categories
 * that exist in the database are ever returned: nothing here assumes a slug).
 *
 * Folding first: lower case, no accents, `&`/"et"/"and" alike, punctuation (`-`, `/`, `,`, `'`) as
 * spaces ("Épicerie", "EPICERIE", "epicerie" are one text). Then, in this order (the first tier
 * that matches wins; within a tier, slugs before French names before English names, and categories
 * in display order):
 * 1. **exact**: the folded cell is a category's slug, French name or English name;
 * 2. **synonym**: the folded cell is a synonym the region admin added ("Grocery" = "Épicerie"), or
 *    an old slug of a merged or renamed category;
 * 3. **same words**: the cell has the same significant words as a name or synonym, in any order,
 *    singular or plural, small words ignored ("de/du/des/la/le/les/d'/l'/the/of/and/et/&...").
 *    "Décoration maison", "Décoration - Maison", "decoration/maison" all find "Maison et
 *    décoration"; "épice" finds "Épices";
 * 4. **abbreviated**: as many words, each the start (4 letters or more) of one of the name's
 *    words: "Maison & Déco" finds "Maison et décoration";
 * 5. **part**: the words of one part of a compound name ("Plein air" of "Sports et plein air",
 *    "Vêtements" of "Vêtements et mode") when only one category has that part.
 *
 * Shopify's and Google's product taxonomy paths ("Home & Garden > Decor > Candles",
 * "Alimentation, boissons et tabac > Aliments > …", `gid://shopify/TaxonomyCategory/hg-3`,
 * Google's numeric ids) map to the most specific segment that matches, else an earlier one: each
 * segment is tried on the region's names (tiers above), then through a table of common taxonomy
 * nodes to the category names a region is likely to use.
 *
 * Everything about the region's categories (folding, word sets) is computed once per import in
 * `buildCategoryIndex`; each distinct cell is matched once (memoised), so 100,000 rows sharing a
 * few category texts cost a few map look-ups each.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { foldCategoryText, listCategoryAliases, listCategoryNames } from '../catalog/index.ts';

export interface CategoryName {
  id: number;
  slug: string;
  name_fr: string;
  name_en: string;
}

/** How a cell was matched, from the strongest to the weakest. */
export type CategoryMatchTier = 'exact' | 'synonym' | 'words' | 'abbreviated' | 'part';

/** The region's categories, folded and split into words once (see `buildCategoryIndex`). */
export interface CategoryIndex {
  /** Folded slug / French name / English name → id. */
  exact: Map<string, number>;
  /** Folded synonym or old slug → id. */
  synonym: Map<string, number>;
  /** Word-set key of a name or synonym → id. */
  words: Map<string, number>;
  /** Names and synonyms as word lists, in priority order (abbreviation matching). */
  wordLists: { words: string[]; id: number }[];
  /** Word-set key of one part of a compound name → id, only when one category has that part. */
  parts: Map<string, number>;
  /** Cells already matched in this import (raw cell → result). */
  memo: Map<string, { id: number; tier: CategoryMatchTier } | null>;
}

/**
 * Lower case, no accents, `&` as "and", punctuation and runs of spaces as one space (the catalog's
 * folding, the one stored synonyms were folded with).
 */
export const foldCategory = foldCategoryText;

/**
 * Words that never tell categories apart (French and English articles, prepositions, "and"),
 * recognised before accents are removed: "Thé" (tea) is a word, "the" is not.
 */
const SMALL_WORDS = new Set([
  'a',
  'à',
  'an',
  'and',
  'au',
  'aux',
  'd',
  'de',
  'des',
  'du',
  'en',
  'et',
  'for',
  'l',
  'la',
  'le',
  'les',
  'of',
  'or',
  'ou',
  'pour',
  'the',
  'un',
  'une',
]);

/**
 * One word's singular-ish key: plural `s`/`x` dropped ("épices" = "épice", "jeux" = "jeu"), then
 * "-aux"/"-al" and "-ies"/"-ie"/"-y" brought together ("animaux" = "animal", "accessories" =
 * "accessory", "épiceries" = "épicerie"). Only a key: never shown.
 */
function wordKey(w: string): string {
  if (w.length <= 3) return w;
  let k = /[sx]$/.test(w) ? w.slice(0, -1) : w;
  if (k.length > 3) {
    if (k.endsWith('au')) k = `${k.slice(0, -2)}al`;
    else if (k.endsWith('ie')) k = `${k.slice(0, -2)}y`;
  }
  return k;
}

/**
 * The significant words of a text, folded and as keys, in their order (each once). Small words
 * are recognised on the text as written (accents kept), then each word is folded like the rest.
 */
function significantWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || SMALL_WORDS.has(raw)) continue;
    for (const w of foldCategory(raw).split(' ')) {
      if (!w) continue;
      const k = wordKey(w);
      if (!out.includes(k)) out.push(k);
    }
  }
  return out;
}

/** Order-insensitive key of a list of significant words. */
const wordSetKey = (words: readonly string[]) => [...words].sort().join(' ');

/** Order-insensitive key of a text's significant words ('' when it has none). */
function categoryWordsKey(text: string): string {
  return wordSetKey(significantWords(text));
}

/**
 * Precomputes everything matching needs: exact keys (slugs, then French names, then English
 * names), synonyms and old slugs, word sets of names and synonyms, parts of compound names.
 * `categories` in display order: on equal footing the earlier category wins.
 */
export function buildCategoryIndex(
  categories: CategoryName[],
  aliases: { slug: string; category_id: number; folded?: string | null }[] = [],
): CategoryIndex {
  const index: CategoryIndex = {
    exact: new Map(),
    synonym: new Map(),
    words: new Map(),
    wordLists: [],
    parts: new Map(),
    memo: new Map(),
  };
  const first = (map: Map<string, number>, key: string, id: number) => {
    if (key && !map.has(key)) map.set(key, id);
  };
  const texts: { text: string; id: number }[] = [];
  for (const pick of [
    (c: CategoryName) => c.slug,
    (c: CategoryName) => c.name_fr,
    (c: CategoryName) => c.name_en,
  ])
    for (const c of categories) {
      const folded = foldCategory(pick(c) ?? '');
      first(index.exact, folded, c.id);
      if (folded) texts.push({ text: pick(c), id: c.id });
    }
  for (const a of aliases) {
    // A synonym (the region admin's text, stored folded) or an old slug.
    const folded = a.folded || foldCategory(a.slug);
    first(index.synonym, folded, a.category_id);
    if (folded) texts.push({ text: folded, id: a.category_id });
  }
  for (const { text, id } of texts) {
    const words = significantWords(text);
    if (!words.length) continue;
    first(index.words, wordSetKey(words), id);
    index.wordLists.push({ words, id });
  }
  // Parts of compound names ("Sports et plein air" → "sports", "plein air"), kept when unique.
  const parts = new Map<string, number | null>();
  for (const c of categories)
    for (const name of [c.name_fr, c.name_en])
      for (const part of (name ?? '').split(/\s+(?:and|et|or|ou)\s+|\s*[&,]\s*/i)) {
        const key = categoryWordsKey(part);
        if (key && parts.get(key) !== c.id) parts.set(key, parts.has(key) ? null : c.id);
      }
  for (const [k, id] of parts) if (id !== null) index.parts.set(k, id);
  return index;
}

/** True when each cell word starts a different one of `target` (same number of words). */
function abbreviates(cell: string[], target: string[]): boolean {
  if (cell.length !== target.length) return false;
  const used = new Array<boolean>(target.length).fill(false);
  const place = (i: number): boolean => {
    if (i === cell.length) return true;
    const w = cell[i];
    for (let j = 0; j < target.length; j++) {
      if (used[j]) continue;
      const t = target[j];
      if (t === w || (w.length >= 4 && t.startsWith(w))) {
        used[j] = true;
        if (place(i + 1)) return true;
        used[j] = false;
      }
    }
    return false;
  };
  return place(0);
}

/** One plain cell (not a path) through the tiers, or null. */
function matchPlain(index: CategoryIndex, cell: string): { id: number; tier: CategoryMatchTier } | null {
  const folded = foldCategory(cell);
  if (!folded) return null;
  const exact = index.exact.get(folded);
  if (exact !== undefined) return { id: exact, tier: 'exact' };
  const synonym = index.synonym.get(folded);
  if (synonym !== undefined) return { id: synonym, tier: 'synonym' };
  const words = significantWords(cell);
  if (!words.length) return null;
  const key = wordSetKey(words);
  const same = index.words.get(key);
  if (same !== undefined) return { id: same, tier: 'words' };
  for (const t of index.wordLists) if (abbreviates(words, t.words)) return { id: t.id, tier: 'abbreviated' };
  const part = index.parts.get(key);
  if (part !== undefined) return { id: part, tier: 'part' };
  return null;
}

/**
 * The category for one cell and how it matched, or null. A taxonomy path or id (with `>` or a
 * Shopify `gid://`) goes through `matchTaxonomyPath`. Memoised per index.
 */
export function matchCategoryDetailed(
  index: CategoryIndex,
  cell: string,
): { id: number; tier: CategoryMatchTier } | null {
  const cached = index.memo.get(cell);
  if (cached !== undefined) return cached;
  const found = isTaxonomyReference(cell) ? matchPath(index, cell) : matchPlain(index, cell);
  index.memo.set(cell, found);
  return found;
}

/** The category id for one cell, or undefined when no category has those words. */
export function matchCategory(index: CategoryIndex, cell: string): number | undefined {
  return matchCategoryDetailed(index, cell)?.id;
}

/**
 * Common product taxonomy nodes (Google's, which Shopify's `Product Category` held, and Shopify's
 * Standard Product Taxonomy; English and French) → category names a region is likely to use,
 * French and English. Looked up by word set, so word order and small words do not matter.
 */
const TAXONOMY: [string[], string[]][] = [
  [
    ['Apparel & Accessories', 'Vêtements et accessoires'],
    ['Vêtements et mode', 'Vêtements', 'Mode', 'Apparel', 'Clothing', 'Fashion'],
  ],
  [
    ['Clothing', 'Vêtements'],
    ['Vêtements', 'Mode', 'Clothing'],
  ],
  [
    ['Jewelry', 'Bijoux'],
    ['Bijoux', 'Jewellery', 'Jewelry'],
  ],
  [
    ['Shoes', 'Chaussures'],
    ['Chaussures', 'Shoes'],
  ],
  [
    ['Food, Beverages & Tobacco', 'Alimentation, boissons et tabac', 'Nourriture, boissons et tabac'],
    ['Épicerie', 'Alimentation', 'Épicerie fine', 'Grocery', 'Food'],
  ],
  [
    ['Food Items', 'Aliments', 'Produits alimentaires'],
    ['Épicerie', 'Alimentation', 'Grocery', 'Food'],
  ],
  [
    ['Bakery', 'Boulangerie', 'Produits de boulangerie'],
    ['Boulangerie', 'Boulangerie et pâtisserie', 'Bakery'],
  ],
  [
    ['Beverages', 'Boissons'],
    ['Boissons', 'Beverages', 'Drinks'],
  ],
  [
    ['Alcoholic Beverages', 'Boissons alcoolisées'],
    ['Boissons et alcools', 'Alcools', 'Vins et bières', 'Alcohol'],
  ],
  [
    ['Meat, Seafood & Eggs', 'Viande, fruits de mer et œufs'],
    ['Boucherie et charcuterie', 'Boucherie', 'Viandes', 'Butcher', 'Meat'],
  ],
  [
    ['Seafood', 'Fruits de mer'],
    ['Poissonnerie', 'Fish and seafood'],
  ],
  [
    ['Dairy Products', 'Produits laitiers'],
    ['Fromagerie', 'Produits laitiers', 'Cheese', 'Dairy'],
  ],
  [
    ['Fruits & Vegetables', 'Fruits et légumes'],
    ['Fruits et légumes', 'Produce'],
  ],
  [
    ['Seasonings & Spices', 'Assaisonnements et épices', 'Herbs & Spices', 'Épices'],
    ['Épices', 'Épicerie fine', 'Épicerie', 'Spices'],
  ],
  [
    ['Health & Beauty', 'Santé et beauté'],
    ['Beauté et soins', 'Santé et beauté', 'Beauté', 'Health & Beauty', 'Beauty'],
  ],
  [
    ['Personal Care', 'Soins personnels', 'Hygiène personnelle'],
    ['Beauté et soins', 'Soins', 'Personal care'],
  ],
  [
    ['Health Care', 'Soins de santé'],
    ['Santé et pharmacie', 'Santé', 'Health'],
  ],
  [
    ['Home & Garden', 'Maison et jardin'],
    ['Maison et décoration', 'Maison et jardin', 'Maison', 'Home & Garden', 'Home'],
  ],
  [
    ['Decor', 'Décoration', 'Décor'],
    ['Décoration', 'Maison et décoration', 'Decor', 'Home decor'],
  ],
  [
    ['Kitchen & Dining', 'Cuisine et salle à manger'],
    ['Cuisine', 'Art de la table', 'Kitchen', 'Maison'],
  ],
  [
    ['Lawn & Garden', 'Pelouse et jardin', 'Jardin'],
    ['Jardin', 'Garden'],
  ],
  [
    ['Plants', 'Plantes'],
    ['Fleuriste', 'Jardin', 'Florist'],
  ],
  [
    ['Arts & Entertainment', 'Arts et loisirs', 'Arts et divertissement'],
    ['Art et artisanat', 'Artisanat', 'Art', 'Crafts'],
  ],
  [
    ['Musical Instruments', 'Instruments de musique'],
    ['Musique et instruments', 'Music'],
  ],
  [
    ['Toys & Games', 'Jouets et jeux'],
    ['Jouets', 'Jouets et jeux', 'Toys', 'Toys & Games'],
  ],
  [
    ['Baby & Toddler', 'Bébés et tout-petits', 'Bébé et tout-petit'],
    ['Bébé', 'Enfants', 'Baby', 'Kids'],
  ],
  [
    ['Sporting Goods', 'Articles de sport', 'Équipement sportif'],
    ['Sports', 'Sport et plein air', 'Plein air', 'Outdoors'],
  ],
  [
    [
      'Animals & Pet Supplies',
      'Animaux et articles pour animaux de compagnie',
      'Animaux et fournitures pour animaux',
    ],
    ['Animaux', 'Animalerie', 'Pets'],
  ],
  [
    ['Media', 'Médias', 'Books', 'Livres'],
    ['Livres', 'Librairie', 'Books'],
  ],
  [
    ['Furniture', 'Meubles', 'Mobilier'],
    ['Meubles', 'Mobilier', 'Furniture'],
  ],
  [
    ['Hardware', 'Quincaillerie'],
    ['Quincaillerie', 'Hardware'],
  ],
  [
    ['Electronics', 'Électronique', 'Appareils électroniques'],
    ['Électronique', 'Electronics'],
  ],
  [
    ['Office Supplies', 'Fournitures de bureau'],
    ['Papeterie', 'Bureau', 'Stationery', 'Office Supplies'],
  ],
  [
    ['Luggage & Bags', 'Bagages et maroquinerie', 'Bagages et sacs'],
    ['Bijoux et accessoires', 'Maroquinerie', 'Sacs', 'Bags'],
  ],
  [
    ['Vehicles & Parts', 'Véhicules et accessoires', 'Véhicules et pièces'],
    ['Auto et vélo', 'Auto', 'Automobile'],
  ],
];
const TAXONOMY_BY_WORDS = new Map<string, string[]>();
for (const [nodes, names] of TAXONOMY)
  for (const node of nodes) TAXONOMY_BY_WORDS.set(categoryWordsKey(node), names);

/**
 * Shopify Standard Product Taxonomy ids (`gid://shopify/TaxonomyCategory/hg-3-4`): the verticals
 * and a few second-level nodes, as the English path their name starts.
 */
const SHOPIFY_IDS: Record<string, string> = {
  aa: 'Apparel & Accessories',
  ae: 'Arts & Entertainment',
  ap: 'Animals & Pet Supplies',
  bt: 'Baby & Toddler',
  el: 'Electronics',
  fb: 'Food, Beverages & Tobacco',
  fr: 'Furniture',
  ha: 'Hardware',
  hb: 'Health & Beauty',
  hg: 'Home & Garden',
  'hg-3': 'Home & Garden > Decor',
  'hg-11': 'Home & Garden > Kitchen & Dining',
  lb: 'Luggage & Bags',
  me: 'Media',
  os: 'Office Supplies',
  sg: 'Sporting Goods',
  tg: 'Toys & Games',
  vp: 'Vehicles & Parts',
};
/** Google product taxonomy top-level ids (what `Google Product Category` may hold as a number). */
const GOOGLE_IDS: Record<string, string> = {
  1: 'Animals & Pet Supplies',
  8: 'Arts & Entertainment',
  166: 'Apparel & Accessories',
  222: 'Electronics',
  412: 'Food, Beverages & Tobacco',
  436: 'Furniture',
  469: 'Health & Beauty',
  536: 'Home & Garden',
  537: 'Baby & Toddler',
  632: 'Hardware',
  783: 'Media',
  888: 'Vehicles & Parts',
  922: 'Office Supplies',
  988: 'Sporting Goods',
  1239: 'Toys & Games',
  5181: 'Luggage & Bags',
};
const SHOPIFY_GID = /^gid:\/\/shopify\/TaxonomyCategory\/([a-z]{2}(?:-\d+)*)$/i;

/** True for a taxonomy path ("A > B") or a Shopify taxonomy id (`gid://shopify/TaxonomyCategory/…`). */
function isTaxonomyReference(cell: string): boolean {
  const c = cell.trim();
  return c.includes('>') || SHOPIFY_GID.test(c);
}

/** A taxonomy id as the path of names it stands for (the most specific known prefix), else the cell. */
function taxonomyPathOf(cell: string): string {
  const c = cell.trim();
  const gid = SHOPIFY_GID.exec(c);
  if (gid) {
    const parts = gid[1].toLowerCase().split('-');
    for (let n = parts.length; n > 0; n--) {
      const name = SHOPIFY_IDS[parts.slice(0, n).join('-')];
      if (name) return name;
    }
    return '';
  }
  return GOOGLE_IDS[c] ?? c;
}

/** A path's segments, most specific first: each on the region's names, then through the table. */
function matchPath(index: CategoryIndex, path: string): { id: number; tier: CategoryMatchTier } | null {
  const segments = taxonomyPathOf(path)
    .split('>')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse();
  for (const s of segments) {
    const own = matchPlain(index, s);
    if (own) return own;
    for (const name of TAXONOMY_BY_WORDS.get(categoryWordsKey(s)) ?? []) {
      const viaTable = matchPlain(index, name);
      if (viaTable) return viaTable;
    }
  }
  return null;
}

/**
 * A taxonomy path ("Food, Beverages & Tobacco > Food Items > Bakery") or id (Shopify `gid://`,
 * Google's number): the most specific segment that matches, else an earlier one; undefined when
 * none does. Memoised per index.
 */
export function matchTaxonomyPath(index: CategoryIndex, path: string): number | undefined {
  const key = `\u0000path:${path}`;
  let found = index.memo.get(key);
  if (found === undefined) {
    found = matchPath(index, path);
    index.memo.set(key, found);
  }
  return found?.id;
}

/**
 * Shopify's category columns in order: `Product Category` (taxonomy path or id), `Type`, then
 * each tag. Returns the first match, or the non-empty values tried (to list as unknown) when none
 * matched.
 */
export function matchShopifyCategory(
  index: CategoryIndex,
  cells: { productCategory?: string; type?: string; tags?: string },
): { id: number | undefined; tried: string[] } {
  const tried: string[] = [];
  const path = cells.productCategory?.trim();
  if (path) {
    const id = matchTaxonomyPath(index, path);
    if (id !== undefined) return { id, tried };
    tried.push(path);
  }
  const words = [cells.type?.trim() ?? '', ...(cells.tags ?? '').split(',').map((t) => t.trim())].filter(
    Boolean,
  );
  for (const w of words) {
    const id = matchCategory(index, w);
    if (id !== undefined) return { id, tried: [] };
    tried.push(w);
  }
  return { id: undefined, tried };
}

/** Loads the region's categories (through the catalog module) into a matching index, once per import. */
export async function loadCategoryIndex(db: Kysely<DB>): Promise<CategoryIndex> {
  const [categories, aliases] = await Promise.all([listCategoryNames(db), listCategoryAliases(db)]);
  return buildCategoryIndex(categories, aliases);
}
