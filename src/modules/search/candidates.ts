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
    const owner = m.merchant;
    // Without the reference (or for a list used once) the whole list is walked: same candidates.
    const cells = ref ? hitCellsOf(ref, m, hits) : undefined;
    if (cells) {
      const near = nearHitsByCell(cells, owner, hits, area);
      for (let k = 0; k < near.length; k++) {
        const i = near[k]!;
        ids.push(hits.ids[i]!);
        bms.push(hits.bm[i]!);
      }
    } else {
      for (let i = 0; i < hits.ids.length; i++) {
        const pid = hits.ids[i]!;
        const mid = pid < owner.length ? owner[pid]! : 0;
        if (mid === 0 || !area.isNear(mid)) continue;
        ids.push(pid);
        bms.push(hits.bm[i]!);
      }
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
 * A text-hit list grouped by the grid cells (reference.ts GRID_DEG) where the hit's merchant has a
 * location: a search visits the hits of the cells its box overlaps instead of walking a common
 * word's whole list (100,000 hits for the 1,000 or so near the user). Built for hit lists that are
 * reused (the text-hit cache, text-match.ts), for one reference and one state of the catalogue.
 */
interface HitCells {
  ref: Reference;
  merchant: Int32Array;
  generation: number;
  /** Hit indices (ascending: hit order) by cell key. */
  cells: Map<number, Int32Array>;
  /** Per hit, the last visit that saw it (a hit in several cells of the box is taken once). */
  seen: Int32Array;
  visit: number;
}

/** First use of a hit list: `null` (a list used once, as without the cache, is walked). */
const hitCells = new WeakMap<Hits, HitCells | null>();
/** The distinct cell keys of each merchant's locations, per reference. */
const merchantCells = new WeakMap<Reference, (number[] | undefined)[]>();

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
    merchantCells.set(ref, out);
  }
  return out;
}

function hitCellsOf(ref: Reference, m: CatalogMemory, hits: Hits): HitCells | undefined {
  const known = hitCells.get(hits);
  if (known && known.ref === ref && known.merchant === m.merchant && known.generation === m.generation)
    return known;
  if (known === undefined) {
    hitCells.set(hits, null);
    return undefined;
  }
  const byMerchant = cellsOfMerchants(ref);
  const owner = m.merchant;
  const lists = new Map<number, number[]>();
  for (let i = 0; i < hits.ids.length; i++) {
    const pid = hits.ids[i]!;
    const mid = pid < owner.length ? owner[pid]! : 0;
    // No merchant (archived) or no location: never near, as in the walk.
    const keys = mid === 0 ? undefined : byMerchant[mid];
    if (!keys) continue;
    for (const key of keys) {
      const list = lists.get(key);
      if (list) list.push(i);
      else lists.set(key, [i]);
    }
  }
  const cells = new Map<number, Int32Array>();
  for (const [key, list] of lists) cells.set(key, Int32Array.from(list));
  const built: HitCells = {
    ref,
    merchant: owner,
    generation: m.generation,
    cells,
    seen: new Int32Array(hits.ids.length),
    visit: 0,
  };
  hitCells.set(hits, built);
  return built;
}

/** The indices of the hits whose merchant is near, in hit order: exactly the walk's, by cell. */
function nearHitsByCell(g: HitCells, owner: Int32Array, hits: Hits, area: NearArea): Int32Array {
  const visit = ++g.visit;
  const seen = g.seen;
  const picked: number[] = [];
  const box = area.box;
  for (let row = cellOf(box.minLat); row <= cellOf(box.maxLat); row++) {
    for (let col = cellOf(box.minLng); col <= cellOf(box.maxLng); col++) {
      const list = g.cells.get(cellKey(row, col));
      if (!list) continue;
      for (let k = 0; k < list.length; k++) {
        const i = list[k]!;
        if (seen[i] === visit) continue;
        seen[i] = visit;
        if (area.isNear(owner[hits.ids[i]!]!)) picked.push(i);
      }
    }
  }
  return Int32Array.from(picked).sort();
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
