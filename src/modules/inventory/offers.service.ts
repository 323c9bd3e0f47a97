/**
 * Offers: products as customers see them, with their live availability at each store. Built from
 * the catalog (product, category), merchants (approved store and its locations) and stock levels.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import {
  findCategoryById,
  findProductById,
  parseImages,
  productsOfMerchant,
  variantsOfProducts,
} from '../catalog/index.ts';
import { parseHours } from '../common/hours.ts';
import { findMerchantById, locationsOfMerchant } from '../merchants/index.ts';
import { availableByProduct, levelsForProducts } from './levels.service.ts';

/**
 * An active product of an approved merchant with the product row's own stock at each of the
 * merchant's locations (a variant row's id: undefined). The public pages and API read products
 * through search's `productWithOffers`, which also sums and lists the variants.
 */
export async function getPublicProduct(db: Kysely<DB>, productId: number) {
  const p = await findProductById(db, productId);
  // A variant row's id is not a product's (its product is the row without parent).
  if (p?.status !== 'active' || p.parent_id !== null) return undefined;
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

/**
 * A merchant's active products (id order, one page; variant rows are not products) with their
 * total availability across its locations summed over their active variants, and their lowest
 * variant price (`price_from` when variant prices differ).
 */
export async function listMerchantProducts(
  db: Kysely<DB>,
  merchantId: number,
  opts: { limit: number; offset: number },
) {
  const { total, rows } = await productsOfMerchant(db, merchantId, {
    status: 'active',
    productsOnly: true,
    ...opts,
  });
  const ids = rows.map((r) => r.id);
  const variants = await variantsOfProducts(db, ids);
  const rowIds = new Set(ids);
  for (const list of variants.values())
    for (const v of list) if (v.status === 'active') rowIds.add(v.variant_id);
  const available = await availableByProduct(db, [...rowIds]);
  return {
    total,
    items: rows.map((r) => {
      const active = (variants.get(r.id) ?? []).filter((v) => v.status === 'active' && v.variant_id !== r.id);
      const prices = [r.price_cents, ...active.map((v) => v.price_cents)];
      const lowest = Math.min(...prices);
      return {
        id: r.id,
        sku: r.sku,
        title_fr: r.title_fr,
        title_en: r.title_en,
        price_cents: lowest,
        price_from: prices.some((p) => p !== lowest),
        quebec_label: r.quebec_label,
        images_json: r.images_json,
        available: [r.id, ...active.map((v) => v.variant_id)].reduce(
          (sum, id) => sum + Math.max(0, available.get(id) ?? 0),
          0,
        ),
      };
    }),
  };
}
