/**
 * Category cells as merchants write them: matched by slug or by the French or English name,
 * case- and accent-insensitive, trimmed ("Épicerie", "EPICERIE", "epicerie", "Grocery" all find
 * the category `epicerie` named Épicerie/Grocery). Shopify's `Product Category` (a Google
 * taxonomy path), `Type` and `Tags` are tried in that order. Only categories that exist in the
 * database are ever returned: nothing here assumes a slug.
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

/** Folded text → category id. */
export type CategoryIndex = Map<string, number>;

/**
 * Lower case, no accents, `&` as "and", punctuation and runs of spaces as one space (the catalog's
 * folding, the one stored synonyms were folded with).
 */
export const foldCategory = foldCategoryText;

/** Plural-insensitive key: "Boissons" and "Boisson", "Toys" and "Toy" meet. */
const singular = (folded: string) =>
  folded
    .split(' ')
    .map((w) => (w.length > 3 && /[sx]$/.test(w) ? w.slice(0, -1) : w))
    .join(' ');

/**
 * Index of slugs and names; also each part of a compound name ("Vêtements et mode" → "vetements",
 * "mode") when only one category has that part, so "Vêtements" alone still finds it.
 */
export function buildCategoryIndex(
  categories: CategoryName[],
  aliases: { slug: string; category_id: number; folded?: string | null }[] = [],
): CategoryIndex {
  const index: CategoryIndex = new Map();
  for (const a of aliases) {
    // A synonym (region admin's text, stored folded) or an old slug; synonyms also match in the plural.
    if (a.folded) {
      index.set(a.folded, a.category_id);
      index.set(`~${singular(a.folded)}`, a.category_id);
    } else index.set(foldCategory(a.slug), a.category_id);
  }
  const parts = new Map<string, number | null>();
  for (const c of categories)
    for (const name of [c.name_fr, c.name_en])
      for (const part of foldCategory(name ?? '').split(/ and |,/)) {
        const key = `^${singular(part.trim())}`;
        if (part.trim() && parts.get(key) !== c.id) parts.set(key, parts.has(key) ? null : c.id);
      }
  // Slugs first, then French names, then English ones: an exact slug always wins.
  for (const pick of [
    (c: CategoryName) => c.slug,
    (c: CategoryName) => c.name_fr,
    (c: CategoryName) => c.name_en,
  ])
    for (const c of categories) {
      const key = foldCategory(pick(c) ?? '');
      if (!key) continue;
      if (!index.has(key)) index.set(key, c.id);
      const one = singular(key);
      if (!index.has(`~${one}`)) index.set(`~${one}`, c.id);
    }
  for (const [k, id] of parts) if (id !== null) index.set(k, id);
  return index;
}

/** The category id for one cell, or undefined when no category has that slug or name. */
export function matchCategory(index: CategoryIndex, cell: string): number | undefined {
  const key = foldCategory(cell);
  if (!key) return undefined;
  return index.get(key) ?? index.get(`~${singular(key)}`) ?? index.get(`^${singular(key)}`);
}

/**
 * Common Google product taxonomy nodes (what Shopify's `Product Category` holds) → category names a
 * region is likely to use, French and English. Tried only after the path's own segments.
 */
const GOOGLE_TAXONOMY: Record<string, string[]> = {
  'Apparel & Accessories': ['Vêtements et mode', 'Vêtements', 'Mode', 'Apparel', 'Clothing', 'Fashion'],
  Clothing: ['Vêtements', 'Mode', 'Clothing'],
  Jewelry: ['Bijoux', 'Jewellery', 'Jewelry'],
  Shoes: ['Chaussures', 'Shoes'],
  'Food, Beverages & Tobacco': ['Épicerie', 'Alimentation', 'Épicerie fine', 'Grocery', 'Food'],
  'Food Items': ['Épicerie', 'Alimentation', 'Grocery', 'Food'],
  Bakery: ['Boulangerie', 'Boulangerie et pâtisserie', 'Bakery'],
  Beverages: ['Boissons', 'Beverages', 'Drinks'],
  'Alcoholic Beverages': ['Boissons et alcools', 'Alcools', 'Vins et bières', 'Alcohol'],
  'Meat, Seafood & Eggs': ['Boucherie et charcuterie', 'Boucherie', 'Viandes', 'Butcher', 'Meat'],
  Seafood: ['Poissonnerie', 'Fish and seafood'],
  'Dairy Products': ['Fromagerie', 'Produits laitiers', 'Cheese', 'Dairy'],
  'Fruits & Vegetables': ['Fruits et légumes', 'Produce'],
  'Health & Beauty': ['Beauté et soins', 'Santé et beauté', 'Beauté', 'Health & Beauty', 'Beauty'],
  'Personal Care': ['Beauté et soins', 'Soins', 'Personal care'],
  'Health Care': ['Santé et pharmacie', 'Santé', 'Health'],
  'Home & Garden': ['Maison et décoration', 'Maison et jardin', 'Maison', 'Home & Garden', 'Home'],
  'Lawn & Garden': ['Jardin', 'Garden'],
  Plants: ['Fleuriste', 'Jardin', 'Florist'],
  'Arts & Entertainment': ['Art et artisanat', 'Artisanat', 'Art', 'Crafts'],
  'Musical Instruments': ['Musique et instruments', 'Music'],
  'Toys & Games': ['Jouets', 'Jouets et jeux', 'Toys', 'Toys & Games'],
  'Baby & Toddler': ['Bébé', 'Enfants', 'Baby', 'Kids'],
  'Sporting Goods': ['Sports', 'Sport et plein air', 'Plein air', 'Sports', 'Outdoors'],
  'Animals & Pet Supplies': ['Animaux', 'Animalerie', 'Pets'],
  Media: ['Livres', 'Librairie', 'Books'],
  Books: ['Livres', 'Librairie', 'Books'],
  Furniture: ['Meubles', 'Mobilier', 'Furniture'],
  Hardware: ['Quincaillerie', 'Hardware'],
  Electronics: ['Électronique', 'Electronics'],
  'Office Supplies': ['Papeterie', 'Bureau', 'Stationery', 'Office Supplies'],
  'Luggage & Bags': ['Bijoux et accessoires', 'Maroquinerie', 'Sacs', 'Bags'],
  'Vehicles & Parts': ['Auto et vélo', 'Auto', 'Automobile'],
};
const TAXONOMY_BY_KEY = new Map(Object.entries(GOOGLE_TAXONOMY).map(([k, v]) => [foldCategory(k), v]));

/** A Google taxonomy path ("Food, Beverages & Tobacco > Food Items > Bakery"): deepest segment first. */
export function matchTaxonomyPath(index: CategoryIndex, path: string): number | undefined {
  const segments = path
    .split('>')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse();
  for (const s of segments) {
    const id = matchCategory(index, s);
    if (id !== undefined) return id;
  }
  for (const s of segments)
    for (const name of TAXONOMY_BY_KEY.get(foldCategory(s)) ?? []) {
      const id = matchCategory(index, name);
      if (id !== undefined) return id;
    }
  return undefined;
}

/**
 * Shopify's category columns in order: `Product Category` (taxonomy path), `Type`, then each tag.
 * Returns the first match, or the non-empty values tried (to list as unknown) when none matched.
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

/** Loads the region's categories (through the catalog module) into a matching index. */
export async function loadCategoryIndex(db: Kysely<DB>): Promise<CategoryIndex> {
  const [categories, aliases] = await Promise.all([listCategoryNames(db), listCategoryAliases(db)]);
  return buildCategoryIndex(categories, aliases);
}
