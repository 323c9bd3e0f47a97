/**
 * The demo region (`comptoir seed --demo`, bench/seed.ts, scripts/demo-server.ts): a tool, not a
 * domain module. Region settings, towns, associations, accounts, delivery zones and campaigns go
 * through the owning modules' public APIs; the bulk of the data (merchants, stores, products,
 * stock: up to a million rows) goes through the database's bulk loader (src/db/bulk-load.ts).
 */
import { join } from 'node:path';
import {
  analyzeTables,
  BulkWriter,
  type Column,
  deferIndexes,
  insertObjects,
  resetIdentitySequences,
} from '../../db/bulk-load.ts';
import type { Database } from '../../db/database.ts';
import { createUserWithHash, findUserByEmail, hashPassword } from '../../modules/accounts/index.ts';
import { createAssociation, getAssociationBySlug } from '../../modules/associations/index.ts';
import { seedDemoCampaigns } from '../../modules/campaigns/index.ts';
import { resolveCategorySlugs } from '../../modules/catalog/index.ts';
import { haversineKm } from '../../modules/common/geo.ts';
import { slugify } from '../../modules/common/slug.ts';
import { foldTown } from '../../modules/geocoding/index.ts';
import { deliveringLocations, hasAnyMerchant, setLocationFulfilment } from '../../modules/merchants/index.ts';
import { setRegion } from '../../modules/region/index.ts';
import { rebuildSearchIndex } from '../../modules/search/index.ts';
import { importTownsFile, listTowns } from '../../modules/towns/index.ts';
import { ASSOCIATION_CENTRES, generateMerchants, PRODUCT_COLUMNS, ProductStream } from './generate.ts';
import { type OrderCandidate, seedDemoOrders } from './orders.ts';
import { ASSOCIATIONS, REGION, VOCABULARY } from './region.ts';

/** Tables the bulk loader fills with explicit ids (their identity sequences move past them). */
const BULK_TABLES_WITH_IDS = ['merchants', 'locations', 'products'];
/** Tables whose planner statistics are refreshed after the load (PostgreSQL). */
const ANALYZED_TABLES = [
  'region_settings',
  'municipalities',
  'categories',
  'associations',
  'merchants',
  'locations',
  'merchant_categories',
  'association_members',
  'products',
  'inventory_levels',
];

/** What `seedDemo` builds: how many merchants and products, from which seed. */
export interface SeedOptions {
  merchants: number;
  products: number;
  seed: number;
  /** Orders of the demo history placed through the checkout over the last ~4 months (default 120, fewer for a catalogue under 1,200 products; 0 for none). */
  orders?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** What `seedDemo` built, and how long each phase took. */
export interface SeedResult {
  associations: number;
  merchants: number;
  locations: number;
  products: number;
  seconds: number;
  /** Seconds per phase (region, merchants, products, search index, analyze). */
  phases: Record<string, number>;
}

/** Password of every demo account (region admin, association admins, first merchant's owner). */
export const DEMO_PASSWORD = 'Demo-Comptoir-2026';

const MERCHANT_COLUMNS: Column[] = [
  ['id', 'int'],
  ['slug', 'text'],
  ['legal_name', 'text'],
  ['display_name', 'text'],
  ['neq', 'text'],
  ['gst_number', 'text'],
  ['qst_number', 'text'],
  ['description_fr', 'text'],
  ['description_en', 'text'],
  ['email', 'text'],
  ['phone', 'text'],
  ['website', 'text'],
  ['status', 'text'],
  ['approved_at', 'ts'],
];
const LOCATION_COLUMNS: Column[] = [
  ['id', 'int'],
  ['merchant_id', 'int'],
  ['code', 'text'],
  ['name', 'text'],
  ['address_line', 'text'],
  ['municipality', 'text'],
  ['postal_code', 'text'],
  ['lat', 'real'],
  ['lng', 'real'],
  ['phone', 'text'],
  ['hours_json', 'text'],
  ['pickup', 'int'],
  ['delivery_radius_km', 'real'],
  ['delivery_fee_cents', 'int'],
];
const PRODUCT_TYPES: Record<(typeof PRODUCT_COLUMNS)[number], Column[1]> = {
  id: 'int',
  merchant_id: 'int',
  sku: 'text',
  title_fr: 'text',
  title_en: 'text',
  description_fr: 'text',
  description_en: 'text',
  category_id: 'int',
  brand: 'text',
  gtin: 'text',
  price_cents: 'int',
  tax_class: 'text',
  quebec_label: 'text',
  quebec_label_declared_by: 'text',
  quebec_label_verified: 'int',
  quebec_label_verified_at: 'ts',
  images_json: 'text',
};
const PRODUCT_COLS: Column[] = PRODUCT_COLUMNS.map((c) => [c, PRODUCT_TYPES[c]] as const);
const INVENTORY_COLS: Column[] = [
  ['product_id', 'int'],
  ['location_id', 'int'],
  ['on_hand', 'int'],
];

const BATCH = 10_000;

/** The demo region's towns, shipped with the repository (docs/REGION-SETUP.md describes the format). */
const OUTAOUAIS_TOWNS_CSV = join(import.meta.dirname, '../../../regions/outaouais/towns.csv');

/** Taxonomy slug of each vocabulary category (id 1..15, in order). */
export const DEMO_CATEGORY_SLUGS = [
  'epicerie',
  'boissons-alcools',
  'chaussures',
  'vetements-mode',
  'sports-plein-air',
  'livres-papeterie',
  'jouets-jeux',
  'maison-deco',
  'beaute-soins',
  'quincaillerie-renovation',
  'electronique',
  'art-artisanat',
  'animaux',
  'bebe-enfants',
  'jardin',
];

/**
 * Deterministic demo region (Outaouais): region settings, municipalities, categories, the six
 * associations, merchants with locations, a catalogue with stock, and demo accounts. The same
 * seed gives the same data. Bulk loads go through the raw database handles; prints nothing.
 */
export async function seedDemo(database: Database, opts: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const phaseDone = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark) / 1000;
    mark = now;
  };
  const progress = opts.onProgress ?? (() => {});
  const db = database.db;
  const seed = Math.trunc(opts.seed) >>> 0;

  // Hashing is deliberately slow: start it now, it runs beside the bulk load.
  const passwordHash = hashPassword(DEMO_PASSWORD);

  // ---- region, municipalities, categories, associations
  progress(0, 1, 'region');
  const b = VOCABULARY.region;
  // Through the region service, like `comptoir region set` and /fr/admin/region.
  await setRegion(
    db,
    {
      name: REGION.name,
      tagline_fr: REGION.tagline_fr,
      tagline_en: REGION.tagline_en,
      welcome_fr: REGION.welcome_fr,
      welcome_en: REGION.welcome_en,
      centre: REGION.centre,
      bounds: { south: b.minLat, west: b.minLng, north: b.maxLat, east: b.maxLng },
      timezone: 'America/Toronto',
      default_radius_km: 25,
      primary_color: '#1d4f91',
      accent_color: '#b3261e',
    },
    { slug: REGION.slug },
  );
  // The shipped town list, through the same service as `comptoir towns import`.
  await importTownsFile(db, OUTAOUAIS_TOWNS_CSV);

  // The demo's categories are the default taxonomy's (migration 005); the demo creates none.
  const categoryBySlug = await resolveCategorySlugs(db, DEMO_CATEGORY_SLUGS);
  const categoryIds = DEMO_CATEGORY_SLUGS.map((slug) => {
    const id = categoryBySlug.get(slug);
    if (id === undefined) throw new Error(`category ${slug} is missing: run the migrations first`);
    return id;
  });
  const images = VOCABULARY.categories.map((c) =>
    JSON.stringify([{ url: `/static/img/cat/${slugify(c.name)}.svg`, width: 400, height: 400 }]),
  );

  const associationIds = new Map<string, number>();
  for (const a of ASSOCIATIONS) {
    const centre = ASSOCIATION_CENTRES.find((c) => c.slug === a.slug)!;
    // Through the associations service, like /fr/admin/associations (same validation).
    const row =
      (await getAssociationBySlug(db, a.slug)) ??
      (await createAssociation(db, {
        slug: a.slug,
        name: a.name,
        short_name: a.short_name,
        description_fr: a.description_fr,
        description_en: a.description_en,
        towns: a.towns,
        primary_color: a.primary_color,
        accent_color: a.accent_color,
        website: a.website,
        center_lat: centre.lat,
        center_lng: centre.lng,
      }));
    associationIds.set(a.slug, row.id);
  }
  progress(1, 1, 'region');
  phaseDone('region');

  // ---- merchants, locations, categories, memberships
  const writer = await BulkWriter.open(database);
  let locationCount = 0;
  let productCount = 0;
  const orderCandidates: OrderCandidate[] = [];
  try {
    const merchants = generateMerchants(opts.merchants, seed);
    const locations = merchants.flatMap((m) => m.locations);
    locationCount = locations.length;
    progress(0, merchants.length, 'merchants');
    await insertObjects(writer, 'merchants', MERCHANT_COLUMNS, merchants);
    await insertObjects(writer, 'locations', LOCATION_COLUMNS, locations);
    const mc = merchants.flatMap((m) =>
      m.categories.map((c) => ({ merchant_id: m.id, category_id: categoryIds[c - 1] })),
    );
    await insertObjects(
      writer,
      'merchant_categories',
      [
        ['merchant_id', 'int'],
        ['category_id', 'int'],
      ],
      mc,
    );
    const am = merchants.flatMap((m) =>
      m.associations.map((s) => ({ association_id: associationIds.get(s), merchant_id: m.id })),
    );
    await insertObjects(
      writer,
      'association_members',
      [
        ['association_id', 'int'],
        ['merchant_id', 'int'],
      ],
      am,
    );
    await writer.flush();
    progress(merchants.length, merchants.length, 'merchants');
    phaseDone('merchants');

    // ---- catalogue and stock, streamed in batches
    const recreateIndexes =
      opts.products >= 1000 ? await deferIndexes(database, ['products', 'inventory_levels']) : undefined;
    try {
      const stream = new ProductStream(merchants, opts.products, seed, categoryIds, images);
      // Products the order history may sell: in stock (6+) at a pickup store of an approved merchant.
      const pickupStores = new Map(
        merchants
          .filter((m) => m.status === 'approved')
          .flatMap((m) => m.locations.filter((l) => l.pickup === 1).map((l) => [l.id, m.id] as const)),
      );
      progress(0, opts.products, 'products');
      for (;;) {
        const batch = stream.nextBatch(BATCH);
        if (batch.n === 0) break;
        for (let i = 0; i < batch.inv_product_id.length && orderCandidates.length < 2000; i++) {
          const merchantId = pickupStores.get(batch.inv_location_id[i] as number);
          const onHand = batch.inv_on_hand[i] as number;
          // Every 8th product, so the history spreads over the whole region's merchants.
          if (merchantId !== undefined && onHand >= 6 && (batch.inv_product_id[i] as number) % 8 === 0)
            orderCandidates.push({
              merchant_id: merchantId,
              product_id: batch.inv_product_id[i] as number,
              location_id: batch.inv_location_id[i] as number,
              on_hand: onHand,
            });
        }
        const columns = PRODUCT_COLUMNS.map((c) => batch[c] as unknown[]);
        await writer.insert('products', PRODUCT_COLS, columns, batch.n);
        await writer.insert(
          'inventory_levels',
          INVENTORY_COLS,
          [batch.inv_product_id, batch.inv_location_id, batch.inv_on_hand],
          batch.inv_product_id.length,
        );
        progress(stream.done, opts.products, 'products');
      }
      await writer.flush();
      productCount = stream.done;
    } finally {
      await recreateIndexes?.();
    }
    phaseDone('products');
  } finally {
    await writer.close();
  }

  await resetIdentitySequences(database, BULK_TABLES_WITH_IDS);

  // ---- delivery zones: stores that deliver get zones by town and postal prefix, set through the
  // back-office's own function (their town at the generated fee; the other towns whose centre is
  // within the generated radius, $2 more and a $25 minimum).
  await seedDeliveryZones(db);

  // ---- demo accounts
  const hash = await passwordHash;
  const accounts: {
    email: string;
    name: string;
    role: 'region_admin' | 'association_admin' | 'merchant_owner';
    association_id?: number;
    merchant_id?: number;
  }[] = [
    { email: 'admin@comptoir.demo', name: 'Administration régionale', role: 'region_admin' },
    ...ASSOCIATIONS.map((a) => ({
      email: `${a.slug}@comptoir.demo`,
      name: a.short_name,
      role: 'association_admin' as const,
      association_id: associationIds.get(a.slug)!,
    })),
  ];
  if (opts.merchants > 0)
    accounts.push({
      email: 'marchand@comptoir.demo',
      name: 'Marchand démo',
      role: 'merchant_owner',
      merchant_id: 1,
    });
  const now = new Date().toISOString();
  for (const a of accounts) {
    if (await findUserByEmail(db, a.email)) continue;
    await createUserWithHash(db, {
      email: a.email,
      passwordHash: hash,
      name: a.name,
      locale: 'fr',
      verifiedAt: now,
      roles: [{ role: a.role, merchant_id: a.merchant_id ?? null, association_id: a.association_id ?? null }],
    });
  }
  phaseDone('accounts');

  // The associations' tools: a regional campaign, one per association, gift card acceptance.
  progress(0, 1, 'campaigns');
  await seedDemoCampaigns(db);
  progress(1, 1, 'campaigns');
  phaseDone('campaigns');

  // A few months of order history through the real checkout (DEMO ONLY backdating, orders module).
  progress(0, 1, 'orders');
  await seedDemoOrders(database, orderCandidates, {
    seed,
    count: opts.orders ?? Math.min(120, Math.round(opts.products / 10)),
    days: 120,
  });
  progress(1, 1, 'orders');
  phaseDone('orders');

  await rebuildSearchIndex(database, opts.onProgress);
  phaseDone('search index');

  progress(0, 1, 'analyze');
  await analyzeTables(database, ANALYZED_TABLES);
  progress(1, 1, 'analyze');
  phaseDone('analyze');

  return {
    associations: ASSOCIATIONS.length,
    merchants: opts.merchants,
    locations: locationCount,
    products: productCount,
    seconds: Math.round(performance.now() - started) / 1000,
    phases,
  };
}

/** True when the database has no merchants yet (the start command seeds only then). */
export async function isEmpty(database: Database): Promise<boolean> {
  return !(await hasAnyMerchant(database.db));
}

/** Demo stores that deliver: zones from the towns list (regions/outaouais/towns.csv). */
async function seedDeliveryZones(db: Database['db']): Promise<void> {
  const towns = await listTowns(db);
  const stores = await deliveringLocations(db);
  for (const l of stores) {
    const home = towns.find((t) => foldTown(t.name) === foldTown(l.municipality));
    const near = towns.filter(
      (t) => t !== home && haversineKm(l.lat, l.lng, t.lat, t.lng) <= l.delivery_radius_km,
    );
    const zones = [
      {
        towns: [home?.name ?? l.municipality],
        postal_prefixes: home ? home.postal_prefixes.split(/\s+/).filter(Boolean) : [],
        fee_cents: l.delivery_fee_cents,
      },
      ...(near.length
        ? [
            {
              towns: near.map((t) => t.name),
              postal_prefixes: [],
              fee_cents: l.delivery_fee_cents + 200,
              min_order_cents: 2500,
            },
          ]
        : []),
    ];
    await setLocationFulfilment(db, l.merchant_id, l.id, {
      pickup: { enabled: l.pickup === 1 },
      // The radius stays the store's reach for search's delivery filter; zones decide eligibility.
      delivery: { enabled: true, zones, radius_km: l.delivery_radius_km },
    });
  }
}
