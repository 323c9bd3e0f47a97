/**
 * The index browsing without words reads (browse.ts): every active product listed by merchant,
 * GTIN group numbers and per-merchant category bits, derived from the catalogue facts in memory
 * (memory.ts) once per catalogue (built during the warm-up) and patched with later changes.
 */
import { availableAt, type CatalogMemory, onCatalogMemoryLoaded } from './memory.ts';

/** Products by merchant (compressed rows) and GTIN group numbers, derived from the memory arrays. */
export interface BrowseIndex {
  /** Products of merchant `mid` are ids[start[mid]..start[mid + 1]] (ascending), as at the build. */
  start: Int32Array;
  ids: Int32Array;
  /** Merchant and GTIN key of each product at the build (what `start`/`group` reflect). */
  builtMerchant: Int32Array;
  builtGtin: Float64Array;
  /** GTIN group number per product at the build, -1 = no GTIN. */
  group: Int32Array;
  /**
   * The distinct GTIN keys at the build, ascending: a group's number is its key's position (a
   * sorted Float64Array, 8 bytes a group, rather than a Map of half a million entries: ~22 MB of
   * V8 heap at 1M products, issue 19). Read through `groupOf`.
   */
  groupKeys: Float64Array;
  groups: number;
  /** Products that joined a merchant since the build (new, re-activated or moved). */
  overflow: Map<number, Set<number>>;
  /** Entries of `memory.changed` already applied. */
  seen: number;
  /**
   * Per merchant, a bit per category (id mod 32) it has held since the build: a category page
   * skips merchants without the bit. Bits are only added, so a skip is always right.
   */
  categoryBits: Int32Array;
  /** Members of each GTIN group at the build (active products), and one of them. */
  groupSize: Int32Array;
  groupMember: Int32Array;
  /** Groups of one at the build that another product joined since (no longer solo). */
  sharedLate: Uint8Array;
  /** Summaries of a merchant's products at one of its locations (browse.ts), by merchant then location id. */
  summaries: Map<number, Map<number, LocationSummary>>;
  /** The same summaries by location id (a location has one merchant): one array read per search and location. */
  summaryAt: (LocationSummary | undefined)[];
}

/**
 * What browsing needs of a merchant's products at one location when that location is the
 * merchant's only offering location of a search: its "solo" products (no GTIN, or a GTIN no
 * other active product carries, so never grouped with another result) bucketed by category,
 * Québec label and "available there" (key = category * 512 + label * 2 + available), each bucket
 * listed by product id, by price ascending and by price descending (ties by id), so a search
 * counts a bucket in one addition and reads only the head of a bucket for its page. Products in
 * GTIN groups of several products are listed apart (`shared`): they are ranked one by one.
 * Dropped whenever one of the merchant's products changes (memory.ts `touched`).
 */
export interface LocationSummary {
  /** The merchant summarised (a location id is looked up alone). */
  merchant: number;
  keys: Int32Array;
  /** Bucket k is byId/byPriceAsc/byPriceDesc[off[k]..off[k + 1]]. */
  off: Int32Array;
  byId: Int32Array;
  byPriceAsc: Int32Array;
  byPriceDesc: Int32Array;
  shared: Int32Array;
  /** Per shared product: its key as for the buckets (category * 512 + label * 2 + available there). */
  sharedKeys: Int32Array;
  /** Per shared product: its GTIN group number, or -1 when its GTIN is not one of the build's. */
  sharedGroups: Int32Array;
  /**
   * The solo products counted for a search without product filters (no category, label or stock
   * filter): their number, how many are available there, and [value, count] pairs per category and
   * per Québec label (label index + 1, 0 = none), so such a search counts a merchant in a few additions.
   */
  solo: number;
  soloAvailable: number;
  soloCategories: Int32Array;
  soloLabels: Int32Array;
  /** Bounds of the solo products' page keys: lowest and highest price, any label, any available. */
  minPrice: number;
  maxPrice: number;
  anyLabel: boolean;
  anyAvailable: boolean;
}

const indexes = new WeakMap<CatalogMemory, BrowseIndex>();
onCatalogMemoryLoaded((m) => indexes.set(m, build(m)));

function build(m: CatalogMemory): BrowseIndex {
  const n = m.merchant.length;
  const merchant = m.merchant;
  let maxMid = 0;
  for (let p = 0; p < n; p++) if (merchant[p]! > maxMid) maxMid = merchant[p]!;
  const start = new Int32Array(maxMid + 2);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (mid) start[mid + 1]!++;
  }
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const fill = start.slice(0, maxMid + 1);
  const ids = new Int32Array(start[maxMid + 1]!);
  const group = new Int32Array(n).fill(-1);
  const categoryBits = new Int32Array(maxMid + 1);
  // Distinct GTIN keys of active products, sorted: the group numbers.
  let withGtin = 0;
  for (let p = 0; p < n; p++) if (merchant[p] && m.gtin[p] !== 0) withGtin++;
  const all = new Float64Array(withGtin);
  for (let p = 0, i = 0; p < n; p++) if (merchant[p] && m.gtin[p] !== 0) all[i++] = m.gtin[p]!;
  all.sort();
  let groups = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[groups++] = all[i]!;
  const groupKeys = all.slice(0, groups);
  const groupSize = new Int32Array(groups);
  const groupMember = new Int32Array(groups).fill(-1);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (!mid) continue;
    ids[fill[mid]!++] = p;
    categoryBits[mid]! |= 1 << (m.category[p]! & 31);
    const g = m.gtin[p]!;
    if (g !== 0) {
      const k = keyIndex(groupKeys, g);
      if (groupMember[k] === -1) groupMember[k] = p;
      groupSize[k]!++;
      group[p] = k;
    }
  }
  m.changed = [];
  m.touched = [];
  return {
    start,
    ids,
    builtMerchant: merchant.slice(),
    builtGtin: m.gtin.slice(),
    group,
    groupKeys,
    groups,
    overflow: new Map(),
    seen: 0,
    categoryBits,
    groupSize,
    groupMember,
    sharedLate: new Uint8Array(groups),
    summaries: new Map(),
    summaryAt: [],
  };
}

/** Position of `key` in the ascending `keys`, or -1. */
function keyIndex(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = keys[mid]!;
    if (v < key) lo = mid + 1;
    else if (v > key) hi = mid - 1;
    else return mid;
  }
  return -1;
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
    const key = m.gtin[p]!;
    const g = key === 0 ? -1 : groupOf(ix, key);
    if (g >= 0 && ix.sharedLate[g] === 0 && !(p < ix.builtGtin.length && ix.builtGtin[p] === key)) {
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
    ix.summaries.clear();
    ix.summaryAt = [];
    m.touched = [];
  } else if (m.touched.length > 0) {
    for (const mid of m.touched) dropSummaries(ix, mid);
    m.touched.length = 0;
  }
  return ix;
}

/** Product ids are below 2^31 (integer keys): a bucket key times ID_SPAN plus an id is exact. */
const ID_SPAN = 2 ** 31;

/** Forgets the summaries of a merchant's products (one of them changed). */
function dropSummaries(ix: BrowseIndex, mid: number) {
  const byLoc = ix.summaries.get(mid);
  if (!byLoc) return;
  for (const locationId of byLoc.keys()) ix.summaryAt[locationId] = undefined;
  ix.summaries.delete(mid);
}

/** Whether a product can never be grouped with another result (see LocationSummary). */
function solo(ix: BrowseIndex, m: CatalogMemory, p: number): boolean {
  const key = m.gtin[p]!;
  if (key === 0) return true;
  if (p >= ix.builtGtin.length || ix.builtGtin[p] !== key) return false;
  const g = ix.group[p]!;
  return g >= 0 && ix.groupSize[g] === 1 && ix.sharedLate[g] === 0;
}

/** The summary of merchant `mid`'s products at its location `locationId` (built on first use). */
export function locationSummary(ix: BrowseIndex, m: CatalogMemory, mid: number, locationId: number) {
  let s = ix.summaryAt[locationId];
  if (s && s.merchant === mid) return s;
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
      shared.push(p);
      sharedKeys.push(key);
      const gtin = m.gtin[p]!;
      sharedGroups.push(
        p < ix.builtGtin.length && ix.builtGtin[p] === gtin ? ix.group[p]! : groupOf(ix, gtin),
      );
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
  const byPriceAsc = byId.slice();
  const byPriceDesc = byId.slice();
  const price = m.price;
  for (let k = 0; k < keys.length; k++) {
    byPriceAsc.subarray(off[k]!, off[k + 1]!).sort((a, b) => price[a]! - price[b]! || a - b);
    byPriceDesc.subarray(off[k]!, off[k + 1]!).sort((a, b) => price[b]! - price[a]! || a - b);
  }
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
  for (let i = 0; i < n; i++) {
    const v = price[byId[i]!]!;
    if (v < minPrice) minPrice = v;
    if (v > maxPrice) maxPrice = v;
  }
  s = {
    merchant: mid,
    solo: n,
    soloAvailable,
    soloCategories: Int32Array.from([...cats].flat()),
    soloLabels: Int32Array.from([...labels].flat()),
    minPrice,
    maxPrice,
    anyLabel: [...labels.keys()].some((v) => v !== 0),
    anyAvailable: soloAvailable > 0,
    keys: Int32Array.from(keys),
    off: Int32Array.from(off),
    byId,
    byPriceAsc,
    byPriceDesc,
    shared: Int32Array.from(shared),
    sharedKeys: Int32Array.from(sharedKeys),
    sharedGroups: Int32Array.from(sharedGroups),
  };
  let byLoc = ix.summaries.get(mid);
  if (!byLoc) {
    byLoc = new Map();
    ix.summaries.set(mid, byLoc);
  }
  byLoc.set(locationId, s);
  ix.summaryAt[locationId] = s;
  return s;
}
