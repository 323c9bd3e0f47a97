import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * The in-process text index on PostgreSQL built once per deployment (src/modules/search/
 * text-index-store.repository.ts, docs/decisions/0011-text-index-in-postgresql.md): the database is
 * what instances share (their DATA_DIRs may differ or be absent), so the built index is stored in
 * it, in the text index file's format, with the snapshot of the transaction that read the
 * documents; a starting instance loads it and re-reads only the documents changed since.
 *
 * - `search_text_changes`: the product of every row written to search_documents, with its writing
 *   transaction's id. Triggers, not the platform's writes: an operator's SQL, an import beside the
 *   server and every instance are all covered. A statement writing more than 20,000 rows (the
 *   index's MAX_DIRTY: past it the index is built again anyway) and a truncate log one product 0:
 *   "everything changed", instead of a million rows during a full rebuild. Statement triggers with
 *   transition tables: one insert per statement, not per row.
 * - `search_text_index_stored`: the stored index's id, the build's snapshot (pg_snapshot: which
 *   transactions it saw — a sequence number cannot say it, transactions commit out of order) and
 *   its size; `search_text_index_parts`: its bytes in parts of a few MB (no 100 MB hex text in one
 *   row read), stored uncompressed (EXTERNAL: compressing 57 MB costs more than reading it).
 *
 * PostgreSQL only (SQLite keeps its index in a file, migration 073). The search module's
 * bookkeeping, written only by these triggers and its repositories: not in src/db/ownership.ts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`create table search_text_changes (
    xid xid8 not null default pg_current_xact_id(),
    product_id integer not null)`.execute(db);
  await sql`create index search_text_changes_xid on search_text_changes (xid)`.execute(db);
  await sql`create table search_text_index_stored (
    id integer primary key check (id = 1),
    index_id text not null,
    snapshot pg_snapshot not null,
    parts integer not null,
    bytes bigint not null,
    stored_at timestamptz not null default now())`.execute(db);
  await sql`create table search_text_index_parts (
    index_id text not null,
    part integer not null,
    bytes bytea not null,
    primary key (index_id, part))`.execute(db);
  await sql`alter table search_text_index_parts alter column bytes set storage external`.execute(db);
  await sql`create function search_text_log_rows() returns trigger language plpgsql as $$
    begin
      if (select count(*) from changed_rows) > 20000 then
        insert into search_text_changes (product_id) values (0);
      else
        insert into search_text_changes (product_id) select product_id from changed_rows;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create function search_text_log_update() returns trigger language plpgsql as $$
    begin
      if (select count(*) from old_rows) > 10000 then
        insert into search_text_changes (product_id) values (0);
      else
        insert into search_text_changes (product_id)
          select product_id from old_rows union select product_id from new_rows;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create function search_text_log_all() returns trigger language plpgsql as $$
    begin
      insert into search_text_changes (product_id) values (0);
      return null;
    end $$`.execute(db);
  await sql`create trigger search_text_documents_insert after insert on search_documents
    referencing new table as changed_rows for each statement execute function search_text_log_rows()`.execute(
    db,
  );
  // An update (never done by the platform: it deletes and inserts) logs its old and new ids.
  await sql`create trigger search_text_documents_update after update on search_documents
    referencing old table as old_rows new table as new_rows
    for each statement execute function search_text_log_update()`.execute(db);
  await sql`create trigger search_text_documents_delete after delete on search_documents
    referencing old table as changed_rows for each statement execute function search_text_log_rows()`.execute(
    db,
  );
  await sql`create trigger search_text_documents_truncate after truncate on search_documents
    for each statement execute function search_text_log_all()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql`drop trigger if exists ${sql.id(`search_text_documents_${t}`)} on search_documents`.execute(db);
  await sql`drop function if exists search_text_log_rows()`.execute(db);
  await sql`drop function if exists search_text_log_update()`.execute(db);
  await sql`drop function if exists search_text_log_all()`.execute(db);
  await sql`drop table if exists search_text_index_parts`.execute(db);
  await sql`drop table if exists search_text_index_stored`.execute(db);
  await sql`drop table if exists search_text_changes`.execute(db);
}
