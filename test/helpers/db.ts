import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { type OwnedTable, tableOwners } from '../../src/db/ownership.ts';
import type { DB } from '../../src/db/schema.ts';

/** How many rows `table` holds (tests checking that nothing was created). */
export async function rowCount(db: Kysely<DB>, table: keyof DB): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Tables requests touch without changing anything a role protects (sessions, counters, the search
 * index, carts of anonymous visitors): left out of databaseDigest.
 */
const BOOKKEEPING = new Set<OwnedTable>([
  'sessions',
  'login_failures',
  'rate_limits',
  'idempotency_keys',
  'outbox',
  'search_documents',
  'search_vocab',
  'search_fts',
  'image_fetches',
  'carts',
  'cart_items',
  'campaign_visits',
]);

/** A digest of every row of every protected table: equal before and after = a refused request changed nothing. */
export async function databaseDigest(db: Kysely<DB>): Promise<string> {
  const hash = createHash('sha256');
  for (const table of Object.keys(tableOwners) as OwnedTable[]) {
    if (BOOKKEEPING.has(table)) continue;
    const rows = await db
      .selectFrom(table as never)
      .selectAll()
      .execute();
    hash.update(
      `${table}\n${rows
        .map((r) => JSON.stringify(r))
        .sort()
        .join('\n')}\n`,
    );
  }
  return hash.digest('hex');
}

/** Which database the suite runs on: DATABASE_URL set = PostgreSQL, else embedded SQLite. */
export const TEST_DB_KIND = process.env.DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestDatabase {
  database: Database;
  /** SQLite: the data directory; PostgreSQL: the schema name. */
  dataDir: string;
  pgSchema?: string;
  /** Environment for a child process (CLI, server) that must use this same database. */
  childEnv: Record<string, string>;
  /** Opens another connection to the same data (a second server instance, a restart). */
  reopen(): Database;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a temporary SQLite file, or a private
 * PostgreSQL schema dropped afterwards. The same tests run on both.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'comptoir-test-'));
  const url = process.env.DATABASE_URL;
  let pgSchema: string | undefined;
  if (url) {
    pgSchema = `t_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema ${pgSchema}`);
    await c.end();
  }
  const open = () => openDatabase({ databaseUrl: url, dataDir, pgSchema, poolSize: 12 });
  const database = open();
  if (opts.migrate !== false) await migrateToLatest(database.db as never);
  const childEnv: Record<string, string> = { DATA_DIR: dataDir };
  if (url && pgSchema) childEnv.DATABASE_URL = pgUrlForSchema(url, pgSchema);
  return {
    database,
    dataDir,
    pgSchema,
    childEnv,
    reopen: open,
    async cleanup() {
      await database.close().catch(() => {});
      if (url && pgSchema) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop schema if exists ${pgSchema} cascade`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A DATABASE_URL whose connections use the given schema (libpq `options`). */
export function pgUrlForSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}
