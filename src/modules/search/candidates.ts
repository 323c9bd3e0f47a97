/**
 * Candidate retrieval: the products near the point among the text hits (or, without words, of the
 * nearby merchants), capped to the MAX_SCORED_PRODUCTS best for the requested order.
 */
import type { Database } from '../../db/database.ts';
import type { CatalogMemory } from './memory.ts';
import { cellKey, cellOf, type Reference } from './reference.ts';
import { activeProductIdsOf } from './search.repository.ts';
import {
  type CandidateRank,
  type Hits,
  MAX_BROWSE_OFFERS,
  MAX_SCORED_PRODUCTS,
  type NearArea,
  RANKING,
  type SortKey,
} from './search.types.ts';

/** Candidates: product ids and their text relevance, in hit order. */
export interface Candidates {
  ids: number[];
  bms: number[];
}

/**
 * Products near the point: of the hits (best text matches first) or, when there are no words,
 * of nearby merchants; each with its text relevance. The merchant comes from memory (memory.ts).
 */
export async function nearProducts(
  database: Database,
  m: CatalogMemory,
  area: NearArea,
  hits: Hits | undefined,
  stats: { capped: boolean },
  rank: CandidateRank,
  ref?: Reference,
): Promise<Candidates> {
  const ids: number[] = [];
  const bms: number[] = [];
  if (hits) {
    // Hit order, as the cap's ties and this function's callers expect.
    const n = nearHits(ref, m, hits, area);
    const found = picked.subarray(0, n);
    sortByHitOrder(hits, found);
    for (let k = 0; k < n; k++) {
      ids.push(hits.ids[found[k]!]!);
      bms.push(hits.bm[found[k]!]!);
    }
    if (ids.length > MAX_SCORED_PRODUCTS) {
      // Very common words: only MAX_SCORED_PRODUCTS are scored and counted. Which ones matters: the
      // best for the requested order (taking the first in hit order, as before, dropped the
      // closest shops from a distance sort and the cheapest from a price sort).
      stats.capped = true;
      return bestCandidates(ids, bms, rank);
    }
    return { ids, bms };
  }
  const merchants = area.all();
  if (merchants.length === 0) return { ids, bms };
  for (const id of await activeProductIdsOf(database.db, database.kind, merchants, MAX_BROWSE_OFFERS)) {
    ids.push(id);
    bms.push(0);
  }
  if (ids.length >= MAX_BROWSE_OFFERS) stats.capped = true;
  return { ids, bms };
}

/**
 * A text-hit list grouped by merchant and by the grid cells (reference.ts GRID_DEG) where each
 * merchant has a location: a search visits the merchants of the cells its box overlaps, decides
 * once per merchant whether it is near, and takes a near merchant's hits as one run, instead of
 * walking a common word's whole list (100,000 hits for the 1,000 or so near the user) or deciding
 * hit by hit. Built for hit lists that are reused (the text-hit cache, text-match.ts), for one
 * state of the catalogue and one placement of the merchants' locations in cells.
 *
 * The list itself is reordered in place (Hits.grouped): a merchant's hits are contiguous, then
 * come the hits of no merchant or of a merchant without a location (kept for a later regrouping).
 * Reading the runs needs no index array, and a cached common word's list then weighs 5 bytes a
 * hit (ids and a byte of tier) instead of 12 (ids, float relevance, the runs' indices).
 */
interface HitCells {
  /** The merchants' cells it was built for (cellsOfMerchants). */
  byMerchant: (number[] | undefined)[];
  merchant: Int32Array;
  generation: number;
  /** Per cell key: (merchant, start, end) triples, a merchant's hits being positions [start, end). */
  cells: Map<number, Int32Array>;
}

/** First use of a hit list: `null` (a list used once, as without the cache, is walked). */
const hitCells = new WeakMap<Hits, HitCells | null>();
/** The distinct cell keys of each merchant's locations, per reference. */
const merchantCells = new WeakMap<Reference, (number[] | undefined)[]>();
/** The last cells built: a reference reloaded with its locations unchanged shares them. */
let lastMerchantCells: (number[] | undefined)[] | undefined;

function sameCells(a: (number[] | undefined)[], b: (number[] | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (!x || !y || x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

function cellsOfMerchants(ref: Reference): (number[] | undefined)[] {
  let out = merchantCells.get(ref);
  if (!out) {
    out = [];
    for (const l of ref.locations) {
      const key = cellKey(cellOf(l.lat), cellOf(l.lng));
      const list = out[l.merchant_id];
      if (!list) out[l.merchant_id] = [key];
      else if (!list.includes(key)) list.push(key);
    }
    // The reference is reloaded every 30 s: with the same cells, the lists keep their grouping
    // (otherwise every cached list is sorted again by merchant after each reload).
    if (lastMerchantCells && sameCells(out, lastMerchantCells)) out = lastMerchantCells;
    lastMerchantCells = out;
    merchantCells.set(ref, out);
  }
  return out;
}

/** A position's place in hit order (relevance desc, then id): what ties are resolved by. */
function hitOrder(hits: Hits, i: number): number {
  if (!hits.grouped) return i;
  if (hits.order) return hits.order[i]!;
  // Tiered: title matches (2) first, then ascending ids within a tier (text-match.ts tieredHits).
  return (2 - hits.bm[i]!) * 2 ** 31 + hits.ids[i]!;
}

/** Sorts positions of `hits` into hit order, in place. */
function sortByHitOrder(hits: Hits, positions: Int32Array) {
  if (!hits.grouped) {
    positions.sort();
    return;
  }
  const sorted = Array.from(positions).sort((a, b) => hitOrder(hits, a) - hitOrder(hits, b));
  positions.set(sorted);
}

/**
 * Moves the `count` positions of `positions` first in hit order to its front (in any order): a
 * numeric sort of their hit-order keys, which are distinct, rather than a sort with a comparator.
 */
function firstInHitOrder(hits: Hits, positions: Int32Array, count: number) {
  if (!hits.grouped) {
    positions.sort();
    return;
  }
  const order = new Float64Array(positions.length);
  for (let k = 0; k < positions.length; k++) order[k] = hitOrder(hits, positions[k]!);
  const last = kthSmallest(order.slice(), count - 1);
  let w = 0;
  for (let k = 0; k < positions.length; k++) if (order[k]! <= last) positions[w++] = positions[k]!;
}

function hitCellsOf(ref: Reference, m: CatalogMemory, hits: Hits): HitCells | undefined {
  const known = hitCells.get(hits);
  const byMerchant = cellsOfMerchants(ref);
  if (
    known &&
    known.byMerchant === byMerchant &&
    known.merchant === m.merchant &&
    known.generation === m.generation
  )
    return known;
  if (known === undefined) {
    hitCells.set(hits, null);
    return undefined;
  }
  const owner = m.merchant;
  const ids = hits.ids;
  const bm = hits.bm;
  const n = ids.length;
  // (merchant, position) pairs as one number each, sorted: runs of a merchant, in list order within.
  const span = n + 1;
  const pairs = new Float64Array(n);
  const rest: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const pid = ids[i]!;
    const mid = pid < owner.length ? owner[pid]! : 0;
    // No merchant (archived) or no location: never near, as in the walk; kept at the end.
    if (mid === 0 || !byMerchant[mid]) rest.push(i);
    else pairs[k++] = mid * span + i;
  }
  const sorted = pairs.subarray(0, k).sort();
  const newIds = new Int32Array(n);
  const newBm = bm instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
  const newOrder = hits.tiered ? undefined : new Int32Array(n);
  const oldOrder = hits.grouped ? hits.order : undefined;
  const move = (to: number, from: number) => {
    newIds[to] = ids[from]!;
    newBm[to] = bm[from]!;
    if (newOrder) newOrder[to] = oldOrder ? oldOrder[from]! : from;
  };
  const lists = new Map<number, number[]>();
  for (let a = 0; a < k; ) {
    const mid = Math.floor(sorted[a]! / span);
    let b = a;
    while (b < k && Math.floor(sorted[b]! / span) === mid) {
      move(b, sorted[b]! - mid * span);
      b++;
    }
    for (const key of byMerchant[mid]!) {
      const list = lists.get(key);
      if (list) list.push(mid, a, b);
      else lists.set(key, [mid, a, b]);
    }
    a = b;
  }
  for (let j = 0; j < rest.length; j++) move(k + j, rest[j]!);
  const cells = new Map<number, Int32Array>();
  for (const [key, list] of lists) cells.set(key, Int32Array.from(list));
  // Synchronous from the first read to here: no search holds positions of the old order.
  hits.ids = newIds;
  hits.bm = newBm;
  hits.order = newOrder;
  hits.grouped = true;
  const built: HitCells = { byMerchant, merchant: owner, generation: m.generation, cells };
  hitCells.set(hits, built);
  return built;
}

/**
 * Per-process scratch of the candidate selection: a selection runs synchronously from its first
 * read to its last, so two searches never share it.
 */
let picked = new Int32Array(4096);
/** The merchant of each picked hit (known from its run: no read of the product's merchant). */
let pickedMid = new Int32Array(4096);
let keys = new Float64Array(4096);
let keysCopy = new Float64Array(4096);
let ties = new Int32Array(4096);
let merchantSeen = new Int32Array(0);
let visit = 0;

function room(n: number) {
  if (n <= picked.length) return;
  const size = Math.max(n, picked.length * 2);
  const wider = new Int32Array(size);
  wider.set(picked);
  picked = wider;
  const widerMid = new Int32Array(size);
  widerMid.set(pickedMid);
  pickedMid = widerMid;
  keys = new Float64Array(size);
  keysCopy = new Float64Array(size);
  ties = new Int32Array(size);
}

/**
 * The indices of the hits whose merchant is near, in `picked[0..n)`, returning n: by cell when
 * the list is grouped (in merchant runs), else by walking the list (in hit order). Same set.
 */
function nearHits(
  ref: Reference | undefined,
  m: CatalogMemory,
  hits: Hits,
  area: NearArea,
  unfiltered = false,
): number {
  const g = ref ? hitCellsOf(ref, m, hits) : undefined;
  let n = 0;
  if (!g) {
    const owner = m.merchant;
    room(hits.ids.length);
    for (let i = 0; i < hits.ids.length; i++) {
      const pid = hits.ids[i]!;
      const mid = pid < owner.length ? owner[pid]! : 0;
      if (mid === 0 || !area.isNear(mid)) continue;
      pickedMid[n] = mid;
      picked[n++] = i;
    }
    return n;
  }
  if (merchantSeen.length < g.byMerchant.length) merchantSeen = new Int32Array(g.byMerchant.length);
  if (++visit === 0x7fffffff) {
    visit = 1;
    merchantSeen.fill(0);
  }
  const seen = merchantSeen;
  const box = area.box;
  const r0 = cellOf(box.minLat);
  const r1 = cellOf(box.maxLat);
  const c0 = cellOf(box.minLng);
  const c1 = cellOf(box.maxLng);
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      const list = g.cells.get(cellKey(row, col));
      if (!list) continue;
      // A cell strictly inside the box's cells lies inside the box (cellOf is monotonic): without
      // a merchant or association filter, every merchant with a location there is near.
      const inside = unfiltered && row > r0 && row < r1 && col > c0 && col < c1;
      for (let k = 0; k < list.length; k += 3) {
        const mid = list[k]!;
        // A merchant's run is the same in each of its cells: taken once.
        if (seen[mid] === visit) continue;
        seen[mid] = visit;
        if (!inside && !area.isNear(mid)) continue;
        const a = list[k + 1]!;
        const b = list[k + 2]!;
        room(n + b - a);
        for (let j = a; j < b; j++) {
          pickedMid[n] = mid;
          picked[n++] = j;
        }
      }
    }
  }
  return n;
}

/** The candidates of one search: hit indices (any order) and whether there were too many. */
export interface NearHits {
  /** Hit indices of the candidates, in `idx[0..n)` (scratch: read before the next search). */
  idx: Int32Array;
  n: number;
  /** How many hits were near before the cap (0: none, the caller may relax the words). */
  near: number;
  capped: boolean;
}

/**
 * The hits near the point, capped to the MAX_SCORED_PRODUCTS best for the requested order (ties:
 * hit order), as nearProducts selects them but without an array or closure per candidate.
 * Synchronous; the result lives in scratch arrays until the next call.
 */
export function nearCandidateHits(
  ref: Reference,
  m: CatalogMemory,
  hits: Hits,
  area: NearArea,
  sort: SortKey,
  radiusKm: number,
  /** No merchant or association filter: a location in the box is enough to be near. */
  unfiltered = false,
): NearHits {
  const n = nearHits(ref, m, hits, area, unfiltered);
  if (n <= MAX_SCORED_PRODUCTS) return { idx: picked, n, near: n, capped: false };
  // Keys as candidateRank computes them, with the merchant's part computed once per run.
  const ids = hits.ids;
  const bm = hits.bm;
  let maxBm = 0;
  for (let k = 0; k < n; k++) {
    const b = bm[picked[k]!]!;
    if (b > maxBm) maxBm = b;
  }
  const safeRadius = Math.max(radiusKm, 0.001);
  let lastMid = -1;
  let merchantPart = 0;
  for (let k = 0; k < n; k++) {
    const i = picked[k]!;
    if (sort === 'price_asc') keys[k] = m.price[ids[i]!]!;
    else if (sort === 'price_desc') keys[k] = -m.price[ids[i]!]!;
    else {
      const mid = pickedMid[k]!;
      if (mid !== lastMid) {
        lastMid = mid;
        const d = area.distanceKm(mid);
        merchantPart = sort === 'distance' ? d : RANKING.proximity * Math.max(0, 1 - d / safeRadius);
      }
      keys[k] =
        sort === 'distance'
          ? merchantPart
          : -(
              RANKING.text * (maxBm > 0 ? bm[i]! / maxBm : 0) +
              merchantPart +
              RANKING.quebec * (m.quebec[ids[i]!]! ? 1 : 0)
            );
    }
  }
  keysCopy.set(keys.subarray(0, n));
  const cut = kthSmallest(keysCopy.subarray(0, n), MAX_SCORED_PRODUCTS - 1);
  let w = 0;
  let t = 0;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    if (key < cut) picked[w++] = picked[k]!;
    else if (key === cut) ties[t++] = picked[k]!;
  }
  // Of the candidates at the cut, the first in hit order fill the remaining places.
  const atCut = MAX_SCORED_PRODUCTS - w;
  const tied = ties.subarray(0, t);
  if (t > atCut) firstInHitOrder(hits, tied, atCut);
  for (let k = 0; k < atCut; k++) picked[w++] = tied[k]!;
  return { idx: picked, n: w, near: n, capped: true };
}

/**
 * Which candidates to score when there are too many (see nearProducts): the final order's
 * estimate. Relevance: text and proximity and the Québec boost as in the score (stock, known only
 * per offer, is left out); the other orders exactly.
 */
export function candidateRank(
  sort: SortKey,
  m: CatalogMemory,
  area: NearArea,
  radiusKm: number,
): CandidateRank {
  const safeRadius = Math.max(radiusKm, 0.001);
  return sort === 'distance'
    ? (pid) => area.distanceKm(m.merchant[pid]!)
    : sort === 'price_asc'
      ? (pid) => m.price[pid]!
      : sort === 'price_desc'
        ? (pid) => -m.price[pid]!
        : (pid, bm, maxBm) =>
            -(
              RANKING.text * (maxBm > 0 ? bm / maxBm : 0) +
              RANKING.proximity * Math.max(0, 1 - area.distanceKm(m.merchant[pid]!) / safeRadius) +
              RANKING.quebec * (m.quebec[pid]! ? 1 : 0)
            );
}

/**
 * The MAX_SCORED_PRODUCTS best candidates by `rank` (ties: hit order). Linear: a selection of the
 * cut-off key, not a sort.
 */
function bestCandidates(ids: number[], bms: number[], rank: CandidateRank): Candidates {
  const n = ids.length;
  let maxBm = 0;
  for (const b of bms) if (b > maxBm) maxBm = b;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rank(ids[i]!, bms[i]!, maxBm);
  const cut = kthSmallest(keys.slice(), MAX_SCORED_PRODUCTS - 1);
  const out = { ids: [] as number[], bms: [] as number[] };
  let atCut = MAX_SCORED_PRODUCTS;
  for (let i = 0; i < n; i++) if (keys[i]! < cut) atCut--;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k < cut || (k === cut && atCut-- > 0)) {
      out.ids.push(ids[i]!);
      out.bms.push(bms[i]!);
    }
  }
  return out;
}

/** The k-th smallest value (0-based) of `a`, which it reorders (Hoare's selection). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
