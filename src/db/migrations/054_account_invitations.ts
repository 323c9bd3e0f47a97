import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Account invitations sent by region admins (operators) and by `comptoir merchant create --email`
 * (merchant owners): single use, 7 days, only the SHA-256 of the emailed token is kept. The role is
 * granted when the invitation is accepted, never before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  await withId(db, db.schema.createTable('account_invitations'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('association_id', 'integer', (c) => c.references('associations.id').onDelete('cascade'))
    .addColumn('merchant_id', 'integer', (c) => c.references('merchants.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('fr'))
    .addColumn('created_at', ts, nowDefault(db))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('accepted_at', ts)
    .addColumn('revoked_at', ts)
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('account_invitations_email')
    .on('account_invitations')
    .column('email')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('account_invitations').ifExists().execute();
}
