/**
 * The cart as customers see it: grouped by merchant (by name), each line with its live
 * availability, each merchant's fulfilment options and taxes. One call per owner module per cart
 * (products, merchants, stock, stores, region), never one per line.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { findProductsByIds, optionsObject, parseOptions } from '../catalog/index.ts';
import { parseHours } from '../common/hours.ts';
import { levelsOf } from '../inventory/index.ts';
import { deliverySettingsOf, findMerchantsByIds, locationsOfMerchants } from '../merchants/index.ts';
import { storePickupSlots } from '../orders/index.ts';
import { getRegion } from '../region/index.ts';
import { computeTotals, platformTaxesOf, sumTotals, taxCollectionFor } from '../taxes/index.ts';
import * as repo from './cart.repository.ts';
import type { CartGroup, CartView, DeliveryOption, PickupOption } from './cart.types.ts';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The cart grouped by merchant, with live availability, fulfilment options and taxes (pickup assumed). */
export async function getCartView(db: Kysely<DB>, cartId: number, lang: Lang): Promise<CartView> {
  const lines = await repo.linesOf(db, cartId);
  // A line's product_id is its variant's row (stock is kept by it); the product row gives the title.
  const productIds = [...new Set(lines.map((l) => l.product_id))];
  const [products, levels] = await Promise.all([findProductsByIds(db, productIds), levelsOf(db, productIds)]);
  const productById = new Map(products.map((p) => [p.id, p]));
  const parentIds = [...new Set(products.flatMap((p) => (p.parent_id === null ? [] : [p.parent_id])))];
  const missing = parentIds.filter((id) => !productById.has(id));
  for (const p of await findProductsByIds(db, missing)) productById.set(p.id, p);
  const merchantIds = [...new Set(products.map((p) => p.merchant_id))];
  const [merchants, locations, region] = await Promise.all([
    findMerchantsByIds(db, merchantIds),
    locationsOfMerchants(db, merchantIds),
    getRegion(db),
  ]);
  const merchantById = new Map(merchants.map((m) => [m.id, m]));
  const platform = platformTaxesOf(region);
  // Lines by merchant name, then in the order they were added (lines are read in id order).
  const rows = lines.flatMap((c) => {
    const p = productById.get(c.product_id);
    const m = p && merchantById.get(p.merchant_id);
    return p && m ? [{ c, p, m }] : [];
  });
  rows.sort((x, y) => byText(x.m.display_name, y.m.display_name) || x.c.id - y.c.id);
  const now = new Date();
  const groups = new Map<number, CartGroup>();
  for (const { c, p, m } of rows) {
    let g = groups.get(m.id);
    if (!g) {
      const locs = locations.filter((l) => l.merchant_id === m.id).sort((a, b) => a.id - b.id);
      g = {
        merchant: {
          id: m.id,
          slug: m.slug,
          name: m.display_name,
          legal_name: m.legal_name,
          gst_number: m.gst_number,
          qst_number: m.qst_number,
          available: m.status === 'approved',
        },
        items: [],
        fulfilment_options: [
          ...locs
            .filter((l) => l.pickup === 1)
            .map(
              (l): PickupOption => ({
                method: 'pickup',
                location_id: l.id,
                name: l.name,
                address: `${l.address_line}, ${l.municipality}`,
                hours: parseHours(l.hours_json),
                // Pickup slots cut from the store's opening hours in the region's time zone.
                slots: storePickupSlots(l, region.timezone, now),
              }),
            ),
          ...locs.flatMap((l): DeliveryOption[] => {
            const d = deliverySettingsOf(l);
            if (!d.enabled || !d.zones.length) return [];
            return [
              {
                method: 'delivery',
                location_id: l.id,
                name: l.name,
                radius_km: d.radius_km,
                fee_cents: Math.min(...d.zones.map((z) => z.fee_cents)),
                from: { lat: l.lat, lng: l.lng },
                zones: d.zones,
              },
            ];
          }),
        ],
        tax_collection: taxCollectionFor(m.tax_status, platform),
        ...computeTotals([]),
      };
      groups.set(m.id, g);
    }
    const level = levels.get(`${c.product_id}:${c.location_id}`);
    const product = (p.parent_id !== null && productById.get(p.parent_id)) || p;
    g.items.push({
      item_id: c.id,
      product_id: product.id,
      variant_id: p.id,
      sku: p.sku,
      title: lang === 'en' ? product.title_en || product.title_fr : product.title_fr,
      options: optionsObject(parseOptions(p.options_json)),
      location_id: c.location_id,
      quantity: c.quantity,
      unit_price_cents: p.price_cents,
      tax_class: p.tax_class,
      // A suspended merchant's lines count as unavailable everywhere the cart is shown.
      available:
        p.status === 'active' && product.status === 'active' && m.status === 'approved'
          ? Math.max(0, (level?.on_hand ?? 0) - (level?.reserved ?? 0))
          : 0,
    });
  }
  for (const g of groups.values()) Object.assign(g, computeTotals(g.items, 0, g.tax_collection));
  const list = [...groups.values()];
  const all = sumTotals(list);
  return {
    cart_id: cartId,
    groups: list,
    subtotal_cents: all.subtotal_cents,
    gst_cents: all.gst_cents,
    qst_cents: all.qst_cents,
    total_cents: all.total_cents,
    item_count: rows.reduce((s, r) => s + r.c.quantity, 0),
  };
}
