/**
 * The index browsing without words reads (browse.ts): every active product listed by merchant,
 * GTIN group numbers, per-merchant category bits and the members of GTIN groups of several
 * products (GroupTable), derived from the catalogue facts in memory (memory.ts) once per catalogue
 * (built during the warm-up) and patched with later changes; and the summaries of merchants'
 * products (per location, or per merchant with several locations), built by the server's
 * background warm-up (warm-up.ts warmBrowseSummaries) or else on first use.
 */
import {
  type BrowseParts,
  buildBrowseParts,
  builtGtinOf,
  type GroupTable,
  keyIndex,
  refreshMember,
} from './browse-index-build.ts';
import { availableAt, type CatalogMemory, onCatalogMemoryLoaded } from './memory.ts';
import { prebuiltBrowseParts } from './snapshot.ts';

/**
 * Products by merchant (compressed rows) and GTIN group numbers, derived from the memory arrays
 * (BrowseParts, browse-index-build.ts), and the state kept while the server runs.
 */
export interface BrowseIndex extends BrowseParts {
  /** Products that joined a merchant since the build (new, re-activated or moved). */
  overflow: Map<number, Set<number>>;
  /** Entries of `memory.changed` already applied. */
  seen: number;
  /** Summaries of a merchant's products at one of its locations (browse.ts), by location id. */
  locs: LocationSummaries;
  /** Summaries of merchants with several locations (MerchantSummary), by merchant id, built on first use. */
  merchantSummaries: (MerchantSummary | undefined)[];
  /**
   * Per merchant id, the value of `changes` when something a browse answer reads of its products
   * last changed (0 = not since the build): their facts, or whether one is available at a location
   * (a stock quantity crossing zero; one that stays on the same side is not noted, memory.ts
   * touch). browse-cache.ts keeps an answer only while none of its offering merchants changed after
   * it was computed.
   */
  changedAt: Int32Array;
  /** Merchant changes applied so far (the last value written in `changedAt`). */
  changes: number;
  /** Times every summary was dropped at once (memory.ts lost track of what changed): answers kept before are stale. */
  refreshes: number;
}

/**
 * A merchant with several offering locations in a search: its solo products (as in
 * LocationSummaries) bucketed by category, Québec label and where they are available (a bit per
 * location of the merchant), so that every product of a bucket has the same best offer in any
 * search (browse.ts works it out once per bucket) and a bucket is counted in one addition.
 * Dropped whenever one of the merchant's products changes (memory.ts `touched`).
 */
export interface MerchantSummary {
  /** The merchant's location ids when built: bit i of a mask stands for locs[i]. */
  locs: Int32Array;
  /** Per bucket: category * 512 + Québec label * 2, and the availability mask. */
  keys: Int32Array;
  masks: Int32Array;
  /** Bucket k is byId/byPriceAsc/byPriceDesc[off[k]..off[k + 1]]. */
  off: Int32Array;
  byId: Int32Array;
  byPriceAsc: Int32Array;
  byPriceDesc: Int32Array;
  /** Its products that are neither solo nor in the GroupTable (joined a group since the build): ranked one by one. */
  others: Int32Array;
}

/** Merchants with more locations than a mask holds are ranked product by product. */
const MAX_MASK_LOCATIONS = 30;

/**
 * The summary of merchant `mid` over its `locations` (the reference's, in order), built on first
 * use; undefined when it has too many locations (then browse.ts ranks product by product).
 */
export function merchantSummary(
  ix: BrowseIndex,
  m: CatalogMemory,
  mid: number,
  locations: readonly { id: number }[],
): MerchantSummary | undefined {
  if (locations.length > MAX_MASK_LOCATIONS) return undefined;
  const hit = ix.merchantSummaries[mid];
  if (hit && sameIds(hit.locs, locations)) return hit;
  const locs = Int32Array.from(locations, (l) => l.id);
  const products: number[] = [];
  if (mid + 1 < ix.start.length)
    for (let i = ix.start[mid]!; i < ix.start[mid + 1]!; i++) products.push(ix.ids[i]!);
  const more = ix.overflow.get(mid);
  if (more) for (const p of more) products.push(p);
  const key = new Map<number, number>();
  const mask = new Map<number, number>();
  const rows: number[] = [];
  const others: number[] = [];
  for (const p of products) {
    if (m.merchant[p] !== mid) continue;
    if (!solo(ix, m, p)) {
      if (!listed(ix, m, p)) others.push(p);
      continue;
    }
    let bits = 0;
    for (let i = 0; i < locs.length; i++) if (availableAt(m, p, locs[i]!) > 0) bits |= 1 << i;
    key.set(p, m.category[p]! * 512 + m.quebec[p]! * 2);
    mask.set(p, bits);
    rows.push(p);
  }
  rows.sort((a, b) => key.get(a)! - key.get(b)! || mask.get(a)! - mask.get(b)! || a - b);
  const keys: number[] = [];
  const masks: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const k = key.get(rows[i]!)!;
    const b = mask.get(rows[i]!)!;
    if (keys.length === 0 || keys[keys.length - 1] !== k || masks[masks.length - 1] !== b) {
      keys.push(k);
      masks.push(b);
      off.push(i);
    }
  }
  off.push(rows.length);
  const byId = Int32Array.from(rows);
  const { byPriceAsc, byPriceDesc } = priceOrders(byId, off, m.price);
  const s: MerchantSummary = {
    locs,
    keys: Int32Array.from(keys),
    masks: Int32Array.from(masks),
    off: Int32Array.from(off),
    byId,
    byPriceAsc,
    byPriceDesc,
    others: Int32Array.from(others),
  };
  ix.merchantSummaries[mid] = s;
  return s;
}

/**
 * Builds, unless built, the summaries a browse reads of merchant `mid` with its `locations` (the
 * reference's, in order): its location's when it has one, else the merchant's (as browse.ts
 * chooses). For the warm-up (warm-up.ts), so that shoppers' first browses of an area do not pay it.
 */
export function summariseMerchant(
  ix: BrowseIndex,
  m: CatalogMemory,
  mid: number,
  locations: readonly { id: number }[],
): void {
  if (locations.length === 1) locationSummary(ix, m, mid, locations[0]!.id);
  else if (locations.length > 1) merchantSummary(ix, m, mid, locations);
}

function sameIds(a: Int32Array, b: readonly { id: number }[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]!.id) return false;
  return true;
}

/**
 * What browsing needs of a merchant's products at one location when that location is the
 * merchant's only offering location of a search: its "solo" products (no GTIN, or a GTIN no
 * other active product carries, so never grouped with another result) bucketed by category,
 * Québec label and "available there" (key = category * 512 + label * 2 + available), each bucket
 * listed by product id, by price ascending and by price descending (ties by id), so a search
 * counts a bucket in one addition and reads only the head of a bucket for its page. Products in
 * GTIN groups of several products that are not in the GroupTable are listed apart (`shared`):
 * they are ranked one by one. Dropped whenever one of the merchant's products changes (memory.ts
 * `touched`).
 *
 * Flat, one row per summary (a slot) in `meta` and the parts of all summaries side by side in
 * shared buffers, rather than an object and ten typed arrays per location: a heavy browse reads
 * thousands of summaries, and each object was a scatter of cache misses (object, array header,
 * backing store) read twice. A row is one cache line; its parts are found by offset.
 */
export interface LocationSummaries {
  /** Per location id: 1 + its summary's slot, 0 = none. */
  at: Int32Array;
  /** META ints per slot (fields M_*); merchant -1 = free slot. */
  meta: Int32Array;
  /** Per slot: lowest and highest price of its solo products (±Infinity when none). */
  prices: Float64Array;
  slots: number;
  free: number[];
  /** Location ids summarised per merchant (to drop them). */
  byMerchant: Map<number, number[]>;
  /**
   * Buckets: a summary's bucket k is keys[b + k] with products ids[off[b + k]..off[b + k + 1]]
   * (absolute positions in byId/byPriceAsc/byPriceDesc), b = meta M_BUCKETS; off has one more entry.
   */
  keys: Int32Array;
  off: Int32Array;
  bucketsUsed: number;
  byId: Int32Array;
  byPriceAsc: Int32Array;
  byPriceDesc: Int32Array;
  idsUsed: number;
  /** [value, count] pairs: categories then labels (label index + 1, 0 = none). */
  stats: Int32Array;
  statsUsed: number;
  /** Per shared product: id, key as for the buckets, GTIN group number (or -1: not one of the build's). */
  shared: Int32Array;
  sharedKeys: Int32Array;
  sharedGroups: Int32Array;
  sharedUsed: number;
  /** Buffer entries of dropped summaries (compacted away when a buffer must grow). */
  garbage: number;
}

/** Fields of a summary's row in LocationSummaries.meta. */
export const M_MERCHANT = 0;
export const M_SOLO = 1;
export const M_SOLO_AVAILABLE = 2;
/** 1 = some solo product has a Québec label, 2 = some is available there. */
export const M_FLAGS = 3;
export const M_BUCKETS = 4;
export const M_NBUCKETS = 5;
export const M_STATS = 6;
export const M_NCATS = 7;
export const M_NLABELS = 8;
export const M_SHARED = 9;
export const M_NSHARED = 10;
export const M_LOCATION = 11;
export const META = 12;

export type { GroupTable } from './browse-index-build.ts';

const indexes = new WeakMap<CatalogMemory, BrowseIndex>();
// Facts read from the snapshot come with the arrays kept in it, built from those facts
// (snapshot.ts), and every change applied since was recorded for them (memory.ts `changed`,
// `touched`): the index is then those arrays, patched here with those changes as any index is after
// a change (before ready, so the first browse does not pay for them), instead of a build holding
// the start.
onCatalogMemoryLoaded((m) => {
  const parts = m.changed && m.touched ? prebuiltBrowseParts(m) : undefined;
  if (!parts) {
    indexes.set(m, build(m));
    return;
  }
  indexes.set(m, fromParts(parts));
  browseIndex(m);
});

/** A new index of the facts as they are now; changes from now on are recorded for it (memory.ts). */
function build(m: CatalogMemory): BrowseIndex {
  m.changed = [];
  m.touched = [];
  return fromParts(buildBrowseParts(m));
}

/** An index of the arrays built from the facts (here, or by the snapshot's worker), no state yet. */
function fromParts(parts: BrowseParts): BrowseIndex {
  return {
    ...parts,
    overflow: new Map(),
    seen: 0,
    locs: newSummaries(),
    merchantSummaries: [],
    changedAt: new Int32Array(0),
    changes: 0,
    refreshes: 0,
  };
}

/** Records that merchant `mid`'s products changed now (see BrowseIndex.changedAt). */
function noteChange(ix: BrowseIndex, mid: number) {
  if (mid >= ix.changedAt.length) {
    const a = new Int32Array(Math.max(mid + 1, ix.changedAt.length * 2, 1024));
    a.set(ix.changedAt);
    ix.changedAt = a;
  }
  ix.changedAt[mid] = ++ix.changes;
}

/** Refreshes the group members of a touched merchant (its products' facts or stock changed). */
function refreshMerchant(ix: BrowseIndex, m: CatalogMemory, mid: number) {
  const t = ix.table;
  if (mid + 1 >= ix.start.length) return;
  // The merchant's products at the build (the table's members of this merchant are among them).
  for (let i = ix.start[mid]!; i < ix.start[mid + 1]!; i++) {
    const p = ix.ids[i]!;
    const g = ix.group[p]!;
    if (g < 0 || ix.groupSize[g]! < 2) continue;
    const at = listedIndex(t, g);
    for (let k = t.start[at]!; k < t.start[at + 1]!; k++) {
      if (t.pid[k] !== p) continue;
      refreshMember(t, m, k, ix);
      if (t.facts[k]! >= 0) t.cats[at]! |= 1 << (m.category[p]! & 31);
      break;
    }
  }
}

/** Position of group `g` among the listed groups (ascending group numbers), or -1. */
function listedIndex(t: GroupTable, g: number): number {
  let lo = 0;
  let hi = t.group.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = t.group[mid]!;
    if (v < g) lo = mid + 1;
    else if (v > g) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * Whether product `p` is served from the GroupTable (a member at the build, same merchant and
 * GTIN since): the other paths of browse.ts skip it so that it is counted once.
 */
export function listed(ix: BrowseIndex, m: CatalogMemory, p: number): boolean {
  if (p >= ix.group.length) return false;
  const g = ix.group[p]!;
  return (
    g >= 0 && ix.groupSize[g]! >= 2 && m.merchant[p] === ix.builtMerchant[p] && m.gtin[p] === ix.groupKeys[g]
  );
}

/** The group number of a GTIN key at the build of the index, or -1 (no product carried it then). */
export function groupOf(ix: BrowseIndex, key: number): number {
  return keyIndex(ix.groupKeys, key);
}

/** The index for the memory as it is now: patched with the products changed since its build. */
export function browseIndex(m: CatalogMemory): BrowseIndex {
  let ix = indexes.get(m);
  if (!ix || m.changed === null) {
    ix = build(m);
    indexes.set(m, ix);
  }
  const changed = m.changed!;
  for (; ix.seen < changed.length; ix.seen++) {
    const p = changed[ix.seen]!;
    const mid = m.merchant[p]!;
    if (mid === 0) continue;
    // Its merchant is in `touched` too; noted here as well so a kept answer never outlives a change.
    noteChange(ix, mid);
    const key = m.gtin[p]!;
    const g = key === 0 ? -1 : groupOf(ix, key);
    if (g >= 0 && ix.sharedLate[g] === 0 && builtGtinOf(ix, p) !== key) {
      // A product joined a group of one: its member is no longer solo.
      ix.sharedLate[g] = 1;
      const member = ix.groupMember[g]!;
      dropSummaries(ix, ix.builtMerchant[member]!);
      dropSummaries(ix, m.merchant[member]!);
    }
    if (mid < ix.categoryBits.length) ix.categoryBits[mid]! |= 1 << (m.category[p]! & 31);
    if (p < ix.builtMerchant.length && ix.builtMerchant[p] === mid) continue;
    let set = ix.overflow.get(mid);
    if (!set) {
      set = new Set();
      ix.overflow.set(mid, set);
    }
    set.add(p);
  }
  if (m.touched === null) {
    ix.refreshes++;
    ix.locs = newSummaries();
    ix.merchantSummaries = [];
    const t = ix.table;
    for (let g = 0; g < t.group.length; g++)
      for (let k = t.start[g]!; k < t.start[g + 1]!; k++) {
        refreshMember(t, m, k, ix);
        if (t.facts[k]! >= 0) t.cats[g]! |= 1 << (m.category[t.pid[k]!]! & 31);
      }
    m.touched = [];
  } else if (m.touched.length > 0) {
    for (const t of m.touched) {
      // -mid: only a stock quantity changed, on the same side of zero (memory.ts touch): the
      // summaries are refreshed as for any change, but no browse answer read it (kept answers stay).
      const mid = t < 0 ? -t : t;
      if (t > 0) noteChange(ix, mid);
      dropSummaries(ix, mid);
      refreshMerchant(ix, m, mid);
    }
    m.touched.length = 0;
  }
  return ix;
}

/** Product ids are below 2^31 (integer keys): a bucket key times ID_SPAN plus an id is exact. */
const ID_SPAN = 2 ** 31;

/** Forgets the summaries of a merchant's products (one of them changed). */
function dropSummaries(ix: BrowseIndex, mid: number) {
  ix.merchantSummaries[mid] = undefined;
  const L = ix.locs;
  const list = L.byMerchant.get(mid);
  if (!list) return;
  for (const locationId of list) {
    const hit = locationId < L.at.length ? L.at[locationId]! : 0;
    // A location moved to another merchant since keeps that merchant's summary.
    if (hit !== 0 && L.meta[(hit - 1) * META + M_MERCHANT] === mid) freeSlot(L, hit - 1);
  }
  L.byMerchant.delete(mid);
}

function newSummaries(): LocationSummaries {
  return {
    at: new Int32Array(0),
    meta: new Int32Array(0),
    prices: new Float64Array(0),
    slots: 0,
    free: [],
    byMerchant: new Map(),
    keys: new Int32Array(0),
    off: new Int32Array(0),
    bucketsUsed: 0,
    byId: new Int32Array(0),
    byPriceAsc: new Int32Array(0),
    byPriceDesc: new Int32Array(0),
    idsUsed: 0,
    stats: new Int32Array(0),
    statsUsed: 0,
    shared: new Int32Array(0),
    sharedKeys: new Int32Array(0),
    sharedGroups: new Int32Array(0),
    sharedUsed: 0,
    garbage: 0,
  };
}

/** Buffer entries of slot `s` (what its drop leaves as garbage). */
function slotSize(L: LocationSummaries, s: number): number {
  const r = s * META;
  const b = L.meta[r + M_BUCKETS]!;
  const nb = L.meta[r + M_NBUCKETS]!;
  return (
    nb +
    1 +
    (L.off[b + nb]! - L.off[b]!) +
    2 * (L.meta[r + M_NCATS]! + L.meta[r + M_NLABELS]!) +
    L.meta[r + M_NSHARED]!
  );
}

function freeSlot(L: LocationSummaries, s: number) {
  const r = s * META;
  L.garbage += slotSize(L, s);
  L.at[L.meta[r + M_LOCATION]!] = 0;
  L.meta[r + M_MERCHANT] = -1;
  L.free.push(s);
}

/** `a` with room for `need` entries past `used` (doubling), content kept. */
function room<T extends Int32Array | Float64Array>(a: T, used: number, need: number): T {
  if (used + need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(used + need, a.length * 2, 1024));
  b.set(a.subarray(0, used));
  return b;
}

/**
 * When the buffers are compacted: dropped summaries' entries above `minGarbage` and above `share`
 * of the entries in use (a test sets both to 0 to compact at every build).
 */
export const summaryCompaction = { minGarbage: 65536, share: 0.5 };

/** Copies the live summaries into fresh buffers, leaving out dropped ones' parts. */
function compact(L: LocationSummaries) {
  const old = { ...L };
  L.keys = new Int32Array(old.keys.length);
  L.off = new Int32Array(old.off.length);
  L.byId = new Int32Array(old.byId.length);
  L.byPriceAsc = new Int32Array(old.byPriceAsc.length);
  L.byPriceDesc = new Int32Array(old.byPriceDesc.length);
  L.stats = new Int32Array(old.stats.length);
  L.shared = new Int32Array(old.shared.length);
  L.sharedKeys = new Int32Array(old.sharedKeys.length);
  L.sharedGroups = new Int32Array(old.sharedGroups.length);
  L.bucketsUsed = 0;
  L.idsUsed = 0;
  L.statsUsed = 0;
  L.sharedUsed = 0;
  L.garbage = 0;
  const meta = L.meta;
  for (let s = 0; s < L.slots; s++) {
    const r = s * META;
    if (meta[r + M_MERCHANT]! < 0) continue;
    const b = meta[r + M_BUCKETS]!;
    const nb = meta[r + M_NBUCKETS]!;
    const i0 = old.off[b]!;
    const i1 = old.off[b + nb]!;
    L.keys.set(old.keys.subarray(b, b + nb + 1), L.bucketsUsed);
    for (let k = 0; k <= nb; k++) L.off[L.bucketsUsed + k] = old.off[b + k]! - i0 + L.idsUsed;
    L.byId.set(old.byId.subarray(i0, i1), L.idsUsed);
    L.byPriceAsc.set(old.byPriceAsc.subarray(i0, i1), L.idsUsed);
    L.byPriceDesc.set(old.byPriceDesc.subarray(i0, i1), L.idsUsed);
    meta[r + M_BUCKETS] = L.bucketsUsed;
    L.bucketsUsed += nb + 1;
    L.idsUsed += i1 - i0;
    const st = meta[r + M_STATS]!;
    const ns = 2 * (meta[r + M_NCATS]! + meta[r + M_NLABELS]!);
    L.stats.set(old.stats.subarray(st, st + ns), L.statsUsed);
    meta[r + M_STATS] = L.statsUsed;
    L.statsUsed += ns;
    const sh = meta[r + M_SHARED]!;
    const nsh = meta[r + M_NSHARED]!;
    L.shared.set(old.shared.subarray(sh, sh + nsh), L.sharedUsed);
    L.sharedKeys.set(old.sharedKeys.subarray(sh, sh + nsh), L.sharedUsed);
    L.sharedGroups.set(old.sharedGroups.subarray(sh, sh + nsh), L.sharedUsed);
    meta[r + M_SHARED] = L.sharedUsed;
    L.sharedUsed += nsh;
  }
}

/** Bytes the location summaries hold (their typed arrays, capacity included): for measurements. */
export function summaryBytes(ix: BrowseIndex): number {
  const L = ix.locs;
  let n = 0;
  for (const a of [
    L.at,
    L.meta,
    L.prices,
    L.keys,
    L.off,
    L.byId,
    L.byPriceAsc,
    L.byPriceDesc,
    L.stats,
    L.shared,
    L.sharedKeys,
    L.sharedGroups,
  ])
    n += a.byteLength;
  return n;
}

/** Bytes the merchant summaries hold (their typed arrays): for measurements. */
export function merchantSummaryBytes(ix: BrowseIndex): number {
  let n = 0;
  for (const s of ix.merchantSummaries)
    if (s)
      for (const a of [s.locs, s.keys, s.masks, s.off, s.byId, s.byPriceAsc, s.byPriceDesc, s.others])
        n += a.byteLength;
  return n;
}

/** Whether a product can never be grouped with another result (see LocationSummaries). */
function solo(ix: BrowseIndex, m: CatalogMemory, p: number): boolean {
  const key = m.gtin[p]!;
  if (key === 0) return true;
  if (builtGtinOf(ix, p) !== key) return false;
  const g = ix.group[p]!;
  return g >= 0 && ix.groupSize[g] === 1 && ix.sharedLate[g] === 0;
}

/**
 * The slot of the summary of merchant `mid`'s products at its location `locationId` in `ix.locs`
 * (built on first use; building may replace the buffers: read them after).
 */
export function locationSummary(ix: BrowseIndex, m: CatalogMemory, mid: number, locationId: number): number {
  const L = ix.locs;
  const hit = locationId < L.at.length ? L.at[locationId]! : 0;
  if (hit !== 0) {
    if (L.meta[(hit - 1) * META + M_MERCHANT] === mid) return hit - 1;
    freeSlot(L, hit - 1);
  }
  const products: number[] = [];
  if (mid + 1 < ix.start.length)
    for (let i = ix.start[mid]!; i < ix.start[mid + 1]!; i++) products.push(ix.ids[i]!);
  const more = ix.overflow.get(mid);
  if (more) for (const p of more) products.push(p);
  // Solo products sorted by key then id as numbers (key * 2^31 + id, exact in a double).
  const rows = new Float64Array(products.length);
  let n = 0;
  const shared: number[] = [];
  const sharedKeys: number[] = [];
  const sharedGroups: number[] = [];
  for (const p of products) {
    if (m.merchant[p] !== mid) continue;
    const key = m.category[p]! * 512 + m.quebec[p]! * 2 + (availableAt(m, p, locationId) > 0 ? 1 : 0);
    if (!solo(ix, m, p)) {
      // Served from the GroupTable (browse.ts resolves those groups in one pass).
      if (listed(ix, m, p)) continue;
      shared.push(p);
      sharedKeys.push(key);
      const gtin = m.gtin[p]!;
      sharedGroups.push(builtGtinOf(ix, p) === gtin ? ix.group[p]! : groupOf(ix, gtin));
      continue;
    }
    rows[n++] = key * ID_SPAN + p;
  }
  const sorted = rows.subarray(0, n).sort();
  const keys: number[] = [];
  const off: number[] = [];
  const byId = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(sorted[i]! / ID_SPAN);
    if (keys.length === 0 || keys[keys.length - 1] !== k) {
      keys.push(k);
      off.push(i);
    }
    byId[i] = sorted[i]! - k * ID_SPAN;
  }
  off.push(n);
  const { byPriceAsc, byPriceDesc } = priceOrders(byId, off, m.price);
  const cats = new Map<number, number>();
  const labels = new Map<number, number>();
  let soloAvailable = 0;
  let minPrice = Number.POSITIVE_INFINITY;
  let maxPrice = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const count = off[k + 1]! - off[k]!;
    cats.set(key >> 9, (cats.get(key >> 9) ?? 0) + count);
    labels.set((key >> 1) & 255, (labels.get((key >> 1) & 255) ?? 0) + count);
    if (key & 1) soloAvailable += count;
  }
  const price = m.price;
  for (let i = 0; i < n; i++) {
    const v = price[byId[i]!]!;
    if (v < minPrice) minPrice = v;
    if (v > maxPrice) maxPrice = v;
  }
  // Written into the buffers (compacted first when dropped summaries hold more than the live ones).
  const nb = keys.length;
  const nStats = 2 * (cats.size + labels.size);
  const used = L.bucketsUsed + L.idsUsed + L.statsUsed + L.sharedUsed;
  if (L.garbage > summaryCompaction.minGarbage && L.garbage > summaryCompaction.share * used) compact(L);
  let slot = L.free.pop();
  if (slot === undefined) {
    slot = L.slots++;
    L.meta = room(L.meta, slot * META, META);
    L.prices = room(L.prices, slot * 2, 2);
  }
  if (locationId >= L.at.length) L.at = room(L.at, L.at.length, locationId + 1 - L.at.length);
  L.keys = room(L.keys, L.bucketsUsed, nb + 1);
  L.off = room(L.off, L.bucketsUsed, nb + 1);
  L.byId = room(L.byId, L.idsUsed, n);
  L.byPriceAsc = room(L.byPriceAsc, L.idsUsed, n);
  L.byPriceDesc = room(L.byPriceDesc, L.idsUsed, n);
  L.stats = room(L.stats, L.statsUsed, nStats);
  L.shared = room(L.shared, L.sharedUsed, shared.length);
  L.sharedKeys = room(L.sharedKeys, L.sharedUsed, shared.length);
  L.sharedGroups = room(L.sharedGroups, L.sharedUsed, shared.length);
  const b = L.bucketsUsed;
  for (let k = 0; k < nb; k++) L.keys[b + k] = keys[k]!;
  for (let k = 0; k <= nb; k++) L.off[b + k] = off[k]! + L.idsUsed;
  L.byId.set(byId, L.idsUsed);
  L.byPriceAsc.set(byPriceAsc, L.idsUsed);
  L.byPriceDesc.set(byPriceDesc, L.idsUsed);
  let st = L.statsUsed;
  for (const [v, c] of cats) {
    L.stats[st++] = v;
    L.stats[st++] = c;
  }
  let anyLabel = false;
  for (const [v, c] of labels) {
    L.stats[st++] = v;
    L.stats[st++] = c;
    if (v !== 0) anyLabel = true;
  }
  L.shared.set(shared, L.sharedUsed);
  L.sharedKeys.set(sharedKeys, L.sharedUsed);
  L.sharedGroups.set(sharedGroups, L.sharedUsed);
  const r = slot * META;
  const meta = L.meta;
  meta[r + M_MERCHANT] = mid;
  meta[r + M_SOLO] = n;
  meta[r + M_SOLO_AVAILABLE] = soloAvailable;
  meta[r + M_FLAGS] = (anyLabel ? 1 : 0) | (soloAvailable > 0 ? 2 : 0);
  meta[r + M_BUCKETS] = b;
  meta[r + M_NBUCKETS] = nb;
  meta[r + M_STATS] = L.statsUsed;
  meta[r + M_NCATS] = cats.size;
  meta[r + M_NLABELS] = labels.size;
  meta[r + M_SHARED] = L.sharedUsed;
  meta[r + M_NSHARED] = shared.length;
  meta[r + M_LOCATION] = locationId;
  L.prices[slot * 2] = minPrice;
  L.prices[slot * 2 + 1] = maxPrice;
  L.bucketsUsed += nb + 1;
  L.idsUsed += n;
  L.statsUsed += nStats;
  L.sharedUsed += shared.length;
  L.at[locationId] = slot + 1;
  let list = L.byMerchant.get(mid);
  if (!list) {
    list = [];
    L.byMerchant.set(mid, list);
  }
  list.push(locationId);
  return slot;
}

/**
 * A summary's product ids in price order, both ways, within each bucket [off[k], off[k + 1]) of
 * `byId` (ties by id, as in id order).
 */
function priceOrders(byId: Int32Array, off: readonly number[], price: ArrayLike<number>) {
  const byPriceAsc = byId.slice();
  const byPriceDesc = byId.slice();
  for (let k = 0; k + 1 < off.length; k++) {
    byPriceAsc.subarray(off[k]!, off[k + 1]!).sort((a, b) => price[a]! - price[b]! || a - b);
    byPriceDesc.subarray(off[k]!, off[k + 1]!).sort((a, b) => price[b]! - price[a]! || a - b);
  }
  return { byPriceAsc, byPriceDesc };
}
