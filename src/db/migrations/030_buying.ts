import { type Kysely, sql } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/** Buying: carts, checkouts, stock reservations, orders with their history, merchant payment settings. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);

  await withId(db, db.schema.createTable('carts'))
    // SHA-256 of the cart token; the token itself is only ever in the customer's hands.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .execute();

  await withId(db, db.schema.createTable('cart_items'))
    .addColumn('cart_id', 'integer', (c) => c.notNull().references('carts.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id').onDelete('cascade'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity between 1 and 999`))
    .addColumn('created_at', ts, now)
    .addUniqueConstraint('cart_items_line', ['cart_id', 'product_id', 'location_id'])
    .execute();

  await withId(db, db.schema.createTable('checkouts'))
    .addColumn('cart_id', 'integer', (c) => c.notNull().references('carts.id').onDelete('cascade'))
    // The Idempotency-Key of the request that created it: a rerun after a crash finds it.
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('reserved', 'authorized', 'confirmed', 'failed', 'expired')`),
    )
    .addColumn('payment_method', 'text', (c) => c.notNull())
    .addColumn('payment_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('customer_json', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('fr'))
    .addColumn('total_cents', 'integer', (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('checkouts_cart_key', ['cart_id', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('checkouts_status_expiry')
    .on('checkouts')
    .columns(['status', 'expires_at'])
    .execute();

  await withId(db, db.schema.createTable('reservations'))
    .addColumn('checkout_id', 'integer', (c) => c.notNull().references('checkouts.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id'))
    .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    // held: counted in inventory_levels.reserved for a checkout in progress; committed: now an order line's;
    // released: returned to stock.
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('held').check(sql`status in ('held', 'committed', 'released')`),
    )
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema.createIndex('reservations_checkout').on('reservations').column('checkout_id').execute();

  await withId(db, db.schema.createTable('orders'))
    .addColumn('checkout_id', 'integer', (c) => c.notNull().references('checkouts.id'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('placed')
        .check(sql`status in ('placed', 'accepted', 'ready', 'completed', 'cancelled')`),
    )
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('customer_email', 'text', (c) => c.notNull())
    .addColumn('customer_phone', 'text')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('fr'))
    .addColumn('fulfilment_method', 'text', (c) =>
      c.notNull().check(sql`fulfilment_method in ('pickup', 'delivery')`),
    )
    .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
    .addColumn('delivery_address_json', 'text')
    .addColumn('subtotal_cents', 'integer', (c) => c.notNull())
    .addColumn('delivery_fee_cents', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('taxable_cents', 'integer', (c) => c.notNull())
    .addColumn('gst_cents', 'integer', (c) => c.notNull())
    .addColumn('qst_cents', 'integer', (c) => c.notNull())
    .addColumn('total_cents', 'integer', (c) => c.notNull())
    .addColumn('payment_method', 'text', (c) => c.notNull())
    .addColumn('payment_status', 'text', (c) => c.notNull().defaultTo('due'))
    .addColumn('payment_reference', 'text')
    // SHA-256 of the order's access token (customer tracking link and API).
    .addColumn('access_token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addCheckConstraint(
      'orders_totals_add_up',
      sql`total_cents = subtotal_cents + delivery_fee_cents + gst_cents + qst_cents`,
    )
    .execute();
  await db.schema
    .createIndex('orders_merchant_status')
    .on('orders')
    .columns(['merchant_id', 'status'])
    .execute();
  await db.schema.createIndex('orders_checkout').on('orders').column('checkout_id').execute();
  await db.schema.createIndex('orders_user').on('orders').column('user_id').execute();

  await withId(db, db.schema.createTable('order_lines'))
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id'))
    .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('tax_class', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
    .addColumn('line_total_cents', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_lines_order').on('order_lines').column('order_id').execute();
  await db.schema
    .createIndex('order_lines_product')
    .on('order_lines')
    .columns(['product_id', 'location_id'])
    .execute();

  await withId(db, db.schema.createTable('order_events'))
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    // 'customer', 'merchant:<id>', 'api_key:<id>', 'user:<id>', 'system'
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema.createIndex('order_events_order').on('order_events').column('order_id').execute();

  await db.schema
    .createTable('merchant_payment_settings')
    .addColumn('merchant_id', 'integer', (c) => c.primaryKey().references('merchants.id').onDelete('cascade'))
    .addColumn('stripe_account_id', 'text')
    .addColumn('card_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', ts, now)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'merchant_payment_settings',
    'order_events',
    'order_lines',
    'orders',
    'reservations',
    'checkouts',
    'cart_items',
    'carts',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
