import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  Kysely,
  type LogEvent,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
import type pg from 'pg';
import { metrics } from '../lib/metrics.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { DB } from './schema.ts';
import { nodeSqliteDialect, openSqlite } from './sqlite-dialect.ts';

export { DataDirLockedError } from './data-dir-lock.ts';

export type DbKind = 'sqlite' | 'postgres';

/** One open database: the Kysely query layer plus the raw handle for the few dialect-specific paths. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DbKind;
  /** Raw node:sqlite handle (bulk loads, FTS maintenance). Only when kind === 'sqlite'. */
  readonly sqlite?: DatabaseSync;
  /** Raw pg pool (LISTEN/NOTIFY, COPY-like bulk loads). Only when kind === 'postgres'. */
  readonly pool?: pg.Pool;
  /** Where the SQLite file lives (backups). */
  readonly file?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate themselves in their own schema). */
  pgSchema?: string;
  /** Hold an exclusive lock on the data directory so two processes never share one SQLite file. */
  lock?: boolean;
  poolSize?: number;
}

function recordQuery(event: LogEvent): void {
  metrics.observeQuery(event.queryDurationMillis / 1000, event.level === 'error');
}

/**
 * The pg driver, loaded on first use: a server on SQLite never needs it, and its 30 modules cost
 * ≈ 50 ms of CPU at every start (docs/PERFORMANCE.md, issue 19 item 6). CommonJS, so `require`
 * keeps openDatabase synchronous.
 */
let pgModule: typeof pg | undefined;
function loadPg(): typeof pg {
  pgModule ??= createRequire(import.meta.url)('pg') as typeof pg;
  return pgModule;
}

let pgTypesConfigured = false;
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  pgTypesConfigured = true;
  const pg = loadPg();
  // Same shapes as SQLite returns: numbers for counts/sums, ISO strings for times.
  pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10)); // int8
  pg.types.setTypeParser(1700, (v) => Number.parseFloat(v)); // numeric
  pg.types.setTypeParser(1184, (v) => new Date(v).toISOString()); // timestamptz
  pg.types.setTypeParser(1114, (v) => new Date(`${v}Z`).toISOString()); // timestamp
}

/** Opens SQLite (DATABASE_URL unset) or PostgreSQL. */
export function openDatabase(opts: OpenOptions): Database {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.pgSchema, opts.poolSize);
  mkdirSync(opts.dataDir, { recursive: true });
  const release = opts.lock ? lockDataDir(opts.dataDir) : () => {};
  const file = join(opts.dataDir, 'comptoir.db');
  const raw = openSqlite(file);
  // SQLITE_CACHE_MB: the page cache of this connection (openSqlite's 64 MiB when unset). A server
  // gets 16 from its start (src/serve/start-flags.ts): pages past the mmap window are read through
  // this cache, which filled to 64 MiB of RSS over a soak (docs/PERFORMANCE.md, Load and soak).
  const cacheMb = Number(process.env.SQLITE_CACHE_MB ?? Number.NaN);
  if (Number.isFinite(cacheMb) && cacheMb >= 0)
    raw.exec(`PRAGMA cache_size = -${Math.floor(cacheMb * 1024)}`);
  const db = new Kysely<DB>({ dialect: nodeSqliteDialect(raw), log: recordQuery });
  return {
    db,
    kind: 'sqlite',
    sqlite: raw,
    file,
    async close() {
      await db.destroy();
      release();
    },
  };
}

function openPostgres(url: string, schema?: string, poolSize = 10): Database {
  configurePgTypes();
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: poolSize,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  const db = new Kysely<DB>({ dialect: new CurrentSchemaPostgresDialect({ pool }), log: recordQuery });
  return {
    db,
    kind: 'postgres',
    pool,
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Kysely's PostgreSQL introspector (used by the migrator) reads every schema of the database and
 * fails with "schema ... does not exist" when another one is dropped meanwhile (several regions or
 * test files sharing one database). Ours looks only at the connection's current schema, which is
 * all the migrator needs.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(this.#db);
    return rows.filter((r) => r.name !== null);
  }
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.#db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  }
  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
