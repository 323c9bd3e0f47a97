/**
 * Offers: products as customers see them, with their live availability at each store. Built from
 * the catalog (product, category), merchants (approved store and its locations) and stock levels.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { findCategoryById, findProductById, parseImages, productsOfMerchant } from '../catalog/index.ts';
import { parseHours } from '../common/hours.ts';
import { findMerchantById, locationsOfMerchant } from '../merchants/index.ts';
import { availableByProduct, levelsForProducts } from './levels.service.ts';

/** An active product of an approved merchant with its stock at each of the merchant's locations. */
export async function getPublicProduct(db: Kysely<DB>, productId: number) {
  const p = await findProductById(db, productId);
  if (p?.status !== 'active') return undefined;
  const m = await findMerchantById(db, p.merchant_id);
  if (m?.status !== 'approved') return undefined;
  const [category, locations, levels] = await Promise.all([
    p.category_id === null ? undefined : findCategoryById(db, p.category_id),
    locationsOfMerchant(db, p.merchant_id),
    levelsForProducts(db, [productId]),
  ]);
  const at = new Map(levels.map((l) => [l.location_id, l]));
  return {
    ...p,
    merchant_slug: m.slug,
    merchant_name: m.display_name,
    category_slug: category?.slug ?? null,
    category_name_fr: category?.name_fr ?? null,
    category_name_en: category?.name_en ?? null,
    images: parseImages(p.images_json),
    offers: locations.map((l) => {
      const level = at.get(l.id);
      return {
        location_id: l.id,
        code: l.code,
        name: l.name,
        address_line: l.address_line,
        municipality: l.municipality,
        lat: l.lat,
        lng: l.lng,
        hours_json: l.hours_json,
        pickup: l.pickup,
        delivery_radius_km: l.delivery_radius_km,
        delivery_fee_cents: l.delivery_fee_cents,
        on_hand: level?.on_hand ?? null,
        reserved: level?.reserved ?? null,
        hours: parseHours(l.hours_json),
        available: Math.max(0, (level?.on_hand ?? 0) - (level?.reserved ?? 0)),
      };
    }),
  };
}
export type PublicProduct = NonNullable<Awaited<ReturnType<typeof getPublicProduct>>>;

/** A merchant's active products (id order, one page) with their total availability across its locations. */
export async function listMerchantProducts(
  db: Kysely<DB>,
  merchantId: number,
  opts: { limit: number; offset: number },
) {
  const { total, rows } = await productsOfMerchant(db, merchantId, { status: 'active', ...opts });
  const available = await availableByProduct(
    db,
    rows.map((r) => r.id),
  );
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      sku: r.sku,
      title_fr: r.title_fr,
      title_en: r.title_en,
      price_cents: r.price_cents,
      quebec_label: r.quebec_label,
      images_json: r.images_json,
      available: available.get(r.id) ?? 0,
    })),
  };
}
