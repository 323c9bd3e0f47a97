import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Cold start of the search (issue 19, item 6): the server keeps a snapshot of the catalogue facts
 * (src/modules/search/snapshot.ts) and, on start, must know which products changed since it was
 * written, whoever wrote them (a service, an import, an operator command beside the server). These
 * triggers log the id of every product whose facts or stock rows change, in commit order
 * (AUTOINCREMENT: a sequence number is never reused, even after the log is emptied);
 * `search_fact_snapshot` names the snapshot the log is kept for, so a snapshot from another
 * history (a restored backup) is refused. SQLite only: see docs/PERFORMANCE.md, issue 19, for why
 * PostgreSQL keeps rebuilding its facts from the tables.
 * Both tables are the search module's bookkeeping, written only by these triggers and by
 * memory.repository.ts; they are not in src/db/ownership.ts, whose tables exist on both databases.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await sql`create table search_fact_changes (
    seq integer primary key autoincrement,
    product_id integer not null)`.execute(db);
  await sql`create table search_fact_snapshot (
    id integer primary key check (id = 1),
    snapshot_id text not null,
    seq integer not null)`.execute(db);
  const ins = (id: string, when = '') =>
    `insert into search_fact_changes (product_id) select ${id}${when ? ` where ${when}` : ''};`;
  const log = (name: string, on: string, body: string[]) =>
    sql.raw(`create trigger ${name} after ${on} for each row begin ${body.join(' ')} end`).execute(db);
  const facts = 'id, merchant_id, category_id, quebec_label, price_cents, gtin, status, parent_id';
  await log('search_fact_products_insert', 'insert on products', [ins('new.id')]);
  await log('search_fact_products_update', `update of ${facts} on products`, [
    ins('old.id'),
    ins('new.id', 'new.id <> old.id'),
  ]);
  await log('search_fact_products_delete', 'delete on products', [ins('old.id')]);
  await log('search_fact_stock_insert', 'insert on inventory_levels', [ins('new.product_id')]);
  await log(
    'search_fact_stock_update',
    'update of product_id, location_id, on_hand, reserved on inventory_levels',
    [ins('old.product_id'), ins('new.product_id', 'new.product_id <> old.product_id')],
  );
  await log('search_fact_stock_delete', 'delete on inventory_levels', [ins('old.product_id')]);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  for (const t of [
    'products_insert',
    'products_update',
    'products_delete',
    'stock_insert',
    'stock_update',
    'stock_delete',
  ])
    await sql.raw(`drop trigger if exists search_fact_${t}`).execute(db);
  await sql`drop table if exists search_fact_snapshot`.execute(db);
  await sql`drop table if exists search_fact_changes`.execute(db);
}
