/**
 * The index browsing without words reads (browse.ts): every active product listed by merchant,
 * GTIN group numbers and per-merchant category bits, derived from the catalogue facts in memory
 * (memory.ts) once per catalogue (built during the warm-up) and patched with later changes.
 */
import { type CatalogMemory, onCatalogMemoryLoaded } from './memory.ts';

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
  groupOf: Map<number, number>;
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
  const groupOf = new Map<number, number>();
  let groups = 0;
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (!mid) continue;
    ids[fill[mid]!++] = p;
    categoryBits[mid]! |= 1 << (m.category[p]! & 31);
    const g = m.gtin[p]!;
    if (g !== 0) {
      let k = groupOf.get(g);
      if (k === undefined) {
        k = groups++;
        groupOf.set(g, k);
      }
      group[p] = k;
    }
  }
  m.changed = [];
  return {
    start,
    ids,
    builtMerchant: merchant.slice(),
    builtGtin: m.gtin.slice(),
    group,
    groupOf,
    groups,
    overflow: new Map(),
    seen: 0,
    categoryBits,
  };
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
    if (mid < ix.categoryBits.length) ix.categoryBits[mid]! |= 1 << (m.category[p]! & 31);
    if (p < ix.builtMerchant.length && ix.builtMerchant[p] === mid) continue;
    let set = ix.overflow.get(mid);
    if (!set) {
      set = new Set();
      ix.overflow.set(mid, set);
    }
    set.add(p);
  }
  return ix;
}
