/**
 * The index browsing without words reads (browse.ts): every active product listed by merchant,
 * GTIN group numbers, per-merchant category bits and the members of GTIN groups of several
 * products (GroupTable), derived from the catalogue facts in memory (memory.ts) once per catalogue
 * (built during the warm-up) and patched with later changes; and the summaries of merchants'
 * products (per location, or per merchant with several locations), built on first use.
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
  /** GTIN groups of several products at the build, member by member (browse.ts resolves a group in one pass). */
  table: GroupTable;
  /** Summaries of merchants with several locations (MerchantSummary), by merchant id, built on first use. */
  merchantSummaries: (MerchantSummary | undefined)[];
}

/**
 * A merchant with several offering locations in a search: its solo products (as in
 * LocationSummary) bucketed by category, Québec label and where they are available (a bit per
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

function sameIds(a: Int32Array, b: readonly { id: number }[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]!.id) return false;
  return true;
}

/**
 * The members of every GTIN group of several products at the build, listed group after group
 * (ascending product id within a group), each with the facts browsing ranks it by, so a search
 * picks each group's best offer in one sequential pass instead of product by product through
 * the merchants (a quarter of the demo catalogue is in such groups). A member's facts are
 * refreshed whenever its merchant is touched (memory.ts); a member whose merchant or GTIN
 * changed since the build is marked invalid (`facts` -1) and served by the other paths, like a
 * product added since (browse.ts `listed`).
 */
export interface GroupTable {
  /** Listed groups: group number (as in BrowseIndex.group) and the category bits of its members. */
  group: Int32Array;
  cats: Int32Array;
  /** Members of listed group t are [start[t], start[t + 1]). */
  start: Int32Array;
  pid: Int32Array;
  /** The member's merchant at the build. */
  mid: Int32Array;
  /** Category * 512 + Québec label * 2 + available at `loc`, or -1 (no longer listed). */
  facts: Int32Array;
  /** The location `facts`' availability bit was read at, -1 = not read yet (read on first use). */
  loc: Int32Array;
  /** The member's price (cents), read with its facts: the price orders' key without a random read. */
  price: Int32Array;
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
    table: groupTable(m, group, groupSize),
    merchantSummaries: [],
  };
}

/** The GroupTable of the groups of several products (`group`, `size`: per product and per group). */
function groupTable(m: CatalogMemory, group: Int32Array, size: Int32Array): GroupTable {
  const n = group.length;
  // Listed groups in group-number order; members placed by a counting sort (ascending ids).
  const listedAt = new Int32Array(size.length).fill(-1);
  let listed = 0;
  let members = 0;
  for (let g = 0; g < size.length; g++) {
    if (size[g]! < 2) continue;
    listedAt[g] = listed++;
    members += size[g]!;
  }
  const groupOfT = new Int32Array(listed);
  const start = new Int32Array(listed + 1);
  for (let g = 0; g < size.length; g++) {
    const t = listedAt[g]!;
    if (t < 0) continue;
    groupOfT[t] = g;
    start[t + 1] = size[g]!;
  }
  for (let t = 0; t < listed; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, listed);
  const pid = new Int32Array(members);
  const mid = new Int32Array(members);
  for (let p = 0; p < n; p++) {
    const g = group[p]!;
    if (g < 0 || listedAt[g]! < 0) continue;
    const k = fill[listedAt[g]!]!++;
    pid[k] = p;
    mid[k] = m.merchant[p]!;
  }
  const t: GroupTable = {
    group: groupOfT,
    cats: new Int32Array(listed),
    start,
    pid,
    mid,
    facts: new Int32Array(members),
    loc: new Int32Array(members),
    price: new Int32Array(members),
  };
  for (let k = 0; k < members; k++) refreshMember(t, m, k);
  for (let g = 0; g < listed; g++)
    for (let k = start[g]!; k < start[g + 1]!; k++) t.cats[g]! |= 1 << (m.category[pid[k]!]! & 31);
  return t;
}

/**
 * Reads member `k`'s facts again (its merchant was touched): invalid when it moved or changed GTIN
 * since the build, its availability read again on first use. Category bits are only added.
 */
function refreshMember(t: GroupTable, m: CatalogMemory, k: number, builtGtin?: Float64Array) {
  const p = t.pid[k]!;
  t.loc[k] = -1;
  t.price[k] = m.price[p]!;
  if (m.merchant[p] !== t.mid[k] || (builtGtin && m.gtin[p] !== builtGtin[p])) {
    t.facts[k] = -1;
    return;
  }
  t.facts[k] = m.category[p]! * 512 + m.quebec[p]! * 2;
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
      refreshMember(t, m, k, ix.builtGtin);
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
    g >= 0 && ix.groupSize[g]! >= 2 && m.merchant[p] === ix.builtMerchant[p] && m.gtin[p] === ix.builtGtin[p]
  );
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
    ix.merchantSummaries = [];
    const t = ix.table;
    for (let g = 0; g < t.group.length; g++)
      for (let k = t.start[g]!; k < t.start[g + 1]!; k++) {
        refreshMember(t, m, k, ix.builtGtin);
        if (t.facts[k]! >= 0) t.cats[g]! |= 1 << (m.category[t.pid[k]!]! & 31);
      }
    m.touched = [];
  } else if (m.touched.length > 0) {
    for (const mid of m.touched) {
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
      // Served from the GroupTable (browse.ts resolves those groups in one pass).
      if (listed(ix, m, p)) continue;
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
