import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './categories.tables.ts';
import type { Category } from './categories.schemas.ts';

type Db = Kysely<DB> | Transaction<DB>;
const COLUMNS = ['id', 'slug', 'name_fr', 'name_en', 'position', 'hidden'] as const;

export function selectCategories(db: Db, opts: { includeHidden?: boolean } = {}): Promise<Category[]> {
  let q = db.selectFrom('categories').select(COLUMNS);
  if (!opts.includeHidden) q = q.where('hidden', '=', 0);
  return q.orderBy('position').orderBy('id').execute();
}

export function selectCategoryById(db: Db, id: number): Promise<Category | undefined> {
  return db.selectFrom('categories').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** A category by its current slug (aliases not followed), hidden or not. */
export function selectCategoryBySlug(db: Db, slug: string): Promise<Category | undefined> {
  return db.selectFrom('categories').select(COLUMNS).where('slug', '=', slug).executeTakeFirst();
}

/** Categories by ids (unknown ids absent), hidden ones included, in display order. */
export function selectCategoriesByIds(db: Db, ids: readonly number[]): Promise<Category[]> {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('categories')
    .select(COLUMNS)
    .where('id', 'in', [...new Set(ids)])
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/**
 * Old slugs and synonyms that resolve to a visible category (`slug`, `category_id`, `folded`:
 * null on slug aliases).
 */
export function selectVisibleAliases(db: Db) {
  return db
    .selectFrom('category_aliases as a')
    .innerJoin('categories as c', 'c.id', 'a.category_id')
    .select(['a.slug', 'a.category_id', 'a.folded'])
    .where('c.hidden', '=', 0)
    .execute();
}

/** A category's synonyms (region admin's free text), in the order added. */
export function selectSynonyms(db: Db, categoryId: number) {
  return db
    .selectFrom('category_aliases')
    .select(['label', 'folded'])
    .where('category_id', '=', categoryId)
    .where('folded', 'is not', null)
    .orderBy('label')
    .execute() as Promise<{ label: string; folded: string }[]>;
}

/** The category holding this folded synonym, if any. */
export function selectSynonymOwner(db: Db, folded: string) {
  return db
    .selectFrom('category_aliases')
    .select('category_id')
    .where('folded', '=', folded)
    .executeTakeFirst();
}

export async function insertSynonym(db: Db, categoryId: number, label: string, folded: string) {
  await db
    .insertInto('category_aliases')
    .values({ slug: `synonym:${folded}`, category_id: categoryId, label, folded })
    .execute();
}

export async function deleteSynonym(db: Db, categoryId: number, folded: string): Promise<boolean> {
  const r = await db
    .deleteFrom('category_aliases')
    .where('category_id', '=', categoryId)
    .where('folded', '=', folded)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** True when the slug names a category or an alias. */
export async function slugInUse(db: Db, slug: string): Promise<boolean> {
  const [c, a] = await Promise.all([
    db.selectFrom('categories').select('id').where('slug', '=', slug).executeTakeFirst(),
    db.selectFrom('category_aliases').select('category_id').where('slug', '=', slug).executeTakeFirst(),
  ]);
  return Boolean(c || a);
}

/** Category ids for slugs, through aliases too; unknown slugs are absent from the map. */
export async function selectIdsBySlug(db: Db, slugs: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!slugs.length) return out;
  const direct = await db
    .selectFrom('categories')
    .select(['id', 'slug'])
    .where('slug', 'in', slugs)
    .execute();
  for (const c of direct) out.set(c.slug, c.id);
  const rest = slugs.filter((s) => !out.has(s));
  if (rest.length) {
    const aliases = await db
      .selectFrom('category_aliases')
      .select(['slug', 'category_id'])
      .where('slug', 'in', rest)
      .execute();
    for (const a of aliases) out.set(a.slug, a.category_id);
  }
  return out;
}

export async function insertCategory(
  db: Db,
  v: { slug: string; name_fr: string; name_en: string },
): Promise<number> {
  const max = await db
    .selectFrom('categories')
    .select((eb) => eb.fn.max('position').as('p'))
    .executeTakeFirst();
  const row = await db
    .insertInto('categories')
    .values({ ...v, position: Number(max?.p ?? 0) + 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateCategoryNames(db: Db, id: number, v: { name_fr: string; name_en: string }) {
  await db.updateTable('categories').set(v).where('id', '=', id).execute();
}

export async function setHidden(db: Db, id: number, hidden: boolean) {
  await db
    .updateTable('categories')
    .set({ hidden: hidden ? 1 : 0 })
    .where('id', '=', id)
    .execute();
}

/** The merged category's slug and its aliases now point at the target; then the row goes. */
export async function foldInto(db: Db, source: Category, targetId: number) {
  await db
    .updateTable('category_aliases')
    .set({ category_id: targetId })
    .where('category_id', '=', source.id)
    .execute();
  await db.insertInto('category_aliases').values({ slug: source.slug, category_id: targetId }).execute();
  await db.deleteFrom('categories').where('id', '=', source.id).execute();
}
