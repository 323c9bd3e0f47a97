import type { Kysely } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/** Merchant webhooks and their delivery queue (attempts, exponential backoff). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);
  await withId(db, db.schema.createTable('webhooks'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events_json', 'text', (c) => c.notNull().defaultTo('[]'))
    // HMAC key; shown once at creation, kept to sign deliveries.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema.createIndex('webhooks_merchant').on('webhooks').column('merchant_id').execute();

  await withId(db, db.schema.createTable('webhook_deliveries'))
    .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull().unique())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, now)
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', ts, now)
    .addColumn('delivered_at', ts)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhooks').ifExists().execute();
}
