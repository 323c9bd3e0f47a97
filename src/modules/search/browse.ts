import { haversineKm } from '../common/geo.ts';
import { keepBrowse, lookupBrowse } from './browse-cache.ts';
import {
  browseIndex,
  type GroupTable,
  groupOf,
  listed,
  locationSummary,
  M_BUCKETS,
  M_FLAGS,
  M_NBUCKETS,
  M_NCATS,
  M_NLABELS,
  M_NSHARED,
  M_SHARED,
  M_SOLO,
  M_SOLO_AVAILABLE,
  M_STATS,
  META,
  type MerchantSummary,
  merchantSummary,
} from './browse-index.ts';
import { availableAt, type CatalogMemory } from './memory.ts';
import type { LocationRef, Reference } from './reference.ts';
import type { FacetValue, Lang, Scored, SortKey } from './search.types.ts';
import { widened } from './typed-arrays.ts';

/**
 * Browsing without words (a category page, "everything near me", the home page's nearby
 * products): every active product of the merchants with a location in the radius is ranked and
 * counted, so `total` and the facets are exact. The work is a pass over typed arrays: products are
 * listed by merchant once per catalogue (an index derived from memory.ts), the nearby locations
 * come from one pass over the reference's locations kept in merchant order (flat coordinates, no
 * sort per search), each product keeps its best offer in scratch arrays (no object per product),
 * GTIN groups are resolved through dense group numbers, facets are counted per merchant and
 * category, and only the requested page is sorted (a bounded heap).
 * Same semantics as the word path of search.service.ts with a text relevance of 0.
 *
 * The pass is bound by memory reads (a million products at 1M, half a million GTIN groups), so it
 * touches as little as it can: offering locations are found in the order they are used; a
 * merchant with a single location is read from its location summary (browse-index.ts: counts per
 * category and label for searches without product filters), and its products compete for the
 * page only when the summary's best possible key can beat the worst kept result; a merchant with
 * several locations is read from its merchant summary (buckets by where the products are
 * available, one best offer worked out per bucket); GTIN groups of several products are resolved
 * group by group over the GroupTable's members (browse-index.ts) in one sequential pass of its own
 * (groupPass: each member's price held in the table, its own filters checked before its
 * merchant's offering record is read, that record one small per-merchant entry, and a group's
 * result written as it is, not through the per-group state, unless a product changed since the
 * build shares the group); the merchant facet selects its 20 first instead of sorting every
 * merchant, and the association facet adds counts over flat membership lists.
 *
 * Once the offering locations are found, an answer kept for the same ones, point, filters, sort
 * and page is returned instead, unless one of their merchants' products changed since
 * (browse-cache.ts: shoppers share points, a town's or the region's centre).
 */

/** Per-process scratch arrays (a browse runs synchronously from scan to page: no sharing across awaits). */
let cap = 0;
let kPid = new Int32Array(0);
let kOff = new Int32Array(0);
let kAvail = new Int32Array(0);
let kOffers = new Int32Array(0);
/** Category * 256 + Québec label of each kept product (the facet pass reads no catalogue array). */
let kCq = new Int32Array(0);
/** The GroupTable row of a result of the GTIN-group pass (to merge it with the other paths' members). */
let kRow = new Int32Array(0);
let kScore = new Float64Array(0);
let kDist = new Float64Array(0);
let kKey = new Float64Array(0);

function ensure(n: number) {
  if (n <= cap) return;
  const size = Math.max(n, cap * 2, 1024);
  const widen = <T extends Int32Array | Float64Array>(a: T): T => widened(a, size);
  kPid = widen(kPid);
  kOff = widen(kOff);
  kAvail = widen(kAvail);
  kOffers = widen(kOffers);
  kCq = widen(kCq);
  kRow = widen(kRow);
  kScore = widen(kScore);
  kDist = widen(kDist);
  kKey = widen(kKey);
  cap = size;
}

/** Locations are ordered as merchant id * LOCATION_SPAN + position (positions stay below it). */
const LOCATION_SPAN = 2 ** 21;

/**
 * A reference's locations in merchant then position order (what a browse visits them in), with
 * their coordinates side by side: a browse reads them in one sequential pass instead of looking up
 * grid cells and sorting what it found. Per reference (a reference is not changed once loaded).
 */
interface LocationOrder {
  /** Positions in ref.locations. */
  pos: Int32Array;
  lat: Float64Array;
  lng: Float64Array;
  /** Per merchant id: 1 when the merchant has a single location in all. */
  alone: Uint8Array;
}
const locationOrders = new WeakMap<Reference, LocationOrder>();
/**
 * Built on a reference's first browse (a reload makes a new reference every 30 s), from the
 * merchants' location lists, already in that order: one pass, no sort (≈ 1–4 ms at 1M, where
 * sorting every location's key took up to 25 ms before the code was optimised). A reference whose
 * lists do not hold every location once in position order (not one reference.ts builds) is
 * ordered by a sort instead.
 */
function locationOrder(ref: Reference): LocationOrder {
  let o = locationOrders.get(ref);
  if (o) return o;
  const n = ref.locations.length;
  const byMerchant = ref.locationsByMerchant;
  const alone = new Uint8Array(byMerchant.length);
  o = { pos: new Int32Array(n), lat: new Float64Array(n), lng: new Float64Array(n), alone };
  let x = 0;
  let ordered = true;
  for (let mid = 0; mid < byMerchant.length; mid++) if ((byMerchant[mid]?.length ?? 0) <= 1) alone[mid] = 1;
  for (let mid = 0; mid < byMerchant.length && ordered; mid++) {
    const list = byMerchant[mid];
    if (!list) continue;
    let last = -1;
    for (let k = 0; k < list.length; k++) {
      const l = list[k]!;
      const i = l.index;
      if (x === n || i <= last || l.merchant_id !== mid || ref.locations[i] !== l) {
        ordered = false;
        break;
      }
      last = i;
      o.pos[x] = i;
      o.lat[x] = l.lat;
      o.lng[x] = l.lng;
      x++;
    }
  }
  if (!ordered || x !== n) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = ref.locations[i]!.merchant_id * LOCATION_SPAN + i;
    keys.sort();
    for (let y = 0; y < n; y++) {
      const i = keys[y]! % LOCATION_SPAN;
      const l = ref.locations[i]!;
      o.pos[y] = i;
      o.lat[y] = l.lat;
      o.lng[y] = l.lng;
    }
  }
  locationOrders.set(ref, o);
  return o;
}

/** Per-process scratch of the offering locations (position, distance, proximity, id, merchant, flags). */
let sPos = new Int32Array(0);
let sDist = new Float64Array(0);
let sProx = new Float64Array(0);
let sId = new Int32Array(0);
let sMid = new Int32Array(0);
let sFlags = new Uint8Array(0);

/**
 * Per GTIN group, side by side (one cache line for a group's comparison): the search stamp, the
 * best entry's order key and distance, and the best entry; and the group's offers.
 */
let groupState = new Float64Array(0);
let offersOf = new Int32Array(0);
let stampNow = 0;
/**
 * Per merchant id during the GTIN-group pass, four numbers side by side (one cache line read per
 * member instead of five arrays): 1 + its first offering location (negated when it has several,
 * 0 = none), and for one offering location its proximity, distance and location id.
 */
let mState = new Float64Array(0);
/** Per merchant id, a bit: it offers in the GTIN-group pass (mState's entry is set). */
let mBits = new Int32Array(0);

/** Widens the per-group scratch arrays to `n` groups, keeping their content (stamps stay valid). */
function growStamps(n: number) {
  if (n <= offersOf.length) return;
  const size = Math.max(n, offersOf.length * 2);
  const state = new Float64Array(size * 4);
  state.set(groupState);
  groupState = state;
  const offers = new Int32Array(size);
  offers.set(offersOf);
  offersOf = offers;
}

export interface BrowseQuery {
  point: { lat: number; lng: number };
  radius: number;
  /** Location-level filters that decide which merchants are near (box, merchant, association). */
  keeps: (l: LocationRef) => boolean;
  box: { minLat: number; maxLat: number; minLng: number; maxLng: number };
  fulfilment?: 'pickup' | 'delivery';
  /** Whether a location delivers to the search's place (area.ts `deliversTo`). */
  delivers: (l: LocationRef) => boolean;
  openNow: boolean;
  openMask: Uint8Array;
  categoryId: number;
  quebec: boolean;
  inStock: boolean;
  sort: SortKey;
  /** Results wanted: [offset, offset + limit) of the ordered results. */
  offset: number;
  limit: number;
  lang: Lang;
  weights: { proximity: number; inStock: number; quebec: number };
}

export interface BrowseResult {
  total: number;
  page: Scored[];
  facets: Facets;
}

export type Facets = {
  category: FacetValue[];
  quebec_label: FacetValue[];
  merchant: FacetValue[];
  association: FacetValue[];
  in_stock: FacetValue[];
  fulfilment: FacetValue[];
  open_now: FacetValue[];
};

/**
 * Merchants with a single offering location in the search (most of them) are not walked product
 * by product: their solo products (browse-index.ts LocationSummaries) are counted a bucket at a
 * time and only the heads of the buckets compete for the page; their products in GTIN groups of
 * several products are ranked one by one like every product of a merchant with several offering
 * locations. `walk: true` ranks every product one by one (the reference the tests compare to).
 */
export function browse(
  ref: Reference,
  m: CatalogMemory,
  q: BrowseQuery,
  o: { walk?: boolean } = {},
): BrowseResult {
  const ix = browseIndex(m);
  const summarise = o.walk !== true;
  const { point, radius, box } = q;
  const safeRadius = Math.max(radius, 0.001);

  // Offering locations: in the box and the radius, kept by the filters, in merchant then id order
  // (the order search.service.ts visits a merchant's locations in, which decides full ties). One
  // pass over the reference's locations already in that order with their coordinates side by side
  // (locationOrder): no grid lookup, no sort, and the offering locations' facts written in place.
  const lo = locationOrder(ref);
  const nLoc = lo.pos.length;
  if (sPos.length < nLoc) {
    sPos = new Int32Array(nLoc);
    sDist = new Float64Array(nLoc);
    sProx = new Float64Array(nLoc);
    sId = new Int32Array(nLoc);
    sMid = new Int32Array(nLoc);
    sFlags = new Uint8Array(nLoc);
  }
  const { minLat, maxLat, minLng, maxLng } = box;
  const { pos, lat: lLat, lng: lLng } = lo;
  const pickupOnly = q.fulfilment === 'pickup';
  const deliveryOnly = q.fulfilment === 'delivery';
  const openMask = q.openMask;
  let nOff = 0;
  for (let x = 0; x < nLoc; x++) {
    const la = lLat[x]!;
    const ln = lLng[x]!;
    if (la < minLat || la > maxLat || ln < minLng || ln > maxLng) continue;
    const d = haversineKm(point.lat, point.lng, la, ln);
    if (d > radius) continue;
    const l = ref.locations[pos[x]!]!;
    if (!q.keeps(l)) continue;
    if (pickupOnly && !l.pickup) continue;
    const delivers = q.delivers(l);
    if (deliveryOnly && !delivers) continue;
    const open = openMask[l.index] === 1;
    if (q.openNow && !open) continue;
    sPos[nOff] = pos[x]!;
    sDist[nOff] = d;
    sProx[nOff] = Math.max(0, 1 - d / safeRadius);
    sId[nOff] = l.id;
    sMid[nOff] = l.merchant_id;
    // Pickup (1), delivers to the place (2), open now (4), for the facets.
    sFlags[nOff] = (Number(l.pickup) ? 1 : 0) | (delivers ? 2 : 0) | (open ? 4 : 0);
    nOff++;
  }
  // Views on the per-process scratch (the browse runs synchronously to its end).
  const oPos = sPos.subarray(0, nOff);
  const oDist = sDist.subarray(0, nOff);
  const oProx = sProx.subarray(0, nOff);
  const oId = sId.subarray(0, nOff);
  const oMid = sMid.subarray(0, nOff);
  const oFlags = sFlags.subarray(0, nOff);
  // A kept answer for the same offering locations, point, filters, sort and page (browse-cache.ts),
  // unless one of the offering merchants changed since.
  const cached = summarise
    ? lookupBrowse(
        ref,
        m,
        ix,
        {
          lat: point.lat,
          lng: point.lng,
          radius,
          categoryId: q.categoryId,
          quebec: q.quebec,
          inStock: q.inStock,
          sort: q.sort,
          offset: q.offset,
          limit: q.limit,
          lang: q.lang,
          weights: q.weights,
        },
        { pos: oPos, flags: oFlags, mids: oMid, nOff, nLoc },
      )
    : undefined;
  if (cached?.hit) return cached.hit;

  const { merchant, category, quebec, price, gtin } = m;
  const wQ = q.weights.quebec;
  const wP = q.weights.proximity;
  const wS = q.weights.inStock;
  const cat = q.categoryId;
  const catBit = 1 << (cat & 31);
  let kept = 0;
  let extraGroups: Map<number, number> | undefined;
  // The group number of a GTIN key not carried at the build: numbered past the built groups.
  const lateGroup = (key: number) => {
    let g = groupOf(ix, key);
    if (g < 0) {
      extraGroups ??= new Map();
      g = extraGroups.get(key) ?? ix.groups + extraGroups.size;
      extraGroups.set(key, g);
      if (g >= offersOf.length) growStamps(g + 1);
    }
    return g;
  };
  // Order: the primary key per sort, then distance, then product id (search.service.ts `cmp`).
  const sort = q.sort;
  const before = (i: number, j: number) =>
    (kKey[i]! - kKey[j]! || kDist[i]! - kDist[j]! || kPid[i]! - kPid[j]!) < 0;
  // One result per GTIN: the first in the order stands for the group and counts its offers. Kept
  // entries are admitted as they are written: products without a group go to `singles`, groups
  // keep their best entry (groupState) and are listed once in `groupsSeen`.
  growStamps(ix.groups);
  if (++stampNow === 0x7fffffff) {
    groupState.fill(0);
    stampNow = 1;
  }
  const singles: number[] = [];
  const groupsSeen: number[] = [];
  const keyOf = (score: number, pid: number) =>
    sort === 'relevance'
      ? -score
      : sort === 'price_asc'
        ? price[pid]!
        : sort === 'price_desc'
          ? -price[pid]!
          : 0;
  const admit = (i: number, g: number, key: number, dist: number, offers: number) => {
    if (g < 0) {
      singles.push(i);
      return;
    }
    const o = g * 4;
    if (groupState[o] !== stampNow) {
      groupState[o] = stampNow;
      groupState[o + 1] = key;
      groupState[o + 2] = dist;
      groupState[o + 3] = i;
      offersOf[g] = offers;
      groupsSeen.push(g);
      return;
    }
    offersOf[g]! += offers;
    // `before` against the group's best, its key and distance read from the same line.
    const bk = groupState[o + 1]!;
    const bd = groupState[o + 2]!;
    if (key < bk || (key === bk && (dist < bd || (dist === bd && kPid[i]! < kPid[groupState[o + 3]!]!)))) {
      groupState[o + 1] = key;
      groupState[o + 2] = dist;
      groupState[o + 3] = i;
    }
  };
  const consider = (pid: number, mid: number, a: number, b: number) => {
    if (merchant[pid] !== mid) return; // archived or moved since the index was built
    if (summarise && listed(ix, m, pid)) return; // ranked by the GTIN-group pass
    if (cat && category[pid] !== cat) return;
    const qv = quebec[pid]!;
    if (q.quebec && qv === 0) return;
    const base = wQ * (qv ? 1 : 0);
    let best = -1;
    let bestScore = 0;
    let bestAvail = 0;
    let offers = 0;
    for (let j = a; j < b; j++) {
      const available = Math.max(0, availableAt(m, pid, oId[j]!));
      if (q.inStock && available <= 0) continue;
      const score = base + wP * oProx[j]! + wS * (available > 0 ? 1 : 0);
      offers++;
      if (best < 0 || score > bestScore || (score === bestScore && oDist[j]! < oDist[best]!)) {
        best = j;
        bestScore = score;
        bestAvail = available;
      }
    }
    if (best < 0) return;
    let g = -1;
    const key = gtin[pid]!;
    if (key !== 0) {
      const built = pid < ix.group.length ? ix.group[pid]! : -1;
      if (built >= 0 && ix.groupKeys[built] === key) g = built;
      else g = lateGroup(key);
    }
    kPid[kept] = pid;
    kOff[kept] = best;
    kAvail[kept] = bestAvail;
    kOffers[kept] = offers;
    kScore[kept] = bestScore;
    const dist = oDist[best]!;
    kDist[kept] = dist;
    const k = keyOf(bestScore, pid);
    kKey[kept] = k;
    kCq[kept] = category[pid]! * 256 + qv;
    admit(kept++, g, k, dist, offers);
  };
  // GTIN groups of several products at the build (browse-index.ts GroupTable): their results are
  // kept[t0, t1), one per group reached. Products added or changed since the build (the merchants'
  // pass below) may share one of these groups: then all are merged as `admit` does (in any order:
  // key, distance, then id).
  const t0 = kept;
  if (summarise) {
    kept = groupPass(ix.table, m, {
      nOff,
      oMid,
      oId,
      oProx,
      oDist,
      sort,
      cat,
      catBit,
      quebec: q.quebec,
      inStock: q.inStock,
      wQ,
      wP,
      wS,
      kept,
    });
  }
  const t1 = kept;

  // Merchants summarised at one location: the offering location, and its summary (counted below).
  // Merchants with several offering locations, summarised: offering locations [a, b), and per
  // offering location its bit in the summary's masks (oBit).
  const sumJ: number[] = [];
  const sumS: number[] = [];
  const multis: { mid: number; a: number; b: number; s: MerchantSummary }[] = [];
  const oBit = new Int8Array(summarise ? nOff : 0);
  for (let a = 0; a < nOff; ) {
    const mid = oMid[a]!;
    let b = a;
    while (b < nOff && oMid[b] === mid) b++;
    if (cat && mid < ix.categoryBits.length && (ix.categoryBits[mid]! & catBit) === 0) {
      a = b;
      continue;
    }
    // One location in all: its location summary; several (even if one offers here): the merchant's.
    if (summarise && b === a + 1 && (mid >= lo.alone.length || lo.alone[mid] === 1)) {
      const s = locationSummary(ix, m, mid, oId[a]!);
      sumJ.push(a);
      sumS.push(s);
      const L = ix.locs;
      const sh0 = L.meta[s * META + M_SHARED]!;
      const sh1 = sh0 + L.meta[s * META + M_NSHARED]!;
      if (sh1 > sh0) ensure(kept + sh1 - sh0);
      // Its products in GTIN groups: one offer each, facts read from the summary.
      const prox = oProx[a]!;
      const d = oDist[a]!;
      for (let i = sh0; i < sh1; i++) {
        const pid = L.shared[i]!;
        const key = L.sharedKeys[i]!;
        if (cat && key >> 9 !== cat) continue;
        const qv = (key >> 1) & 255;
        if (q.quebec && qv === 0) continue;
        const av = key & 1;
        if (q.inStock && av === 0) continue;
        let g = L.sharedGroups[i]!;
        if (g < 0) g = lateGroup(gtin[pid]!);
        kPid[kept] = pid;
        kOff[kept] = a;
        kAvail[kept] = av;
        kOffers[kept] = 1;
        const score = wQ * (qv ? 1 : 0) + wP * prox + wS * av;
        kScore[kept] = score;
        kDist[kept] = d;
        const k = keyOf(score, pid);
        kKey[kept] = k;
        kCq[kept] = (key >> 9) * 256 + qv;
        admit(kept++, g, k, d, 1);
      }
      a = b;
      continue;
    }
    if (summarise) {
      const s = merchantSummary(ix, m, mid, ref.locationsByMerchant[mid] ?? []);
      let mapped = s !== undefined;
      for (let j = a; mapped && j < b; j++) {
        const bit = s!.locs.indexOf(oId[j]!);
        oBit[j] = bit;
        if (bit < 0) mapped = false; // a location added since the summary: product by product
      }
      if (mapped) {
        multis.push({ mid, a, b, s: s! });
        ensure(kept + s!.others.length);
        for (const pid of s!.others) consider(pid, mid, a, b);
        a = b;
        continue;
      }
    }
    ensure(
      kept +
        (mid + 1 < ix.start.length ? ix.start[mid + 1]! - ix.start[mid]! : 0) +
        (ix.overflow.get(mid)?.size ?? 0),
    );
    if (mid + 1 < ix.start.length) {
      const end = ix.start[mid + 1]!;
      for (let i = ix.start[mid]!; i < end; i++) consider(ix.ids[i]!, mid, a, b);
    }
    const more = ix.overflow.get(mid);
    if (more) for (const pid of more) consider(pid, mid, a, b);
    a = b;
  }

  const merged = groupsSeen.length > 0;
  if (merged)
    for (let i = t0; i < t1; i++) admit(i, ix.table.group[kRow[i]!]!, kKey[i]!, kDist[i]!, kOffers[i]!);

  // Facets over the results (one per GTIN group), counted without objects, and the top of the order.
  const catCount = new Int32Array(maxCategoryId(ref) + 1);
  const qCount = new Int32Array(256);
  // Results per merchant (indexed by merchant id) and the merchants counted, in first-count order.
  const mCount = counts(nOff === 0 ? 1 : oMid[nOff - 1]! + 1);
  const counted: number[] = [];
  let inStock = 0;
  let pickup = 0;
  let delivery = 0;
  let openNow = 0;
  const want = q.offset + q.limit;
  const heap: number[] = [];
  // Max-heap by order (the worst kept result on top) of at most `want` results.
  const siftUp = (k: number) => {
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!before(heap[parent]!, heap[k]!)) break;
      const t = heap[parent]!;
      heap[parent] = heap[k]!;
      heap[k] = t;
      k = parent;
    }
  };
  const siftDown = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && before(heap[l]!, heap[r]!) ? r : l;
      if (!before(heap[k]!, heap[c]!)) break;
      const t = heap[c]!;
      heap[c] = heap[k]!;
      heap[k] = t;
      k = c;
    }
  };
  /**
   * Keeps a summarised product (offering location j) if it enters the `want` best; false when the
   * heap is full and it does not, so the caller's list (in the sort's order) can stop there.
   */
  const offerToHeap = (pid: number, j: number, offers: number, score: number, d: number, av: number) => {
    if (kept === cap) ensure(kept + 1);
    kPid[kept] = pid;
    kOff[kept] = j;
    kOffers[kept] = offers;
    kScore[kept] = score;
    kDist[kept] = d;
    kKey[kept] = keyOf(score, pid);
    kAvail[kept] = av;
    if (heap.length < want) {
      heap.push(kept++);
      siftUp(heap.length - 1);
    } else if (before(kept, heap[0]!)) {
      heap[0] = kept++;
      siftDown(0);
    } else return false;
    return true;
  };
  let total = 0;
  const nSingles = singles.length;
  const nTable = merged ? 0 : t1 - t0;
  for (let r = 0; r < nSingles + nTable + groupsSeen.length; r++) {
    let i: number;
    if (r < nSingles) i = singles[r]!;
    else if (r < nSingles + nTable) i = t0 + r - nSingles;
    else {
      const g = groupsSeen[r - nSingles - nTable]!;
      i = groupState[g * 4 + 3]!;
      kOffers[i] = offersOf[g]!;
    }
    total++;
    const cq = kCq[i]!;
    const c = cq >> 8;
    if (c > 0 && c < catCount.length) catCount[c]!++;
    qCount[cq & 255]!++;
    const mid = oMid[kOff[i]!]!;
    if (mCount[mid] === 0) counted.push(mid);
    mCount[mid]!++;
    const f = oFlags[kOff[i]!]!;
    if (kAvail[i]! > 0) inStock++;
    pickup += f & 1;
    delivery += (f >> 1) & 1;
    openNow += f >> 2;
    if (heap.length < want) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (want > 0 && before(i, heap[0]!)) {
      heap[0] = i;
      siftDown(0);
    }
  }

  // Summarised merchants: a bucket is counted in one addition, and its products (all at the same
  // offer, so in the same order as the bucket's list) compete for the page until one does not
  // beat the worst kept result.
  const list = sort === 'price_asc' ? 'byPriceAsc' : sort === 'price_desc' ? 'byPriceDesc' : 'byId';
  const unfiltered = !cat && !q.quebec && !q.inStock;
  // With weights of at least 0, a summary's best possible key bounds all its products' keys.
  const prunable = wQ >= 0 && wP >= 0 && wS >= 0;
  // The summaries' rows and parts (no summary is built past the merchants' loop above).
  const L = ix.locs;
  const sMeta = L.meta;
  const sPrices = L.prices;
  const sKeys = L.keys;
  const sOff = L.off;
  const sStats = L.stats;
  const sIds = sort === 'price_asc' ? L.byPriceAsc : sort === 'price_desc' ? L.byPriceDesc : L.byId;
  for (let x = 0; x < sumJ.length; x++) {
    const j = sumJ[x]!;
    const slot = sumS[x]!;
    const r = slot * META;
    const mid = oMid[j]!;
    const d = oDist[j]!;
    const f = oFlags[j]!;
    const b0 = sMeta[r + M_BUCKETS]!;
    const b1 = b0 + sMeta[r + M_NBUCKETS]!;
    let n = 0;
    if (unfiltered) {
      n = sMeta[r + M_SOLO]!;
      const st = sMeta[r + M_STATS]!;
      const cEnd = st + 2 * sMeta[r + M_NCATS]!;
      for (let k = st; k < cEnd; k += 2) {
        const c = sStats[k]!;
        if (c > 0 && c < catCount.length) catCount[c]! += sStats[k + 1]!;
      }
      const lEnd = cEnd + 2 * sMeta[r + M_NLABELS]!;
      for (let k = cEnd; k < lEnd; k += 2) qCount[sStats[k]!]! += sStats[k + 1]!;
      inStock += sMeta[r + M_SOLO_AVAILABLE]!;
    } else {
      for (let k = b0; k < b1; k++) {
        const key = sKeys[k]!;
        const c = key >> 9;
        if (cat) {
          // Keys ascend by category first.
          if (c < cat) continue;
          if (c > cat) break;
        }
        const qv = (key >> 1) & 255;
        const av = key & 1;
        if (q.quebec && qv === 0) continue;
        if (q.inStock && av === 0) continue;
        const count = sOff[k + 1]! - sOff[k]!;
        n += count;
        if (c > 0 && c < catCount.length) catCount[c]! += count;
        qCount[qv]! += count;
        if (av) inStock += count;
      }
    }
    if (n === 0) continue;
    total += n;
    if (mCount[mid] === 0) counted.push(mid);
    mCount[mid]! += n;
    pickup += (f & 1) * n;
    delivery += ((f >> 1) & 1) * n;
    openNow += (f >> 2) * n;
    if (want === 0) continue;
    if (prunable && heap.length === want) {
      const top = heap[0]!;
      const flags = sMeta[r + M_FLAGS]!;
      const bestKey =
        sort === 'relevance'
          ? -(wQ * (flags & 1 ? 1 : 0) + wP * oProx[j]! + wS * (flags & 2 ? 1 : 0))
          : sort === 'price_asc'
            ? sPrices[slot * 2]!
            : sort === 'price_desc'
              ? -sPrices[slot * 2 + 1]!
              : 0;
      if (bestKey > kKey[top]! || (bestKey === kKey[top]! && d > kDist[top]!)) continue;
    }
    for (let k = b0; k < b1; k++) {
      const key = sKeys[k]!;
      const c = key >> 9;
      const qv = (key >> 1) & 255;
      const av = key & 1;
      if (cat && c !== cat) continue;
      if (q.quebec && qv === 0) continue;
      if (q.inStock && av === 0) continue;
      const score = wQ * (qv ? 1 : 0) + wP * oProx[j]! + wS * av;
      for (let i = sOff[k]!; i < sOff[k + 1]!; i++) {
        if (!offerToHeap(sIds[i]!, j, 1, score, d, av)) break;
      }
    }
  }

  // Merchants with several offering locations, summarised: a bucket's products share their best
  // offer (same category, label and availability everywhere), worked out once per bucket as
  // `consider` does, then counted and offered to the page like a location summary's bucket.
  for (const { mid, a, b, s } of multis) {
    let total0 = total;
    for (let k = 0; k < s.keys.length; k++) {
      const key = s.keys[k]!;
      const c = key >> 9;
      if (cat && c !== cat) continue;
      const qv = (key >> 1) & 255;
      if (q.quebec && qv === 0) continue;
      const mask = s.masks[k]!;
      const base = wQ * (qv ? 1 : 0);
      let j = -1;
      let score = 0;
      let av = 0;
      let offers = 0;
      for (let x = a; x < b; x++) {
        const available = (mask >> oBit[x]!) & 1;
        if (q.inStock && available === 0) continue;
        const sc = base + wP * oProx[x]! + wS * available;
        offers++;
        if (j < 0 || sc > score || (sc === score && oDist[x]! < oDist[j]!)) {
          j = x;
          score = sc;
          av = available;
        }
      }
      if (j < 0) continue;
      const n = s.off[k + 1]! - s.off[k]!;
      total += n;
      if (c > 0 && c < catCount.length) catCount[c]! += n;
      qCount[qv]! += n;
      if (av) inStock += n;
      const f = oFlags[j]!;
      pickup += (f & 1) * n;
      delivery += ((f >> 1) & 1) * n;
      openNow += (f >> 2) * n;
      if (want === 0) continue;
      const ids = s[list];
      const d = oDist[j]!;
      for (let i = s.off[k]!; i < s.off[k + 1]!; i++) {
        if (!offerToHeap(ids[i]!, j, offers, score, d, av)) break;
      }
    }
    total0 = total - total0;
    if (total0 > 0) {
      if (mCount[mid] === 0) counted.push(mid);
      mCount[mid]! += total0;
    }
  }

  heap.sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0));
  const page = heap.slice(q.offset).map((i): Scored => {
    const pid = kPid[i]!;
    const l = ref.locations[oPos[kOff[i]!]!]!;
    const c = category[pid]!;
    const qv = quebec[pid]!;
    return {
      product_id: pid,
      merchant_id: l.merchant_id,
      category_id: c === 0 ? null : c,
      quebec_label: qv === 0 ? null : m.quebecLabels[qv - 1]!,
      price_cents: price[pid]!,
      gtin_id: gtin[pid]!,
      location_id: l.id,
      lat: l.lat,
      lng: l.lng,
      pickup: l.pickup,
      delivery_radius_km: l.delivery_radius_km,
      delivers: q.delivers(l),
      open: q.openMask[l.index] === 1,
      // The best offer's stock (kept arrays hold only whether it is positive).
      available: Math.max(0, availableAt(m, pid, l.id)),
      distance_km: kDist[i]!,
      score: kScore[i]!,
      offers: kOffers[i]!,
    };
  });

  const byCount = <K>(entries: [K, number][]) =>
    entries.sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  const catEntries: [number, number][] = [];
  for (let c = 1; c < catCount.length; c++) if (catCount[c]) catEntries.push([c, catCount[c]!]);
  const qEntries: [string, number][] = [];
  for (let v = 1; v < 256; v++) if (qCount[v]) qEntries.push([m.quebecLabels[v - 1]!, qCount[v]!]);
  // Results per association: each counted merchant's count added to its associations (flat lists).
  const ms = membershipLists(ref);
  const aSum = new Float64Array(ms.ids.length);
  for (const mid of counted) {
    if (mid + 1 >= ms.start.length) continue;
    const n = mCount[mid]!;
    for (let x = ms.start[mid]!; x < ms.start[mid + 1]!; x++) aSum[ms.slot[x]!]! += n;
  }
  const aEntries: [number, number][] = [];
  for (let x = 0; x < ms.ids.length; x++) if (aSum[x]) aEntries.push([ms.ids[x]!, aSum[x]!]);
  const lang = q.lang;
  const result: BrowseResult = {
    total,
    page,
    facets: {
      category: byCount(catEntries).flatMap(([id, n]) => {
        const c = ref.categoryById.get(id);
        return c ? [{ value: c.slug, count: n, label: lang === 'fr' ? c.name_fr : c.name_en }] : [];
      }),
      quebec_label: byCount(qEntries).map(([v, n]) => ({ value: v, count: n })),
      merchant: byCount(topMerchants(mCount, counted, 20))
        .slice(0, 20)
        .map(([id, n]) => {
          const mr = ref.merchantById.get(id);
          return { value: mr?.slug ?? String(id), count: n, label: mr?.name ?? '' };
        }),
      association: byCount(aEntries).map(([id, n]) => {
        const a = ref.associations.find((x) => x.id === id);
        return { value: a?.slug ?? String(id), count: n, label: a?.name ?? '' };
      }),
      in_stock: [{ value: '1', count: inStock }],
      fulfilment: [
        { value: 'pickup', count: pickup },
        { value: 'delivery', count: delivery },
      ],
      open_now: [{ value: '1', count: openNow }],
    },
  };
  if (cached) keepBrowse(cached, result);
  return result;
}

/**
 * The GTIN groups of several products at the build (browse-index.ts GroupTable), one group at a
 * time over its members in a sequential pass: each member of an offering merchant gets its best
 * offer (one offering location: the availability bit cached in the table; several: as browse's
 * `consider`), and each group reached its best member (key, distance, then id: members ascend by
 * id, so on a full tie the first stays), written as a kept result from `o.kept` on. Returns the
 * new kept count. A function of its own over typed arrays: the hottest loop of a browse.
 */
function groupPass(
  t: GroupTable,
  m: CatalogMemory,
  o: {
    nOff: number;
    oMid: Int32Array;
    oId: Int32Array;
    oProx: Float64Array;
    oDist: Float64Array;
    sort: SortKey;
    cat: number;
    catBit: number;
    quebec: boolean;
    inStock: boolean;
    wQ: number;
    wP: number;
    wS: number;
    kept: number;
  },
): number {
  const { nOff, oMid, oId, oProx, oDist, cat, catBit, wQ, wP, wS } = o;
  const quebecOnly = o.quebec;
  const inStockOnly = o.inStock;
  // The order's primary key: 0 relevance (-score), 1 price ascending, 2 descending, 3 none (0).
  const mode = o.sort === 'relevance' ? 0 : o.sort === 'price_asc' ? 1 : o.sort === 'price_desc' ? 2 : 3;
  const span = nOff === 0 ? 0 : oMid[nOff - 1]! + 1;
  if (mState.length < span * 4) mState = new Float64Array(Math.max(span, mState.length / 2) * 4);
  const st = mState;
  if (mBits.length < (span >> 5) + 1) mBits = new Int32Array((span >> 5) + 1);
  const bits = mBits;
  // Run ends: oEnd[a] is the end of the offering locations of the merchant starting at a.
  const oEnd = new Int32Array(nOff);
  for (let a = 0; a < nOff; ) {
    const mid = oMid[a]!;
    let b = a;
    while (b < nOff && oMid[b] === mid) b++;
    bits[mid >> 5]! |= 1 << (mid & 31);
    const w = mid * 4;
    st[w] = b === a + 1 ? a + 1 : -(a + 1);
    st[w + 1] = oProx[a]!;
    st[w + 2] = oDist[a]!;
    st[w + 3] = oId[a]!;
    oEnd[a] = b;
    a = b;
  }
  const tPid = t.pid;
  const tMid = t.mid;
  const tFacts = t.facts;
  const tLoc = t.loc;
  const tPrice = t.price;
  const tStart = t.start;
  const tCats = t.cats;
  const rows = t.group.length;
  let kept = o.kept;
  for (let r = 0; r < rows; r++) {
    if (cat && (tCats[r]! & catBit) === 0) continue;
    let best = -1;
    let bKey = 0;
    let bDist = 0;
    let bScore = 0;
    let bJ = 0;
    let bAvail = 0;
    let offers = 0;
    const end = tStart[r + 1]!;
    for (let k = tStart[r]!; k < end; k++) {
      // The offering merchants' bits (a few kB) and the member's own facts before the merchant's
      // state (a random read): members of merchants not offering or filtered out cost no cache miss.
      const mid = tMid[k]!;
      if (mid >= span || (bits[mid >> 5]! & (1 << (mid & 31))) === 0) continue;
      const f = tFacts[k]!;
      if (f < 0) continue;
      if (cat && f >> 9 !== cat) continue;
      const qv = (f >> 1) & 255;
      if (quebecOnly && qv === 0) continue;
      const w = mid * 4;
      const s1 = st[w]!;
      const base = wQ * (qv ? 1 : 0);
      let j: number;
      let score: number;
      let av: number;
      let d: number;
      let n = 1;
      if (s1 > 0) {
        j = s1 - 1;
        const lid = st[w + 3]!;
        let g = f;
        if (tLoc[k] !== lid) {
          g = (f & ~1) | (availableAt(m, tPid[k]!, lid) > 0 ? 1 : 0);
          tFacts[k] = g;
          tLoc[k] = lid;
        }
        av = g & 1;
        if (inStockOnly && av === 0) continue;
        score = base + wP * st[w + 1]! + wS * av;
        d = st[w + 2]!;
      } else {
        const a = -s1 - 1;
        const b = oEnd[a]!;
        const pid = tPid[k]!;
        j = -1;
        score = 0;
        av = 0;
        n = 0;
        for (let x = a; x < b; x++) {
          const available = Math.max(0, availableAt(m, pid, oId[x]!));
          if (inStockOnly && available <= 0) continue;
          const sc = base + wP * oProx[x]! + wS * (available > 0 ? 1 : 0);
          n++;
          if (j < 0 || sc > score || (sc === score && oDist[x]! < oDist[j]!)) {
            j = x;
            score = sc;
            av = available;
          }
        }
        if (j < 0) continue;
        d = oDist[j]!;
      }
      offers += n;
      const key = mode === 0 ? -score : mode === 1 ? tPrice[k]! : mode === 2 ? -tPrice[k]! : 0;
      if (best < 0 || key < bKey || (key === bKey && d < bDist)) {
        best = k;
        bKey = key;
        bDist = d;
        bScore = score;
        bJ = j;
        bAvail = av;
      }
    }
    if (best < 0) continue;
    if (kept === cap) ensure(kept + 1);
    const f = tFacts[best]!;
    kPid[kept] = tPid[best]!;
    kOff[kept] = bJ;
    kAvail[kept] = bAvail;
    kOffers[kept] = offers;
    kScore[kept] = bScore;
    kDist[kept] = bDist;
    kKey[kept] = bKey;
    kCq[kept] = (f >> 9) * 256 + ((f >> 1) & 255);
    kRow[kept] = r;
    kept++;
  }
  for (let a = 0; a < nOff; a = oEnd[a]!) st[oMid[a]! * 4] = 0;
  bits.fill(0, 0, (span >> 5) + 1);
  return kept;
}

/**
 * Each merchant's associations as flat lists (merchant `mid`'s are slot[start[mid]..start[mid + 1]],
 * positions in `ids`, the association ids met): the association facet adds a merchant's count in a
 * few array writes instead of two Map operations per association. Per reference.
 */
const membershipCache = new WeakMap<Reference, { start: Int32Array; slot: Int32Array; ids: number[] }>();
function membershipLists(ref: Reference) {
  let hit = membershipCache.get(ref);
  if (hit) return hit;
  let maxMid = 0;
  for (const mid of ref.memberships.keys()) if (mid > maxMid) maxMid = mid;
  const start = new Int32Array(maxMid + 2);
  for (const [mid, list] of ref.memberships) start[mid + 1] = list.length;
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const slot = new Int32Array(start[maxMid + 1]!);
  const ids: number[] = [];
  const slotOf = new Map<number, number>();
  for (const [mid, list] of ref.memberships) {
    let x = start[mid]!;
    for (const a of list) {
      let k = slotOf.get(a);
      if (k === undefined) {
        k = ids.push(a) - 1;
        slotOf.set(a, k);
      }
      slot[x++] = k;
    }
  }
  hit = { start, slot, ids };
  membershipCache.set(ref, hit);
  return hit;
}

const maxCategoryIds = new WeakMap<Reference, number>();
function maxCategoryId(ref: Reference): number {
  let n = maxCategoryIds.get(ref);
  if (n === undefined) {
    n = ref.categories.reduce((a, c) => Math.max(a, c.id), 0);
    maxCategoryIds.set(ref, n);
  }
  return n;
}

/** Zeroed per-merchant counters for ids below `n`, reused between searches. */
let merchantCounts = new Int32Array(0);
function counts(n: number): Int32Array {
  if (merchantCounts.length < n) merchantCounts = new Int32Array(Math.max(n, merchantCounts.length * 2));
  return merchantCounts.fill(0, 0, n);
}

/**
 * The [merchant, count] entries that can be among the `k` first by count (all those with at least
 * the k-th largest count, ties included, so sorting them as the facet does gives its first k
 * exactly): a pass keeping the k largest counts instead of sorting every merchant's entry.
 */
function topMerchants(mCount: Int32Array, counted: number[], k: number): [number, number][] {
  const top: number[] = []; // the k largest counts, descending
  for (const mid of counted) {
    const n = mCount[mid]!;
    if (top.length === k && n <= top[k - 1]!) continue;
    let i = top.length < k ? top.length : k - 1;
    while (i > 0 && top[i - 1]! < n) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = n;
  }
  const floor = top.length === k ? top[k - 1]! : 1;
  const out: [number, number][] = [];
  for (const mid of counted) {
    if (mCount[mid]! >= floor) out.push([mid, mCount[mid]!]);
  }
  return out;
}
