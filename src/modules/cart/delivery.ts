/**
 * Delivery eligibility: which of a merchant's stores deliver to a postal address, for what fee.
 * A zone covers the address when its towns name the address's town (case, accents, "St-" folded),
 * or one of its towns owns the address's postal prefix (the towns table's FSAs), or its postal
 * prefixes hold the address's FSA; a zone without towns or prefixes covers the store's radius,
 * only when a geocoder places the address within it. The cheapest covering zone wins; its minimum
 * order (on the subtotal before discount and taxes) must be met.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatMoney, type Lang, t } from '../../i18n/index.ts';
import { haversineKm } from '../common/geo.ts';
import {
  foldTown,
  fsaOf,
  type Geocoder,
  type GeocoderLog,
  type Point,
  type PostalAddress,
} from '../geocoding/index.ts';
import { areaCovers, type DeliveryZone, reachZone } from '../merchants/index.ts';
import { listTowns } from '../towns/index.ts';

export interface DeliveryStore {
  location_id: number;
  from: Point;
  radius_km: number | null;
  zones: DeliveryZone[];
}

/** A store's answer for an address: the zone's fee, or why not. */
export type StoreMatch =
  | { ok: true; location_id: number; fee_cents: number }
  | { ok: false; location_id: number; reason: 'outside' }
  | { ok: false; location_id: number; reason: 'below_minimum'; min_order_cents: number };

/** Postal prefixes of each town (folded name -> FSAs), from the towns table. */
export async function townPrefixes(db: Kysely<DB>): Promise<Map<string, Set<string>>> {
  const rows = await listTowns(db);
  return new Map(
    rows.map((r) => [foldTown(r.name), new Set(r.postal_prefixes.split(/\s+/).filter(Boolean))]),
  );
}

export interface MatchContext {
  prefixes: Map<string, Set<string>>;
  geocoder?: Geocoder;
  /** Where a geocoder failure is logged (the request's log). */
  log?: GeocoderLog;
  /** The geocoded point, asked at most once per address. */
  point?: Promise<Point | undefined>;
}

/** The address as zones see it: its town and the towns owning its FSA, and that FSA. */
function addressPlace(address: PostalAddress, ctx: MatchContext) {
  const fsa = fsaOf(address.postal_code);
  const towns = new Set([foldTown(address.city)]);
  if (fsa) for (const [town, prefixes] of ctx.prefixes) if (prefixes.has(fsa)) towns.add(town);
  return { towns, prefixes: new Set(fsa ? [fsa] : []) };
}

/** Whether one store delivers to the address for an order of `subtotalCents`, and its fee. */
export async function matchStore(
  store: DeliveryStore,
  address: PostalAddress,
  subtotalCents: number,
  ctx: MatchContext,
): Promise<StoreMatch> {
  const place = addressPlace(address, ctx);
  const covering: DeliveryZone[] = [];
  for (const z of store.zones) {
    const area = reachZone(z);
    if (area.byArea) {
      if (areaCovers(area, place)) covering.push(z);
      continue;
    }
    if (!store.radius_km || !ctx.geocoder) continue;
    ctx.point ??= ctx.geocoder(address, ctx.log);
    const p = await ctx.point;
    if (p && haversineKm(store.from.lat, store.from.lng, p.lat, p.lng) <= store.radius_km) covering.push(z);
  }
  if (!covering.length) return { ok: false, location_id: store.location_id, reason: 'outside' };
  const open = covering.filter((z) => !z.min_order_cents || subtotalCents >= z.min_order_cents);
  if (!open.length)
    return {
      ok: false,
      location_id: store.location_id,
      reason: 'below_minimum',
      min_order_cents: Math.min(...covering.map((z) => z.min_order_cents ?? 0)),
    };
  return { ok: true, location_id: store.location_id, fee_cents: Math.min(...open.map((z) => z.fee_cents)) };
}

/** A store's zones in words ("Aylmer, J9H : 4,00 $; dans un rayon de 8 km : 6,00 $"). */
export function zonesText(lang: Lang, store: { zones: DeliveryZone[]; radius_km: number | null }): string {
  return store.zones
    .filter((z) => z.towns.length || z.postal_prefixes.length || store.radius_km)
    .map((z) => {
      const area =
        z.towns.length || z.postal_prefixes.length
          ? [...z.towns, ...z.postal_prefixes].join(', ')
          : t(lang, 'delivery.within_km', { km: store.radius_km ?? 0 });
      const fee = formatMoney(z.fee_cents, lang);
      return z.min_order_cents
        ? t(lang, 'delivery.zone_min', { area, fee, min: formatMoney(z.min_order_cents, lang) })
        : t(lang, 'delivery.zone_summary', { area, fee });
    })
    .join('; ');
}
