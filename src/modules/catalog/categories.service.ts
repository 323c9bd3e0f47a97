import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { slugify } from '../common/slug.ts';
import { clearReferenceCache, indexProducts } from '../search/index.ts';
import {
  deleteSynonym,
  foldInto,
  insertCategory,
  insertSynonym,
  moveMerchantLinks,
  moveProducts,
  productCounts,
  productIdsIn,
  selectCategories,
  selectCategoryById,
  selectIdsBySlug,
  selectSynonymOwner,
  selectSynonyms,
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
  clearReferenceCache(database);
  return { id, slug };
}

/** Renames a category; its slug stays, so links and imports keep working. */
export async function renameCategory(database: Database, id: number, input: CategoryNames): Promise<void> {
  const { db } = database;
  await getCategory(db, id);
  const v = parse(categoryNames, input);
  await updateCategoryNames(db, id, v);
  clearReferenceCache(database);
  // Category names are search terms of their products.
  await indexProducts(database, await productIdsIn(db, id));
}

/**
 * Hides a category (or shows it again). Hiding leaves its products uncategorised and drops it from
 * merchants' categories: a hidden category is no longer offered anywhere, so nothing may point at
 * it. Showing it again does not bring them back (use merge to move products instead).
 */
export async function setCategoryHidden(
  database: Database,
  id: number,
  hidden: boolean,
): Promise<{ products: number }> {
  const { db } = database;
  await getCategory(db, id);
  const moved = await db.transaction().execute(async (trx) => {
    const ids = hidden ? await productIdsIn(trx, id) : [];
    if (hidden) {
      await moveProducts(trx, id, null);
      await moveMerchantLinks(trx, id, null);
    }
    await setHidden(trx, id, hidden);
    return ids;
  });
  clearReferenceCache(database);
  await indexProducts(database, moved);
  return { products: moved.length };
}

/**
 * Merges `sourceId` into `targetId`: products and merchant links move to the target, the source
 * disappears and its slug (and former slugs) become aliases of the target.
 */
export async function mergeCategories(
  database: Database,
  sourceId: number,
  targetId: number,
): Promise<{ products: number }> {
  const { db } = database;
  const source = await getCategory(db, sourceId);
  const target = await selectCategoryById(db, targetId);
  if (!target || target.hidden || target.id === source.id)
    throw new ValidationError([{ field: 'target', message: 'categories.merge_target_invalid' }]);
  const moved = await db.transaction().execute(async (trx) => {
    const ids = await productIdsIn(trx, source.id);
    await moveProducts(trx, source.id, target.id);
    await moveMerchantLinks(trx, source.id, target.id);
    await foldInto(trx, source, target.id);
    return ids;
  });
  clearReferenceCache(database);
  await indexProducts(database, moved);
  return { products: moved.length };
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
