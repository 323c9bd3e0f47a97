import { haversineKm } from '../common/geo.ts';
import { browseIndex, groupOf, type LocationSummary, locationSummary } from './browse-index.ts';
import { availableAt, type CatalogMemory } from './memory.ts';
import { cellKey, cellOf, type LocationRef, type Reference } from './reference.ts';
import type { FacetValue, Lang, Scored, SortKey } from './search.types.ts';

/**
 * Browsing without words (a category page, "everything near me", the home page's nearby
 * products): every active product of the merchants with a location in the radius is ranked and
 * counted, so `total` and the facets are exact. The work is a pass over typed arrays: products are
 * listed by merchant once per catalogue (an index derived from memory.ts), the nearby locations
 * come from the reference grid, each product keeps its best offer in scratch arrays (no object
 * per product), GTIN groups are resolved through dense group numbers, facets are counted per
 * merchant and category, and only the requested page is sorted (a bounded heap).
 * Same semantics as the word path of search.service.ts with a text relevance of 0.
 */

/** Per-process scratch arrays (a browse runs synchronously from scan to page: no sharing across awaits). */
let cap = 0;
let kPid = new Int32Array(0);
let kOff = new Int32Array(0);
let kAvail = new Int32Array(0);
let kOffers = new Int32Array(0);
let kGroup = new Int32Array(0);
let kScore = new Float64Array(0);
let kDist = new Float64Array(0);
let kKey = new Float64Array(0);

function ensure(n: number) {
  if (n <= cap) return;
  const size = Math.max(n, cap * 2, 1024);
  const widen = <T extends Int32Array | Float64Array>(a: T): T => {
    const b = new (a.constructor as new (n: number) => T)(size);
    b.set(a);
    return b;
  };
  kPid = widen(kPid);
  kOff = widen(kOff);
  kAvail = widen(kAvail);
  kOffers = widen(kOffers);
  kGroup = widen(kGroup);
  kScore = widen(kScore);
  kDist = widen(kDist);
  kKey = widen(kKey);
  cap = size;
}

let stampOf = new Int32Array(0);
let bestOf = new Int32Array(0);
let offersOf = new Int32Array(0);
let stampNow = 0;

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
 * by product: their solo products (browse-index.ts LocationSummary) are counted a bucket at a
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
  // (the order search.service.ts visits a merchant's locations in, which decides full ties).
  const offs: LocationRef[] = [];
  for (let row = cellOf(box.minLat); row <= cellOf(box.maxLat); row++) {
    for (let col = cellOf(box.minLng); col <= cellOf(box.maxLng); col++) {
      for (const l of ref.grid.get(cellKey(row, col)) ?? []) {
        if (!q.keeps(l)) continue;
        const d = haversineKm(point.lat, point.lng, l.lat, l.lng);
        if (d > radius) continue;
        if (q.fulfilment === 'pickup' && !l.pickup) continue;
        if (q.fulfilment === 'delivery' && !q.delivers(l)) continue;
        if (q.openNow && q.openMask[l.index] !== 1) continue;
        offs.push(l);
      }
    }
  }
  offs.sort((a, b) => a.merchant_id - b.merchant_id || a.index - b.index);
  const nOff = offs.length;
  const oDist = new Float64Array(nOff);
  const oProx = new Float64Array(nOff);
  const oId = new Int32Array(nOff);
  for (let j = 0; j < nOff; j++) {
    const l = offs[j]!;
    oDist[j] = haversineKm(point.lat, point.lng, l.lat, l.lng);
    oProx[j] = Math.max(0, 1 - oDist[j]! / safeRadius);
    oId[j] = l.id;
  }

  // Upper bound of kept products: every product listed under the near merchants.
  let bound = 0;
  for (let a = 0; a < nOff; ) {
    const mid = offs[a]!.merchant_id;
    if (mid + 1 < ix.start.length) bound += ix.start[mid + 1]! - ix.start[mid]!;
    bound += ix.overflow.get(mid)?.size ?? 0;
    while (a < nOff && offs[a]!.merchant_id === mid) a++;
  }
  ensure(bound);

  const { merchant, category, quebec, price, gtin } = m;
  const wQ = q.weights.quebec;
  const wP = q.weights.proximity;
  const wS = q.weights.inStock;
  const cat = q.categoryId;
  const catBit = 1 << (cat & 31);
  let kept = 0;
  let extraGroups: Map<number, number> | undefined;
  const consider = (pid: number, mid: number, a: number, b: number) => {
    if (merchant[pid] !== mid) return; // archived or moved since the index was built
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
      if (pid < ix.builtGtin.length && ix.builtGtin[pid] === key && ix.group[pid]! >= 0) g = ix.group[pid]!;
      else {
        g = groupOf(ix, key);
        if (g < 0) {
          extraGroups ??= new Map();
          g = extraGroups.get(key) ?? ix.groups + extraGroups.size;
          extraGroups.set(key, g);
        }
      }
    }
    kPid[kept] = pid;
    kOff[kept] = best;
    kAvail[kept] = bestAvail;
    kOffers[kept] = offers;
    kGroup[kept] = g;
    kScore[kept] = bestScore;
    kDist[kept] = oDist[best]!;
    kept++;
  };
  const summarised: { j: number; mid: number; s: LocationSummary }[] = [];
  for (let a = 0; a < nOff; ) {
    const mid = offs[a]!.merchant_id;
    let b = a;
    while (b < nOff && offs[b]!.merchant_id === mid) b++;
    if (cat && mid < ix.categoryBits.length && (ix.categoryBits[mid]! & catBit) === 0) {
      a = b;
      continue;
    }
    if (summarise && b === a + 1) {
      const s = locationSummary(ix, m, mid, oId[a]!);
      summarised.push({ j: a, mid, s });
      for (let i = 0; i < s.shared.length; i++) consider(s.shared[i]!, mid, a, b);
      a = b;
      continue;
    }
    if (mid + 1 < ix.start.length) {
      const end = ix.start[mid + 1]!;
      for (let i = ix.start[mid]!; i < end; i++) consider(ix.ids[i]!, mid, a, b);
    }
    const more = ix.overflow.get(mid);
    if (more) for (const pid of more) consider(pid, mid, a, b);
    a = b;
  }

  // Order: the primary key per sort, then distance, then product id (search.service.ts `cmp`).
  const sort = q.sort;
  for (let i = 0; i < kept; i++)
    kKey[i] =
      sort === 'relevance'
        ? -kScore[i]!
        : sort === 'price_asc'
          ? price[kPid[i]!]!
          : sort === 'price_desc'
            ? -price[kPid[i]!]!
            : 0;
  const before = (i: number, j: number) =>
    (kKey[i]! - kKey[j]! || kDist[i]! - kDist[j]! || kPid[i]! - kPid[j]!) < 0;

  // One result per GTIN: the first in the order stands for the group and counts its offers.
  const groupCount = ix.groups + (extraGroups?.size ?? 0);
  if (stampOf.length < groupCount) {
    const size = Math.max(groupCount, stampOf.length * 2);
    stampOf = new Int32Array(size);
    bestOf = new Int32Array(size);
    offersOf = new Int32Array(size);
    stampNow = 0;
  }
  stampNow++;
  for (let i = 0; i < kept; i++) {
    const g = kGroup[i]!;
    if (g < 0) continue;
    if (stampOf[g] !== stampNow) {
      stampOf[g] = stampNow;
      bestOf[g] = i;
      offersOf[g] = kOffers[i]!;
    } else {
      offersOf[g]! += kOffers[i]!;
      if (before(i, bestOf[g]!)) bestOf[g] = i;
    }
  }

  // Facets over the results (one per GTIN group), counted without objects, and the top of the order.
  const catCount = new Int32Array(maxCategoryId(ref) + 1);
  const qCount = new Int32Array(256);
  const mCount = new Map<number, number>();
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
  let total = 0;
  let runMid = -1;
  let runCount = 0;
  for (let i = 0; i < kept; i++) {
    const g = kGroup[i]!;
    if (g >= 0) {
      if (bestOf[g] !== i) continue;
      kOffers[i] = offersOf[g]!;
    }
    total++;
    const pid = kPid[i]!;
    const c = category[pid]!;
    if (c > 0 && c < catCount.length) catCount[c]!++;
    qCount[quebec[pid]!]!++;
    // Kept products come merchant by merchant: count runs, not one map update per product.
    const mid = merchant[pid]!;
    if (mid !== runMid) {
      if (runMid >= 0) mCount.set(runMid, (mCount.get(runMid) ?? 0) + runCount);
      runMid = mid;
      runCount = 0;
    }
    runCount++;
    const l = offs[kOff[i]!]!;
    if (kAvail[i]! > 0) inStock++;
    if (Number(l.pickup)) pickup++;
    if (q.delivers(l)) delivery++;
    if (q.openMask[l.index] === 1) openNow++;
    if (heap.length < want) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (want > 0 && before(i, heap[0]!)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  if (runMid >= 0) mCount.set(runMid, (mCount.get(runMid) ?? 0) + runCount);

  // Summarised merchants: a bucket is counted in one addition, and its products (all at the same
  // offer, so in the same order as the bucket's list) compete for the page until one does not
  // beat the worst kept result.
  const list = sort === 'price_asc' ? 'byPriceAsc' : sort === 'price_desc' ? 'byPriceDesc' : 'byId';
  for (const { j, mid, s } of summarised) {
    const l = offs[j]!;
    const d = oDist[j]!;
    const pick = Number(l.pickup) ? 1 : 0;
    const deliv = q.delivers(l) ? 1 : 0;
    const open = q.openMask[l.index] === 1 ? 1 : 0;
    const ids = s[list];
    let n = 0;
    for (let k = 0; k < s.keys.length; k++) {
      const key = s.keys[k]!;
      const c = key >> 9;
      const qv = (key >> 1) & 255;
      const av = key & 1;
      if (cat && c !== cat) continue;
      if (q.quebec && qv === 0) continue;
      if (q.inStock && av === 0) continue;
      const from = s.off[k]!;
      const to = s.off[k + 1]!;
      const count = to - from;
      n += count;
      if (c > 0 && c < catCount.length) catCount[c]! += count;
      qCount[qv]! += count;
      if (av) inStock += count;
      const score = wQ * (qv ? 1 : 0) + wP * oProx[j]! + wS * av;
      for (let i = from; i < to && want > 0; i++) {
        const pid = ids[i]!;
        const key2 =
          sort === 'relevance'
            ? -score
            : sort === 'price_asc'
              ? price[pid]!
              : sort === 'price_desc'
                ? -price[pid]!
                : 0;
        kPid[kept] = pid;
        kOff[kept] = j;
        kOffers[kept] = 1;
        kGroup[kept] = -1;
        kScore[kept] = score;
        kDist[kept] = d;
        kKey[kept] = key2;
        if (heap.length < want) {
          kAvail[kept] = Math.max(0, availableAt(m, pid, oId[j]!));
          heap.push(kept++);
          siftUp(heap.length - 1);
        } else if (before(kept, heap[0]!)) {
          kAvail[kept] = Math.max(0, availableAt(m, pid, oId[j]!));
          heap[0] = kept++;
          siftDown(0);
        } else break;
      }
    }
    if (n === 0) continue;
    total += n;
    mCount.set(mid, (mCount.get(mid) ?? 0) + n);
    pickup += pick * n;
    delivery += deliv * n;
    openNow += open * n;
  }

  heap.sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0));
  const page = heap.slice(q.offset).map((i): Scored => {
    const pid = kPid[i]!;
    const l = offs[kOff[i]!]!;
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
      available: kAvail[i]!,
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
  const aCount = new Map<number, number>();
  for (const [mid, n] of mCount)
    for (const a of ref.memberships.get(mid) ?? []) aCount.set(a, (aCount.get(a) ?? 0) + n);
  const lang = q.lang;
  return {
    total,
    page,
    facets: {
      category: byCount(catEntries).flatMap(([id, n]) => {
        const c = ref.categoryById.get(id);
        return c ? [{ value: c.slug, count: n, label: lang === 'fr' ? c.name_fr : c.name_en }] : [];
      }),
      quebec_label: byCount(qEntries).map(([v, n]) => ({ value: v, count: n })),
      merchant: byCount([...mCount.entries()])
        .slice(0, 20)
        .map(([id, n]) => {
          const mr = ref.merchantById.get(id);
          return { value: mr?.slug ?? String(id), count: n, label: mr?.name ?? '' };
        }),
      association: byCount([...aCount.entries()]).map(([id, n]) => {
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
