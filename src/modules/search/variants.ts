/**
 * A product page's variants (size, colour...): each active variant with its price and live
 * availability at each of the merchant's stores, and the product's offers summed over them.
 * A product without variants has one, itself, and its offers stay exactly its own.
 */
import type { Database } from '../../db/database.ts';
import { type VariantOption, variantsOfProducts } from '../catalog/index.ts';
import { variantStockRows } from './discovery.repository.ts';

/** A variant as the product page and GET /api/v1/products/{id} show it. */
export interface ProductVariant {
  variant_id: number;
  sku: string;
  options: VariantOption[];
  price_cents: number;
  gtin: string | null;
  /** Availability at each of the merchant's stores (same order as the product's offers). */
  offers: { location_id: number; available: number }[];
}

/** The variants of a product and what its offers become over them. */
export interface VariantsOfProduct {
  variants: ProductVariant[];
  /** Availability per store summed over the variants. */
  availableAt: Map<number, number>;
  /** The lowest variant price, and whether variant prices differ ("from" price). */
  lowestPrice: number;
  priceFrom: boolean;
}

/**
 * The active variants of product `p` with their stock at `offers`' stores (`offers` are the
 * product row's own, read with it); the product row comes first.
 */
export async function variantsWithStock(
  database: Database,
  p: { id: number; sku: string; price_cents: number; gtin: string | null },
  offers: { location_id: number; available: number }[],
): Promise<VariantsOfProduct> {
  const all = (await variantsOfProducts(database.db, [p.id])).get(p.id) ?? [];
  const rows = all.filter((v) => v.status === 'active' && v.variant_id !== p.id);
  const own: ProductVariant = {
    variant_id: p.id,
    sku: p.sku,
    options: [],
    price_cents: p.price_cents,
    gtin: p.gtin,
    offers: offers.map((o) => ({ location_id: o.location_id, available: o.available })),
  };
  const availableAt = new Map(offers.map((o) => [o.location_id, o.available]));
  if (rows.length === 0)
    return { variants: [own], availableAt, lowestPrice: p.price_cents, priceFrom: false };
  own.options = all.find((v) => v.variant_id === p.id)?.options ?? [];
  const stock = await variantStockRows(
    database.db,
    rows.map((v) => v.variant_id),
  );
  const levels = new Map<string, number>();
  for (const r of stock)
    levels.set(`${r.product_id}:${r.location_id}`, Math.max(0, Number(r.on_hand) - Number(r.reserved)));
  const variants = [own];
  for (const v of rows) {
    variants.push({
      variant_id: v.variant_id,
      sku: v.sku,
      options: v.options,
      price_cents: v.price_cents,
      gtin: v.gtin,
      offers: offers.map((o) => ({
        location_id: o.location_id,
        available: levels.get(`${v.variant_id}:${o.location_id}`) ?? 0,
      })),
    });
    for (const o of offers)
      availableAt.set(
        o.location_id,
        (availableAt.get(o.location_id) ?? 0) + (levels.get(`${v.variant_id}:${o.location_id}`) ?? 0),
      );
  }
  const prices = variants.map((v) => v.price_cents);
  const lowestPrice = Math.min(...prices);
  return { variants, availableAt, lowestPrice, priceFrom: prices.some((x) => x !== lowestPrice) };
}
