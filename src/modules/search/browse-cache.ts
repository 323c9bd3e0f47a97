/**
 * Answers of browsing without words (browse.ts) kept for the next shopper who asks the same thing:
 * shoppers share points (a town or postal code resolved by place.ts, the region's centre), and a
 * wide browse costs 10-20 ms of CPU at 1M products while finding its offering locations costs
 * 1-2 ms. An answer is a function of the offering locations (which ones, and whether each offers
 * pickup, delivers to the place, is open now), the point and radius (distances), the product
 * filters, sort, page and language, and the facts and stock of the offering merchants' products:
 * it is looked up by all of them after browse.ts has found the offering locations (so the
 * location filters, given to browse.ts as functions, need not be known here) and compared in full
 * (a signature of the offering locations, not a hash of it), and kept only while none of its
 * offering merchants changed since (browse-index.ts `changedAt`), for the same reference,
 * catalogue memory and browse index. Bounded in bytes (an estimate per answer, see `answerBytes`),
 * least recently used first out.
 *
 * Of stock, an answer reads only whether each product is available at each offering location
 * (ranking, the in-stock filter and facet, offers counted), and the quantity of its page's best
 * offers: a quantity that changes on the same side of zero (an order, a till's sale) does not
 * make it stale (memory.ts touch), and a kept answer's page quantities are read again at each hit,
 * so an answer returned is the one browse.ts would compute now.
 */
import type { BrowseIndex } from './browse-index.ts';
import { availableAt, type CatalogMemory } from './memory.ts';
import type { Reference } from './reference.ts';
import type { FacetValue, Scored } from './search.types.ts';

/** What browse.ts returns (declared here so that this module does not import browse.ts). */
export interface CachedBrowse {
  total: number;
  page: Scored[];
  facets: Record<
    'category' | 'quebec_label' | 'merchant' | 'association' | 'in_stock' | 'fulfilment' | 'open_now',
    FacetValue[]
  >;
}

/**
 * The cache's bound in bytes (0 turns it off) and the fewest offering locations a browse must have
 * to be kept (smaller ones cost about as much to recompute as to look up). Tests and benches set
 * them; the server keeps the defaults.
 */
export const browseCacheLimits = { maxBytes: 4 * 2 ** 20, minLocations: 16 };

/** Counters since the process started (benches and tests read them). */
export const browseCacheStats = { hits: 0, misses: 0, stale: 0, stored: 0, evicted: 0, bytes: 0, entries: 0 };

interface Entry {
  sig: Int32Array;
  /** BrowseIndex.changes when computed: an offering merchant changed later makes it stale. */
  changes: number;
  result: CachedBrowse;
  bytes: number;
}

/**
 * What every kept answer was computed against (any change empties the cache); weakly held, so that
 * replaced catalogue facts or reference data are not kept alive by the cache.
 */
let owner:
  | { ref: WeakRef<Reference>; m: WeakRef<CatalogMemory>; ix: WeakRef<BrowseIndex>; refreshes: number }
  | undefined;
/** In least recently used first order (Map order; a hit is moved to the end). */
const entries = new Map<string, Entry>();
let bytes = 0;

function clear() {
  entries.clear();
  bytes = 0;
  browseCacheStats.bytes = 0;
  browseCacheStats.entries = 0;
}

/** Empties the cache (tests). */
export function clearBrowseCache(): void {
  clear();
  owner = undefined;
}

/** Scratch for the signature being looked up. */
let sigScratch = new Int32Array(0);

/**
 * The offering locations as compared: positions in ref.locations (`pos`) with their flags (pickup
 * 1, delivers 2, open 4), in the order browse.ts found them. Listed as position * 8 + flags when
 * few, else a 4-bit cell per location of the reference (8 | flags when offering), whichever is
 * smaller: at most half a byte per location of the region. Returns the length used in sigScratch.
 */
function signature(pos: Int32Array, flags: Uint8Array, nOff: number, nLoc: number): number {
  const dense = (nLoc + 7) >> 3;
  if (nOff <= dense) {
    if (sigScratch.length < nOff) sigScratch = new Int32Array(Math.max(nOff, sigScratch.length * 2));
    for (let j = 0; j < nOff; j++) sigScratch[j] = pos[j]! * 8 + flags[j]!;
    return nOff;
  }
  if (sigScratch.length < dense) sigScratch = new Int32Array(Math.max(dense, sigScratch.length * 2));
  sigScratch.fill(0, 0, dense);
  for (let j = 0; j < nOff; j++) {
    const p = pos[j]!;
    sigScratch[p >> 3]! |= (8 | flags[j]!) << ((p & 7) * 4);
  }
  return dense;
}

function hash(a: Int32Array, n: number): number {
  let h = 0x811c9dc5 ^ n;
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ a[i]!, 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** The query's part of an answer's identity besides its offering locations (their signature). */
export interface BrowseKey {
  lat: number;
  lng: number;
  radius: number;
  categoryId: number;
  quebec: boolean;
  inStock: boolean;
  sort: string;
  offset: number;
  limit: number;
  lang: string;
  weights: { proximity: number; inStock: number; quebec: number };
}

/** A lookup: found (a copy of the kept answer) or the key and signature to keep the answer under. */
export interface BrowseLookup {
  hit?: CachedBrowse;
  key: string;
  sig: Int32Array;
  changes: number;
}

/**
 * The kept answer for this browse, if any, once browse.ts found its offering locations
 * (`pos`, `flags`, `mids` for [0, nOff)); undefined when the cache is off or the browse is too
 * small to keep.
 */
export function lookupBrowse(
  ref: Reference,
  m: CatalogMemory,
  ix: BrowseIndex,
  k: BrowseKey,
  off: { pos: Int32Array; flags: Uint8Array; mids: Int32Array; nOff: number; nLoc: number },
): BrowseLookup | undefined {
  const { maxBytes, minLocations } = browseCacheLimits;
  const nOff = off.nOff;
  if (maxBytes <= 0 || nOff < minLocations) return undefined;
  if (
    !owner ||
    owner.ref.deref() !== ref ||
    owner.m.deref() !== m ||
    owner.ix.deref() !== ix ||
    owner.refreshes !== ix.refreshes
  ) {
    clear();
    owner = { ref: new WeakRef(ref), m: new WeakRef(m), ix: new WeakRef(ix), refreshes: ix.refreshes };
  }
  const n = signature(off.pos, off.flags, nOff, off.nLoc);
  const w = k.weights;
  const key = `${k.lat}|${k.lng}|${k.radius}|${k.categoryId}|${k.quebec ? 1 : 0}|${k.inStock ? 1 : 0}|${k.sort}|${k.offset}|${k.limit}|${k.lang}|${w.proximity}|${w.inStock}|${w.quebec}|${nOff}|${n}|${hash(sigScratch, n)}`;
  const sig = sigScratch.subarray(0, n);
  const e = entries.get(key);
  if (e && sameSig(e.sig, sig)) {
    if (!changedSince(ix, off.mids, nOff, e.changes)) {
      entries.delete(key);
      entries.set(key, e);
      browseCacheStats.hits++;
      const hit = copy(e.result);
      // As browse.ts writes them: the best offer's stock now (may have changed without crossing zero).
      for (const s of hit.page) s.available = Math.max(0, availableAt(m, s.product_id, s.location_id));
      return { hit, key, sig, changes: ix.changes };
    }
    browseCacheStats.stale++;
  }
  if (e) drop(key, e);
  browseCacheStats.misses++;
  return { key, sig, changes: ix.changes };
}

/** Keeps the answer of a browse looked up with `l` (a copy: the caller may change its own). */
export function keepBrowse(l: BrowseLookup, result: CachedBrowse): void {
  const max = browseCacheLimits.maxBytes;
  const sig = l.sig.slice();
  const kept = copy(result);
  const b = answerBytes(l.key, sig, kept);
  if (b > max / 4) return; // one answer never takes a large share of the budget
  const old = entries.get(l.key);
  if (old) drop(l.key, old);
  entries.set(l.key, { sig, changes: l.changes, result: kept, bytes: b });
  bytes += b;
  browseCacheStats.stored++;
  for (const [key, e] of entries) {
    if (bytes <= max) break;
    drop(key, e);
    browseCacheStats.evicted++;
  }
  browseCacheStats.bytes = bytes;
  browseCacheStats.entries = entries.size;
}

function drop(key: string, e: Entry) {
  entries.delete(key);
  bytes -= e.bytes;
  browseCacheStats.bytes = bytes;
  browseCacheStats.entries = entries.size;
}

function sameSig(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether one of the offering merchants changed after `changes` (browse-index.ts changedAt). */
function changedSince(ix: BrowseIndex, mids: Int32Array, nOff: number, changes: number): boolean {
  if (ix.changes === changes) return false;
  const at = ix.changedAt;
  for (let j = 0; j < nOff; j++) {
    const mid = mids[j]!;
    if (mid < at.length && at[mid]! > changes) return true;
  }
  return false;
}

/**
 * Bytes an answer holds, counted high on V8's 64-bit layout with pointer compression: the
 * signature, the key (two bytes a character), the entry, its Map slot and the answer's objects
 * (1.6 kB: 7 % under the heap at 1M without it, bench/browse-cache.ts), a page row (18 fields and
 * its boxed doubles) and a facet value (three fields; labels and values are the reference's
 * strings, shared).
 */
export function answerBytes(key: string, sig: Int32Array, r: CachedBrowse): number {
  let facetValues = 0;
  for (const a of Object.values(r.facets)) facetValues += a.length;
  return 1600 + sig.byteLength + 2 * key.length + 7 * 32 + r.page.length * 256 + facetValues * 64;
}

function copy(r: CachedBrowse): CachedBrowse {
  const v = (a: FacetValue[]) => a.map((x) => ({ ...x }));
  const f = r.facets;
  return {
    total: r.total,
    page: r.page.map((s) => ({ ...s })),
    facets: {
      category: v(f.category),
      quebec_label: v(f.quebec_label),
      merchant: v(f.merchant),
      association: v(f.association),
      in_stock: v(f.in_stock),
      fulfilment: v(f.fulfilment),
      open_now: v(f.open_now),
    },
  };
}
