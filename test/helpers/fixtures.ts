import type { Kysely } from 'kysely';
import type { DB, QuebecLabel, TaxClass } from '../../src/db/schema.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';

/** A tiny, hand-written region for tests that need exact expectations. */
export async function seedMiniRegion(db: Kysely<DB>) {
  await db
    .insertInto('region_settings')
    .values({
      id: 1,
      slug: 'outaouais',
      name: 'Comptoir Outaouais',
      center_lat: 45.4765,
      center_lng: -75.7013,
    })
    .execute();
  const aylmer = await db
    .insertInto('associations')
    .values({
      slug: 'aylmer',
      name: 'APICA — Achetez Aylmer',
      short_name: 'Aylmer',
      primary_color: '#0b5e3c',
      accent_color: '#ffffff',
      municipalities_json: '["Aylmer"]',
      center_lat: 45.3956,
      center_lng: -75.8436,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const chelsea = await db
    .insertInto('associations')
    .values({
      slug: 'chelsea',
      name: 'Commerçants de Chelsea',
      short_name: 'Chelsea',
      primary_color: '#6b2c91',
      accent_color: '#ffffff',
      municipalities_json: '["Chelsea"]',
      center_lat: 45.4936,
      center_lng: -75.7884,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // epicerie and chaussures come with the default taxonomy (migration 005); 'sports' is local.
  await db
    .insertInto('categories')
    .values([
      { slug: 'epicerie', name_fr: 'Épicerie', name_en: 'Grocery', position: 1 },
      { slug: 'chaussures', name_fr: 'Chaussures', name_en: 'Shoes', position: 2 },
      { slug: 'sports', name_fr: 'Sports et plein air', name_en: 'Sports and outdoors', position: 3 },
    ])
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  const cats = await db
    .selectFrom('categories')
    .select(['id', 'slug'])
    .where('slug', 'in', ['epicerie', 'chaussures', 'sports'])
    .execute();
  const cat = (slug: string) => cats.find((c) => c.slug === slug)!.id;
  const hours = {
    mon: [['09:00', '18:00']],
    tue: [['09:00', '18:00']],
    wed: [['09:00', '18:00']],
    thu: [['09:00', '21:00']],
    fri: [['09:00', '21:00']],
    sat: [['10:00', '17:00']],
  } as never;

  const erabliere = await createMerchant(db, {
    name: 'Érablière du Lac',
    neq: '1171234567',
    gstNumber: '123456789RT0001',
    qstNumber: '1234567890TQ0001',
    associations: ['aylmer'],
    categories: ['epicerie'],
    descriptionFr: 'Sirop d’érable et produits de l’érable depuis 1952.',
    descriptionEn: 'Maple syrup and maple products since 1952.',
    website: 'https://erabliere.example',
    location: {
      address: '123 rue Principale',
      municipality: 'Aylmer',
      postalCode: 'J9H 3L5',
      lat: 45.3956,
      lng: -75.8436,
      hours,
      deliveryRadiusKm: 10,
      deliveryFeeCents: 500,
    },
  });
  const sports = await createMerchant(db, {
    name: 'Sports Chelsea',
    associations: ['chelsea'],
    categories: ['sports', 'chaussures'],
    location: {
      address: '45 chemin Old Chelsea',
      municipality: 'Chelsea',
      lat: 45.4936,
      lng: -75.7884,
      hours,
    },
  });

  const product = async (
    merchant: { merchant_id: number; location_id: number },
    p: {
      sku: string;
      title_fr: string;
      title_en: string;
      price_cents: number;
      category: string;
      on_hand: number;
      quebec_label?: QuebecLabel;
      tax_class?: TaxClass;
      gtin?: string;
    },
  ) => {
    const row = await db
      .insertInto('products')
      .values({
        merchant_id: merchant.merchant_id,
        sku: p.sku,
        title_fr: p.title_fr,
        title_en: p.title_en,
        description_fr: `${p.title_fr} de qualité.`,
        description_en: `Quality ${p.title_en}.`,
        category_id: cat(p.category),
        price_cents: p.price_cents,
        tax_class: p.tax_class ?? 'standard',
        quebec_label: p.quebec_label ?? null,
        quebec_label_declared_by: p.quebec_label ? 'merchant' : null,
        gtin: p.gtin ?? null,
        brand: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('inventory_levels')
      .values({ product_id: row.id, location_id: merchant.location_id, on_hand: p.on_hand, reserved: 0 })
      .execute();
    return row.id;
  };

  const products = {
    sirop: await product(erabliere, {
      sku: 'SIROP-540',
      title_fr: 'Sirop d’érable ambré 540 ml',
      title_en: 'Amber maple syrup 540 ml',
      price_cents: 1299,
      category: 'epicerie',
      on_hand: 12,
      quebec_label: 'aliments_du_quebec',
      tax_class: 'zero_rated',
      gtin: '0627843000016',
    }),
    tire: await product(erabliere, {
      sku: 'TIRE-250',
      title_fr: 'Tire d’érable',
      title_en: 'Maple taffy',
      price_cents: 699,
      category: 'epicerie',
      on_hand: 1,
      quebec_label: 'aliments_du_quebec',
    }),
    oeufs: await product(erabliere, {
      sku: 'OEUFS-12',
      title_fr: 'Œufs frais (douzaine)',
      title_en: 'Fresh eggs (dozen)',
      price_cents: 549,
      category: 'epicerie',
      on_hand: 30,
      tax_class: 'zero_rated',
    }),
    chaussures: await product(sports, {
      sku: 'CH-COURSE-9',
      title_fr: 'Chaussures de course pour femme',
      title_en: 'Women’s running shoes',
      price_cents: 12999,
      category: 'chaussures',
      on_hand: 4,
    }),
    velo: await product(sports, {
      sku: 'VELO-MT',
      title_fr: 'Vélo de montagne',
      title_en: 'Mountain bike',
      price_cents: 89900,
      category: 'sports',
      on_hand: 0,
    }),
    siropChelsea: await product(sports, {
      sku: 'SIROP-CH',
      title_fr: 'Sirop d’érable ambré 540 ml',
      title_en: 'Amber maple syrup 540 ml',
      price_cents: 1399,
      category: 'epicerie',
      on_hand: 3,
      quebec_label: 'aliments_du_quebec',
      tax_class: 'zero_rated',
      gtin: '0627843000016',
    }),
  };
  return {
    associations: { aylmer: aylmer.id, chelsea: chelsea.id },
    merchants: { erabliere, sports },
    products,
  };
}
export type MiniRegion = Awaited<ReturnType<typeof seedMiniRegion>>;
