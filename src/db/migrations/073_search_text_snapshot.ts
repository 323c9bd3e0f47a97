import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Text index file (src/modules/search/text-index-file.ts): a server loads the in-process text
 * index from `search-text.index` in the data directory instead of building it for 30 s at 1M
 * products. Like the facts snapshot (migration 072), it is valid only if the database recorded it
 * (`search_text_snapshot`, its id and the change-log mark it was built at) and the log still holds
 * every product changed since that mark: those are the index's dirty documents on load.
 * A document's text can change without any fact changing (a title, a category renamed), so these
 * triggers log the product of every row written to search_documents into the same log.
 * SQLite only, as 072 (PostgreSQL has no in-process text index).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await sql`create table search_text_snapshot (
    id integer primary key check (id = 1),
    snapshot_id text not null,
    seq integer not null)`.execute(db);
  const ins = (id: string) => `insert into search_fact_changes (product_id) select ${id};`;
  const log = (name: string, on: string, body: string[]) =>
    sql.raw(`create trigger ${name} after ${on} for each row begin ${body.join(' ')} end`).execute(db);
  await log('search_text_documents_insert', 'insert on search_documents', [ins('new.product_id')]);
  await log('search_text_documents_update', 'update on search_documents', [
    ins('old.product_id'),
    `insert into search_fact_changes (product_id) select new.product_id where new.product_id <> old.product_id;`,
  ]);
  await log('search_text_documents_delete', 'delete on search_documents', [ins('old.product_id')]);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  for (const t of ['insert', 'update', 'delete'])
    await sql.raw(`drop trigger if exists search_text_documents_${t}`).execute(db);
  await sql`drop table if exists search_text_snapshot`.execute(db);
}
