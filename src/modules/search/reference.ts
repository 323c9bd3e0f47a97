import type { Database } from '../../db/database.ts';
import { type OpeningHours, parseHours, WEEK_DAYS } from '../common/hours.ts';
import { type DeliveryReach, deliveryReachOf } from '../merchants/index.ts';
import { loadRegion, regionGeneration } from '../region/index.ts';
import { fold } from './normalize.ts';
import {
  approvedLocationsAfter,
  approvedMerchantsAfter,
  referenceSmallRows,
} from './reference.repository.ts';

export interface Category {
  id: number;
  slug: string;
  name_fr: string;
  name_en: string;
  folded: string;
  tokens: string[];
}
export interface MerchantRef {
  id: number;
  slug: string;
  name: string;
  folded: string;
  tokens: string[];
}
export interface LocationRef {
  id: number;
  merchant_id: number;
  lat: number;
  lng: number;
  pickup: number;
  delivery_radius_km: number;
  /** Its delivery zones, folded (merchants module), or undefined when it does not deliver. */
  reach?: DeliveryReach;
  hours_json: string;
  /** Position in `Reference.locations` (per-search arrays are indexed by it). */
  index: number;
  /** Opening hours parsed once. */
  hours: OpeningHours;
  /** Opening intervals in minutes since midnight, per weekday (0 = Monday): [open, close, open, close...]. */
  minutes: number[][];
}
export interface Reference {
  at: number;
  categories: Category[];
  categoryBySlug: Map<string, Category>;
  categoryById: Map<number, Category>;
  merchants: MerchantRef[];
  merchantBySlug: Map<string, MerchantRef>;
  merchantById: Map<number, MerchantRef>;
  associations: { id: number; slug: string; name: string; members: Set<number> }[];
  memberships: Map<number, number[]>;
  /** Towns with their postal prefixes (FSA, upper-case) for postal-code places. */
  municipalities: { name: string; folded: string; lat: number; lng: number; prefixes: string[] }[];
  /** Every location of an approved merchant (a few tens of thousands at most: kept in memory). */
  locations: LocationRef[];
  /** Locations of each approved merchant, indexed by merchant id (a dense array: no hashing per hit). */
  locationsByMerchant: (LocationRef[] | undefined)[];
  /** Locations bucketed by GRID_DEG cells (key: cellKey(row, col)), so a search reads only the cells its box overlaps. */
  grid: Map<number, LocationRef[]>;
  /** Largest approved merchant id (sizes per-search arrays). */
  maxMerchantId: number;
  /** The region's centre, time zone and default radius (region module settings). */
  center: { lat: number; lng: number };
  timezone: string;
  defaultRadiusKm: number;
}

/** Grid cell size in degrees (about 5.5 km north-south, 3.9 km east-west here). */
export const GRID_DEG = 0.05;
export const cellOf = (deg: number) => Math.floor(deg / GRID_DEG);
export const cellKey = (row: number, col: number) => row * 100_000 + col;
/** "09:30" → 570. */
export const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

const TTL_MS = 30_000;
const cache = new WeakMap<Database, Promise<Reference>>();
const loadedAt = new WeakMap<Database, number>();
const stale = new WeakSet<Database>();
const generationOf = new WeakMap<Database, number>();
/** The reference data the cache holds once loaded (markReferenceStale reads its merchants). */
const loaded = new WeakMap<Database, Reference>();
/** Background reloads in progress (past TTL_MS), per database. */
const refreshing = new WeakMap<Database, Promise<void>>();

/**
 * Small, slowly-changing reference data every search needs (categories, approved merchants,
 * association memberships, municipalities, region centre), cached per database for 30 s.
 * Past 30 s the cached data is still returned while a reload runs in the background (in pages,
 * yielding to the event loop: a whole reload of the 1M region held it ~0.9 s, every 30 s, under
 * load); a change this process made (region settings, markReferenceStale, clearReferenceCache)
 * is still waited for.
 */
export function reference(database: Database): Promise<Reference> {
  const at = loadedAt.get(database) ?? 0;
  const hit = cache.get(database);
  // A region change made by this process (centre, radius, time zone) reloads at once.
  const current = regionGeneration(database.db);
  if (hit && !stale.has(database) && generationOf.get(database) === current) {
    if (Date.now() - at >= TTL_MS && !refreshing.has(database)) refreshInBackground(database, hit);
    return hit;
  }
  generationOf.set(database, current);
  stale.delete(database);
  const p = load(database);
  cache.set(database, p);
  loadedAt.set(database, Date.now());
  p.then(
    (r) => {
      if (cache.get(database) === p) loaded.set(database, r);
    },
    () => {
      cache.delete(database);
      loaded.delete(database);
    },
  );
  return p;
}

/** Reloads expired data while `served` is still answered; replaces it unless something newer did. */
function refreshInBackground(database: Database, served: Promise<Reference>): void {
  loadedAt.set(database, Date.now());
  const done = served
    .then((previous) => load(database, previous))
    .then(
      (fresh) => {
        if (cache.get(database) !== served) return;
        cache.set(database, Promise.resolve(fresh));
        loaded.set(database, fresh);
      },
      // Not swallowed: the next call reloads in the foreground and its caller gets the error.
      () => {
        stale.add(database);
      },
    )
    .finally(() => refreshing.delete(database));
  refreshing.set(database, done);
}

/** The background reload of expired reference data in progress, if any (settles when it is in place). */
export function referenceRefresh(database: Database): Promise<void> | undefined {
  return refreshing.get(database);
}

/**
 * Products of these merchants were (re)indexed: a newly approved merchant may have its first
 * products, so the next search reloads the reference data instead of waiting for the 30 s expiry.
 * Only then: products of merchants it already holds change nothing in it, and a reload of a large
 * region costs 0.3-0.5 s of CPU (PERFORMANCE.md, "text-hit cache under product writes"): a shop
 * syncing its catalogue all day made every search after each write pay it.
 */
export function markReferenceStale(database: Database, merchantIds: Iterable<number>): void {
  if (!cache.has(database)) return;
  const known = loaded.get(database);
  if (known) {
    let allKnown = true;
    for (const id of merchantIds)
      if (!known.merchantById.has(id)) {
        allKnown = false;
        break;
      }
    if (allKnown) return;
  }
  stale.add(database);
}

/** Forget cached reference data (tests, after a bulk load). */
export function clearReferenceCache(database: Database): void {
  cache.delete(database);
  loaded.delete(database);
}

/** Rows per query, and per slice of work between two turns of the event loop, when (re)loading. */
let PAGE = 500;

/** Sets the rows per page of a reload (tests walk many pages of a small region); returns the previous one. */
export function setReferencePageSize(rows: number): number {
  const was = PAGE;
  PAGE = rows;
  return was;
}
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Reads and prepares the reference data in pages of PAGE rows, letting the event loop run
 * between pages: requests keep being answered while a reload runs. A merchant unchanged since
 * `previous` keeps its object (folding 20,000 names was a good part of a reload's CPU).
 */
async function load(database: Database, previous?: Reference): Promise<Reference> {
  const [[cats, assoc, members, munis], region] = await Promise.all([
    referenceSmallRows(database.db),
    loadRegion(database.db),
  ]);
  await nextTurn();
  const tokens = (folded: string) => folded.split(/[^a-z0-9]+/).filter(Boolean);
  const categories = cats.map((c) => {
    const folded = fold(`${c.name_fr} ${c.name_en}`);
    return { ...c, id: Number(c.id), folded, tokens: tokens(folded) };
  });
  const memberships = new Map<number, number[]>();
  const assocs = assoc.map((a) => ({
    id: Number(a.id),
    slug: a.slug,
    name: a.name,
    members: new Set<number>(),
  }));
  const byId = new Map(assocs.map((a) => [a.id, a]));
  for (const m of members) {
    const a = byId.get(Number(m.association_id));
    if (!a) continue;
    a.members.add(Number(m.merchant_id));
    const list = memberships.get(Number(m.merchant_id)) ?? [];
    list.push(a.id);
    memberships.set(Number(m.merchant_id), list);
  }
  // Every map is filled page by page, so no step holds the loop for the whole region.
  const ms: MerchantRef[] = [];
  const merchantBySlug = new Map<string, MerchantRef>();
  const merchantById = new Map<number, MerchantRef>();
  let maxMerchantId = 0;
  for (let after = 0; ; ) {
    await nextTurn();
    const page = await approvedMerchantsAfter(database.db, after, PAGE);
    for (const m of page) {
      const id = Number(m.id);
      const was = previous?.merchantById.get(id);
      let ref: MerchantRef;
      if (was && was.slug === m.slug && was.name === m.display_name) ref = was;
      else {
        const folded = fold(m.display_name);
        ref = { id, slug: m.slug, name: m.display_name, folded, tokens: tokens(folded) };
      }
      ms.push(ref);
      merchantBySlug.set(ref.slug, ref);
      merchantById.set(id, ref);
      if (id > maxMerchantId) maxMerchantId = id;
    }
    if (page.length < PAGE) break;
    after = Number(page[page.length - 1]!.id);
  }
  // Locations share a handful of opening-hour texts and delivery settings (4 and 2,289 distinct
  // among 21,632 locations of the 1M demo region): each is parsed once and its objects shared
  // (read-only), which took the reference data from ~73 MB of heap to a few MB (issue 19).
  const hoursByJson = new Map<string, { json: string; hours: OpeningHours; minutes: number[][] }>();
  const reachByKey = new Map<string, DeliveryReach | undefined>();
  const locations: LocationRef[] = [];
  const grid = new Map<number, LocationRef[]>();
  const locationsByMerchant: (LocationRef[] | undefined)[] = [];
  for (let after = 0; ; ) {
    await nextTurn();
    const page = await approvedLocationsAfter(database.db, after, PAGE);
    for (const { delivery_zones_json, delivery_fee_cents, ...l } of page) {
      // Pages are separate reads: a merchant approved between them waits for the next reload.
      if (!merchantById.has(Number(l.merchant_id))) continue;
      let h = hoursByJson.get(l.hours_json);
      if (!h) {
        const hours = parseHours(l.hours_json);
        const minutes = WEEK_DAYS.map((d) =>
          (hours[d] ?? []).flatMap(([open, close]) => [toMinutes(open), toMinutes(close)]),
        );
        h = { json: l.hours_json, hours, minutes };
        hoursByJson.set(l.hours_json, h);
      }
      const reachKey = `${delivery_zones_json}|${l.delivery_radius_km}|${delivery_fee_cents}`;
      let reach = reachByKey.get(reachKey);
      if (reach === undefined && !reachByKey.has(reachKey)) {
        reach = deliveryReachOf({
          delivery_zones_json,
          delivery_radius_km: Number(l.delivery_radius_km),
          delivery_fee_cents: Number(delivery_fee_cents),
        });
        reachByKey.set(reachKey, reach);
      }
      const loc: LocationRef = {
        id: Number(l.id),
        merchant_id: Number(l.merchant_id),
        lat: l.lat,
        lng: l.lng,
        pickup: Number(l.pickup),
        delivery_radius_km: Number(l.delivery_radius_km),
        reach,
        hours_json: h.json,
        index: locations.length,
        hours: h.hours,
        minutes: h.minutes,
      };
      locations.push(loc);
      const key = cellKey(cellOf(loc.lat), cellOf(loc.lng));
      const cell = grid.get(key);
      if (cell) cell.push(loc);
      else grid.set(key, [loc]);
      const own = locationsByMerchant[loc.merchant_id];
      if (own) own.push(loc);
      else locationsByMerchant[loc.merchant_id] = [loc];
    }
    if (page.length < PAGE) break;
    after = Number(page[page.length - 1]!.id);
  }
  await nextTurn();
  return {
    at: Date.now(),
    categories,
    categoryBySlug: new Map(categories.map((c) => [c.slug, c])),
    categoryById: new Map(categories.map((c) => [c.id, c])),
    merchants: ms,
    merchantBySlug,
    merchantById,
    associations: assocs,
    memberships,
    locations,
    locationsByMerchant,
    grid,
    maxMerchantId,
    municipalities: munis.map((m) => ({
      name: m.name,
      folded: fold(m.name),
      lat: m.lat,
      lng: m.lng,
      prefixes: m.postal_prefixes.split(/\s+/).filter(Boolean),
    })),
    center: { lat: region.center_lat, lng: region.center_lng },
    timezone: region.timezone,
    defaultRadiusKm: region.default_radius_km,
  };
}
