import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { slugify } from '../common/slug.ts';
import { moveMerchantCategory, unfileMerchantsFromCategory } from '../merchants/index.ts';
import {
  deleteSynonym,
  foldInto,
  insertCategory,
  insertSynonym,
  selectCategories,
  selectCategoriesByIds,
  selectCategoryById,
  selectCategoryBySlug,
  selectIdsBySlug,
  selectSynonymOwner,
  selectSynonyms,
  selectVisibleAliases,
  setHidden,
  slugInUse,
  updateCategoryNames,
} from './categories.repository.ts';
import {
  type Category,
  type CategoryNames,
  type CategorySynonym,
  categoryNames,
  foldCategoryText,
  type NewCategory,
  newCategory,
  synonymInput,
} from './categories.schemas.ts';
import {
  moveProductsToCategory as moveProducts,
  countProductsPerCategory as productCounts,
  selectProductIdsInCategory as productIdsIn,
} from './products.repository.ts';

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({ field: String(i.path[0] ?? 'name_fr'), message: i.message })),
  );
}

/** Visible categories in display order (hidden ones with `includeHidden`, for the admin page). */
export function listCategories(db: Kysely<DB>, opts: { includeHidden?: boolean } = {}): Promise<Category[]> {
  return selectCategories(db, opts);
}

/**
 * Every visible category's id, slug and names (French and English), in display order: what imports
 * match a merchant's category cells against.
 */
export async function listCategoryNames(db: Kysely<DB>) {
  const rows = await selectCategories(db);
  return rows.map(({ id, slug, name_fr, name_en }) => ({ id, slug, name_fr, name_en }));
}

/** Every category, hidden ones included, with its number of products (the admin page). */
export async function listCategoriesForAdmin(db: Kysely<DB>) {
  const [rows, counts] = await Promise.all([
    selectCategories(db, { includeHidden: true }),
    productCounts(db),
  ]);
  return rows.map((c) => ({ ...c, products: counts.get(c.id) ?? 0 }));
}

/** The public list: visible categories with the name in `lang` and both names. */
export async function categoriesForApi(db: Kysely<DB>, lang: Lang) {
  const rows = await selectCategories(db);
  return rows.map((c) => ({
    slug: c.slug,
    name: lang === 'fr' ? c.name_fr : c.name_en,
    name_fr: c.name_fr,
    name_en: c.name_en,
  }));
}

export async function getCategory(db: Kysely<DB>, id: number): Promise<Category> {
  const c = await selectCategoryById(db, id);
  if (!c) throw new AppError('not_found', 'categories.not_found');
  return c;
}

/** A category by id (hidden ones included), or undefined. */
export function findCategoryById(db: Kysely<DB>, id: number): Promise<Category | undefined> {
  return selectCategoryById(db, id);
}

/** A category by its current slug (hidden ones included; old slugs: `resolveCategorySlugs`), or undefined. */
export function findCategoryBySlug(db: Kysely<DB>, slug: string): Promise<Category | undefined> {
  return selectCategoryBySlug(db, slug);
}

/** Categories by ids, hidden ones included, in display order (unknown ids absent). */
export function findCategoriesByIds(db: Kysely<DB>, ids: readonly number[]): Promise<Category[]> {
  return selectCategoriesByIds(db, ids);
}

/**
 * Old slugs (merged or renamed-away categories) and the region admin's synonyms (`folded` set) that
 * resolve to a visible category: imports match them too.
 */
export function listCategoryAliases(db: Kysely<DB>) {
  return selectVisibleAliases(db);
}

/** Category ids for slugs, old slugs (aliases) included; unknown slugs are absent. */
export function resolveCategorySlugs(db: Kysely<DB>, slugs: readonly string[]): Promise<Map<string, number>> {
  return selectIdsBySlug(db, [...new Set(slugs)]);
}

export async function createCategory(
  database: Database,
  input: NewCategory,
): Promise<{ id: number; slug: string }> {
  const { db } = database;
  const v = parse(newCategory, input);
  const slug = v.slug || slugify(v.name_fr);
  if (!slug) throw new ValidationError([{ field: 'slug', message: 'categories.slug_invalid' }]);
  if (await slugInUse(db, slug))
    throw new ValidationError([{ field: 'slug', message: 'categories.slug_taken' }]);
  const id = await insertCategory(db, { slug, name_fr: v.name_fr, name_en: v.name_en });
  return { id, slug };
}

/**
 * Renames a category; its slug stays, so links and imports keep working. Returns the ids of its
 * products (category names are search terms of their products: the caller re-indexes them).
 */
export async function renameCategory(
  database: Database,
  id: number,
  input: CategoryNames,
): Promise<{ productIds: number[] }> {
  const { db } = database;
  await getCategory(db, id);
  const v = parse(categoryNames, input);
  await updateCategoryNames(db, id, v);
  return { productIds: await productIdsIn(db, id) };
}

/**
 * Hides a category (or shows it again). Hiding leaves its products uncategorised and drops it from
 * merchants' categories: a hidden category is no longer offered anywhere, so nothing may point at
 * it. Showing it again does not bring them back (use merge to move products instead). Returns the
 * products that became uncategorised (the caller re-indexes them for search).
 */
export async function setCategoryHidden(
  database: Database,
  id: number,
  hidden: boolean,
): Promise<{ products: number; productIds: number[] }> {
  const { db } = database;
  await getCategory(db, id);
  const moved = await db.transaction().execute(async (trx) => {
    const ids = hidden ? await productIdsIn(trx, id) : [];
    if (hidden) {
      await moveProducts(trx, id, null);
      await unfileMerchantsFromCategory(trx, id);
    }
    await setHidden(trx, id, hidden);
    return ids;
  });
  return { products: moved.length, productIds: moved };
}

/**
 * Merges `sourceId` into `targetId`: products and merchant links move to the target, the source
 * disappears and its slug (and former slugs) become aliases of the target. Returns the moved
 * products (the caller re-indexes them for search).
 */
export async function mergeCategories(
  database: Database,
  sourceId: number,
  targetId: number,
): Promise<{ products: number; productIds: number[] }> {
  const { db } = database;
  const source = await getCategory(db, sourceId);
  const target = await selectCategoryById(db, targetId);
  if (!target || target.hidden || target.id === source.id)
    throw new ValidationError([{ field: 'target', message: 'categories.merge_target_invalid' }]);
  const moved = await db.transaction().execute(async (trx) => {
    const ids = await productIdsIn(trx, source.id);
    await moveProducts(trx, source.id, target.id);
    await moveMerchantCategory(trx, source.id, target.id);
    await foldInto(trx, source, target.id);
    return ids;
  });
  return { products: moved.length, productIds: moved };
}

/** A category's synonyms (what imports also match), sorted. */
export async function listCategorySynonymsOf(db: Kysely<DB>, id: number): Promise<CategorySynonym[]> {
  await getCategory(db, id);
  return selectSynonyms(db, id);
}

/**
 * Adds a synonym to a category ("Dépanneur" for Épicerie): imports then file products whose
 * category cell says it there. Refused (field `synonym`) when, once folded, it is already a synonym
 * anywhere or the slug or a name of any category (an import cell must name one category only).
 */
export async function addCategorySynonym(
  database: Database,
  id: number,
  input: { synonym?: unknown },
): Promise<CategorySynonym> {
  const { db } = database;
  const category = await getCategory(db, id);
  const { synonym: label } = parse(synonymInput, input);
  const folded = foldCategoryText(label);
  const taken = (message: string, name: string) =>
    new ValidationError([{ field: 'synonym', message, params: { name } }]);
  const all = await selectCategories(db, { includeHidden: true });
  const named = all.find((c) => [c.slug, c.name_fr, c.name_en].some((n) => foldCategoryText(n) === folded));
  if (named) throw taken('categories.synonym_is_name', named.name_fr);
  const owner = await selectSynonymOwner(db, folded);
  const ownerName = () => all.find((c) => c.id === owner?.category_id)?.name_fr ?? '';
  if (owner)
    throw taken(
      owner.category_id === id ? 'categories.synonym_exists' : 'categories.synonym_taken',
      ownerName(),
    );
  try {
    await insertSynonym(db, category.id, label, folded);
  } catch (err) {
    // Added at the same moment by another request: the unique index decides.
    const again = await selectSynonymOwner(db, folded);
    if (again)
      throw taken('categories.synonym_taken', all.find((c) => c.id === again.category_id)?.name_fr ?? '');
    throw err;
  }
  return { label, folded };
}

/** Removes a synonym (by its folded form, as listed) from a category; unknown ones are a 404. */
export async function removeCategorySynonym(database: Database, id: number, folded: string): Promise<void> {
  await getCategory(database.db, id);
  if (!(await deleteSynonym(database.db, id, folded)))
    throw new AppError('not_found', 'categories.synonym_not_found');
}
