import { type Kysely, sql } from 'kysely';

/**
 * Product variants (size, colour...). Every row of `products` is a variant with its own SKU,
 * price, GTIN and stock (`inventory_levels`, reservations, cart and order lines keep pointing at
 * it, so stock sync stays by SKU). The product a shopper sees is the row without `parent_id`;
 * its other variants point to it. `options_json` holds the variant's option values in order
 * (`[{"name":"Taille","value":"M"}]`); `handle` is the import's grouping key (Shopify Handle, the
 * template's `handle` column), kept on the product row for round trips. A product with a single
 * variant is one row with no parent and no options: exactly what existed before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('products')
    .addColumn('parent_id', 'integer', (c) => c.references('products.id').onDelete('cascade'))
    .execute();
  await db.schema.alterTable('products').addColumn('options_json', 'text').execute();
  await db.schema.alterTable('products').addColumn('handle', 'text').execute();
  await db.schema
    .createIndex('products_parent')
    .on('products')
    .column('parent_id')
    .where(sql.ref('parent_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('products_merchant_handle')
    .on('products')
    .columns(['merchant_id', 'handle'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('products_merchant_handle').ifExists().execute();
  await db.schema.dropIndex('products_parent').ifExists().execute();
  await db.schema.alterTable('products').dropColumn('handle').execute();
  await db.schema.alterTable('products').dropColumn('options_json').execute();
  await db.schema.alterTable('products').dropColumn('parent_id').execute();
}
