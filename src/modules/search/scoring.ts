/**
 * Scoring: each candidate's best offer within the radius after the filters, ranked by the
 * requested order, one result per GTIN.
 */
import type { SearchArea } from './area.ts';
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
