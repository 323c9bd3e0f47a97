/**
 * The part of the browse index (browse-index.ts) derived from the catalogue facts alone: products
 * by merchant, GTIN group numbers, category bits and the GroupTable. Apart from browse-index.ts,
 * whose other half needs memory.ts (and through it the database layer), so that a worker thread
 * can build these arrays from the facts snapshot while a server loads its modules
 * (snapshot-prefetch.worker.ts; issue 19, item 6): it imports nothing at run time.
 */
import type { CatalogMemory } from './catalog-memory.ts';

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

/** The facts the build reads (a CatalogMemory, or the arrays of a snapshot). */
export type BrowseFacts = Pick<CatalogMemory, 'merchant' | 'category' | 'price' | 'quebec' | 'gtin'>;

/**
 * What the build derives from the facts (every BrowseIndex field that is not state kept while
 * the server runs), each array in a buffer of its own (transferable from a worker).
 */
export interface BrowseParts {
  /** Products of merchant `mid` are ids[start[mid]..start[mid + 1]] (ascending), as at the build. */
  start: Int32Array;
  ids: Int32Array;
  /**
   * Merchant of each product at the build (what `start` reflects). Its GTIN key at the build is
   * not kept per product (8 MB at 1M products, issue 19): builtGtinOf reads it from its group.
   */
  builtMerchant: Int32Array;
  /** GTIN group number per product at the build, -1 = no GTIN or not active then. */
  group: Int32Array;
  /**
   * The distinct GTIN keys at the build, ascending: a group's number is its key's position (a
   * sorted Float64Array, 8 bytes a group, rather than a Map of half a million entries: ~22 MB of
   * V8 heap at 1M products, issue 19). Read through `groupOf`.
   */
  groupKeys: Float64Array;
  groups: number;
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
  /** GTIN groups of several products at the build, member by member (browse.ts resolves a group in one pass). */
  table: GroupTable;
}

/**
 * The GTIN key product `p` had at the build if it was active then, else 0 (no GTIN, not active, or
 * added since): its group's key. A product archived at the build counts as one that took its GTIN
 * since, so that coming back it joins that GTIN's group like any newcomer.
 */
export function builtGtinOf(ix: Pick<BrowseParts, 'group' | 'groupKeys'>, p: number): number {
  const g = p < ix.group.length ? ix.group[p]! : -1;
  return g >= 0 ? ix.groupKeys[g]! : 0;
}

/** Derives the index's arrays from the facts as they are now. */
export function buildBrowseParts(m: BrowseFacts): BrowseParts {
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
  return {
    start,
    ids,
    builtMerchant: merchant.slice(),
    group,
    groupKeys,
    groups,
    categoryBits,
    groupSize,
    groupMember,
    sharedLate: new Uint8Array(groups),
    table: groupTable(m, group, groupSize),
  };
}

/** The GroupTable of the groups of several products (`group`, `size`: per product and per group). */
function groupTable(m: BrowseFacts, group: Int32Array, size: Int32Array): GroupTable {
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
export function refreshMember(
  t: GroupTable,
  m: BrowseFacts,
  k: number,
  built?: Pick<BrowseParts, 'group' | 'groupKeys'>,
) {
  const p = t.pid[k]!;
  t.loc[k] = -1;
  t.price[k] = m.price[p]!;
  if (m.merchant[p] !== t.mid[k] || (built && m.gtin[p] !== builtGtinOf(built, p))) {
    t.facts[k] = -1;
    return;
  }
  t.facts[k] = m.category[p]! * 512 + m.quebec[p]! * 2;
}

/** Position of `key` in the ascending `keys`, or -1. */
export function keyIndex(keys: Float64Array, key: number): number {
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
