import type { Kysely } from 'kysely';

/**
 * Towns (table `municipalities`, towns module) get their postal areas: Canada Post forward
 * sortation areas ("J9H J9J"), space-separated, imported with `comptoir towns import`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('municipalities')
    .addColumn('postal_prefixes', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('municipalities').dropColumn('postal_prefixes').execute();
}
