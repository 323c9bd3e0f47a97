import { type Kysely, sql } from 'kysely';
import { dialectOf, rebuildSqliteTable, replaceOnce } from './helpers.ts';

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
  // SQLite cannot change a CHECK in place: SQLite's documented rebuild, foreign keys off so the
  // items, receipts, pushes and log rows referencing the table are kept.
  await rebuildSqliteTable(db, 'shopsync_connections', (ddl) => replaceOnce(ddl, from, to));
}
