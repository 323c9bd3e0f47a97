import { type Kysely, sql } from 'kysely';
import { dialectOf, nowDefault, realType, tsType, withId } from './helpers.ts';

/** Foundation schema: region, associations, merchants, locations, catalogue, inventory, accounts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);
  const real = realType(db);
  const pg = dialectOf(db) === 'postgres';

  await db.schema
    .createTable('region_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tagline_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tagline_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('welcome_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('welcome_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('center_lat', real, (c) => c.notNull())
    .addColumn('center_lng', real, (c) => c.notNull())
    .addColumn('bounds_json', 'text', (c) => c.notNull().defaultTo('null'))
    .addColumn('primary_color', 'text', (c) => c.notNull().defaultTo('#1d4f91'))
    .addColumn('accent_color', 'text', (c) => c.notNull().defaultTo('#b3261e'))
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('America/Toronto'))
    .addColumn('updated_at', ts, now)
    .execute();

  await withId(db, db.schema.createTable('municipalities'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('lat', real, (c) => c.notNull())
    .addColumn('lng', real, (c) => c.notNull())
    .addColumn('spread_km', real, (c) => c.notNull().defaultTo(3))
    .execute();

  await withId(db, db.schema.createTable('associations'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('short_name', 'text', (c) => c.notNull())
    .addColumn('description_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('municipalities_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('territory_geojson', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('primary_color', 'text', (c) => c.notNull().defaultTo('#1d4f91'))
    .addColumn('accent_color', 'text', (c) => c.notNull().defaultTo('#ffffff'))
    .addColumn('website', 'text')
    .addColumn('center_lat', real)
    .addColumn('center_lng', real)
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .execute();

  await withId(db, db.schema.createTable('categories'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name_fr', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withId(db, db.schema.createTable('merchants'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('legal_name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('neq', 'text')
    .addColumn('gst_number', 'text')
    .addColumn('qst_number', 'text')
    .addColumn('description_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('website', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'suspended')`),
    )
    .addColumn('approved_at', ts)
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .execute();
  await db.schema.createIndex('merchants_status').on('merchants').column('status').execute();

  await db.schema
    .createTable('merchant_categories')
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id'))
    .addPrimaryKeyConstraint('merchant_categories_pk', ['merchant_id', 'category_id'])
    .execute();

  await db.schema
    .createTable('association_members')
    .addColumn('association_id', 'integer', (c) =>
      c.notNull().references('associations.id').onDelete('cascade'),
    )
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('joined_at', ts, now)
    .addPrimaryKeyConstraint('association_members_pk', ['association_id', 'merchant_id'])
    .execute();
  await db.schema
    .createIndex('association_members_merchant')
    .on('association_members')
    .column('merchant_id')
    .execute();

  await withId(db, db.schema.createTable('locations'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address_line', 'text', (c) => c.notNull())
    .addColumn('municipality', 'text', (c) => c.notNull())
    .addColumn('postal_code', 'text')
    .addColumn('lat', real, (c) => c.notNull().check(sql`lat between -90 and 90`))
    .addColumn('lng', real, (c) => c.notNull().check(sql`lng between -180 and 180`))
    .addColumn('phone', 'text')
    // {"mon":[["09:00","17:00"]], ...}; local time of the region's timezone.
    .addColumn('hours_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('pickup', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('delivery_radius_km', real, (c) =>
      c.notNull().defaultTo(0).check(sql`delivery_radius_km >= 0`),
    )
    .addColumn('delivery_fee_cents', 'integer', (c) =>
      c.notNull().defaultTo(0).check(sql`delivery_fee_cents >= 0`),
    )
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('locations_merchant_code', ['merchant_id', 'code'])
    .execute();
  await db.schema.createIndex('locations_lat_lng').on('locations').columns(['lat', 'lng']).execute();

  await withId(db, db.schema.createTable('products'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('title_fr', 'text', (c) => c.notNull())
    .addColumn('title_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_fr', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('brand', 'text')
    .addColumn('gtin', 'text')
    .addColumn('price_cents', 'integer', (c) => c.notNull().check(sql`price_cents >= 0`))
    .addColumn('tax_class', 'text', (c) =>
      c.notNull().defaultTo('standard').check(sql`tax_class in ('standard', 'zero_rated', 'exempt')`),
    )
    .addColumn('quebec_label', 'text', (c) =>
      c.check(
        sql`quebec_label is null or quebec_label in ('aliments_du_quebec', 'aliments_prepares_au_quebec', 'produit_du_quebec', 'fabrique_au_quebec', 'concu_au_quebec')`,
      ),
    )
    // A label is a claim: who declared it ('merchant', 'operator', 'import') and whether an operator verified it.
    .addColumn('quebec_label_declared_by', 'text')
    .addColumn('quebec_label_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quebec_label_verified_at', ts)
    .addColumn('images_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('active', 'archived')`),
    )
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('products_merchant_sku', ['merchant_id', 'sku'])
    .execute();
  await db.schema.createIndex('products_gtin').on('products').column('gtin').execute();
  await db.schema.createIndex('products_category').on('products').column('category_id').execute();

  await db.schema
    .createTable('inventory_levels')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id').onDelete('cascade'))
    .addColumn('on_hand', 'integer', (c) => c.notNull().defaultTo(0).check(sql`on_hand >= 0`))
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    .addColumn('updated_at', ts, now)
    .addPrimaryKeyConstraint('inventory_levels_pk', ['product_id', 'location_id'])
    // available = on_hand - reserved is never negative: the database refuses it, not only the code.
    .addCheckConstraint('inventory_available_not_negative', sql`on_hand - reserved >= 0`)
    .execute();
  await db.schema.createIndex('inventory_location').on('inventory_levels').column('location_id').execute();

  await withId(db, db.schema.createTable('users'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('fr').check(sql`locale in ('fr', 'en')`))
    .addColumn('email_verified_at', ts)
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .execute();

  await withId(db, db.schema.createTable('user_roles'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`role in ('customer', 'merchant_owner', 'merchant_staff', 'association_admin', 'region_admin')`,
        ),
    )
    .addColumn('merchant_id', 'integer', (c) => c.references('merchants.id').onDelete('cascade'))
    .addColumn('association_id', 'integer', (c) => c.references('associations.id').onDelete('cascade'))
    .addColumn('created_at', ts, now)
    .addCheckConstraint(
      'user_roles_scope',
      sql`(role in ('merchant_owner', 'merchant_staff') and merchant_id is not null) or (role = 'association_admin' and association_id is not null) or (role in ('customer', 'region_admin'))`,
    )
    .execute();
  await db.schema.createIndex('user_roles_user').on('user_roles').column('user_id').execute();

  await withId(db, db.schema.createTable('api_keys'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // First characters of the key, shown in the back-office to tell keys apart; the key itself is never stored.
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, now)
    .addColumn('last_used_at', ts)
    .addColumn('revoked_at', ts)
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', ts, now)
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();

  if (pg) {
    // Search support on PostgreSQL when this migration was written; nothing in src/ uses them now.
    // Optional: a role that may not create extensions still migrates; the statements stay as applied.
    await sql`create extension if not exists unaccent schema public`.execute(db).catch(() => {});
    await sql`create extension if not exists pg_trgm schema public`.execute(db).catch(() => {});
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'idempotency_keys',
    'api_keys',
    'user_roles',
    'users',
    'inventory_levels',
    'products',
    'locations',
    'association_members',
    'merchant_categories',
    'merchants',
    'categories',
    'associations',
    'municipalities',
    'region_settings',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
