import { boundingBox } from '../../src/modules/common/geo.ts';
import type { searchArea } from '../../src/modules/search/area.ts';
import { type CatalogMemory, emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import type { LocationRef, Reference } from '../../src/modules/search/reference.ts';
import type { Hits } from '../../src/modules/search/search.types.ts';

/** A point on the map. */
export interface Spot {
  lat: number;
  lng: number;
}

/** A store of a test region: whose it is, where it stands, and whether it offers pickup (1, the default). */
export interface StoreSpot extends Spot {
  merchantId: number;
  pickup?: number;
}

/** What searchArea reads of a search: its point, radius and box, its open stores and delivery. */
export type AreaOptions = Parameters<typeof searchArea>[1];

/**
 * A search reference of `stores`, in order (ids `firstId`.., 1 by default; as many merchants as
 * the largest id): only what the candidate selection and the area read is filled. Ids apart from
 * the indexes (`firstId` 1000) show a location's id taken for its index.
 */
export function storesRegion(stores: readonly StoreSpot[], firstId = 1): Reference {
  const locations: LocationRef[] = [];
  const locationsByMerchant: LocationRef[][] = [];
  let maxMerchantId = 0;
  for (const s of stores) {
    const l = {
      id: firstId + locations.length,
      merchant_id: s.merchantId,
      lat: s.lat,
      lng: s.lng,
      pickup: s.pickup ?? 1,
      delivery_radius_km: 0,
      hours_json: '{}',
      index: locations.length,
      hours: {},
      minutes: [],
    } satisfies LocationRef;
    locations.push(l);
    const own = locationsByMerchant[s.merchantId];
    if (own) own.push(l);
    else locationsByMerchant[s.merchantId] = [l];
    maxMerchantId = Math.max(maxMerchantId, s.merchantId);
  }
  return { locations, locationsByMerchant, maxMerchantId, grid: new Map() } as unknown as Reference;
}

/**
 * A search reference for candidate-selection tests: merchants 1..`merchants`, one store each on a
 * few spots (`spotOf[mid - 1]` modulo the spots: many stores at equal distances, so keys tie), some
 * outside a search's radius but inside its box. Only what the selection reads is filled.
 */
export function spotRegion(merchants: number, spots: readonly Spot[], spotOf: readonly number[]): Reference {
  return storesRegion(
    Array.from({ length: merchants }, (_, i) => ({
      merchantId: i + 1,
      ...spots[spotOf[i]! % spots.length]!,
    })),
  );
}

/**
 * `count` spots drawn from `random` around `point`, from it to past `radius` km (a search's box
 * reaches 1.41 radius at its corners): stores inside the radius, and outside it but in the box.
 */
export function drawSpots(random: () => number, point: Spot, count: number, radius: number): Spot[] {
  return Array.from({ length: count }, () => ({
    lat: point.lat + ((random() - 0.5) * 2.6 * radius) / 111.32,
    lng: point.lng + ((random() - 0.5) * 2.6 * radius) / 78,
  }));
}

/**
 * A common word's tiered list of `pids` (text-match.ts tieredHits): three in ten drawn as title
 * matches (bm 2) first, the rest (bm 1) after, ascending ids within a tier.
 */
export function tieredHits(random: () => number, pids: readonly number[]): Hits {
  const title = pids.filter(() => random() < 0.3).sort((a, b) => a - b);
  const inTitle = new Set(title);
  const rest = pids.filter((p) => !inTitle.has(p)).sort((a, b) => a - b);
  return {
    ids: Int32Array.from([...title, ...rest]),
    bm: Uint8Array.from([...title.map(() => 2), ...rest.map(() => 1)]),
    tiered: true,
  };
}

/** A tiered list (tieredHits) of `size` products drawn among 1..`products`. */
export function drawTieredHits(random: () => number, products: number, size: number): Hits {
  const pids = Array.from({ length: products }, (_, i) => i + 1)
    .sort(() => random() - 0.5)
    .slice(0, size);
  return tieredHits(random, pids);
}

/** A search of `radius` km around `point` over `ref`: no store open, none delivering. */
export function areaAround(ref: Reference, point: Spot, radius: number): AreaOptions {
  return {
    point,
    box: boundingBox(point.lat, point.lng, radius),
    radius,
    openMask: new Uint8Array(ref.locations.length),
    delivers: () => false,
  };
}

/**
 * Facts of products 1..`products` (`random`'s draws, product by product): each of a merchant among
 * 1..`merchants` (2 % of none), then whatever `more` draws for it (labels, categories, prices).
 */
export function drawCatalogue(
  random: () => number,
  merchants: number,
  products: number,
  more: (m: CatalogMemory, pid: number) => void,
): CatalogMemory {
  const m = emptyCatalogMemory(products + 1);
  for (let pid = 1; pid <= products; pid++) {
    m.merchant[pid] = random() < 0.02 ? 0 : 1 + Math.floor(random() * merchants);
    more(m, pid);
  }
  return m;
}
