import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_FILE = /^\d{3}_[\w-]+\.ts$/;

let names: string[] | undefined;
/** The migration files' names without `.ts`, in name order (read once: a deployment restarts). */
function migrationNames(): string[] {
  names ??= readdirSync(migrationsDir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => f.replace(/\.ts$/, ''));
  return names;
}

/**
 * Every `NNN_name.ts` file in src/db/migrations, in name order. Modules own number ranges
 * (see docs/ARCHITECTURE.md) so parallel work never renumbers another module's migration.
 */
class DirectoryProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of migrationNames()) {
      out[name] = (await import(pathToFileURL(`${migrationsDir}${name}.ts`).href)) as Migration;
    }
    return out;
  }
}

/**
 * True when the database records exactly the migrations there are files for: then there is
 * nothing to apply, and a server's start skips importing every migration module and Kysely's
 * locking (≈ 0.1 s of CPU at each start; docs/PERFORMANCE.md, issue 19). Anything else (no
 * bookkeeping table yet, a file not applied, a name recorded by newer code) goes through Kysely.
 */
async function recordedUpToDate(db: Kysely<unknown>): Promise<boolean> {
  const table = sql.table(isSqlite(db) ? 'kysely_migration' : `${await currentSchema(db)}.kysely_migration`);
  let rows: { name: string }[];
  try {
    ({ rows } = await sql<{ name: string }>`select name from ${table}`.execute(db));
  } catch {
    // No bookkeeping table yet (a new database); any other failure recurs in Kysely's migrator, which reports it.
    return false;
  }
  const files = migrationNames();
  const recorded = new Set(rows.map((r) => r.name));
  return recorded.size === files.length && files.every((f) => recorded.has(f));
}

/** Applies pending migrations; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  if (await recordedUpToDate(db)) return [];
  const migrator = await createMigrator(db);
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const msg = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${msg}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsApplied(db: Kysely<unknown>): Promise<boolean> {
  if (await recordedUpToDate(db)) return true;
  const migrator = await createMigrator(db);
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

/**
 * On PostgreSQL the bookkeeping tables live in the connection's current schema: Kysely's
 * introspection otherwise finds another schema's tables (tests run one schema per file).
 */
async function createMigrator(db: Kysely<unknown>): Promise<Migrator> {
  // Modules own number ranges (ARCHITECTURE.md), so a lower-numbered migration can land after a
  // higher one has run; Kysely applies it instead of refusing the "out of order" set.
  const base = { db, provider: new DirectoryProvider(), allowUnorderedMigrations: true };
  if (isSqlite(db)) return new Migrator(base);
  return new Migrator({ ...base, migrationTableSchema: await currentSchema(db) });
}

const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter.constructor.name.startsWith('Sqlite');

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0].schema;
}
