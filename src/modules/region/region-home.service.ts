import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Category, listCategories as catalogCategories, countProducts } from '../catalog/index.ts';
import { countMerchants } from '../merchants/index.ts';

/** Region counts shown on the home page: approved merchants and active products. */
export async function regionStats(db: Kysely<DB>): Promise<{ merchants: number; products: number }> {
  const [merchants, products] = await Promise.all([
    countMerchants(db, 'approved'),
    countProducts(db, { status: 'active' }),
  ]);
  return { merchants, products };
}

/** The category taxonomy, in display order; hidden categories (catalog module) are offered nowhere. */
export function listCategories(db: Kysely<DB>): Promise<Category[]> {
  return catalogCategories(db);
}
