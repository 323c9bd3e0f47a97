import type { Kysely } from 'kysely';

/**
 * Image fetches by product: every import drops a product's unfinished fetches before queueing its
 * URLs again. Without this index each of those deletes scanned the merchant's whole queue, so
 * re-importing 100,000 products took minutes (quadratic); with it, one indexed delete per product.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('image_fetches_product').on('image_fetches').column('product_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('image_fetches_product').ifExists().execute();
}
