/** Types and tuning constants shared by the search's parts (query, candidates, scoring, facets, browse). */
import type { LocationRef } from './reference.ts';

export type Lang = 'fr' | 'en';
export type SortKey = 'relevance' | 'distance' | 'price_asc' | 'price_desc';

export interface SearchParams {
  q?: string;
  lat?: number;
  lng?: number;
  near?: string;
  radius_km?: number;
  category?: string;
  quebec?: boolean;
  in_stock?: boolean;
  fulfilment?: 'pickup' | 'delivery';
  association?: string;
  merchant?: string;
  open_now?: boolean;
  sort?: SortKey;
  page?: number;
  per_page?: number;
  lang?: Lang;
  /** Evaluation instant for "open now" (tests); defaults to now. */
  now?: Date;
}

/**
 * Ranking weights (documented in docs/ARCHITECTURE.md, "Search"):
 * score = 1.0·text + 0.5·proximity + 0.3·in_stock + 0.15·quebec
 * text = the backend's relevance (SQLite FTS5 BM25, PostgreSQL ts_rank) divided by the best of the
 * candidate set, so 0..1; proximity = 1 - distance/radius; in_stock and quebec are 0 or 1.
 */
export const RANKING = { text: 1, proximity: 0.5, inStock: 0.3, quebec: 0.15 } as const;

/** Most candidate products read from the text index per query (best text matches first). */
export const MAX_TEXT_HITS = 100_000;
/** Above this many text hits, both backends rank by title/description tiers instead of BM25 / ts_rank. */
export const MAX_BM25_HITS = 4_000;
/** Most products considered for a query without words (browse by filters near a point). */
export const MAX_BROWSE_OFFERS = 5_000;
/**
 * Most products near the point scored per query (the best for the requested order by a cheap
 * estimate, candidates.ts). Beyond it, `total`, the facet counts and a result's offers nearby cover
 * these products only and the response says `approximate: true`. 1,000 rather than 2,000
 * (docs/decisions/0012-scored-products-cap.md): the first page's products stayed the same in
 * 99.6-99.9 % of capped searches, for 16-22 % less CPU per capped search.
 */
export const MAX_SCORED_PRODUCTS = 1_000;

/** The best offer of a product near the point, as ranked and counted. */
export interface Scored {
  product_id: number;
  merchant_id: number;
  category_id: number | null;
  quebec_label: string | null;
  price_cents: number;
  /** The GTIN's number in memory (0: none), for grouping without string keys; the text is read with the page. */
  gtin_id: number;
  location_id: number;
  lat: number;
  lng: number;
  pickup: number;
  delivery_radius_km: number;
  /** The location delivers to the point. */
  delivers: boolean;
  /** The location is open at the evaluation instant. */
  open: boolean;
  available: number;
  distance_km: number;
  score: number;
  offers: number;
}

export interface FacetValue {
  value: string;
  count: number;
  label?: string;
}

/**
 * Which merchants have a location in the search box (and pass the merchant/association filters),
 * decided lazily per merchant and remembered for the search: most searches look at far fewer
 * merchants (those of their text matches) than the region holds.
 */
export interface NearArea {
  /** 0 = not decided yet, 1 = near, 2 = not near. */
  state: Uint8Array;
  /** The search's bounding box (a near merchant has a location in one of the grid cells it overlaps). */
  box: { minLat: number; maxLat: number; minLng: number; maxLng: number };
  maxMerchant: number;
  isNear(merchantId: number): boolean;
  /** Distance from the point to the merchant's nearest location kept by the filters (km). */
  distanceKm(merchantId: number): number;
  /** Every near merchant (for searches without words): a pass over the grid cells of the box. */
  all(): number[];
}

/** A nearby location with what depends only on it, computed once per search (not once per offer). */
export interface NearLocation {
  ref: LocationRef;
  /** Inside the box and the radius, and kept by the location-level filters. */
  offers: boolean;
  distance_km: number;
  proximity: number;
  delivers: boolean;
  open: boolean;
}

/**
 * How a candidate ranks before it is scored (smaller first): its product, its text relevance and
 * the best relevance among the candidates. An estimate of the final order from what memory knows
 * without looking at its offers.
 */
export type CandidateRank = (productId: number, bm: number, maxBm: number) => number;

/**
 * Text matches of one expression: product ids, best first (relevance desc, then id), and their
 * relevance. A cached list used again is regrouped by merchant in place (candidates.ts): `ids` and
 * `bm` are then replaced by the same entries in another order, and `grouped` says the positions
 * are no longer the hit order (`order`, or for tiered lists relevance desc then id, gives it).
 */
export interface Hits {
  ids: Int32Array;
  /** Relevance; 2 (title match) or 1 in a Uint8Array for `tiered` lists (a common word's). */
  bm: Float32Array | Uint8Array;
  /** Relevance is the title/description tier: hit order is relevance desc, then id asc. */
  tiered?: boolean;
  /** Positions are grouped by merchant, not in hit order. */
  grouped?: boolean;
  /** A grouped list that is not tiered: each position's index in hit order. */
  order?: Int32Array;
}
