import type { LocationRef, Reference } from '../../src/modules/search/reference.ts';

/**
 * A search reference for candidate-selection tests: merchants 1..`merchants`, one store each on a
 * few spots (`spotOf[mid - 1]` modulo the spots: many stores at equal distances, so keys tie), some
 * outside a search's radius but inside its box. Only what the selection reads is filled.
 */
export function spotRegion(
  merchants: number,
  spots: { lat: number; lng: number }[],
  spotOf: number[],
): Reference {
  const locations: LocationRef[] = [];
  const locationsByMerchant: LocationRef[][] = [];
  for (let mid = 1; mid <= merchants; mid++) {
    const s = spots[spotOf[mid - 1]! % spots.length]!;
    const l = {
      id: mid,
      merchant_id: mid,
      lat: s.lat,
      lng: s.lng,
      pickup: 1,
      delivery_radius_km: 0,
      hours_json: '{}',
      index: locations.length,
      hours: {},
      minutes: [],
    } satisfies LocationRef;
    locations.push(l);
    locationsByMerchant[mid] = [l];
  }
  return {
    locations,
    locationsByMerchant,
    maxMerchantId: merchants,
    grid: new Map(),
  } as unknown as Reference;
}
