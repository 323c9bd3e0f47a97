import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Every `NNN_name.ts` file in src/db/migrations, in name order. Modules own number ranges
 * (see docs/ARCHITECTURE.md) so parallel work never renumbers another module's migration.
 */
class DirectoryProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(migrationsDir)
      .filter((f) => /^\d{3}_[\w-]+\.ts$/.test(f))
      .sort();
    const out: Record<string, Migration> = {};
    for (const f of files) {
      out[f.replace(/\.ts$/, '')] = (await import(pathToFileURL(migrationsDir + f).href)) as Migration;
    }
    return out;
  }
}

/** Applies pending migrations; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
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
  const migrator = await createMigrator(db);
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

/**
 * On PostgreSQL the bookkeeping tables live in the connection's current schema: Kysely's
 * introspection otherwise finds another schema's tables (tests run one schema per file).
 */
async function createMigrator(db: Kysely<unknown>): Promise<Migrator> {
  const isSqlite = db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
  // Modules own number ranges (ARCHITECTURE.md), so a lower-numbered migration can land after a
  // higher one has run; Kysely applies it instead of refusing the "out of order" set.
  const base = { db, provider: new DirectoryProvider(), allowUnorderedMigrations: true };
  if (isSqlite) return new Migrator(base);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({ ...base, migrationTableSchema: rows[0].schema });
}
