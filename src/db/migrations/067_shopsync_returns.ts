import { type Kysely, sql } from 'kysely';
import { dialectOf, rebuildSqliteTable, replaceOnce } from './helpers.ts';

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
  } else await rebuildSqliteTable(db, 'shopsync_pushes', (ddl) => replaceOnce(ddl, OLD, NEW));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from shopsync_pushes where kind = 'return'`.execute(db);
  if (dialectOf(db) === 'postgres') {
    await sql`alter table shopsync_pushes drop constraint shopsync_pushes_line`.execute(db);
    await sql`alter table shopsync_pushes add constraint shopsync_pushes_line
      unique (connection_id, order_id, product_id, shop_location_id)`.execute(db);
  } else
    await rebuildSqliteTable(db, 'shopsync_pushes', (ddl) =>
      replaceOnce(
        ddl,
        NEW,
        'constraint "shopsync_pushes_line" unique ("connection_id", "order_id", "product_id", "shop_location_id")',
      ),
    );
  await db.schema.alterTable('shopsync_pushes').dropColumn('kind').execute();
}
