import { type Kysely, sql } from 'kysely';
import { dialectOf, rebuildSqliteTable, replaceOnce } from './helpers.ts';

/**
 * Promo codes at checkout: an order keeps the discount it received (before taxes) and the code
 * that gave it; each line keeps its share of the discount (taxes are computed on the discounted
 * lines). The totals check becomes total = subtotal − discount + delivery + GST + QST, and a
 * discount is never negative nor more than what it discounts.
 *
 * No foreign key to promo_codes: on a fresh database this migration runs before 040 creates that
 * table (module number ranges), and an order must outlive the code that discounted it anyway.
 */
const OLD_CHECK = 'check (total_cents = subtotal_cents + delivery_fee_cents + gst_cents + qst_cents)';
const NEW_CHECK =
  'check (total_cents = subtotal_cents - discount_cents + delivery_fee_cents + gst_cents + qst_cents)';
const ORDER_RANGE = sql`discount_cents >= 0 and discount_cents <= subtotal_cents`;
const LINE_RANGE = sql`discount_cents >= 0 and discount_cents <= line_total_cents`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  // SQLite accepts a column CHECK naming other columns (and checks existing rows on ADD COLUMN);
  // PostgreSQL takes them as table constraints.
  await db.schema
    .alterTable('orders')
    .addColumn('discount_cents', 'integer', (c) => {
      const col = c.notNull().defaultTo(0);
      return pg ? col : col.check(ORDER_RANGE);
    })
    .execute();
  await db.schema.alterTable('orders').addColumn('promo_code_id', 'integer').execute();
  await db.schema
    .alterTable('order_lines')
    .addColumn('discount_cents', 'integer', (c) => {
      const col = c.notNull().defaultTo(0);
      return pg ? col : col.check(LINE_RANGE);
    })
    .execute();
  if (pg) {
    await sql`alter table orders add constraint orders_discount_range check (${ORDER_RANGE})`.execute(db);
    await sql`alter table order_lines add constraint order_lines_discount_range check (${LINE_RANGE})`.execute(
      db,
    );
    await sql`alter table orders drop constraint orders_totals_add_up`.execute(db);
    await sql.raw(`alter table orders add constraint orders_totals_add_up ${NEW_CHECK}`).execute(db);
  } else {
    await rebuildSqliteTable(db, 'orders', (ddl) => replaceOnce(ddl, OLD_CHECK, NEW_CHECK));
  }
  await db.schema.createIndex('orders_promo_code').on('orders').column('promo_code_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('orders_promo_code').ifExists().execute();
  if (dialectOf(db) === 'postgres') {
    await sql`alter table order_lines drop constraint if exists order_lines_discount_range`.execute(db);
    await sql`alter table orders drop constraint if exists orders_discount_range`.execute(db);
    await sql`alter table orders drop constraint orders_totals_add_up`.execute(db);
    await sql.raw(`alter table orders add constraint orders_totals_add_up ${OLD_CHECK}`).execute(db);
  } else {
    await rebuildSqliteTable(db, 'orders', (ddl) => replaceOnce(ddl, NEW_CHECK, OLD_CHECK));
  }
  await db.schema.alterTable('order_lines').dropColumn('discount_cents').execute();
  await db.schema.alterTable('orders').dropColumn('promo_code_id').execute();
  await db.schema.alterTable('orders').dropColumn('discount_cents').execute();
}
