import { type Kysely, sql } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Associations and the region's shared tools: membership status, campaigns with promo codes and
 * visit counts, the regional gift card (cards, ledger, participating merchants, failed look-ups).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);

  // An association admin approves, suspends or invites its members; the foundation table had no status.
  await db.schema
    .alterTable('association_members')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('invited', 'active', 'suspended')`),
    )
    .execute();

  await withId(db, db.schema.createTable('campaigns'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    // null = regional campaign (region admins); otherwise the owning association.
    .addColumn('association_id', 'integer', (c) => c.references('associations.id').onDelete('cascade'))
    .addColumn('title_fr', 'text', (c) => c.notNull())
    .addColumn('title_en', 'text', (c) => c.notNull())
    .addColumn('body_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('banner_url', 'text')
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts, (c) => c.notNull())
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', ts, now)
    .addCheckConstraint('campaigns_period', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('campaigns_period').on('campaigns').columns(['starts_at', 'ends_at']).execute();

  await db.schema
    .createTable('campaign_merchants')
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('campaign_merchants_pk', ['campaign_id', 'merchant_id'])
    .execute();
  await db.schema
    .createTable('campaign_products')
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('campaign_products_pk', ['campaign_id', 'product_id'])
    .execute();
  await db.schema
    .createTable('campaign_visits')
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('visits', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('campaign_visits_pk', ['campaign_id', 'day'])
    .execute();

  await withId(db, db.schema.createTable('promo_codes'))
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    // Stored upper-case; unique across the platform so two campaigns never share (overlap on) a code.
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('percent', 'amount')`))
    // percent: 1..100; amount: cents > 0.
    .addColumn('value', 'integer', (c) => c.notNull().check(sql`value > 0`))
    // null = valid at every merchant of the campaign; otherwise only this merchant.
    .addColumn('merchant_id', 'integer', (c) => c.references('merchants.id').onDelete('cascade'))
    .addColumn('min_subtotal_cents', 'integer', (c) =>
      c.notNull().defaultTo(0).check(sql`min_subtotal_cents >= 0`),
    )
    .addColumn('max_uses', 'integer', (c) => c.check(sql`max_uses is null or max_uses > 0`))
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0).check(sql`uses >= 0`))
    .addColumn('created_at', ts, now)
    .addCheckConstraint('promo_percent_range', sql`kind <> 'percent' or value <= 100`)
    .addCheckConstraint('promo_uses_limit', sql`max_uses is null or uses <= max_uses`)
    .execute();

  // Merchants that accept the regional gift card (and are settled for it).
  await db.schema
    .createTable('gift_card_merchants')
    .addColumn('merchant_id', 'integer', (c) => c.primaryKey().references('merchants.id').onDelete('cascade'))
    .addColumn('joined_at', ts, now)
    .execute();

  await withId(db, db.schema.createTable('gift_cards'))
    // SHA-256 of the code; the code itself is shown once to the buyer and never stored.
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('code_last4', 'text', (c) => c.notNull())
    // null = regional card (every participating merchant); else only that association's participating members.
    .addColumn('association_id', 'integer', (c) => c.references('associations.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('pending', 'active', 'cancelled')`),
    )
    .addColumn('paid_cents', 'integer', (c) => c.notNull().check(sql`paid_cents > 0`))
    .addColumn('bonus_cents', 'integer', (c) => c.notNull().defaultTo(0).check(sql`bonus_cents >= 0`))
    .addColumn('paid_balance_cents', 'integer', (c) => c.notNull().check(sql`paid_balance_cents >= 0`))
    .addColumn('bonus_balance_cents', 'integer', (c) => c.notNull().check(sql`bonus_balance_cents >= 0`))
    .addColumn('bonus_expires_at', ts)
    .addColumn('sponsor', 'text')
    .addColumn('buyer_name', 'text')
    .addColumn('buyer_email', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, now)
    .addColumn('activated_at', ts)
    .addCheckConstraint('gift_cards_paid_le', sql`paid_balance_cents <= paid_cents`)
    .addCheckConstraint('gift_cards_bonus_le', sql`bonus_balance_cents <= bonus_cents`)
    .execute();

  await withId(db, db.schema.createTable('gift_card_ledger'))
    .addColumn('card_id', 'integer', (c) => c.notNull().references('gift_cards.id'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('issue', 'activate', 'redeem', 'refund', 'cancel')`),
    )
    // Signed: negative when the card is debited.
    .addColumn('paid_delta_cents', 'integer', (c) => c.notNull())
    .addColumn('bonus_delta_cents', 'integer', (c) => c.notNull())
    .addColumn('merchant_id', 'integer', (c) => c.references('merchants.id'))
    .addColumn('order_ref', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema.createIndex('gift_card_ledger_card').on('gift_card_ledger').column('card_id').execute();
  await db.schema
    .createIndex('gift_card_ledger_merchant')
    .on('gift_card_ledger')
    .columns(['merchant_id', 'created_at'])
    .execute();
  // One redemption and one refund per card and order: a replayed checkout cannot spend twice.
  await db.schema
    .createIndex('gift_card_ledger_once')
    .on('gift_card_ledger')
    .columns(['card_id', 'kind', 'order_ref'])
    .unique()
    .execute();

  // Failed card look-ups (balance page, checkout): logged for brute-force detection and throttling.
  await withId(db, db.schema.createTable('gift_card_attempts'))
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('code_prefix', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, now)
    .execute();
  await db.schema
    .createIndex('gift_card_attempts_ip')
    .on('gift_card_attempts')
    .columns(['ip', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'gift_card_attempts',
    'gift_card_ledger',
    'gift_cards',
    'gift_card_merchants',
    'promo_codes',
    'campaign_visits',
    'campaign_products',
    'campaign_merchants',
    'campaigns',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await db.schema.alterTable('association_members').dropColumn('status').execute();
}
