/**
 * Search and discovery: who has it, near me, in stock, now. Public API of the module.
 * Other modules call indexProducts() after changing products, rebuildSearchIndex() after a bulk load.
 */
export {
  type DirectoryParams,
  listMerchants,
  productWithOffers,
  type Suggestion,
  suggest,
} from './discovery.ts';
export { indexProducts, rebuildSearchIndex } from './indexer.ts';
export { attachSearchEvents, catalogMemory, catalogMemoryLoading } from './memory.ts';
export { documentTerms, fold, parseQuery, termsOf } from './normalize.ts';
export { clearReferenceCache } from './reference.ts';
export { RANKING, type SearchParams, type SortKey, search, spellingSuggestion } from './search.service.ts';
