import type { Kysely } from 'kysely';
import type { DB, QuebecLabel } from '../../db/schema.ts';
import { parseHours } from '../common/hours.ts';

export const QUEBEC_LABELS: readonly QuebecLabel[] = [
  'aliments_du_quebec',
  'aliments_prepares_au_quebec',
  'produit_du_quebec',
  'fabrique_au_quebec',
  'concu_au_quebec',
];
export const TAX_CLASSES = ['standard', 'zero_rated', 'exempt'] as const;

export interface ProductImage {
  url: string;
  width: number;
  height: number;
  alt_fr?: string;
  alt_en?: string;
}

export function parseImages(json: string): ProductImage[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as ProductImage[]) : [];
  } catch {
    return [];
  }
}

/** An active product of an approved merchant with its stock at each of the merchant's locations. */
export async function getPublicProduct(db: Kysely<DB>, productId: number) {
  const p = await db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .selectAll('p')
    .select([
      'm.slug as merchant_slug',
      'm.display_name as merchant_name',
      'c.slug as category_slug',
      'c.name_fr as category_name_fr',
      'c.name_en as category_name_en',
    ])
    .where('p.id', '=', productId)
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'approved')
    .executeTakeFirst();
  if (!p) return undefined;
  const stock = await db
    .selectFrom('locations as l')
    .leftJoin('inventory_levels as i', (j) =>
      j.onRef('i.location_id', '=', 'l.id').on('i.product_id', '=', productId),
    )
    .select([
      'l.id as location_id',
      'l.code',
      'l.name',
      'l.address_line',
      'l.municipality',
      'l.lat',
      'l.lng',
      'l.hours_json',
      'l.pickup',
      'l.delivery_radius_km',
      'l.delivery_fee_cents',
      'i.on_hand',
      'i.reserved',
    ])
    .where('l.merchant_id', '=', p.merchant_id)
    .orderBy('l.id')
    .execute();
  return {
    ...p,
    images: parseImages(p.images_json),
    offers: stock.map((s) => ({
      ...s,
      hours: parseHours(s.hours_json),
      available: Math.max(0, (s.on_hand ?? 0) - (s.reserved ?? 0)),
    })),
  };
}
export type PublicProduct = NonNullable<Awaited<ReturnType<typeof getPublicProduct>>>;

/** A merchant's active products with their total availability across its locations. */
export async function listMerchantProducts(
  db: Kysely<DB>,
  merchantId: number,
  opts: { limit: number; offset: number },
) {
  const rows = await db
    .selectFrom('products as p')
    .leftJoin('inventory_levels as i', 'i.product_id', 'p.id')
    .select(['p.id', 'p.sku', 'p.title_fr', 'p.title_en', 'p.price_cents', 'p.quebec_label', 'p.images_json'])
    .select((eb) =>
      eb.fn
        .coalesce(eb.fn.sum<number>(eb('i.on_hand', '-', eb.ref('i.reserved'))), eb.lit(0))
        .as('available'),
    )
    .where('p.merchant_id', '=', merchantId)
    .where('p.status', '=', 'active')
    .groupBy([
      'p.id',
      'p.sku',
      'p.title_fr',
      'p.title_en',
      'p.price_cents',
      'p.quebec_label',
      'p.images_json',
    ])
    .orderBy('p.id')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  const total = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return { total: Number(total.n), items: rows.map((r) => ({ ...r, available: Number(r.available) })) };
}

/**
 * Every category's slug and names (French and English), in display order: what imports match a
 * merchant's category cells against. Read-only.
 */
export async function listCategoryNames(db: Kysely<DB>) {
  return db
    .selectFrom('categories')
    .select(['id', 'slug', 'name_fr', 'name_en'])
    .where('hidden', '=', 0) // a hidden category is offered nowhere (catalog categories service)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export type { Category } from './categories.schemas.ts';
/**
 * The category taxonomy (owned here; the default bilingual list comes from migration 005).
 * `listCategories` gives visible ones unless `includeHidden`; `categoriesForApi(db, lang)` the
 * public list; `resolveCategorySlugs` maps slugs, old ones included (aliases), to ids; the region
 * admin's edits: `createCategory`, `renameCategory`, `setCategoryHidden` (products become
 * uncategorised), `mergeCategories` (products move, the old slug becomes an alias).
 */
export { foldCategoryText } from './categories.schemas.ts';
export {
  addCategorySynonym,
  categoriesForApi,
  createCategory,
  getCategory,
  listCategories,
  listCategoriesForAdmin,
  listCategorySynonymsOf,
  mergeCategories,
  removeCategorySynonym,
  renameCategory,
  resolveCategorySlugs,
  setCategoryHidden,
} from './categories.service.ts';

/**
 * Old slugs (merged or renamed-away categories) and the region admin's synonyms (`folded` set) that
 * resolve to a visible category: imports match them too.
 */
export async function listCategoryAliases(db: Kysely<DB>) {
  return db
    .selectFrom('category_aliases as a')
    .innerJoin('categories as c', 'c.id', 'a.category_id')
    .select(['a.slug', 'a.category_id', 'a.folded'])
    .where('c.hidden', '=', 0)
    .execute();
}
