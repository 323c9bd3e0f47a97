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
import { widened } from './typed-arrays.ts';

/** Candidates: product ids and their text relevance, in hit order. */
export interface Candidates {
  ids: number[];
  bms: number[];
}

/** Most candidates scored per search: MAX_SCORED_PRODUCTS but while a benchmark sets another. */
let scoredCap = MAX_SCORED_PRODUCTS;

/**
 * Benchmarks only (bench/ranking-cap.ts): scores at most `cap` candidates per search from now on
 * (a very large one: every near hit, the uncapped answer), returning the previous cap. Servers
 * never call it.
 */
export function setScoredCapForBench(cap: number): number {
  const previous = scoredCap;
  scoredCap = Math.max(1, Math.floor(cap));
  return previous;
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
    if (ids.length > scoredCap) {
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
  /**
   * The cells holding runs (their numbers in CellIndex.dense, ascending), where listing them and
   * their starts weighs less than a start per cell of the placement: a short list is in a few of
   * its cells (the 1M region's 98, a wider region's thousands), and a start for each weighed more
   * than the rest of its cells (docs/PERFORMANCE.md, "hit cells engineer"). Undefined: cellStart
   * has every cell.
   */
  cellNumbers: Uint16Array | Int32Array | undefined;
  /**
   * Per cell (its number in CellIndex.dense, or its index in cellNumbers when listed): the runs of
   * the merchants with a location there, in `cellRuns[cellStart[c] .. cellStart[c + 1])`,
   * merchants ascending.
   */
  cellStart: Uint16Array | Int32Array;
  /**
   * The lists below are in 16 bits where their values allow it (Int32 only where needed): a kept
   * common word has up to 20,000 runs at 1M, and their parts in Int32 pairs and quadruples weighed
   * more than its ids (docs/PERFORMANCE.md, "Memory with the text index").
   */
  cellRuns: Uint16Array | Int32Array;
  /** Per run: its merchant. */
  runMerchant: Uint16Array | Int32Array;
  /**
   * Run r's hits are positions `runStart[r] .. runStart[r + 1]` (a last entry ends the last run);
   * in 16 bits for a list of at most 65,535 hits (most lists the realistic mix regroups have
   * 3,000-100,000 hits in ~1,000-10,000 runs: the per-run arrays are most of their cells' bytes).
   */
  runStart: Uint16Array | Int32Array;
  /**
   * A tiered list's runs, `partEnds[3r..3r+3]` from the run's start: the ends of its title
   * matches with a Québec label, of its other title matches, and of its description matches with
   * a label (its other description matches end the run). A run is so ordered (by tier, then label)
   * because the capped relevance order depends on nothing else of a hit (selectByParts): each part
   * is one key, counted without reading its hits. Other lists are not split (one part a run).
   * In 8 bits while no run has more than 255 hits (most merchants have a few hits of a word).
   */
  partEnds: Uint8Array | Uint16Array | Int32Array | undefined;
}

/** Start of part `p` (0-4; 4 is the end) of run `r` (HitCells.partEnds). */
function partBound(g: HitCells, r: number, p: number): number {
  if (p === 0) return g.runStart[r]!;
  if (p === 4 || !g.partEnds) return g.runStart[r + 1]!;
  return g.runStart[r]! + g.partEnds[3 * r + p - 1]!;
}

/** Largest value a Uint16Array holds. */
const U16 = 0xffff;
/** Largest value a Uint8Array holds. */
const U8 = 0xff;

/**
 * Bytes of a hit list's cells (0 before its regrouping): what the text-hit cache counts on top of
 * the list's own arrays (text-match.ts sizeOf), with ~100 bytes for the objects.
 */
export function hitCellsBytes(hits: Hits): number {
  const g = hitCells.get(hits);
  if (!g) return 0;
  return (
    100 +
    (g.cellNumbers?.byteLength ?? 0) +
    g.cellStart.byteLength +
    g.cellRuns.byteLength +
    g.runMerchant.byteLength +
    g.runStart.byteLength +
    (g.partEnds?.byteLength ?? 0)
  );
}

/** Told of each (re)grouped list once its cells are built: the text-hit cache then counts them. */
const onCellsBuilt: ((hits: Hits) => void)[] = [];
/** Calls `listener` with each hit list once its cells are (re)built (the text-hit cache, benchmarks). */
export function whenHitCellsBuilt(listener: (hits: Hits) => void) {
  onCellsBuilt.push(listener);
}

/** A regrouped list's cells in figures (bench/hit-cells-bytes.ts). */
export interface HitCellsShape {
  /** Cells of the merchants' placement (CellIndex.dense). */
  placementCells: number;
  /** Cells holding at least one run. */
  cells: number;
  /** Merchants with hits (runs), and (run, cell) pairs. */
  runs: number;
  pairs: number;
  /** Whether only the occupied cells are listed (HitCells.cellNumbers). */
  listed: boolean;
  /** A tiered list's part ends (3 a run), and the bytes of each (0: not tiered). */
  partEnds: number;
  partEndBytes: number;
  /** Bytes by array: cell starts with cell numbers, runStart, runMerchant, partEnds, cellRuns. */
  bytes: { starts: number; runStart: number; runMerchant: number; partEnds: number; cellRuns: number };
  /** All the cells' bytes (hitCellsBytes). */
  total: number;
}

/** The shape of a hit list's cells, or undefined before its regrouping. */
export function hitCellsShape(hits: Hits): HitCellsShape | undefined {
  const g = hitCells.get(hits);
  if (!g) return undefined;
  const placementCells = cellIndexOf(g.byMerchant).dense.size;
  return {
    placementCells,
    cells: g.cellNumbers ? g.cellNumbers.length : occupiedCells(g.cellStart),
    runs: g.runMerchant.length,
    pairs: g.cellRuns.length,
    listed: g.cellNumbers !== undefined,
    partEnds: g.partEnds?.length ?? 0,
    partEndBytes: g.partEnds?.BYTES_PER_ELEMENT ?? 0,
    bytes: {
      starts: (g.cellNumbers?.byteLength ?? 0) + g.cellStart.byteLength,
      runStart: g.runStart.byteLength,
      runMerchant: g.runMerchant.byteLength,
      partEnds: g.partEnds?.byteLength ?? 0,
      cellRuns: g.cellRuns.byteLength,
    },
    total: hitCellsBytes(hits),
  };
}

/** Cells with runs, counted from a start for every cell. */
function occupiedCells(starts: Uint16Array | Int32Array): number {
  let n = 0;
  for (let c = 0; c + 1 < starts.length; c++) if (starts[c + 1]! > starts[c]!) n++;
  return n;
}

/** hitCellsOf's count per (merchant, part): all zero between two regroupings. */
let classCount = new Int32Array(0);
/** hitCellsOf's run of each merchant present in the list being regrouped (others: stale). */
let merchantRun = new Int32Array(0);
/** hitCellsOf's (run, cell) pairs per cell, then each cell's next place: all zero between two regroupings. */
let cellCount = new Int32Array(0);

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
  const t = positions.length;
  if (orderKeys.length < t) {
    orderKeys = new Float64Array(Math.max(t, 2 * orderKeys.length));
    orderCopy = new Float64Array(orderKeys.length);
  }
  for (let k = 0; k < t; k++) orderKeys[k] = hitOrder(hits, positions[k]!);
  orderCopy.set(orderKeys.subarray(0, t));
  const last = kthSmallest(orderCopy.subarray(0, t), count - 1);
  let w = 0;
  for (let k = 0; k < t; k++) if (orderKeys[k]! <= last) positions[w++] = positions[k]!;
}

/**
 * The merchants' cells (cellsOfMerchants) numbered densely, built once per placement: a grouped
 * list then keeps its (merchant, run) pairs in one array by cell number, counted and placed in two
 * passes, where a Map of growing arrays per list cost more than the rest of its regrouping.
 */
interface CellIndex {
  /** Cell key → cell number. */
  dense: Map<number, number>;
  /** A merchant's cell numbers: `list[start[mid]..start[mid + 1])`. */
  start: Int32Array;
  list: Int32Array;
}
const cellIndexes = new WeakMap<(number[] | undefined)[], CellIndex>();
function cellIndexOf(byMerchant: (number[] | undefined)[]): CellIndex {
  let out = cellIndexes.get(byMerchant);
  if (!out) {
    const dense = new Map<number, number>();
    const start = new Int32Array(byMerchant.length + 1);
    const list: number[] = [];
    for (let mid = 0; mid < byMerchant.length; mid++) {
      for (const key of byMerchant[mid] ?? []) {
        let c = dense.get(key);
        if (c === undefined) {
          c = dense.size;
          dense.set(key, c);
        }
        list.push(c);
      }
      start[mid + 1] = list.length;
    }
    out = { dense, start, list: Int32Array.from(list) };
    cellIndexes.set(byMerchant, out);
  }
  return out;
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
  const quebec = m.quebec;
  const ids = hits.ids;
  const bm = hits.bm;
  const n = ids.length;
  const tiered = hits.tiered === true;
  // A counting sort by (merchant, part): linear in the hits and the merchants present (a list of a
  // few hundred hits must not pay for every merchant of the region), where sorting (merchant,
  // position) pairs as numbers cost a measurable share of a realistic mix (lists evicted from the
  // cache come back). Part: 0 title match with a Québec label, 1 other title match, 2 and 3 the
  // same of the description matches (tiered lists; other lists keep one part, 0). Stable: within a
  // part, list order (ascending ids for a tiered list read from the index).
  const index = cellIndexOf(byMerchant);
  const cellsAt = index.start;
  if (classCount.length < 4 * byMerchant.length) classCount = new Int32Array(4 * byMerchant.length);
  const count = classCount;
  const classOf = new Int32Array(n);
  const present: number[] = [];
  for (let i = 0; i < n; i++) {
    const pid = ids[i]!;
    const mid = pid < owner.length ? owner[pid]! : 0;
    // No merchant (archived) or no location: never near, as in the walk; kept at the end.
    if (mid === 0 || mid + 1 >= cellsAt.length || cellsAt[mid] === cellsAt[mid + 1]) {
      classOf[i] = -1;
      continue;
    }
    const c = 4 * mid + (tiered ? (bm[i] === 2 ? 0 : 2) + (quebec[pid] ? 0 : 1) : 0);
    classOf[i] = c;
    if (count[4 * mid]! + count[4 * mid + 1]! + count[4 * mid + 2]! + count[4 * mid + 3]! === 0)
      present.push(mid);
    count[c]!++;
  }
  const mids = Int32Array.from(present).sort();
  const runs = mids.length;
  // The runs, merchants ascending: each part's first position (then the scatter's next one).
  const next = new Int32Array(4 * runs);
  const runStart = new Int32Array(runs + 1);
  const placementCells = index.dense.size;
  if (cellCount.length < placementCells) cellCount = new Int32Array(placementCells);
  const perCell = cellCount;
  const occupied: number[] = [];
  let pairs = 0;
  let at = 0;
  let longest = 0;
  for (let run = 0; run < runs; run++) {
    const mid = mids[run]!;
    runStart[run] = at;
    for (let p = 0; p < 4; p++) {
      next[4 * run + p] = at;
      at += count[4 * mid + p]!;
      count[4 * mid + p] = 0;
    }
    if (at - runStart[run]! > longest) longest = at - runStart[run]!;
    for (let j = cellsAt[mid]!; j < cellsAt[mid + 1]!; j++) {
      const cell = index.list[j]!;
      if (perCell[cell]!++ === 0) occupied.push(cell);
    }
    pairs += cellsAt[mid + 1]! - cellsAt[mid]!;
  }
  runStart[runs] = at;
  const grouped = at;
  // A tiered run's part ends, from its start (the next part's first position, before the scatter).
  let partEnds: Uint8Array | Uint16Array | Int32Array | undefined;
  if (tiered) {
    partEnds =
      longest <= U8
        ? new Uint8Array(3 * runs)
        : longest <= U16
          ? new Uint16Array(3 * runs)
          : new Int32Array(3 * runs);
    for (let run = 0; run < runs; run++)
      for (let p = 0; p < 3; p++) partEnds[3 * run + p] = next[4 * run + p + 1]! - runStart[run]!;
  }
  // Their runs by cell: counted above, placed here. The starts are listed for the occupied cells
  // only where that weighs less than a start for every cell (HitCells.cellNumbers).
  const cellNumbersOf = Int32Array.from(occupied).sort();
  const listedCells = cellNumbersOf.length;
  const startBytes = pairs <= U16 ? 2 : 4;
  const listed =
    listedCells * ((placementCells <= U16 + 1 ? 2 : 4) + startBytes) < placementCells * startBytes;
  const cellStart =
    startBytes === 2
      ? new Uint16Array((listed ? listedCells : placementCells) + 1)
      : new Int32Array((listed ? listedCells : placementCells) + 1);
  let placed = 0;
  for (let i = 0; i < listedCells; i++) {
    const cell = cellNumbersOf[i]!;
    const inCell = perCell[cell]!;
    if (listed) cellStart[i] = placed;
    else for (let c = i === 0 ? 0 : cellNumbersOf[i - 1]! + 1; c <= cell; c++) cellStart[c] = placed;
    perCell[cell] = placed;
    placed += inCell;
  }
  if (listed) cellStart[listedCells] = placed;
  else
    for (let c = listedCells === 0 ? 0 : cellNumbersOf[listedCells - 1]! + 1; c <= placementCells; c++)
      cellStart[c] = placed;
  const cellRuns = runs <= U16 + 1 ? new Uint16Array(pairs) : new Int32Array(pairs);
  for (let run = 0; run < runs; run++) {
    const mid = mids[run]!;
    for (let j = cellsAt[mid]!; j < cellsAt[mid + 1]!; j++) cellRuns[perCell[index.list[j]!]!++] = run;
  }
  for (let i = 0; i < listedCells; i++) perCell[cellNumbersOf[i]!] = 0;
  const cellNumbers = !listed
    ? undefined
    : placementCells <= U16 + 1
      ? Uint16Array.from(cellNumbersOf)
      : cellNumbersOf;
  const runMerchant = runs > 0 && mids[runs - 1]! > U16 ? mids : Uint16Array.from(mids);
  // The run of each present merchant, for the scatter (a class is 4 * merchant + part).
  if (merchantRun.length < byMerchant.length) merchantRun = new Int32Array(byMerchant.length);
  const runOf = merchantRun;
  for (let run = 0; run < mids.length; run++) runOf[mids[run]!] = run;
  const newIds = new Int32Array(n);
  const newBm = bm instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
  const newOrder = tiered ? undefined : new Int32Array(n);
  const oldOrder = hits.grouped ? hits.order : undefined;
  let restAt = grouped;
  for (let i = 0; i < n; i++) {
    const c = classOf[i]!;
    const to = c < 0 ? restAt++ : next[4 * runOf[c >> 2]! + (c & 3)]!++;
    newIds[to] = ids[i]!;
    newBm[to] = bm[i]!;
    if (newOrder) newOrder[to] = oldOrder ? oldOrder[i]! : i;
  }
  // Synchronous from the first read to here: no search holds positions of the old order.
  hits.ids = newIds;
  hits.bm = newBm;
  hits.order = newOrder;
  hits.grouped = true;
  const built: HitCells = {
    byMerchant,
    merchant: owner,
    generation: m.generation,
    cellNumbers,
    cellStart,
    cellRuns,
    runMerchant,
    runStart: n <= U16 ? Uint16Array.from(runStart) : runStart,
    partEnds,
  };
  hitCells.set(hits, built);
  for (const listener of onCellsBuilt) listener(hits);
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
/** The near runs of a grouped list (nearRuns): merchant and run index in HitCells.runStart. */
let runMid = new Int32Array(1024);
let runIndex = new Int32Array(1024);
/** Parts of runs sharing one key (selectByParts): key, first and end position, and a key copy and count to select on. */
let partKey = new Float64Array(4096);
let partStart = new Int32Array(4096);
let partEnd = new Int32Array(4096);
let partKeyCopy = new Float64Array(4096);
let partCount = new Int32Array(4096);
/** firstInHitOrder's keys. */
let orderKeys = new Float64Array(4096);
let orderCopy = new Float64Array(4096);

function room(n: number) {
  if (n <= picked.length) return;
  const size = Math.max(n, picked.length * 2);
  picked = widened(picked, size);
  pickedMid = widened(pickedMid, size);
  keys = new Float64Array(size);
  keysCopy = new Float64Array(size);
  ties = new Int32Array(size);
}

function runRoom(n: number) {
  if (n <= runMid.length) return;
  const size = Math.max(n, runMid.length * 2);
  runMid = widened(runMid, size);
  runIndex = widened(runIndex, size);
}

function partRoom(n: number) {
  if (n <= partKey.length) return;
  const size = Math.max(n, partKey.length * 2);
  partKey = new Float64Array(size);
  partStart = new Int32Array(size);
  partEnd = new Int32Array(size);
  partKeyCopy = new Float64Array(size);
  partCount = new Int32Array(size);
}

/** What nearRuns found: how many hits, and how many runs (in runMid/runIndex) when by cell. */
interface NearRuns {
  /** The grouped list's cells, or undefined when the list was walked (hits in `picked`). */
  cells: HitCells | undefined;
  n: number;
  runs: number;
}

/**
 * The hits whose merchant is near: by cell when the list is grouped, as the runs of the near
 * merchants (runMid, runIndex; their hits are not listed, which a capped search need not do),
 * else by walking the list, into `picked[0..n)` in hit order.
 */
function nearRuns(
  ref: Reference | undefined,
  m: CatalogMemory,
  hits: Hits,
  area: NearArea,
  unfiltered: boolean,
): NearRuns {
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
    return { cells: undefined, n, runs: 0 };
  }
  if (merchantSeen.length < g.byMerchant.length) merchantSeen = new Int32Array(g.byMerchant.length);
  if (++visit === 0x7fffffff) {
    visit = 1;
    merchantSeen.fill(0);
  }
  const seen = merchantSeen;
  const cells = cellIndexOf(g.byMerchant).dense;
  const { cellNumbers, cellStart, cellRuns, runMerchant, runStart } = g;
  const box = area.box;
  const r0 = cellOf(box.minLat);
  const r1 = cellOf(box.maxLat);
  const c0 = cellOf(box.minLng);
  const c1 = cellOf(box.maxLng);
  let runs = 0;
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      const dense = cells.get(cellKey(row, col));
      if (dense === undefined) continue;
      const c = cellNumbers ? listedCell(cellNumbers, dense) : dense;
      if (c < 0) continue;
      // A cell strictly inside the box's cells lies inside the box (cellOf is monotonic): without
      // a merchant or association filter, every merchant with a location there is near.
      const inside = unfiltered && row > r0 && row < r1 && col > c0 && col < c1;
      for (let k = cellStart[c]!, end = cellStart[c + 1]!; k < end; k++) {
        const r = cellRuns[k]!;
        const mid = runMerchant[r]!;
        // A merchant's run is the same in each of its cells: taken once.
        if (seen[mid] === visit) continue;
        seen[mid] = visit;
        if (!inside && !area.isNear(mid)) continue;
        runRoom(runs + 1);
        runMid[runs] = mid;
        runIndex[runs++] = r;
        n += runStart[r + 1]! - runStart[r]!;
      }
    }
  }
  return { cells: g, n, runs };
}

/** Index of cell number `cell` in the ascending `cellNumbers` (HitCells), or -1 when not listed. */
function listedCell(cellNumbers: Uint16Array | Int32Array, cell: number): number {
  let lo = 0;
  let hi = cellNumbers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = cellNumbers[mid]!;
    if (v < cell) lo = mid + 1;
    else if (v > cell) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Lists the hits of nearRuns' runs in `picked` (and their merchants in `pickedMid`). */
function listRuns(g: HitCells, near: NearRuns) {
  room(near.n);
  const runStart = g.runStart;
  let n = 0;
  for (let k = 0; k < near.runs; k++) {
    const mid = runMid[k]!;
    const r = runIndex[k]!;
    for (let j = runStart[r]!, b = runStart[r + 1]!; j < b; j++) {
      pickedMid[n] = mid;
      picked[n++] = j;
    }
  }
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
  const near = nearRuns(ref, m, hits, area, unfiltered);
  if (near.cells) listRuns(near.cells, near);
  return near.n;
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
 * hit order), as nearProducts selects them but without an array or closure per candidate; with
 * `only`, the best of those passing the product filters (docs/decisions/0012-scored-products-cap.md).
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
  /** The search's category and Québec label filters: a capped search takes its cap among the products passing them. */
  only?: ProductFilters,
): NearHits {
  const near = nearRuns(ref, m, hits, area, unfiltered);
  const all = near.n;
  const g = near.cells;
  const filtering = only !== undefined && (only.categoryId !== 0 || only.quebec);
  if (g && all > scoredCap && !filtering && (sort === 'distance' || (sort === 'relevance' && hits.tiered)))
    return selectByParts(g, hits, near, area, sort, radiusKm);
  if (g) listRuns(g, near);
  if (all <= scoredCap) return { idx: picked, n: all, near: all, capped: false };
  // Filtered before the cap, not only after it (rankHits filters again): the best estimates of
  // a common word are rarely of the one category asked for, and a capped search then showed a
  // few of a category's products, or none, where hundreds were near (docs/decisions/0012).
  const n = filtering ? passing(m, hits, all, only) : all;
  if (n <= scoredCap) return { idx: picked, n, near: all, capped: false };
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
  const byPrice = sort === 'price_asc' || sort === 'price_desc';
  for (let k = 0; k < n; k++) {
    const i = picked[k]!;
    const mid = pickedMid[k]!;
    if (mid !== lastMid) {
      lastMid = mid;
      const d = area.distanceKm(mid);
      merchantPart = byPrice
        ? priceTie(d)
        : sort === 'distance'
          ? d
          : RANKING.proximity * Math.max(0, 1 - d / safeRadius);
    }
    if (sort === 'price_asc') keys[k] = m.price[ids[i]!]! * PRICE_TIES + merchantPart;
    else if (sort === 'price_desc') keys[k] = -m.price[ids[i]!]! * PRICE_TIES + merchantPart;
    else
      keys[k] =
        sort === 'distance'
          ? merchantPart
          : -(
              RANKING.text * (maxBm > 0 ? bm[i]! / maxBm : 0) +
              merchantPart +
              RANKING.quebec * (m.quebec[ids[i]!]! ? 1 : 0)
            );
  }
  keysCopy.set(keys.subarray(0, n));
  const cut = kthSmallest(keysCopy.subarray(0, n), scoredCap - 1);
  let w = 0;
  let t = 0;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    if (key < cut) picked[w++] = picked[k]!;
    else if (key === cut) ties[t++] = picked[k]!;
  }
  return fillAtCut(hits, w, t, all);
}

/**
 * A price key's room for the merchant's distance (metres) below the price: products at one price
 * rank nearest first, as the final order ties them (scoring.ts), where hit order took them at the
 * cut before. A common word has thousands of near products at the catalogue's lowest prices, and
 * a price sort then showed shops a few hundred metres away before the one at 180 m
 * (docs/decisions/0012). Exact in a double: prices in cents are 32-bit integers, 2^31 · 2^21 < 2^53.
 */
const PRICE_TIES = 2 ** 21;
/** The distance part of a price key: whole metres, at most PRICE_TIES - 1 (2,097 km). */
const priceTie = (distanceKm: number) => Math.min(PRICE_TIES - 1, Math.floor(distanceKm * 1000));

/** A search's filters on the product itself (scoring.ts ScoreFilters: 0 / false for none). */
export interface ProductFilters {
  categoryId: number;
  quebec: boolean;
}

/** Keeps in `picked[0..)` (and `pickedMid`) those of its first `n` hits passing `only`, in order; returns how many. */
function passing(m: CatalogMemory, hits: Hits, n: number, only: ProductFilters): number {
  const ids = hits.ids;
  const { category, quebec } = m;
  const categoryId = only.categoryId;
  let w = 0;
  for (let k = 0; k < n; k++) {
    const pid = ids[picked[k]!]!;
    if (categoryId !== 0 && category[pid] !== categoryId) continue;
    if (only.quebec && !quebec[pid]) continue;
    pickedMid[w] = pickedMid[k]!;
    picked[w++] = picked[k]!;
  }
  return w;
}

/** Of the `t` candidates in `ties` at the cut, the first in hit order fill the places left after `w`. */
function fillAtCut(hits: Hits, w: number, t: number, near: number): NearHits {
  const atCut = scoredCap - w;
  const tied = ties.subarray(0, t);
  if (t > atCut) firstInHitOrder(hits, tied, atCut);
  for (let k = 0; k < atCut; k++) picked[w++] = tied[k]!;
  return { idx: picked, n: w, near, capped: true };
}

/**
 * nearCandidateHits' selection when the key of a hit depends only on its run's merchant and the
 * run's part (HitCells.partEnds): by distance, the merchant's; by relevance of a tiered list, the
 * merchant's proximity, the tier and the Québec label. The cut is found among the parts, weighted
 * by their sizes, and only the hits taken are listed: a common word has tens of thousands of near
 * hits in a few thousand parts. The keys are the very expressions of the walk (same doubles, so
 * the same cut and the same ties).
 */
function selectByParts(
  g: HitCells,
  hits: Hits,
  near: NearRuns,
  area: NearArea,
  sort: SortKey,
  radiusKm: number,
): NearHits {
  const runStart = g.runStart;
  const byDistance = sort === 'distance';
  // A tiered list's relevance is 2 (title) or 1: the largest near is 2 when a near run has a title match.
  let maxBm = 1;
  if (!byDistance)
    for (let k = 0; k < near.runs; k++) {
      const r = runIndex[k]!;
      if (partBound(g, r, 2) > runStart[r]!) {
        maxBm = 2;
        break;
      }
    }
  const safeRadius = Math.max(radiusKm, 0.001);
  partRoom(4 * near.runs);
  let parts = 0;
  for (let k = 0; k < near.runs; k++) {
    const r = runIndex[k]!;
    const d = area.distanceKm(runMid[k]!);
    if (byDistance) {
      partKey[parts] = d;
      partStart[parts] = runStart[r]!;
      partEnd[parts++] = runStart[r + 1]!;
      continue;
    }
    const merchantPart = RANKING.proximity * Math.max(0, 1 - d / safeRadius);
    for (let p = 0; p < 4; p++) {
      const a = partBound(g, r, p);
      const b = partBound(g, r, p + 1);
      if (a === b) continue;
      const bm = p < 2 ? 2 : 1;
      partKey[parts] = -(
        RANKING.text * (maxBm > 0 ? bm / maxBm : 0) +
        merchantPart +
        RANKING.quebec * (p % 2 === 0 ? 1 : 0)
      );
      partStart[parts] = a;
      partEnd[parts++] = b;
    }
  }
  for (let p = 0; p < parts; p++) partCount[p] = partEnd[p]! - partStart[p]!;
  partKeyCopy.set(partKey.subarray(0, parts));
  const cut = weightedKth(partKeyCopy, partCount, parts, scoredCap - 1);
  room(near.n);
  let w = 0;
  let t = 0;
  for (let p = 0; p < parts; p++) {
    const key = partKey[p]!;
    if (key < cut) for (let j = partStart[p]!, b = partEnd[p]!; j < b; j++) picked[w++] = j;
    else if (key === cut) for (let j = partStart[p]!, b = partEnd[p]!; j < b; j++) ties[t++] = j;
  }
  return fillAtCut(hits, w, t, near.n);
}

/**
 * The value of 0-based rank `rank` in the multiset where `keys[i]` appears `counts[i]` times
 * (i < n): a selection with three-way partitions, linear on average. Reorders both arrays.
 */
export function weightedKth(keys: Float64Array, counts: Int32Array, n: number, rank: number): number {
  let lo = 0;
  let hi = n;
  for (;;) {
    const pivot = keys[(lo + hi) >> 1]!;
    // [lo, lt) below the pivot, [lt, i) equal to it, [gt, hi) above.
    let lt = lo;
    let i = lo;
    let gt = hi;
    let below = 0;
    let equal = 0;
    while (i < gt) {
      const k = keys[i]!;
      if (k < pivot) {
        const c = counts[i]!;
        keys[i] = keys[lt]!;
        counts[i] = counts[lt]!;
        keys[lt] = k;
        counts[lt] = c;
        below += c;
        lt++;
        i++;
      } else if (k > pivot) {
        gt--;
        const c = counts[i]!;
        keys[i] = keys[gt]!;
        counts[i] = counts[gt]!;
        keys[gt] = k;
        counts[gt] = c;
      } else {
        equal += counts[i]!;
        i++;
      }
    }
    if (rank < below) hi = lt;
    else if (rank < below + equal) return pivot;
    else {
      rank -= below + equal;
      lo = gt;
    }
  }
}

/**
 * Which candidates to score when there are too many (see nearProducts): the final order's
 * estimate. Relevance: text and proximity and the Québec boost as in the score (stock, known only
 * per offer, is left out); distance, the merchant's nearest store; price, the price, then that
 * distance in whole metres (PRICE_TIES).
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
      ? (pid) => m.price[pid]! * PRICE_TIES + priceTie(area.distanceKm(m.merchant[pid]!))
      : sort === 'price_desc'
        ? (pid) => -m.price[pid]! * PRICE_TIES + priceTie(area.distanceKm(m.merchant[pid]!))
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
  const cut = kthSmallest(keys.slice(), scoredCap - 1);
  const out = { ids: [] as number[], bms: [] as number[] };
  let atCut = scoredCap;
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
