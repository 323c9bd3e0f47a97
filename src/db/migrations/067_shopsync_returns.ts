import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Shop sync (issue 17): a cancelled Comptoir order gives its units back to the shop. A stock push
 * is a `sale` (the order's decrement) or a `return` (its cancellation); each is unique per order
 * line and location, so a repeated event queues neither twice.
 */
const OLD =
  /constraint "shopsync_pushes_line" unique \("connection_id", "order_id", "product_id", "shop_location_id"\)/;
const NEW =
  'constraint "shopsync_pushes_line" unique ("connection_id", "order_id", "product_id", "shop_location_id", "kind")';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('shopsync_pushes')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('sale').check(sql`kind in ('sale', 'return')`))
    .execute();
  if (dialectOf(db) === 'postgres') {
    await sql`alter table shopsync_pushes drop constraint shopsync_pushes_line`.execute(db);
    await sql`alter table shopsync_pushes add constraint shopsync_pushes_line
      unique (connection_id, order_id, product_id, shop_location_id, kind)`.execute(db);
  } else await rebuildSqlite(db, (ddl) => ddl.replace(OLD, NEW));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from shopsync_pushes where kind = 'return'`.execute(db);
  if (dialectOf(db) === 'postgres') {
    await sql`alter table shopsync_pushes drop constraint shopsync_pushes_line`.execute(db);
    await sql`alter table shopsync_pushes add constraint shopsync_pushes_line
      unique (connection_id, order_id, product_id, shop_location_id)`.execute(db);
  } else
    await rebuildSqlite(db, (ddl) =>
      ddl.replace(
        NEW,
        'constraint "shopsync_pushes_line" unique ("connection_id", "order_id", "product_id", "shop_location_id")',
      ),
    );
  await db.schema.alterTable('shopsync_pushes').dropColumn('kind').execute();
}

/** SQLite's documented table rebuild (as 036 and 066 do): a UNIQUE constraint cannot change in place. */
async function rebuildSqlite(db: Kysely<unknown>, change: (ddl: string) => string) {
  const { rows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = 'shopsync_pushes'`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql ?? '';
  const changed = change(create);
  if (changed === create) throw new Error(`067_shopsync_returns: constraint not found in ${create}`);
  const ddl = changed.replace(
    /^CREATE TABLE\s+"?shopsync_pushes"?/i,
    'CREATE TABLE "shopsync_pushes_rebuild"',
  );
  const indexes = rows.filter((r) => r.type !== 'table' && r.sql).map((r) => r.sql as string);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(ddl).execute(db);
      await sql.raw('insert into "shopsync_pushes_rebuild" select * from "shopsync_pushes"').execute(db);
      await sql.raw('drop table "shopsync_pushes"').execute(db);
      await sql.raw('alter table "shopsync_pushes_rebuild" rename to "shopsync_pushes"').execute(db);
      for (const s of indexes) await sql.raw(s).execute(db);
      const broken = await sql.raw('pragma foreign_key_check("shopsync_pushes")').execute(db);
      if (broken.rows.length) throw new Error('067_shopsync_returns: foreign key check failed');
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
