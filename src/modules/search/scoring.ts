/**
 * Scoring: each candidate's best offer within the radius after the filters, ranked by the
 * requested order, one result per GTIN.
 */
import { type LocationFacts, OFFERS, OPEN, type SearchArea } from './area.ts';
import type { Candidates } from './candidates.ts';
import { availableAt, type CatalogMemory } from './memory.ts';
import type { Reference } from './reference.ts';
import { type NearLocation, RANKING, type Scored, type SortKey } from './search.types.ts';

/** The filters applied per product and per offer. */
export interface ScoreFilters {
  categoryId: number;
  quebec: boolean;
  inStock: boolean;
}

/** Best offer of each candidate within the radius, after filters (unsorted, one per product). */
export function scoreCandidates(
  ref: Reference,
  m: CatalogMemory,
  near: Candidates,
  locationFacts: SearchArea['locationFacts'],
  f: ScoreFilters,
): Scored[] {
  let maxBm = 0;
  for (const b of near.bms) if (b > maxBm) maxBm = b;
  const categoryId = f.categoryId;
  const scored: Scored[] = [];
  for (let i = 0; i < near.ids.length; i++) {
    const pid = near.ids[i]!;
    if (pid >= m.merchant.length || m.merchant[pid] === 0) continue; // archived since
    const mid = m.merchant[pid]!;
    if (categoryId && m.category[pid] !== categoryId) continue;
    const q = m.quebec[pid]!;
    if (f.quebec && q === 0) continue;
    const text = maxBm > 0 ? near.bms[i]! / maxBm : 0;
    const base = RANKING.text * text + RANKING.quebec * (q ? 1 : 0);
    let best: NearLocation | undefined;
    let bestScore = 0;
    let bestAvailable = 0;
    let offers = 0;
    for (const loc of ref.locationsByMerchant[mid] ?? []) {
      const l = locationFacts(loc);
      if (!l.offers) continue;
      const available = Math.max(0, availableAt(m, pid, loc.id));
      if (f.inStock && available <= 0) continue;
      const score = base + RANKING.proximity * l.proximity + RANKING.inStock * (available > 0 ? 1 : 0);
      offers++;
      if (!best || score > bestScore || (score === bestScore && l.distance_km < best.distance_km)) {
        best = l;
        bestScore = score;
        bestAvailable = available;
      }
    }
    if (!best) continue;
    const g = m.gtin[pid]!;
    const c = m.category[pid]!;
    scored.push({
      product_id: pid,
      merchant_id: mid,
      category_id: c === 0 ? null : c,
      quebec_label: q === 0 ? null : m.quebecLabels[q - 1]!,
      price_cents: m.price[pid]!,
      gtin_id: g,
      location_id: best.ref.id,
      lat: best.ref.lat,
      lng: best.ref.lng,
      pickup: best.ref.pickup,
      delivery_radius_km: best.ref.delivery_radius_km,
      delivers: best.delivers,
      open: best.open,
      available: bestAvailable,
      distance_km: best.distance_km,
      score: bestScore,
      offers,
    });
  }
  return scored;
}

const tie = (a: Scored, b: Scored) => a.distance_km - b.distance_km || a.product_id - b.product_id;
const ORDER: Record<SortKey, (a: Scored, b: Scored) => number> = {
  relevance: (a, b) => b.score - a.score || tie(a, b),
  distance: (a, b) => tie(a, b),
  price_asc: (a, b) => a.price_cents - b.price_cents || tie(a, b),
  price_desc: (a, b) => b.price_cents - a.price_cents || tie(a, b),
};

/**
 * Sorts in the requested order, then keeps one result per GTIN: the first in that order stands
 * for the others (their offers are counted).
 */
export function rankAndGroup(scored: Scored[], sort: SortKey): Scored[] {
  const sorted = scored.sort(ORDER[sort]);
  const byGtin = new Map<number, Scored>();
  const results: Scored[] = [];
  for (const s of sorted) {
    const first = s.gtin_id ? byGtin.get(s.gtin_id) : undefined;
    if (first) {
      first.offers += s.offers;
      continue;
    }
    if (s.gtin_id) byGtin.set(s.gtin_id, s);
    results.push(s);
  }
  return results;
}

/**
 * Per-process scratch of rankHits, one entry per scored product (SoA: no object per product) and
 * one per GTIN group. A ranking runs synchronously from its first candidate to its page: two
 * searches never share it.
 */
let cap = 0;
let sPid = new Int32Array(0);
let sMid = new Int32Array(0);
let sLoc = new Int32Array(0);
let sAvail = new Int32Array(0);
let sOffers = new Int32Array(0);
let sScore = new Float64Array(0);
let sDist = new Float64Array(0);
let sKey = new Float64Array(0);
/** Category * 256 + Québec label index (what the facets count, without reading the catalogue again). */
let sCq = new Int32Array(0);
/** The best location's pickup (1), open now (2). */
let sFlags = new Uint8Array(0);
/**
 * Per candidate, gathered before the scoring loop (rankHits): its product id, text relevance and
 * facts. The facts arrays span the whole catalogue, so nearly every read of a candidate's fact is
 * a cache miss; read in a loop of independent loads the processor overlaps them, where the
 * scoring loop, whose every step waits on the previous one, took them one at a time.
 */
let cPid = new Int32Array(0);
let cBm = new Float32Array(0);
let cMid = new Int32Array(0);
let cCat = new Int32Array(0);
let cQ = new Uint8Array(0);
let cGtin = new Float64Array(0);
/** The stock reads of the gathering, stored so that the compiler keeps them (never read back). */
let cTouch = new Int32Array(0);
/** Per group: its best entry and its offers. */
let gRep = new Int32Array(0);
let gOffers = new Int32Array(0);
/** GTIN → group, open addressing; a slot counts for the ranking whose stamp it carries. */
let slotKey = new Float64Array(0);
let slotGroup = new Int32Array(0);
let slotStamp = new Int32Array(0);
let slotStampNow = 0;

function ensure(n: number) {
  if (n <= cap) return;
  const size = Math.max(n, 1024);
  sPid = new Int32Array(size);
  sMid = new Int32Array(size);
  sLoc = new Int32Array(size);
  sAvail = new Int32Array(size);
  sOffers = new Int32Array(size);
  sScore = new Float64Array(size);
  sDist = new Float64Array(size);
  sKey = new Float64Array(size);
  sCq = new Int32Array(size);
  sFlags = new Uint8Array(size);
  cPid = new Int32Array(size);
  cBm = new Float32Array(size);
  cMid = new Int32Array(size);
  cCat = new Int32Array(size);
  cQ = new Uint8Array(size);
  cGtin = new Float64Array(size);
  cTouch = new Int32Array(size);
  gRep = new Int32Array(size);
  gOffers = new Int32Array(size);
  // At most half full: short probes.
  let slots = 1;
  while (slots < size * 2) slots *= 2;
  slotKey = new Float64Array(slots);
  slotGroup = new Int32Array(slots);
  slotStamp = new Int32Array(slots);
  slotStampNow = 0;
  cap = size;
}

/** Entry a before entry b in the order (key, then distance, then product id): ORDER's comparators. */
const before = (a: number, b: number) =>
  sKey[a]! < sKey[b]! ||
  (sKey[a] === sKey[b] && (sDist[a]! < sDist[b]! || (sDist[a] === sDist[b] && sPid[a]! < sPid[b]!)));

/** What rankHits hands to the facet count and the page. */
export interface RankedGroups {
  /** Groups (one result each): its best entry in `rep[g]`, its offers summed in `offers[g]`. */
  groups: number;
  rep: Int32Array;
  offers: Int32Array;
  pid: Int32Array;
  mid: Int32Array;
  /** The entry's best location (position in ref.locations). */
  loc: Int32Array;
  avail: Int32Array;
  /** Category * 256 + Québec label index. */
  cq: Int32Array;
  /** The best location's pickup (1), open now (2). */
  flags: Uint8Array;
}

/**
 * scoreCandidates and rankAndGroup over the candidates `idx[0..n)` (hit indices) without an
 * object per candidate: each candidate's best offer (same rule, same arithmetic), then one group
 * per GTIN keeping the first in the requested order and the sum of the group's offers. The order
 * is never sorted here: the facets need only each group's best entry, and the page (rankedPage)
 * selects its few results. Synchronous; the result lives in scratch arrays until the next call.
 */
export function rankHits(
  /** The reference `facts` were made for (its locations are read through facts.merchants). */
  _ref: Reference,
  m: CatalogMemory,
  hits: { ids: Int32Array; bm: Float32Array | Uint8Array },
  idx: Int32Array,
  n: number,
  facts: LocationFacts,
  f: ScoreFilters,
  sort: SortKey,
): RankedGroups {
  ensure(n);
  if (++slotStampNow === 0x7fffffff) {
    slotStampNow = 1;
    slotStamp.fill(0);
  }
  const stamp = slotStampNow;
  const mask = slotKey.length - 1;
  const { merchant, category, quebec, price, gtin, multi, invStart, invLoc, invAvail } = m;
  const ids = hits.ids;
  const bms = hits.bm;
  const dist = facts.dist;
  const prox = facts.prox;
  const { start: locStart, index: locIndex, id: locId, pickup } = facts.merchants;
  let maxBm = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    cPid[k] = ids[i]!;
    const b = bms[i]!;
    cBm[k] = b;
    if (b > maxBm) maxBm = b;
  }
  // The candidates' facts, gathered (see cPid); also a first read of their stock rows, which
  // availableAt reads next: the same cache lines, then present.
  const size = merchant.length;
  for (let k = 0; k < n; k++) {
    const pid = cPid[k]!;
    if (pid >= size) {
      cMid[k] = 0;
      continue;
    }
    cMid[k] = merchant[pid]!;
    cCat[k] = category[pid]!;
    cQ[k] = quebec[pid]!;
    cGtin[k] = gtin[pid]!;
    cTouch[k] = multi[pid]! + invStart[pid]!;
  }
  // The first stock row of each candidate: its position is known only now.
  for (let k = 0; k < n; k++) {
    const pid = cPid[k]!;
    if (pid >= size) continue;
    const r = invStart[pid]!;
    if (r < invLoc.length) cTouch[k] = invLoc[r]! + invAvail[r]!;
  }
  const categoryId = f.categoryId;
  let s = 0;
  let groups = 0;
  for (let k = 0; k < n; k++) {
    const pid = cPid[k]!;
    const mid = cMid[k]!;
    if (mid === 0) continue; // archived since
    if (categoryId && cCat[k] !== categoryId) continue;
    const q = cQ[k]!;
    if (f.quebec && q === 0) continue;
    const text = maxBm > 0 ? cBm[k]! / maxBm : 0;
    const base = RANKING.text * text + RANKING.quebec * (q ? 1 : 0);
    // The merchant's locations from typed arrays (area.ts merchantLocationsOf), in the same order.
    if (mid + 1 >= locStart.length) continue;
    let best = -1;
    let bestFlags = 0;
    let bestScore = 0;
    let bestAvailable = 0;
    let offers = 0;
    for (let j = locStart[mid]!, end = locStart[mid + 1]!; j < end; j++) {
      const li = locIndex[j]!;
      const lf = facts.flagsAt(li);
      if ((lf & OFFERS) === 0) continue;
      const available = Math.max(0, availableAt(m, pid, locId[j]!));
      if (f.inStock && available <= 0) continue;
      const score = base + RANKING.proximity * prox[li]! + RANKING.inStock * (available > 0 ? 1 : 0);
      offers++;
      if (best < 0 || score > bestScore || (score === bestScore && dist[li]! < dist[best]!)) {
        best = li;
        bestFlags = lf;
        bestScore = score;
        bestAvailable = available;
      }
    }
    if (best < 0) continue;
    sPid[s] = pid;
    sMid[s] = mid;
    sLoc[s] = best;
    sAvail[s] = bestAvailable;
    sOffers[s] = offers;
    sCq[s] = cCat[k]! * 256 + q;
    sFlags[s] = pickup[best]! | (bestFlags & OPEN ? 2 : 0);
    sScore[s] = bestScore;
    sDist[s] = dist[best]!;
    sKey[s] =
      sort === 'relevance'
        ? -bestScore
        : sort === 'price_asc'
          ? price[pid]!
          : sort === 'price_desc'
            ? -price[pid]!
            : 0;
    // One result per GTIN: the group's first in the order stands for it and carries its offers.
    const g = cGtin[k]!;
    let group = -1;
    if (g !== 0) {
      // Its low and high 32 bits (exact: |g| < 2^53) mixed, without a floating-point remainder (a
      // library call: 9.3 against 1.6 ns a hash, bench/gtin-hash.ts); the slots change,
      // not the groups (a group is its GTIN's, numbered in candidate order).
      let slot = (Math.imul(g >>> 0, 0x9e3779b1) ^ Math.imul((g / 4294967296) | 0, 0x85ebca6b)) & mask;
      while (slotStamp[slot] === stamp && slotKey[slot] !== g) slot = (slot + 1) & mask;
      if (slotStamp[slot] === stamp) group = slotGroup[slot]!;
      else {
        slotStamp[slot] = stamp;
        slotKey[slot] = g;
        slotGroup[slot] = groups;
      }
    }
    if (group < 0) {
      gRep[groups] = s;
      gOffers[groups] = offers;
      groups++;
    } else {
      gOffers[group]! += offers;
      if (before(s, gRep[group]!)) gRep[group] = s;
    }
    s++;
  }
  return {
    groups,
    rep: gRep,
    offers: gOffers,
    pid: sPid,
    mid: sMid,
    loc: sLoc,
    avail: sAvail,
    cq: sCq,
    flags: sFlags,
  };
}

/**
 * Results [offset, offset + limit) of the groups in the requested order, as Scored (the page
 * shown): a bounded insertion for the first pages, a sort of the groups past them.
 */
export function rankedPage(
  ref: Reference,
  m: CatalogMemory,
  r: RankedGroups,
  facts: LocationFacts,
  offset: number,
  limit: number,
): Scored[] {
  const want = Math.min(offset + limit, r.groups);
  if (want <= offset) return [];
  const rep = r.rep;
  // Group ids in the order of their best entries.
  let order: number[];
  if (want <= 200) {
    // The `want` first, sorted, by insertion (most groups fail the first comparison).
    order = [];
    for (let g = 0; g < r.groups; g++) {
      const e = rep[g]!;
      if (order.length === want && !before(e, rep[order[want - 1]!]!)) continue;
      let at = order.length === want ? want - 1 : order.length;
      while (at > 0 && before(e, rep[order[at - 1]!]!)) {
        order[at] = order[at - 1]!;
        at--;
      }
      order[at] = g;
    }
  } else {
    order = Array.from({ length: r.groups }, (_, g) => g).sort((a, b) =>
      before(rep[a]!, rep[b]!) ? -1 : before(rep[b]!, rep[a]!) ? 1 : 0,
    );
  }
  const page: Scored[] = [];
  for (let k = offset; k < want; k++) {
    const g = order[k]!;
    const e = rep[g]!;
    const pid = sPid[e]!;
    const l = ref.locations[sLoc[e]!]!;
    const q = m.quebec[pid]!;
    const c = m.category[pid]!;
    page.push({
      product_id: pid,
      merchant_id: sMid[e]!,
      category_id: c === 0 ? null : c,
      quebec_label: q === 0 ? null : m.quebecLabels[q - 1]!,
      price_cents: m.price[pid]!,
      gtin_id: m.gtin[pid]!,
      location_id: l.id,
      lat: l.lat,
      lng: l.lng,
      pickup: l.pickup,
      delivery_radius_km: l.delivery_radius_km,
      delivers: facts.deliversAt(l.index),
      open: (facts.flags(l) & OPEN) !== 0,
      available: sAvail[e]!,
      distance_km: sDist[e]!,
      score: sScore[e]!,
      offers: r.offers[g]!,
    });
  }
  return page;
}
