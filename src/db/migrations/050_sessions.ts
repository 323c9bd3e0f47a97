import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/** Browser sessions (only the SHA-256 of the cookie token is stored) and failed logins (per-account throttling). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ts, nowDefault(db))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, nowDefault(db))
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await withId(db, db.schema.createTable('login_failures'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('created_at', ts, nowDefault(db))
    .execute();
  await db.schema
    .createIndex('login_failures_email')
    .on('login_failures')
    .columns(['email', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_failures').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}
