/**
 * SQL of discovery (suggestions, the merchant directory, a product's offers elsewhere) and of the
 * public pages built on the same read model (home showcase, sitemap, store contacts). Search reads
 * products, merchants, locations and inventory_levels here as a declared read model
 * (src/db/ownership.ts) and never writes them.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DbKind } from '../../db/database.ts';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';
import './search.tables.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** Titles of up to 40 active products whose title matches the expression (SQLite FTS5 or tsquery). */
export async function titleMatches(
  db: Q,
  kind: DbKind,
  expr: string,
): Promise<{ title_fr: string; title_en: string }[]> {
  const r =
    kind === 'sqlite'
      ? await sql<{ title_fr: string; title_en: string }>`select p.title_fr, p.title_en
          from (select rowid as id from search_fts where search_fts match ${expr} limit 40) h
          join products p on p.id = h.id where p.status = 'active'`.execute(db)
      : // No order inside: ordered by product id, PostgreSQL walks the ids checking each document
        // until 40 match (7.7 s on 1M products for a prefix matching nothing); like SQLite, take
        // the first 40 hits of the text index.
        await sql<{ title_fr: string; title_en: string }>`select p.title_fr, p.title_en
          from (select d.product_id as id from search_documents d, to_tsquery('simple', ${expr}) q
                where d.tsv @@ q limit 40) h
          join products p on p.id = h.id where p.status = 'active' order by h.id`.execute(db);
  return r.rows;
}

/** The directory's rows: approved merchants' locations, every merchant's categories, and (with words) their descriptions. */
export function directoryRows(db: Q, withDescriptions: boolean) {
  return Promise.all([
    db
      .selectFrom('locations as l')
      .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
      .select([
        'l.id',
        'l.merchant_id',
        'l.name',
        'l.address_line',
        'l.municipality',
        'l.lat',
        'l.lng',
        'l.hours_json',
        'l.pickup',
        'l.delivery_radius_km',
      ])
      .where('m.status', '=', 'approved')
      .execute(),
    db.selectFrom('merchant_categories').select(['merchant_id', 'category_id']).execute(),
    withDescriptions
      ? db
          .selectFrom('merchants')
          .select(['id', 'description_fr', 'description_en'])
          .where('status', '=', 'approved')
          .execute()
      : Promise.resolve([]),
  ] as const);
}

/** Offers of the same GTIN at other approved merchants: each location with its stock row (if any). */
export function sameGtinOffers(db: Q, gtin: string, exceptProductId: number) {
  return sameGtinQuery(db, gtin, exceptProductId);
}
const sameGtinQuery = preparedQuery((db: Q, gtin: string, exceptProductId: number) =>
  db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .innerJoin('locations as l', 'l.merchant_id', 'p.merchant_id')
    .leftJoin('inventory_levels as i', (j) =>
      j.onRef('i.product_id', '=', 'p.id').onRef('i.location_id', '=', 'l.id'),
    )
    .select([
      'p.id as product_id',
      'p.price_cents',
      'm.id as merchant_id',
      'm.slug',
      'm.display_name',
      'l.id as location_id',
      'l.name',
      'l.address_line',
      'l.municipality',
      'l.lat',
      'l.lng',
      'l.pickup',
      'l.delivery_radius_km',
      'l.hours_json',
      'i.on_hand',
      'i.reserved',
    ])
    .where('p.gtin', '=', gtin)
    .where('p.id', '<>', exceptProductId)
    .where('p.parent_id', 'is', null)
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'approved'),
);

/** Up to 400 locations of approved merchants inside a lat/lng box (home page map). */
export function approvedLocationsInBox(
  db: Q,
  box: { minLat: number; maxLat: number; minLng: number; maxLng: number },
) {
  return db
    .selectFrom('locations as l')
    .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
    .select(['m.slug', 'm.display_name', 'l.lat', 'l.lng', 'l.municipality', 'l.hours_json'])
    .where('m.status', '=', 'approved')
    .where('l.lat', '>=', box.minLat)
    .where('l.lat', '<=', box.maxLat)
    .where('l.lng', '>=', box.minLng)
    .where('l.lng', '<=', box.maxLng)
    .limit(400)
    .execute();
}

/** The newest active products with a Québec label, in stock somewhere, of approved merchants. */
export function newestQuebecProductsInStock(db: Q, limit: number) {
  return (
    db
      // CROSS JOIN keeps products as SQLite's outer loop (newest first, stops at `limit`): with an
      // inner join its planner started from the approved merchants and sorted all their products
      // (0.7 s on the 1M region, blocking the event loop). PostgreSQL plans both forms alike.
      .selectFrom('products as p')
      .crossJoin('merchants as m')
      .whereRef('m.id', '=', 'p.merchant_id')
      .select([
        'p.id',
        'p.title_fr',
        'p.title_en',
        'p.price_cents',
        'p.quebec_label',
        'p.quebec_label_verified',
        'p.images_json',
        'm.display_name',
      ])
      .where('p.quebec_label', 'is not', null)
      .where('p.status', '=', 'active')
      .where('p.parent_id', 'is', null)
      .where('m.status', '=', 'approved')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('inventory_levels as i')
            .select('i.product_id')
            .whereRef('i.product_id', '=', 'p.id')
            .where((e) => e('i.on_hand', '>', e.ref('i.reserved'))),
        ),
      )
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute()
  );
}

/** How many public pages there are: approved merchants and their active products. */
export async function publicPageCounts(db: Q): Promise<{ merchants: number; products: number }> {
  const m = await db
    .selectFrom('merchants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'approved')
    .executeTakeFirstOrThrow();
  const p = await db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.status', '=', 'approved')
    .where('p.status', '=', 'active')
    .where('p.parent_id', 'is', null)
    .executeTakeFirstOrThrow();
  return { merchants: Number(m.n), products: Number(p.n) };
}

/** Approved merchants' slugs and last change, in id order, from `offset`. */
export function approvedMerchantPages(db: Q, offset: number, limit: number) {
  return db
    .selectFrom('merchants')
    .select(['slug', 'updated_at'])
    .where('status', '=', 'approved')
    .orderBy('id')
    .offset(offset)
    .limit(limit)
    .execute();
}

/** Active products of approved merchants: id and last change, in id order, from `offset`. */
export function activeProductPages(db: Q, offset: number, limit: number) {
  return db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .select(['p.id', 'p.updated_at'])
    .where('m.status', '=', 'approved')
    .where('p.status', '=', 'active')
    .where('p.parent_id', 'is', null)
    .orderBy('p.id')
    .offset(offset)
    .limit(limit)
    .execute();
}

/** Fulfilment columns and contact details of stores (and their merchant) by location id. */
export interface StoreContact {
  id: number;
  pickup: number;
  delivery_zones_json: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
  phone: string | null;
  merchant_phone: string | null;
  merchant_email: string | null;
}

/** Stores' fulfilment and contact columns by location id. */
export function storeContactRows(db: Q, locationIds: number[]): Promise<StoreContact[]> {
  return storeContactQuery(db, locationIds);
}
// Prepared, per number of stores (a product page names 1 to 13).
const storeContactQuery = preparedQuery((db: Q, locationIds: readonly number[]) =>
  db
    .selectFrom('locations as l')
    .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
    .select([
      'l.id',
      'l.pickup',
      'l.delivery_zones_json',
      'l.delivery_radius_km',
      'l.delivery_fee_cents',
      'l.phone',
      'm.phone as merchant_phone',
      'm.email as merchant_email',
    ])
    .where('l.id', 'in', locationIds),
);

/** An active product (not a variant row) of an approved merchant, with its merchant's and category's names. */
export async function publicProductRow(db: Q, productId: number) {
  return (await publicProductQuery(db, productId))[0];
}
// Prepared (src/db/prepared.ts): built once, a product page and the product API run it each time.
const publicProductQuery = preparedQuery((db: Q, productId: number) =>
  db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .selectAll('p')
    .select([
      'm.slug as merchant_slug',
      'm.display_name as merchant_name',
      'c.slug as category_slug',
      'c.name_fr as category_name_fr',
      'c.name_en as category_name_en',
    ])
    .where('p.id', '=', productId)
    .where('p.status', '=', 'active')
    .where('p.parent_id', 'is', null)
    .where('m.status', '=', 'approved'),
);

/** Every location of a merchant with a product's stock row there (null columns where none). */
export function productStockAtStores(db: Q, merchantId: number, productId: number) {
  return productStockQuery(db, merchantId, productId);
}
// Prepared: its join callback made it the costliest query of a product page to build.
const productStockQuery = preparedQuery((db: Q, merchantId: number, productId: number) =>
  db
    .selectFrom('locations as l')
    .leftJoin('inventory_levels as i', (j) =>
      j.onRef('i.location_id', '=', 'l.id').on('i.product_id', '=', productId),
    )
    .select([
      'l.id as location_id',
      'l.code',
      'l.name',
      'l.address_line',
      'l.municipality',
      'l.lat',
      'l.lng',
      'l.hours_json',
      'l.pickup',
      'l.delivery_radius_km',
      'l.delivery_fee_cents',
      'i.on_hand',
      'i.reserved',
    ])
    .where('l.merchant_id', '=', merchantId)
    .orderBy('l.id'),
);

/** Stock rows of some variant rows (every location they were ever stocked at). */
export function variantStockRows(db: Q, variantIds: number[]) {
  return db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved'])
    .where('product_id', 'in', variantIds)
    .execute();
}
