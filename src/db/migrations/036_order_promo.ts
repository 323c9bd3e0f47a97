import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

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

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const re = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from;
  const hits = text.match(new RegExp(re.source, `${re.flags.replace('g', '')}g`))?.length ?? 0;
  if (hits !== 1) throw new Error(`036_order_promo: expected exactly one ${String(from)} in: ${text}`);
  return text.replace(new RegExp(re.source, re.flags.replace('g', '')), to);
}

/**
 * SQLite cannot change a CHECK constraint in place, so this follows SQLite's documented procedure
 * ("Making Other Kinds Of Table Schema Changes", https://sqlite.org/lang_altertable.html): with
 * foreign keys off, create the new table from the current definition (columns added by any
 * migration are kept), copy the rows, drop the old table, rename, recreate its indexes, check the
 * foreign keys, commit. Kysely runs SQLite migrations outside a transaction (no transactional
 * DDL), so this opens its own; the pragma cannot change inside one.
 */
async function rebuildSqliteTable(db: Kysely<unknown>, table: string, change: (ddl: string) => string) {
  const { rows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = ${table}`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql;
  if (!create) throw new Error(`036_order_promo: table ${table} not found`);
  const tmp = `${table}_rebuild`;
  const ddl = replaceOnce(
    change(create),
    new RegExp(`^CREATE TABLE\\s+"?${table}"?`, 'i'),
    `CREATE TABLE "${tmp}"`,
  );
  const indexes = rows.filter((r) => r.type === 'index' && r.sql).map((r) => r.sql as string);
  const triggers = rows.filter((r) => r.type === 'trigger' && r.sql).map((r) => r.sql as string);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(ddl).execute(db);
      await sql.raw(`insert into "${tmp}" select * from "${table}"`).execute(db);
      await sql.raw(`drop table "${table}"`).execute(db);
      await sql.raw(`alter table "${tmp}" rename to "${table}"`).execute(db);
      for (const s of [...indexes, ...triggers]) await sql.raw(s).execute(db);
      const broken = await sql.raw(`pragma foreign_key_check("${table}")`).execute(db);
      if (broken.rows.length)
        throw new Error(`036_order_promo: foreign key check failed after rebuilding ${table}`);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
