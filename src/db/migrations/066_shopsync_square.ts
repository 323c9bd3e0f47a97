import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

/**
 * Shop sync, Square (issue 17): a connection's provider may be `square`; a Square connection keeps
 * its environment (sandbox or production) and the catalogue time it last caught up to (the
 * `latest_time` of SearchCatalogObjects, the next `begin_time`).
 */
const OLD = "provider in ('shopify')";
const NEW = "provider in ('shopify', 'square')";

export async function up(db: Kysely<unknown>): Promise<void> {
  await setProviderCheck(db, OLD, NEW);
  await db.schema
    .alterTable('shopsync_connections')
    .addColumn('environment', 'text', (c) => c.check(sql`environment in ('sandbox', 'production')`))
    .execute();
  await db.schema.alterTable('shopsync_connections').addColumn('catalog_version_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from shopsync_connections where provider = 'square'`.execute(db);
  await db.schema.alterTable('shopsync_connections').dropColumn('catalog_version_at').execute();
  await db.schema.alterTable('shopsync_connections').dropColumn('environment').execute();
  await setProviderCheck(db, NEW, OLD);
}

async function setProviderCheck(db: Kysely<unknown>, from: string, to: string) {
  if (dialectOf(db) === 'postgres') {
    await sql`alter table shopsync_connections drop constraint shopsync_connections_provider_check`.execute(
      db,
    );
    await sql
      .raw(
        `alter table shopsync_connections add constraint shopsync_connections_provider_check check (${to})`,
      )
      .execute(db);
    return;
  }
  // SQLite cannot change a CHECK in place: SQLite's documented rebuild (as 036 does), foreign keys
  // off so the items, receipts, pushes and log rows referencing the table are kept.
  const { rows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = 'shopsync_connections'`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql ?? '';
  if (create.split(from).length !== 2)
    throw new Error(`066_shopsync_square: expected one ${from} in ${create}`);
  const ddl = create
    .replace(from, to)
    .replace(/^CREATE TABLE\s+"?shopsync_connections"?/i, 'CREATE TABLE "shopsync_connections_rebuild"');
  const indexes = rows.filter((r) => r.type !== 'table' && r.sql).map((r) => r.sql as string);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(ddl).execute(db);
      await sql
        .raw('insert into "shopsync_connections_rebuild" select * from "shopsync_connections"')
        .execute(db);
      await sql.raw('drop table "shopsync_connections"').execute(db);
      await sql
        .raw('alter table "shopsync_connections_rebuild" rename to "shopsync_connections"')
        .execute(db);
      for (const s of indexes) await sql.raw(s).execute(db);
      const broken = await sql.raw('pragma foreign_key_check("shopsync_connections")').execute(db);
      if (broken.rows.length) throw new Error('066_shopsync_square: foreign key check failed');
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
