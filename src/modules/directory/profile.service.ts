/**
 * The public profile of a merchant: the merchant and its stores (merchants module), its active
 * associations (associations module) and its categories (catalog module), for its page and the API.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { associationsOfMerchant } from '../associations/index.ts';
import { listCategories } from '../catalog/index.ts';
import { findPublicMerchant, merchantCategoryIds } from '../merchants/index.ts';

/** Public profile of an approved merchant, or undefined. */
export async function getPublicMerchant(db: Kysely<DB>, slug: string) {
  const m = await findPublicMerchant(db, slug);
  if (!m) return undefined;
  const [associations, categoryIds, allCategories] = await Promise.all([
    associationsOfMerchant(db, m.id),
    merchantCategoryIds(db, m.id),
    listCategories(db, { includeHidden: true }),
  ]);
  const filed = new Set(categoryIds);
  return {
    ...m,
    associations,
    // In the taxonomy's display order.
    categories: allCategories
      .filter((c) => filed.has(c.id))
      .map((c) => ({ id: c.id, slug: c.slug, name_fr: c.name_fr, name_en: c.name_en })),
  };
}
export type PublicMerchant = NonNullable<Awaited<ReturnType<typeof getPublicMerchant>>>;
