import type { Kysely } from 'kysely';
import { nowDefault, tsType } from './helpers.ts';

/** A customer's favourite merchants (account page). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('favourite_merchants')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('created_at', tsType(db), nowDefault(db))
    .addPrimaryKeyConstraint('favourite_merchants_pk', ['user_id', 'merchant_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('favourite_merchants').execute();
}
