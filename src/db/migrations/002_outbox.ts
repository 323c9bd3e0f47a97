import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/** Every email the platform sends is kept in an outbox (viewable by operators in development). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('outbox'))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('fr'))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('generic'))
    .addColumn('created_at', tsType(db), nowDefault(db))
    .addColumn('sent_at', tsType(db))
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
}
