/**
 * Only buyable offers are offered: a store with neither pickup nor delivery cannot fulfil an
 * order, so its stock is shown with "contact the merchant" instead of "add to cart", adding it to
 * a cart is refused (422 at location_id), and its merchant's dashboard warns about it.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { deliverySettingsOf, locationsOfMerchant } from '../merchants/index.ts';

export interface FulfilmentColumns {
  pickup: number;
  delivery_zones_json?: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}

/** True when the store offers pickup, or delivery with at least one zone or a radius. */
export function sellsOnline(l: FulfilmentColumns): boolean {
  if (l.pickup === 1) return true;
  const d = deliverySettingsOf(l);
  return d.enabled && (d.zones.length > 0 || (d.radius_km ?? 0) > 0);
}

/** A merchant's stores that can sell nothing online (neither pickup nor delivery), by name. */
export async function storesNotSelling(db: Kysely<DB>, merchantId: number): Promise<string[]> {
  const rows = await locationsOfMerchant(db, merchantId);
  return rows
    .filter((l) => !sellsOnline(l))
    .map((l) => l.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
