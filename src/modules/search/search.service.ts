/**
 * Search: products near a point, ranked, filtered and counted by facet. The steps live in their
 * own files: place.ts (the point), text-match.ts (words and text hits), area.ts (nearby stores),
 * candidates.ts (products near the point), scoring.ts (best offer, order, one per GTIN),
 * facets.ts, browse.ts (without words), results.ts (the page as shown), spelling.ts.
 */
import type { Database } from '../../db/database.ts';
import { boundingBox } from '../common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from './area.ts';
import { browse, type Facets } from './browse.ts';
import { type Candidates, candidateRank, nearCandidateHits, nearProducts } from './candidates.ts';
import { computeFacets, countFacets } from './facets.ts';
import { catalogMemory } from './memory.ts';
import { parseQuery, type QueryWord } from './normalize.ts';
import { invalid, resolvePoint } from './place.ts';
import { reference } from './reference.ts';
import { presentResults } from './results.ts';
import { type RankedGroups, rankAndGroup, rankedPage, rankHits, scoreCandidates } from './scoring.ts';
import { type Hits, type Lang, RANKING, type Scored, type SearchParams } from './search.types.ts';
import { matchExpr, prepareWords, textHits, wordsThatMayMatch, wordsThatMayMatchNow } from './text-match.ts';

export { clock, openAt } from './area.ts';
export { kthSmallest } from './candidates.ts';
export { invalid, resolvePoint } from './place.ts';
export { snippet } from './results.ts';
export {
  type FacetValue,
  type Lang,
  MAX_BM25_HITS,
  MAX_BROWSE_OFFERS,
  MAX_SCORED_PRODUCTS,
  MAX_TEXT_HITS,
  RANKING,
  type Scored,
  type SearchParams,
  type SortKey,
} from './search.types.ts';
export { spellingSuggestion } from './spelling.ts';
export { cached } from './text-match.ts';

/**
 * `COMPTOIR_BROWSE_LEGACY=1` serves queries without words the way they were served before
 * browse.ts (at most MAX_BROWSE_OFFERS products, lowest ids first): kept only so the browse
 * benchmark can compare both in one run.
 */
const legacyBrowse = () => process.env.COMPTOIR_BROWSE_LEGACY === '1';

/**
 * Parsed queries by their text (stemming is a measurable share of a search): a region's shoppers
 * type the same few hundred queries. Bounded; the oldest entry goes first. Never mutated.
 */
const parsedQueries = new Map<string, QueryWord[]>();
const MAX_PARSED_QUERIES = 2000;
function parsed(text: string): QueryWord[] {
  // parseQuery reads the first 500 characters only: the key is bounded the same way.
  const q = text.slice(0, 500);
  let words = parsedQueries.get(q);
  if (!words) {
    words = parseQuery(q, { prefixLast: true });
    if (parsedQueries.size >= MAX_PARSED_QUERIES) parsedQueries.delete(parsedQueries.keys().next().value!);
    parsedQueries.set(q, words);
  }
  return words;
}

const none = new Int32Array(0);
/** No result (no hit near the point): the facets of nothing. */
const NO_GROUPS: RankedGroups = {
  groups: 0,
  rep: none,
  offers: none,
  pid: none,
  mid: none,
  loc: none,
  avail: none,
  cq: none,
  flags: new Uint8Array(0),
};

/** Products near a point, ranked, filtered and counted by facet. */
export async function search(database: Database, params: SearchParams) {
  const ref = await reference(database);
  const lang: Lang = params.lang ?? 'fr';
  const radius = params.radius_km ?? ref.defaultRadiusKm;
  const page = params.page ?? 1;
  const perPage = params.per_page ?? 20;
  const sort = params.sort ?? 'relevance';
  const category = params.category ? ref.categoryBySlug.get(params.category) : undefined;
  if (params.category && !category) throw invalid('category', 'search.unknown_category');
  const association = params.association
    ? ref.associations.find((a) => a.slug === params.association)
    : undefined;
  if (params.association && !association) throw invalid('association', 'search.unknown_association');
  const merchant = params.merchant ? ref.merchantBySlug.get(params.merchant) : undefined;
  if (params.merchant && !merchant) throw invalid('merchant', 'search.unknown_merchant');
  const point = await resolvePoint(database, ref, params);
  const box = boundingBox(point.lat, point.lng, radius);
  const openMask = openMaskAt(ref, params.now ?? new Date());
  // Delivery by the stores' zones to the place searched from (town, postal code, else nearest town).
  const delivers = deliversTo(ref, point);
  const { area, keeps, locationFacts, facts } = searchArea(ref, {
    delivers,
    point,
    box,
    radius,
    merchantId: merchant?.id,
    associationMembers: association?.members,
    fulfilment: params.fulfilment,
    openNow: params.open_now,
    openMask,
  });

  const m = await catalogMemory(database);
  let words = parsed(params.q ?? '');
  let relaxed = false;
  // A relaxed search: the words no product holds (folded, as parsed), left out; and whether the
  // answer has any of the other words rather than all of them.
  let missingWords: string[] = [];
  let anyWord = false;
  const stats = { capped: false };
  let total: number;
  let facets: Facets;
  let slice: Scored[];
  if (words.length === 0 && !legacyBrowse()) {
    // Browsing without words: exact over every nearby product, in typed arrays (browse.ts).
    const r = browse(ref, m, {
      point,
      radius,
      keeps,
      box,
      fulfilment: params.fulfilment,
      delivers,
      openNow: params.open_now === true,
      openMask,
      categoryId: category?.id ?? 0,
      quebec: params.quebec === true,
      inStock: params.in_stock === true,
      sort,
      offset: (page - 1) * perPage,
      limit: perPage,
      lang,
      weights: RANKING,
    });
    total = r.total;
    facets = r.facets;
    slice = r.page;
  } else if (words.length > 0) {
    // With words: candidates, scores, groups, facets and page in one synchronous pass over typed
    // arrays (candidates.ts nearCandidateHits, scoring.ts rankHits and rankedPage, facets.ts
    // countFacets): the same answers as the step-by-step path below, without an object per hit.
    words = await prepareWords(database, words);
    const filters = {
      categoryId: category?.id ?? 0,
      quebec: params.quebec === true,
      inStock: params.in_stock === true,
    };
    const rankText = (hits: Hits) => {
      const near = nearCandidateHits(ref, m, hits, area, sort, radius, !merchant && !association, filters);
      if (near.near === 0) return undefined;
      stats.capped = near.capped;
      const groups = rankHits(ref, m, hits, near.idx, near.n, facts, filters, sort);
      return {
        total: groups.groups,
        facets: countFacets(ref, m, groups, facts, lang),
        page: rankedPage(ref, m, groups, facts, (page - 1) * perPage, perPage),
      };
    };
    // All the words; then, if some word matches no document, all the others (a word nobody
    // wrote, "ambré" of "sirop d'érable ambré", leaves "sirop d'érable"); then any of them
    // (text-match.ts wordsThatMayMatch, the same words left out on both databases). A word the
    // text index knows no document holds makes the all-words attempt match nothing: skipped.
    const known = words.length > 1 ? wordsThatMayMatchNow(database, words) : words;
    let r =
      !known || known.length === words.length
        ? rankText(await textHits(database, matchExpr(database, words, 'all')))
        : undefined;
    if (!r && words.length > 1) {
      relaxed = true;
      const matching = known ?? (await wordsThatMayMatch(database, words));
      missingWords = words.filter((w) => !matching.includes(w)).map((w) => w.word);
      // One word left: all of it is any of it (the same expression), tried once below. Showing
      // nothing (hits in the box, none within the radius or the filters), any word is tried.
      if (matching.length > 1 && matching.length < words.length) {
        r = rankText(await textHits(database, matchExpr(database, matching, 'all')));
        if (r?.total === 0) r = undefined;
      }
      if (!r && matching.length > 0) {
        anyWord = matching.length > 1;
        r = rankText(await textHits(database, matchExpr(database, matching, 'any')));
      }
    }
    total = r?.total ?? 0;
    facets = r?.facets ?? countFacets(ref, m, NO_GROUPS, facts, lang);
    slice = r?.page ?? [];
  } else {
    // Without words, the way they were served before browse.ts (COMPTOIR_BROWSE_LEGACY=1).
    const rank = candidateRank(sort, m, area, radius);
    const near: Candidates = await nearProducts(database, m, area, undefined, stats, rank);
    const scored = scoreCandidates(ref, m, near, locationFacts, {
      categoryId: category?.id ?? 0,
      quebec: params.quebec === true,
      inStock: params.in_stock === true,
    });
    const results = rankAndGroup(scored, sort);
    facets = computeFacets(ref, results, lang);
    slice = results.slice((page - 1) * perPage, page * perPage);
    total = results.length;
  }
  return {
    total,
    page,
    per_page: perPage,
    point: { lat: point.lat, lng: point.lng, source: point.source, radius_km: radius },
    relaxed,
    /** Relaxed: the words no product holds, left out (folded); the page names them. */
    missing_words: missingWords,
    /** Relaxed: the answer holds any of the other words, not all of them. */
    any_word: anyWord,
    approximate: stats.capped,
    results: await presentResults(database, ref, slice, words, lang),
    facets,
  };
}
