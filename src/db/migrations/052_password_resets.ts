import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Forgotten-password reset tokens: single use, 1 hour. Only the SHA-256 of the emailed token is
 * kept, so a database leak gives no usable link.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  await withId(db, db.schema.createTable('password_resets'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, nowDefault(db))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .execute();
  await db.schema.createIndex('password_resets_user').on('password_resets').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_resets').ifExists().execute();
}
