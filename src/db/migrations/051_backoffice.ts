import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/** Staff invitations sent by merchant owners (single use, expiring; only the token hash is kept). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  await withId(db, db.schema.createTable('staff_invitations'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', ts, nowDefault(db))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('accepted_at', ts)
    .execute();
  await db.schema
    .createIndex('staff_invitations_merchant')
    .on('staff_invitations')
    .column('merchant_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('staff_invitations').ifExists().execute();
}
