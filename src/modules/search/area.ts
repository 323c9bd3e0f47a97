/**
 * The area of a search: which merchants have a location in the box (lazily, per merchant), and
 * each nearby location's distance, delivery and opening, computed once per search.
 */
import { haversineKm } from '../common/geo.ts';
import { localDayAndTime, type OpeningHours } from '../common/hours.ts';
import { type DeliveryPlace, type DeliveryReach, deliveryPlace, reachesPlace } from '../merchants/index.ts';
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

/**
 * The local weekday and minute of the last UTC minute asked, per time zone: Intl formatting costs
 * more than the rest of a small search, and every search of a minute asks the same (zone offsets
 * are whole minutes, so the UTC minute decides the local one).
 */
const lastMinute = new Map<string, { utcMinute: number; day: number; t: number }>();

/** Which locations are open at an instant, in the region's time zone (indexed by LocationRef.index). */
export function openMaskAt(ref: Reference, now: Date): Uint8Array {
  const utcMinute = Math.floor(now.getTime() / 60_000);
  let known = lastMinute.get(ref.timezone);
  if (known?.utcMinute !== utcMinute) {
    const at = clock(now, ref.timezone);
    known = { utcMinute, day: DAY_INDEX[at.day] ?? 0, t: toMinutes(at.time) };
    lastMinute.set(ref.timezone, known);
  }
  return openLocations(ref, known.day, known.t);
}

/** A store's delivery reach split in two: its town and postal zones, and whether a radius zone applies. */
interface SplitReach {
  byArea: DeliveryReach;
  radiusKm: number;
}
const splitReaches = new WeakMap<DeliveryReach, SplitReach>();
function split(reach: DeliveryReach): SplitReach {
  let s = splitReaches.get(reach);
  if (!s) {
    s = {
      byArea: { radius_km: null, zones: reach.zones.filter((z) => z.byArea) },
      radiusKm: reach.radius_km && reach.zones.some((z) => !z.byArea) ? reach.radius_km : 0,
    };
    splitReaches.set(reach, s);
  }
  return s;
}

/** The split reach of each location by position in ref.locations, filled on first use. */
const splitsByRef = new WeakMap<Reference, (SplitReach | undefined)[]>();
function splitsOf(ref: Reference): (SplitReach | undefined)[] {
  let a = splitsByRef.get(ref);
  if (!a) {
    a = new Array(ref.locations.length);
    splitsByRef.set(ref, a);
  }
  return a;
}

/**
 * Per reference and per place (its towns and postal prefixes), which locations' town or postal
 * zones cover it (0 not asked yet, 1 yes, 2 no): shoppers stand in a few places (a town, or the
 * town nearest their coordinates), so the zone checks are made once per location and place rather
 * than once per search. Bounded; dropped with the reference.
 */
const areaCover = new WeakMap<Reference, Map<string, Uint8Array>>();
const MAX_PLACES = 1000;
function areaCoverOf(ref: Reference, place: DeliveryPlace): Uint8Array {
  let byPlace = areaCover.get(ref);
  if (!byPlace) {
    byPlace = new Map();
    areaCover.set(ref, byPlace);
  }
  const key = `${[...place.towns].sort().join('|')}#${[...place.prefixes].sort().join('|')}`;
  let memo = byPlace.get(key);
  if (!memo) {
    if (byPlace.size >= MAX_PLACES) byPlace.clear();
    memo = new Uint8Array(ref.locations.length);
    byPlace.set(key, memo);
  }
  return memo;
}

/**
 * The functions deliversTo made, each with the same answer by location position: from bytes
 * (MerchantLocations.reach, the place's remembered cover) without reading the location object
 * once its answer for the place is known. LocationFacts.deliversAt asks it for every result
 * counted, where the object's read was a cache miss each (profiled as a third of the facet count).
 */
const deliversByIndex = new WeakMap<(l: LocationRef) => boolean, (i: number) => boolean>();

/**
 * Whether a location delivers to the search's place: its delivery zones (towns, postal prefixes,
 * radius) against the town or postal code searched from, else the town nearest the point
 * (`reachesPlace`, in two parts: the town and postal zones remembered per place, the radius
 * measured per search). The place is built on the first question.
 */
export function deliversTo(ref: Reference, point: ResolvedPoint): (l: LocationRef) => boolean {
  let place: DeliveryPlace | undefined;
  let covered: Uint8Array | undefined;
  let byRadius: Uint8Array | undefined;
  let splits: (SplitReach | undefined)[] | undefined;
  const delivers = (l: LocationRef) => {
    if (!l.reach) return false;
    place ??= deliveryPlace(ref.municipalities, { point, town: point.town, postal: point.postal });
    covered ??= areaCoverOf(ref, place);
    splits ??= splitsOf(ref);
    const i = l.index;
    // A location's reach is split once per reference (an array read, not a WeakMap lookup per call).
    const r = splits[i] ?? split(l.reach);
    splits[i] = r;
    let v = i < covered.length ? covered[i]! : 0;
    if (v === 0) {
      v = reachesPlace(r.byArea, l, place) ? 1 : 2;
      if (i < covered.length) covered[i] = v;
    }
    if (v === 1) return true;
    if (r.radiusKm === 0) return false;
    byRadius ??= new Uint8Array(ref.locations.length);
    let w = byRadius[i]!;
    if (w === 0) {
      w = haversineKm(l.lat, l.lng, place.point.lat, place.point.lng) <= r.radiusKm ? 1 : 2;
      byRadius[i] = w;
    }
    return w === 1;
  };
  const at = merchantLocationsOf(ref);
  deliversByIndex.set(delivers, (i) => {
    if (at.reach[i] === 0) return false;
    // Known for the place (cover, split reach): the closure's later steps on the same numbers.
    const r = splits?.[i];
    const v = covered !== undefined && i < covered.length ? covered[i]! : 0;
    if (r === undefined || v === 0 || place === undefined) return delivers(ref.locations[i]!);
    if (v === 1) return true;
    if (r.radiusKm === 0) return false;
    byRadius ??= new Uint8Array(ref.locations.length);
    let w = byRadius[i]!;
    if (w === 0) {
      w = haversineKm(at.latAt[i]!, at.lngAt[i]!, place.point.lat, place.point.lng) <= r.radiusKm ? 1 : 2;
      byRadius[i] = w;
    }
    return w === 1;
  });
  return delivers;
}

type Box = { minLat: number; maxLat: number; minLng: number; maxLng: number };

/** The search's area and its location-level filters. */
export interface SearchArea {
  area: NearArea;
  /** A location in the box and kept by the merchant/association filters. */
  keeps: (l: LocationRef) => boolean;
  /** A location's facts for this search (memoised). */
  locationFacts: (l: LocationRef) => NearLocation;
  /** The same facts in typed arrays, for the text search's hot path (scoring.ts rankHits). */
  facts: LocationFacts;
}

/** `LocationFacts.flags`: the location offers in this search (box, radius, fulfilment and open filters). */
export const OFFERS = 1;
/** `LocationFacts.flags`: the location is open at the search's instant. */
export const OPEN = 2;

/**
 * A location's facts for one search without an object per location: `flags(l)` computes them once
 * per search and returns OFFERS | OPEN; then `dist[l.index]` and `prox[l.index]` hold its distance
 * (km) and proximity (1 - distance/radius, at least 0). Whether it delivers to the place is asked
 * apart (`delivers`): only the delivery filter and the shown or counted offers need it.
 */
export interface LocationFacts {
  flags(l: LocationRef): number;
  /** `flags` of the location at position `i` of ref.locations. */
  flagsAt(i: number): number;
  /** The reference's merchant locations in typed arrays (merchantLocationsOf). */
  merchants: MerchantLocations;
  dist: Float64Array;
  prox: Float64Array;
  delivers(l: LocationRef): boolean;
  /** `delivers` of the location at position `i` of ref.locations, remembered for the search. */
  deliversAt(i: number): boolean;
}

/**
 * Per-process arrays behind LocationFacts and NearArea.distanceKm, indexed by location position
 * and merchant id. An entry counts only for the search whose stamp it carries, so no search
 * allocates or clears them, and a search resumed after an await (another search wrote meanwhile)
 * recomputes what it reads rather than trusting another's value.
 */
const scratch = {
  stamp: 0,
  locStamp: new Int32Array(0),
  locFlags: new Uint8Array(0),
  locDist: new Float64Array(0),
  locProx: new Float64Array(0),
  /** Delivery to the place, per location: 1 yes, 2 no (valid with `locStamp2`). */
  locStamp2: new Int32Array(0),
  /** `locDist` holds this search's distance (valid with `locStampD`): distanceKm and flags share it. */
  locStampD: new Int32Array(0),
  locDelivers: new Uint8Array(0),
  merchantStamp: new Int32Array(0),
  merchantKm: new Float64Array(0),
};

function nextStamp(locations: number, merchants: number): number {
  const s = scratch;
  if (s.locStamp.length < locations) {
    const n = Math.max(locations, s.locStamp.length * 2);
    s.locStamp = new Int32Array(n);
    s.locFlags = new Uint8Array(n);
    s.locDist = new Float64Array(n);
    s.locProx = new Float64Array(n);
    s.locStamp2 = new Int32Array(n);
    s.locStampD = new Int32Array(n);
    s.locDelivers = new Uint8Array(n);
  }
  if (s.merchantStamp.length < merchants) {
    const n = Math.max(merchants, s.merchantStamp.length * 2);
    s.merchantStamp = new Int32Array(n);
    s.merchantKm = new Float64Array(n);
  }
  if (s.stamp === 0x7fffffff) {
    s.stamp = 0;
    s.locStamp.fill(0);
    s.locStamp2.fill(0);
    s.locStampD.fill(0);
    s.merchantStamp.fill(0);
  }
  return ++s.stamp;
}

/**
 * Each merchant's locations in typed arrays, built once per reference: for j in
 * `start[mid]..start[mid + 1]` (ref.locationsByMerchant's order), `lat[j]`, `lng[j]`, `index[j]`
 * (position in ref.locations) and `id[j]`; `pickup` by position. isNear and distanceKm run for
 * every merchant with a near hit, thousands per search of a common word, and rankHits for every
 * candidate: array reads cost far less than the location objects' fields (profiled as most of the
 * candidate selection). The same numbers, in the same order, so the same answers.
 */
export interface MerchantLocations {
  start: Int32Array;
  lat: Float64Array;
  lng: Float64Array;
  index: Int32Array;
  id: Int32Array;
  /** By position in ref.locations: its coordinates, whether it offers pickup (1), has a delivery reach (1). */
  latAt: Float64Array;
  lngAt: Float64Array;
  pickup: Uint8Array;
  reach: Uint8Array;
}
const merchantLocations = new WeakMap<Reference, MerchantLocations>();
export function merchantLocationsOf(ref: Reference): MerchantLocations {
  let out = merchantLocations.get(ref);
  if (!out) {
    const byMerchant = ref.locationsByMerchant;
    const start = new Int32Array(byMerchant.length + 1);
    for (let mid = 0; mid < byMerchant.length; mid++)
      start[mid + 1] = start[mid]! + (byMerchant[mid]?.length ?? 0);
    const size = start[byMerchant.length]!;
    out = {
      start,
      lat: new Float64Array(size),
      lng: new Float64Array(size),
      index: new Int32Array(size),
      id: new Int32Array(size),
      latAt: new Float64Array(ref.locations.length),
      lngAt: new Float64Array(ref.locations.length),
      pickup: new Uint8Array(ref.locations.length),
      reach: new Uint8Array(ref.locations.length),
    };
    for (let mid = 0; mid < byMerchant.length; mid++) {
      const list = byMerchant[mid] ?? [];
      for (let k = 0; k < list.length; k++) {
        const j = start[mid]! + k;
        out.lat[j] = list[k]!.lat;
        out.lng[j] = list[k]!.lng;
        out.index[j] = list[k]!.index;
        out.id[j] = list[k]!.id;
      }
    }
    for (const l of ref.locations) {
      out.latAt[l.index] = l.lat;
      out.lngAt[l.index] = l.lng;
      out.pickup[l.index] = Number(l.pickup) ? 1 : 0;
      out.reach[l.index] = l.reach ? 1 : 0;
    }
    merchantLocations.set(ref, out);
  }
  return out;
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
  // keeps' merchant filters (a location's merchant is the one it is listed under).
  const merchantKept = (mid: number) =>
    !(o.merchantId !== undefined && mid !== o.merchantId) &&
    !(o.associationMembers && !o.associationMembers.has(mid));
  const at = merchantLocationsOf(ref);
  const state = new Uint8Array(ref.maxMerchantId + 1);
  const stamp = nextStamp(ref.locations.length, ref.maxMerchantId + 1);
  // This search's view of the shared arrays (a later search may widen them: these stay consistent).
  const {
    locStamp,
    locFlags,
    locDist,
    locProx,
    locStamp2,
    locStampD,
    locDelivers,
    merchantStamp,
    merchantKm,
  } = scratch;
  /** The distance to the location at position i (lat, lng), computed once per search. */
  const distanceAt = (i: number, lat: number, lng: number) => {
    if (locStampD[i] !== stamp) {
      locDist[i] = haversineKm(point.lat, point.lng, lat, lng);
      locStampD[i] = stamp;
    }
    return locDist[i]!;
  };
  const area: NearArea = {
    state,
    box,
    maxMerchant: ref.maxMerchantId,
    // keeps(l) over the merchant's locations, read from typed arrays (merchantLocationsOf).
    isNear(mid) {
      if (mid > ref.maxMerchantId) return false;
      let v = state[mid]!;
      if (v === 0) {
        v = 2;
        if (merchantKept(mid) && mid + 1 < at.start.length) {
          for (let j = at.start[mid]!, end = at.start[mid + 1]!; j < end; j++) {
            const lat = at.lat[j]!;
            const lng = at.lng[j]!;
            if (lat >= box.minLat && lat <= box.maxLat && lng >= box.minLng && lng <= box.maxLng) {
              v = 1;
              break;
            }
          }
        }
        state[mid] = v;
      }
      return v === 1;
    },
    distanceKm(mid) {
      if (mid < merchantStamp.length && merchantStamp[mid] === stamp) return merchantKm[mid]!;
      let d = Number.POSITIVE_INFINITY;
      if (merchantKept(mid) && mid + 1 < at.start.length) {
        for (let j = at.start[mid]!, end = at.start[mid + 1]!; j < end; j++) {
          const lat = at.lat[j]!;
          const lng = at.lng[j]!;
          if (lat >= box.minLat && lat <= box.maxLat && lng >= box.minLng && lng <= box.maxLng)
            d = Math.min(d, distanceAt(at.index[j]!, lat, lng));
        }
      }
      if (mid < merchantStamp.length) {
        merchantStamp[mid] = stamp;
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
  const memo = new Map<number, NearLocation>();
  const locationFacts = (l: LocationRef): NearLocation => {
    let f = memo.get(l.index);
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
      memo.set(l.index, f);
    }
    return f;
  };
  const wantDelivery = o.fulfilment === 'delivery';
  const byIndex = deliversByIndex.get(o.delivers);
  const wantPickup = o.fulfilment === 'pickup';
  const facts: LocationFacts = {
    dist: locDist,
    prox: locProx,
    merchants: at,
    flags(l) {
      return facts.flagsAt(l.index);
    },
    delivers: o.delivers,
    deliversAt(i) {
      if (locStamp2[i] !== stamp) {
        locStamp2[i] = stamp;
        locDelivers[i] = (byIndex ? byIndex(i) : o.delivers(ref.locations[i]!)) ? 1 : 2;
      }
      return locDelivers[i] === 1;
    },
    // From the typed arrays (merchantLocationsOf): the same values as the location's fields.
    flagsAt(i) {
      if (locStamp[i] === stamp) return locFlags[i]!;
      const lat = at.latAt[i]!;
      const lng = at.lngAt[i]!;
      // Same expressions as locationFacts (the answers must not move by a rounding).
      const d = distanceAt(i, lat, lng);
      const open = openMask[i] === 1;
      const offers =
        lat >= box.minLat &&
        lat <= box.maxLat &&
        lng >= box.minLng &&
        lng <= box.maxLng &&
        d <= radius &&
        !(wantPickup && !at.pickup[i]) &&
        !(wantDelivery && !o.delivers(ref.locations[i]!)) &&
        !(o.openNow && !open);
      const f = (offers ? OFFERS : 0) | (open ? OPEN : 0);
      locStamp[i] = stamp;
      locFlags[i] = f;
      locProx[i] = Math.max(0, 1 - d / safeRadius);
      return f;
    },
  };
  return { area, keeps, locationFacts, facts };
}
