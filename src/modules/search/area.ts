/**
 * The area of a search: which merchants have a location in the box (lazily, per merchant), and
 * each nearby location's distance, delivery and opening, computed once per search.
 */
import { haversineKm } from '../common/geo.ts';
import { localDayAndTime, type OpeningHours } from '../common/hours.ts';
import { type DeliveryPlace, deliveryPlace, reachesPlace } from '../merchants/index.ts';
import type { ResolvedPoint } from './place.ts';
import { cellKey, cellOf, type LocationRef, type Reference, toMinutes } from './reference.ts';
import type { NearArea, NearLocation } from './search.types.ts';

/** The local weekday and time once per request (Intl formatting is far too slow to run per offer). */
export function clock(now: Date, timeZone: string) {
  return localDayAndTime(now, timeZone);
}

/** Whether opening hours include a local weekday and time. */
export function openAt(hours: OpeningHours, at: ReturnType<typeof clock>): boolean {
  return (hours[at.day] ?? []).some(([open, close]) => at.time >= open && at.time < close);
}

const DAY_INDEX: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

/** Same as openAt, over hours pre-converted to minutes (reference.ts), for the per-location hot path. */
function openAtMinutes(minutes: number[][], dayIndex: number, t: number): boolean {
  const day = minutes[dayIndex] ?? [];
  for (let i = 0; i + 1 < day.length; i += 2) if (t >= day[i]! && t < day[i + 1]!) return true;
  return false;
}

const openMasks = new WeakMap<Reference, { key: number; mask: Uint8Array }>();
/** Which locations are open at a local weekday and minute: computed once per minute for all of them. */
function openLocations(ref: Reference, dayIndex: number, t: number): Uint8Array {
  const key = dayIndex * 1440 + t;
  const hit = openMasks.get(ref);
  if (hit?.key === key) return hit.mask;
  const mask = new Uint8Array(ref.locations.length);
  for (const l of ref.locations) mask[l.index] = openAtMinutes(l.minutes, dayIndex, t) ? 1 : 0;
  openMasks.set(ref, { key, mask });
  return mask;
}

/** Which locations are open at an instant, in the region's time zone (indexed by LocationRef.index). */
export function openMaskAt(ref: Reference, now: Date): Uint8Array {
  const at = clock(now, ref.timezone);
  return openLocations(ref, DAY_INDEX[at.day] ?? 0, toMinutes(at.time));
}

/**
 * Whether a location delivers to the search's place: its delivery zones (towns, postal prefixes,
 * radius) against the town or postal code searched from, else the town nearest the point. Memoised
 * per search; the place is built on the first question.
 */
export function deliversTo(ref: Reference, point: ResolvedPoint): (l: LocationRef) => boolean {
  let place: DeliveryPlace | undefined;
  let memo: Uint8Array | undefined;
  return (l) => {
    if (!l.reach) return false;
    memo ??= new Uint8Array(ref.locations.length);
    let v = memo[l.index]!;
    if (v === 0) {
      place ??= deliveryPlace(ref.municipalities, { point, town: point.town, postal: point.postal });
      v = reachesPlace(l.reach, l, place) ? 1 : 2;
      memo[l.index] = v;
    }
    return v === 1;
  };
}

type Box = { minLat: number; maxLat: number; minLng: number; maxLng: number };

/** The search's area and its location-level filters. */
export interface SearchArea {
  area: NearArea;
  /** A location in the box and kept by the merchant/association filters. */
  keeps: (l: LocationRef) => boolean;
  /** A location's facts for this search (memoised). */
  locationFacts: (l: LocationRef) => NearLocation;
}

/**
 * Merchants with a location in the box (a pass over the in-memory locations, no allocation per
 * location); distance, delivery and opening are computed only for the locations of merchants that
 * have a candidate product, once per search.
 */
export function searchArea(
  ref: Reference,
  o: {
    point: { lat: number; lng: number };
    box: Box;
    radius: number;
    merchantId?: number;
    associationMembers?: Set<number>;
    fulfilment?: 'pickup' | 'delivery';
    openNow?: boolean;
    openMask: Uint8Array;
    /** Whether a location delivers to the search's place (`deliversTo`). */
    delivers: (l: LocationRef) => boolean;
  },
): SearchArea {
  const { point, box, radius, openMask } = o;
  const inBox = (l: LocationRef) =>
    l.lat >= box.minLat && l.lat <= box.maxLat && l.lng >= box.minLng && l.lng <= box.maxLng;
  const keeps = (l: LocationRef) =>
    inBox(l) &&
    !(o.merchantId !== undefined && l.merchant_id !== o.merchantId) &&
    !(o.associationMembers && !o.associationMembers.has(l.merchant_id));
  const state = new Uint8Array(ref.maxMerchantId + 1);
  let merchantKm: Float64Array | undefined;
  const area: NearArea = {
    state,
    box,
    maxMerchant: ref.maxMerchantId,
    isNear(mid) {
      if (mid > ref.maxMerchantId) return false;
      let v = state[mid]!;
      if (v === 0) {
        v = 2;
        for (const l of ref.locationsByMerchant[mid] ?? []) {
          if (keeps(l)) {
            v = 1;
            break;
          }
        }
        state[mid] = v;
      }
      return v === 1;
    },
    distanceKm(mid) {
      merchantKm ??= new Float64Array(ref.maxMerchantId + 1).fill(-1);
      let d = merchantKm[mid]!;
      if (d < 0) {
        d = Number.POSITIVE_INFINITY;
        for (const l of ref.locationsByMerchant[mid] ?? [])
          if (keeps(l)) d = Math.min(d, haversineKm(point.lat, point.lng, l.lat, l.lng));
        merchantKm[mid] = d;
      }
      return d;
    },
    all() {
      const out: number[] = [];
      for (let row = cellOf(box.minLat); row <= cellOf(box.maxLat); row++) {
        for (let col = cellOf(box.minLng); col <= cellOf(box.maxLng); col++) {
          for (const l of ref.grid.get(cellKey(row, col)) ?? []) {
            if (state[l.merchant_id] !== 0 || !keeps(l)) continue;
            state[l.merchant_id] = 1;
            out.push(l.merchant_id);
          }
        }
      }
      return out;
    },
  };
  const safeRadius = Math.max(radius, 0.001);
  const facts = new Map<number, NearLocation>();
  const locationFacts = (l: LocationRef): NearLocation => {
    let f = facts.get(l.index);
    if (!f) {
      const d = haversineKm(point.lat, point.lng, l.lat, l.lng);
      const delivers = o.delivers(l);
      const open = openMask[l.index] === 1;
      f = {
        ref: l,
        offers:
          inBox(l) &&
          d <= radius &&
          !(o.fulfilment === 'pickup' && !l.pickup) &&
          !(o.fulfilment === 'delivery' && !delivers) &&
          !(o.openNow && !open),
        distance_km: d,
        proximity: Math.max(0, 1 - d / safeRadius),
        delivers,
        open,
      };
      facts.set(l.index, f);
    }
    return f;
  };
  return { area, keeps, locationFacts };
}
