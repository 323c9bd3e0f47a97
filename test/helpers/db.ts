import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/** Which database the suite runs on: DATABASE_URL set = PostgreSQL, else embedded SQLite. */
export const TEST_DB_KIND = process.env.DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestDatabase {
  database: Database;
  /** SQLite: the data directory; PostgreSQL: the schema name. */
  dataDir: string;
  pgSchema?: string;
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
  return {
    database,
    dataDir,
    pgSchema,
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
