import type { Kysely } from 'kysely';

/**
 * Scheduled settlement (issue 15): one row per background run of the payments module (`settlement`)
 * holding its lease. Every server process has the timer; only the one whose UPDATE takes an
 * expired lease runs, on SQLite and PostgreSQL alike. A runner that dies frees it when it expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payment_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    // ISO 8601 UTC text (toISOString): compared as text on both databases.
    .addColumn('lease_until', 'text', (c) => c.notNull())
    .addColumn('last_run_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payment_runs').ifExists().execute();
}
