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

/**
 * Derives the index's arrays from the facts as they are now. The products with a GTIN are put in
 * key order once (a stable radix sort, ascending ids within a key): that order numbers the groups,
 * sizes them and lists the GroupTable's members, where a sort of the keys and a binary search per
 * product took ≈ 0.1 s at 1M products (the start's critical path, issue 19 item 6).
 */
export function buildBrowseParts(m: BrowseFacts): BrowseParts {
  const n = m.merchant.length;
  const merchant = m.merchant;
  const gtin = m.gtin;
  let maxMid = 0;
  let withGtin = 0;
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (mid > maxMid) maxMid = mid;
    if (mid && gtin[p] !== 0) withGtin++;
  }
  const start = new Int32Array(maxMid + 2);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (mid) start[mid + 1]!++;
  }
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const fill = start.slice(0, maxMid + 1);
  const ids = new Int32Array(start[maxMid + 1]!);
  const categoryBits = new Int32Array(maxMid + 1);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (!mid) continue;
    ids[fill[mid]!++] = p;
    categoryBits[mid]! |= 1 << (m.category[p]! & 31);
  }
  const sorted = byKey(merchant, gtin, withGtin);
  // Runs of one key are runs of one pair of words.
  const { lo, hi, pid } = sorted;
  const count = pid.length;
  let groups = 0;
  for (let i = 0; i < count; i++) if (i === 0 || lo[i] !== lo[i - 1] || hi[i] !== hi[i - 1]) groups++;
  const groupKeys = new Float64Array(groups);
  const group = new Int32Array(n).fill(-1);
  const groupSize = new Int32Array(groups);
  const groupMember = new Int32Array(groups).fill(-1);
  let listed = 0;
  let members = 0;
  for (let i = 0, k = -1; i < count; i++) {
    const p = pid[i]!;
    if (i === 0 || lo[i] !== lo[i - 1] || hi[i] !== hi[i - 1]) {
      k++;
      groupMember[k] = p;
      groupKeys[k] = gtin[p]!;
    }
    const size = ++groupSize[k]!;
    group[p] = k;
    if (size === 2) {
      listed++;
      members += 2;
    } else if (size > 2) members++;
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
    table: groupTable(m, sorted, group, groupSize, listed, members),
  };
}

/** Word offsets of a double's low and high halves in memory (this machine's byte order). */
const [LO, HI] = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? [0, 1] : [1, 0];

/**
 * Active products with a GTIN in key order, ascending ids within a key (the input's order: LSD
 * radix sort is stable), each key as two words ordered as the doubles are (sign bit flipped, or
 * every bit of a negative one; keys are integers, never NaN: memory.ts gtinKey); only the bits that
 * differ between keys are sorted on. When those fit one word (the region's 13-digit GTINs share
 * their high bits) only that field is sorted and returned, as both `lo` and `hi`.
 */
function byKey(merchant: Int32Array, gtin: Float64Array, withGtin: number) {
  let lo = new Uint32Array(withGtin);
  let hi = new Uint32Array(withGtin);
  let pid = new Int32Array(withGtin);
  const words = new Uint32Array(gtin.buffer, gtin.byteOffset, gtin.length * 2);
  let count = 0;
  for (let p = 0; p < merchant.length; p++) {
    if (merchant[p] && gtin[p] !== 0) {
      const h = words[2 * p + HI]!;
      const l = words[2 * p + LO]!;
      const neg = (h & 0x80000000) !== 0;
      hi[count] = neg ? ~h : h ^ 0x80000000;
      lo[count] = neg ? ~l : l;
      pid[count++] = p;
    }
  }
  let loVary = 0;
  let hiVary = 0;
  for (let i = 1; i < count; i++) {
    loVary |= lo[i]! ^ lo[0]!;
    hiVary |= hi[i]! ^ hi[0]!;
  }
  // Bit positions 0..63 (low word first) that differ somewhere: [first, last].
  const first = loVary ? 31 - Math.clz32(loVary & -loVary) : hiVary ? 63 - Math.clz32(hiVary & -hiVary) : 64;
  const last = hiVary ? 63 - Math.clz32(hiVary) : loVary ? 31 - Math.clz32(loVary) : -1;
  if (first > last) return { lo, hi, pid };
  const bits = last - first + 1;
  const passes = Math.ceil(bits / RADIX_BITS);
  const width = Math.ceil(bits / passes);
  const mask = (1 << width) - 1;
  // Every pass's counts in one read of the keys.
  const counts = new Int32Array(passes << width);
  let pid2 = new Int32Array(count);
  if (bits <= 32) {
    // The differing bits fit a word: keys that agree elsewhere order (and equal) as that field does.
    let v = new Uint32Array(count);
    const fieldMask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    for (let i = 0; i < count; i++) {
      const f = (digit(lo[i]!, hi[i]!, first) & fieldMask) >>> 0;
      v[i] = f;
      for (let j = 0, s = 0; j < passes; j++, s += width) counts[(j << width) + ((f >>> s) & mask)]!++;
    }
    let v2 = lo;
    for (let j = 0, s = 0; j < passes; j++, s += width) {
      prefixSums(counts, j << width, 1 << width);
      for (let i = 0; i < count; i++) {
        const f = v[i]!;
        const to = counts[(j << width) + ((f >>> s) & mask)]!++;
        v2[to] = f;
        pid2[to] = pid[i]!;
      }
      [v, v2] = [v2, v];
      [pid, pid2] = [pid2, pid];
    }
    // Runs of one key are runs of one field (the other bits are the same in every key).
    return { lo: v, hi: v, pid };
  }
  for (let i = 0; i < count; i++) {
    const l = lo[i]!;
    const h = hi[i]!;
    for (let j = 0; j < passes; j++) counts[(j << width) + (digit(l, h, first + j * width) & mask)]!++;
  }
  let lo2 = new Uint32Array(count);
  let hi2 = new Uint32Array(count);
  for (let j = 0; j < passes; j++) {
    const s = first + j * width;
    prefixSums(counts, j << width, 1 << width);
    for (let i = 0; i < count; i++) {
      const l = lo[i]!;
      const h = hi[i]!;
      const to = counts[(j << width) + (digit(l, h, s) & mask)]!++;
      lo2[to] = l;
      hi2[to] = h;
      pid2[to] = pid[i]!;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [pid, pid2] = [pid2, pid];
  }
  return { lo, hi, pid };
}

/** counts[from..from + length) replaced by their exclusive prefix sums (each digit's first place). */
function prefixSums(counts: Int32Array, from: number, length: number) {
  for (let d = from, at = 0; d < from + length; d++) {
    const c = counts[d]!;
    counts[d] = at;
    at += c;
  }
}

/** Digit width of the radix sort (its counts: 2^11 entries, in the first-level cache). */
const RADIX_BITS = 11;

/** The 64-bit value hi:lo shifted right by `s` (0..63), its low 32 bits. */
function digit(lo: number, hi: number, s: number): number {
  if (s === 0) return lo;
  if (s < 32) return (lo >>> s) | (hi << (32 - s));
  return hi >>> (s - 32);
}

/**
 * The GroupTable of the groups of several products, from the products in key order (`sorted`:
 * group after group, ascending ids within one): `listed` such groups, `members` products in them.
 */
function groupTable(
  m: BrowseFacts,
  sorted: { pid: Int32Array },
  group: Int32Array,
  size: Int32Array,
  listed: number,
  members: number,
): GroupTable {
  const groupOfT = new Int32Array(listed);
  const start = new Int32Array(listed + 1);
  const pid = new Int32Array(members);
  const mid = new Int32Array(members);
  const facts = new Int32Array(members);
  const price = new Int32Array(members);
  const cats = new Int32Array(listed);
  const order = sorted.pid;
  let t = -1;
  let k = 0;
  let last = -1;
  for (let i = 0; i < order.length; i++) {
    const p = order[i]!;
    const g = group[p]!;
    if (size[g]! < 2) continue;
    if (g !== last) {
      last = g;
      groupOfT[++t] = g;
      start[t] = k;
    }
    // As refreshMember reads a member that has not moved since the build.
    const category = m.category[p]!;
    pid[k] = p;
    mid[k] = m.merchant[p]!;
    price[k] = m.price[p]!;
    facts[k] = category * 512 + m.quebec[p]! * 2;
    cats[t]! |= 1 << (category & 31);
    k++;
  }
  start[listed] = members;
  return { group: groupOfT, cats, start, pid, mid, facts, loc: new Int32Array(members).fill(-1), price };
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
