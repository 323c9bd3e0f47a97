import type { Kysely } from 'kysely';

/**
 * Small suppliers (docs/decisions/0005-small-suppliers-and-platform-taxes.md):
 * - merchants.tax_status (merchants module): 'registered' by default, so every existing merchant
 *   keeps collecting GST and QST as before;
 * - the region's setting as a distribution platform operator (region module): whether it collects
 *   for unregistered sellers ('none' | 'qst' | 'qst_gst'), its legal name and numbers;
 * - order_taxes (taxes module): who collected an order's taxes, for its receipt. The orders table
 *   is created later (migration 030), so order_id carries no foreign key; rows are written only
 *   in the checkout's transaction, with the order.
 */
const REGION_COLUMNS = ['platform_legal_name', 'platform_gst_number', 'platform_qst_number'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('merchants')
    .addColumn('tax_status', 'text', (c) => c.notNull().defaultTo('registered'))
    .execute();
  await db.schema
    .alterTable('region_settings')
    .addColumn('platform_tax_collection', 'text', (c) => c.notNull().defaultTo('none'))
    .execute();
  for (const column of REGION_COLUMNS)
    await db.schema
      .alterTable('region_settings')
      .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  await db.schema
    .createTable('order_taxes')
    .addColumn('order_id', 'integer', (c) => c.primaryKey())
    .addColumn('regime', 'text', (c) => c.notNull())
    .addColumn('collector_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('collector_gst_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('collector_qst_number', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('order_taxes').ifExists().execute();
  for (const column of ['platform_tax_collection', ...REGION_COLUMNS])
    await db.schema.alterTable('region_settings').dropColumn(column).execute();
  await db.schema.alterTable('merchants').dropColumn('tax_status').execute();
}
