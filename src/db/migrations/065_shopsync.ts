import { type Kysely, sql } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Shop sync (issue 17): a merchant's connection to their Shopify shop (token and webhook secret
 * encrypted at rest), which Shopify variant became which product, webhook deliveries already
 * applied (de-duplication), stock adjustments owed to the shop for Comptoir orders, and a log the
 * operator can read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);
  await withId(db, db.schema.createTable('shopsync_connections'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('shopify')`))
    .addColumn('shop_domain', 'text', (c) => c.notNull())
    // AES-256-GCM with SHOP_TOKEN_KEY: `v1:iv:tag:ciphertext` (base64 parts).
    .addColumn('token_enc', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'paused', 'reconnect_needed', 'disconnected')`),
    )
    .addColumn('sync_state', 'text', (c) =>
      c.notNull().defaultTo('idle').check(sql`sync_state in ('idle', 'running', 'done', 'failed')`),
    )
    // The products page to resume from (GraphQL endCursor); null = from the start.
    .addColumn('cursor', 'text')
    .addColumn('sync_started_at', ts)
    .addColumn('last_sync_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('products_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('variants_done', 'integer', (c) => c.notNull().defaultTo(0))
    // {"gid://shopify/Location/1": <locations.id>} — the shop's locations the merchant maps to stores.
    .addColumn('location_map_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('shopsync_connections_merchant', ['merchant_id', 'provider'])
    .execute();
  await withId(db, db.schema.createTable('shopsync_items'))
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('shopsync_connections.id').onDelete('cascade'),
    )
    .addColumn('merchant_id', 'integer', (c) => c.notNull())
    .addColumn('shop_product_id', 'text', (c) => c.notNull())
    .addColumn('shop_variant_id', 'text', (c) => c.notNull())
    .addColumn('inventory_item_id', 'text')
    .addColumn('product_id', 'integer', (c) => c.references('products.id').onDelete('set null'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    // A per-product problem (`sku_collision`, an import row error code), null when synced.
    .addColumn('error_code', 'text')
    .addColumn('error_detail', 'text')
    .addColumn('seen_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('shopsync_items_variant', ['connection_id', 'shop_variant_id'])
    .execute();
  await db.schema.createIndex('shopsync_items_product').on('shopsync_items').column('product_id').execute();
  await db.schema
    .createIndex('shopsync_items_inventory')
    .on('shopsync_items')
    .columns(['connection_id', 'inventory_item_id'])
    .execute();
  await db.schema
    .createIndex('shopsync_items_shop_product')
    .on('shopsync_items')
    .columns(['connection_id', 'shop_product_id'])
    .execute();
  await db.schema
    .createTable('shopsync_receipts')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('shopsync_connections.id').onDelete('cascade'),
    )
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('received_at', ts, now)
    .addPrimaryKeyConstraint('shopsync_receipts_pk', ['connection_id', 'webhook_id'])
    .execute();
  await withId(db, db.schema.createTable('shopsync_pushes'))
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('shopsync_connections.id').onDelete('cascade'),
    )
    .addColumn('order_id', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'integer', (c) => c.notNull())
    .addColumn('inventory_item_id', 'text', (c) => c.notNull())
    .addColumn('shop_location_id', 'text', (c) => c.notNull())
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'done', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, now)
    .addColumn('last_error', 'text')
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('shopsync_pushes_line', [
      'connection_id',
      'order_id',
      'product_id',
      'shop_location_id',
    ])
    .execute();
  await db.schema
    .createIndex('shopsync_pushes_due')
    .on('shopsync_pushes')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await withId(db, db.schema.createTable('shopsync_log'))
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('shopsync_connections.id').onDelete('cascade'),
    )
    .addColumn('merchant_id', 'integer', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('info', 'warn', 'error')`))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema
    .createIndex('shopsync_log_connection')
    .on('shopsync_log')
    .columns(['connection_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'shopsync_log',
    'shopsync_pushes',
    'shopsync_receipts',
    'shopsync_items',
    'shopsync_connections',
  ])
    await db.schema.dropTable(t).ifExists().execute();
}
