/**
 * Search and discovery: who has it, near me, in stock, now. Public API of the module.
 * Other modules call indexProducts() after changing products, rebuildSearchIndex() after a bulk load.
 * Search is a read model (src/db/ownership.ts): it reads the catalogue, stores and stock in its
 * repositories and writes only its own index tables.
 */

/** Query parameters of the merchant directory (`listMerchants`). */
/** One as-you-type suggestion (a category, a merchant or a product title) with its link. */
export type { DirectoryParams, Suggestion } from './discovery.ts';
/**
 * The approved merchants near a point (nearest location first), filtered by words, category,
 * association and opening, paginated.
 */
/**
 * A product with its offers: availability at each of its merchant's locations, plus the offers of
 * the same GTIN at other merchants, sorted by distance from the point. Undefined when not public.
 */
/** As-you-type suggestions: categories, merchants, then product titles; cached until the catalogue changes. */
export { listMerchants, productWithOffers, suggest } from './discovery.ts';
/** Re-indexes products after any change (import, back-office edit, archive, delete). */
/** Rebuilds the whole index from the catalogue (after a bulk load such as the demo seed). */
export { indexProducts, rebuildSearchIndex } from './indexer.ts';
/** Wires the in-memory catalogue facts to the event bus (stock and catalog events). */
/** The catalogue facts kept in memory, loaded on first use (the CLI warms them at start). */
/** True while the catalogue facts load (`/readyz` answers 503 meanwhile). */
/**
 * Servers keep the catalogue facts in a snapshot file in the data directory between starts,
 * checked against the database's change log (SQLite; see memory.ts); the path of that file.
 */
export {
  attachSearchEvents,
  catalogMemory,
  catalogMemoryLoading,
  type FactsSnapshotOptions,
  factsSnapshotPath,
  useFactsSnapshot,
} from './memory.ts';
/** Text normalisation shared with the index: accent/case folding, document and query terms. */
export { documentTerms, fold, parseQuery, termsOf } from './normalize.ts';
/** A search point: explicit coordinates, else a town or postal code (`near`), else the region's centre. */
export { resolvePoint } from './place.ts';
/** One public page for the sitemap (path without language, last change). */
/** A store's fulfilment columns and contact details (and its merchant's). */
export type { SitemapEntry, StoreContact } from './public-pages.ts';
/**
 * The home page's Québec picks: the newest active labelled products in stock somewhere, of
 * approved merchants.
 */
/** How many public pages there are (approved merchants, their active products). */
/** Sitemap entries [offset, offset+limit) of the ordered list: home, merchants, products. */
/** Stores' fulfilment and contact details by location id. */
/** Up to 400 approved merchants' locations within about `km` of a point (home page map). */
export {
  quebecProductsInStock,
  sitemapCounts,
  sitemapEntries,
  storeContacts,
  storesNear,
} from './public-pages.ts';
/** The reference data every search uses (categories, merchants, associations, towns), cached 30 s. */
export type { Reference } from './reference.ts';
/** Forget cached reference data (tests, after a bulk load or a change of towns). */
/** The cached reference data of a database (categories, approved merchants, associations, towns, region). */
export { clearReferenceCache, reference } from './reference.ts';
/** Zod schemas of the search, directory, suggest and product query strings (shared by API and pages). */
export {
  geoQuery,
  merchantsQuery,
  productQuery,
  type SearchQuery,
  searchQuery,
  suggestQuery,
} from './search.schemas.ts';
/** Products near a point, ranked, filtered and counted by facet. */
export { search } from './search.service.ts';
/** Ranking weights, search parameters and sort orders. */
export { RANKING, type SearchParams, type SortKey } from './search.types.ts';
/** Reads the snapshot file ahead, in the background, while a server starts (snapshot.ts). */
export { type PrefetchedSnapshot, prefetchFactsSnapshot } from './snapshot.ts';
/** "Did you mean": the query with unknown words replaced by indexed words one edit away. */
export { spellingSuggestion } from './spelling.ts';
/**
 * Background warm-up of the text-hit cache once a server is ready (warm-up.ts): the lists of the
 * texts most frequent in the catalogue's titles, within a CPU, a byte and a busy-loop budget.
 */
/** Stops a text index build under way (a platform closing). */
export { stopTextIndexBuild } from './text-index-state.ts';
export { type WarmUpOptions, type WarmUpReport, warmTextHits, warmTextHitsInBackground } from './warm-up.ts';
