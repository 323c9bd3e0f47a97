/**
 * Whether a store delivers to a shopper's place (search's delivery filter and badge, the merchant
 * page), from the store's delivery zones, by the coverage rule the checkout's address matching
 * (src/modules/cart/delivery.ts) also calls (`areaCovers`): a zone covers the place when it names one of the
 * place's towns, or holds one of its postal prefixes (FSA), or one of its towns owns such a
 * prefix; a zone without towns or prefixes covers the store's radius around the store. A place is
 * a point plus the towns and prefixes it stands in: a town given by name, a postal code's FSA and
 * the towns owning it, or for bare coordinates the nearest town.
 */
import { haversineKm } from '../common/geo.ts';
import { foldTown, fsaOf, type Point } from '../geocoding/index.ts';
import type { DeliveryZone } from './locations.schemas.ts';
import { deliverySettingsOf } from './locations.service.ts';

/** A delivery zone's area, folded: its towns and postal prefixes (`byArea` false: a radius zone). */
export interface ReachZone {
  towns: string[];
  prefixes: string[];
  byArea: boolean;
}

/** A store's delivery zones, pre-folded for fast checks (built once per store). */
export interface DeliveryReach {
  radius_km: number | null;
  zones: ReachZone[];
}

/** Where a shopper stands: a point, the folded names of the towns and the FSAs it belongs to. */
export interface DeliveryPlace {
  point: Point;
  towns: Set<string>;
  prefixes: Set<string>;
}

/** A town as the place look-up needs it (the towns module's rows, or search's reference). */
export interface PlaceTown {
  name: string;
  lat: number;
  lng: number;
  /** Its FSAs, upper-case (an array, or the towns table's space-separated text). */
  prefixes: string[] | string;
}

/** A store row's delivery reach, or undefined when it does not deliver. */
export function deliveryReachOf(row: {
  delivery_zones_json?: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}): DeliveryReach | undefined {
  const d = deliverySettingsOf(row);
  if (!d.enabled || !d.zones.length) return undefined;
  return {
    radius_km: d.radius_km,
    zones: d.zones.map(reachZone),
  };
}

/** A zone's area, folded for `areaCovers`. */
export function reachZone(z: DeliveryZone): ReachZone {
  return {
    towns: z.towns.map(foldTown),
    prefixes: z.postal_prefixes.map((p) => p.toUpperCase()),
    byArea: z.towns.length > 0 || z.postal_prefixes.length > 0,
  };
}

/**
 * Whether a zone's area covers a place (search's place, or the checkout's address): the zone names
 * one of the place's towns or holds one of its postal prefixes.
 */
export function areaCovers(z: ReachZone, place: Pick<DeliveryPlace, 'towns' | 'prefixes'>): boolean {
  return z.prefixes.some((x) => place.prefixes.has(x)) || z.towns.some((t) => place.towns.has(t));
}

const prefixesOf = (t: PlaceTown) =>
  Array.isArray(t.prefixes) ? t.prefixes : t.prefixes.split(/\s+/).filter(Boolean);

/**
 * The shopper's place: a town named (`town`), a postal code or FSA (`postal`: its FSA and the towns
 * owning it), else the town nearest the point (bare coordinates, or the region's centre).
 */
export function deliveryPlace(
  towns: readonly PlaceTown[],
  p: { point: Point; town?: string; postal?: string },
): DeliveryPlace {
  const place: DeliveryPlace = { point: p.point, towns: new Set(), prefixes: new Set() };
  const fsa = p.postal ? fsaOf(p.postal) : undefined;
  const add = (t: PlaceTown, withPrefixes: boolean) => {
    place.towns.add(foldTown(t.name));
    if (withPrefixes) for (const x of prefixesOf(t)) place.prefixes.add(x);
  };
  if (fsa) {
    place.prefixes.add(fsa);
    for (const t of towns) if (prefixesOf(t).includes(fsa)) add(t, false);
    return place;
  }
  const named = p.town ? foldTown(p.town) : '';
  const town = named ? towns.find((t) => foldTown(t.name) === named) : undefined;
  if (town) {
    add(town, true);
    return place;
  }
  if (named) place.towns.add(named);
  let nearest: PlaceTown | undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const t of towns) {
    const d = haversineKm(p.point.lat, p.point.lng, t.lat, t.lng);
    if (d < best) {
      best = d;
      nearest = t;
    }
  }
  if (nearest && !named) add(nearest, true);
  return place;
}

/** True when one of the store's zones covers the place (`from`: the store's position). */
export function reachesPlace(reach: DeliveryReach | undefined, from: Point, place: DeliveryPlace): boolean {
  if (!reach) return false;
  for (const z of reach.zones) {
    if (z.byArea) {
      if (areaCovers(z, place)) return true;
    } else if (
      reach.radius_km &&
      haversineKm(from.lat, from.lng, place.point.lat, place.point.lng) <= reach.radius_km
    ) {
      return true;
    }
  }
  return false;
}
