/**
 * Per-process cache of text matches and prepared query words (text-match.ts), keyed by the
 * expression. Popular queries repeat (a region's shoppers search for the same few hundred things),
 * and a match does not depend on where the shopper stands, so the index is read once per query
 * until a catalogue change can alter the answer. `COMPTOIR_SEARCH_CACHE=0` turns it off (benchmarks
 * measure both).
 *
 * A product write drops only the entries it can change (SQLite; docs/decisions/0009): the written
 * documents' current terms are read as the change is learnt of (memory.ts onCatalogChange, in the
 * same tick: no search in between; one read that the text index's dirty documents take too,
 * changedDocumentTerms) and logged; an entry is checked against the writes since its
 * last check when it is next read (one pass for many writes; entries nobody reads cost nothing):
 * - a tiered hit list (more than MAX_BM25_HITS matches) goes when a written product is in it or
 *   matches it now — unless the list holds its first MAX_TEXT_HITS matches and the product's id
 *   lies past them (FTS5's first ids by id: a match past them changes nothing). A kept list so
 *   holds no written product, and the cells of its regrouping by merchant stay true (candidates.ts);
 * - a short list (BM25-ranked) always goes: its scores read FTS5's totals and each phrase's
 *   document count, which any write moves, and it is cheap to read again (kept through a write
 *   that misses its terms, every score of it would differ from a fresh one after one write at 1M
 *   products, and after 256 an order: bench/bm25-tolerance.ts);
 * - prepared words (`w:`) go when a written term could change them: the vocabulary only grows
 *   (search_vocab, until a full rebuild), so only a new term can make a word known, give it a typo
 *   expansion (one edit away) or end a last word's prefix matching;
 * - anything else (suggestions `s:`, which read product titles) goes.
 * PostgreSQL (no terms read in the same tick), a full rebuild, a batch of more than MAX_SELECTIVE
 * products, or a text FTS5 may tokenise otherwise than the text index drop everything at once, as
 * `COMPTOIR_SEARCH_CACHE_WRITES=whole` does (benchmarks compare both).
 */
import type { Database } from '../../db/database.ts';
import { hitCellsBytes, whenHitCellsBuilt } from './candidates.ts';
import { changedDocumentTerms } from './hit-cache.repository.ts';
import { onCatalogChange } from './memory.ts';
import type { QueryWord } from './normalize.ts';
import { type Hits, MAX_TEXT_HITS } from './search.types.ts';
import { type ParsedExpr, parseMatchExpr, type TermGroup, tokensOf } from './text-index.ts';

interface HitCache {
  entries: Map<string, unknown>;
  /** Bytes of each entry as last counted (sizeOf): a hit list grows when it is regrouped. */
  sizes: Map<string, number>;
  /** Bytes of the entries (sum of `sizes`). */
  bytes: number;
  /** Per entry, how many writes (log positions) it has been checked against (see `current`). */
  checked: Map<string, number>;
  /** The writes learnt of: `log[i]` is write number `logStart + i` (the oldest forgotten first). */
  log: Written[];
  logStart: number;
  /** Changes that dropped everything (hitCacheEpoch). */
  epoch: number;
}
/** The cache and key holding a hit list, so that its cells, built later, are counted (whenHitCellsBuilt). */
const heldBy = new WeakMap<Hits, { cache: HitCache; key: string }>();
/**
 * About 9 million ids of common-word lists (a shopper mix of ~1,000 distinct texts at 1M products
 * needed 9.6 million): a miss reads the index again, 10-50 ms for a common word or a prefix, where
 * a kept list is reused in well under a millisecond (PERFORMANCE.md, "cached text-hit lists").
 * `COMPTOIR_SEARCH_CACHE_MB` sets another bound (measurements; with the text index a miss costs
 * about a millisecond, see text-index.ts). True bytes: the lists' arrays and their cells (sizeOf).
 */
const MAX_CACHED_BYTES = (Number(process.env.COMPTOIR_SEARCH_CACHE_MB) || 64) * 2 ** 20;
/** Past this many products in one change, everything is dropped (a bulk import: matching costs more). */
export const MAX_SELECTIVE = 2_000;
/**
 * Writes kept for entries not checked since (at 10 writes a second, 25 s; a few kB each): an entry
 * older than the oldest is dropped when next read, rather than the log growing for entries nobody
 * reads (a popular one is read again within seconds).
 */
const MAX_LOG = 256;
const hitCaches = new WeakMap<Database, HitCache>();
const cacheEnabled = () => process.env.COMPTOIR_SEARCH_CACHE !== '0';

function cacheOf(database: Database): HitCache {
  let c = hitCaches.get(database);
  if (!c) {
    c = {
      entries: new Map(),
      sizes: new Map(),
      bytes: 0,
      checked: new Map(),
      log: [],
      logStart: 0,
      epoch: 0,
    };
    hitCaches.set(database, c);
  }
  return c;
}

const head = (c: HitCache) => c.logStart + c.log.length;

/**
 * What the checks of entries against writes cost so far, and the entries and counted bytes held
 * now over every database's cache (bench, tests; bench/memory-probe.ts reads them in a server).
 */
export const hitCacheStats = { checks: 0, checkMs: 0, dropped: 0, entries: 0, bytes: 0 };

/**
 * Whether a cached entry still holds, checked against the writes since its last check (all of
 * them in one pass: a list is read once however many writes came); dropped if not. The check is
 * made when an entry is read, not at each write: entries nobody reads again cost nothing.
 */
function current(c: HitCache, key: string, value: unknown): boolean {
  const at = c.checked.get(key) ?? -1;
  const now = head(c);
  if (at === now) return true;
  const started = performance.now();
  const changed = at < c.logStart || entryChanged(c.log.slice(at - c.logStart), key, value);
  hitCacheStats.checks++;
  hitCacheStats.checkMs += performance.now() - started;
  if (changed) {
    hitCacheStats.dropped++;
    remove(c, key);
    return false;
  }
  c.checked.set(key, now);
  return true;
}

/** Estimated bytes the text-hit cache holds now (warm-up.ts keeps its share under a budget). */
export function cachedBytes(database: Database): number {
  return cacheEnabled() ? cacheOf(database).bytes : 0;
}

/** The text-hit cache's contents by part, in bytes (hitCacheParts). */
export interface HitCacheParts {
  entries: number;
  lists: number;
  /** The lists' arrays (ids, relevance, hit order) under 128 KiB: blocks of glibc's arenas. */
  smallArrays: number;
  /** The lists' arrays of 128 KiB or more: mappings of their own (MALLOC_MMAP_THRESHOLD_). */
  largeArrays: number;
  /** The cells of the regrouped lists (candidates.ts hitCellsBytes). */
  cells: number;
  /** Entries that are not hit lists (prepared words, suggestions), at their counted 512 bytes. */
  others: number;
  counted: number;
}

/** What the text-hit cache of `database` holds, part by part (bench/memory-parts.ts). */
export function hitCacheParts(database: Database): HitCacheParts {
  const c = cacheOf(database);
  const parts: HitCacheParts = {
    entries: c.entries.size,
    lists: 0,
    smallArrays: 0,
    largeArrays: 0,
    cells: 0,
    others: 0,
    counted: c.bytes,
  };
  for (const v of c.entries.values()) {
    if (!((v as Partial<Hits>).ids instanceof Int32Array)) {
      parts.others += 512;
      continue;
    }
    const h = v as Hits;
    parts.lists++;
    for (const a of [h.ids, h.bm, h.order])
      if (a && a.byteLength < 128 * 1024) parts.smallArrays += a.byteLength;
      else if (a) parts.largeArrays += a.byteLength;
    parts.cells += hitCellsBytes(h);
  }
  return parts;
}

/** Whether `textHits(database, expr)` would answer from the cache (without touching its order). */
export function textHitsCached(database: Database, expr: string): boolean {
  if (!cacheEnabled()) return false;
  const c = cacheOf(database);
  const key = `h:${expr}`;
  const value = c.entries.get(key);
  return value !== undefined && current(c, key, value);
}

/** Changes so far that dropped the whole cache (the warm-up stops when one happens). */
export function hitCacheEpoch(database: Database): number {
  return cacheOf(database).epoch;
}

/** A value cached per database until a catalogue change can alter it (see the module comment). */
export async function cached<T>(database: Database, key: string, compute: () => Promise<T>): Promise<T> {
  if (!cacheEnabled()) return compute();
  const c = cacheOf(database);
  const hit = c.entries.get(key);
  if (hit && current(c, key, hit)) {
    // Most recently used last: Map order is the eviction order.
    c.entries.delete(key);
    c.entries.set(key, hit);
    return hit as T;
  }
  // Writes during the computation are checked at the next read (the value may predate them).
  const since = head(c);
  const epoch = c.epoch;
  const value = await compute();
  if (c.epoch !== epoch || since < c.logStart) return value; // everything dropped meanwhile
  remove(c, key);
  const size = sizeOf(value);
  c.entries.set(key, value);
  c.sizes.set(key, size);
  c.checked.set(key, since);
  c.bytes += size;
  hitCacheStats.bytes += size;
  hitCacheStats.entries++;
  if ((value as Partial<Hits>).ids instanceof Int32Array) heldBy.set(value as Hits, { cache: c, key });
  evict(c);
  return value;
}

function remove(c: HitCache, key: string) {
  if (!c.entries.delete(key)) return;
  const size = c.sizes.get(key)!;
  c.bytes -= size;
  hitCacheStats.bytes -= size;
  hitCacheStats.entries--;
  c.sizes.delete(key);
  c.checked.delete(key);
}

/** Drops the least recently used entries until the cache is within its bound. */
function evict(c: HitCache) {
  for (const k of c.entries.keys()) {
    if (c.bytes <= MAX_CACHED_BYTES) break;
    remove(c, k);
  }
}

// A kept list's regrouping by merchant (candidates.ts) adds its cells and replaces its arrays:
// counted again then, so that the bound is in true bytes (they were an estimate of 2 bytes a hit,
// a third of what they weighed at 1M; docs/PERFORMANCE.md, "Memory with the text index").
whenHitCellsBuilt((hits) => {
  const held = heldBy.get(hits);
  if (!held) return;
  const { cache, key } = held;
  if (cache.entries.get(key) !== hits) return;
  const size = sizeOf(hits);
  const grown = size - cache.sizes.get(key)!;
  cache.bytes += grown;
  hitCacheStats.bytes += grown;
  cache.sizes.set(key, size);
  evict(cache);
});

/**
 * Bytes a cached value holds. A hit list: its arrays, plus what its regrouping by merchant adds
 * (candidates.ts): the hit-order array of a list that is not tiered (counted from the start), and
 * its cells once built (hitCellsBytes; whenHitCellsBuilt counts the list again then). Other values
 * (a suggestion list, a typo expansion) weigh 512 bytes, about their size: counted as nothing, a
 * stream of distinct prefixes could keep any number of them.
 */
const sizeOf = (v: unknown) => {
  if (!((v as Partial<Hits>).ids instanceof Int32Array)) return 512;
  const h = v as Hits;
  const order = h.order ? h.order.byteLength : h.tiered ? 0 : 4 * h.ids.length;
  return 256 + h.ids.byteLength + h.bm.byteLength + order + hitCellsBytes(h);
};

/** The written documents of one or more changes, as the cache matches them. */
interface Written {
  /** Per written id, its current tokens over both columns (null: no longer indexed). */
  docs: Map<number, string[] | null>;
  /** The written ids, ascending. */
  ids: Int32Array;
  /** Every token the writes added to the vocabulary (or found there). */
  terms: Set<string>;
  /** `terms` sorted (prefix look-ups), made when first needed. */
  sorted?: string[];
  /** `terms` and each with one letter deleted (typo look-ups), made when first needed. */
  deletions?: Set<string>;
}

function written(docs: Map<number, string[] | null>, terms: Set<string>): Written {
  const ids = Int32Array.from(docs.keys()).sort();
  return { docs, ids, terms };
}

/** The current terms of the written documents, or undefined when the whole cache must go. */
function writtenOf(database: Database, ids: readonly number[]): Written | undefined {
  if (process.env.COMPTOIR_SEARCH_CACHE_WRITES === 'whole') return undefined;
  if (database.kind !== 'sqlite' || !database.sqlite || ids.length > MAX_SELECTIVE) return undefined;
  const docs = new Map<number, string[] | null>();
  for (const id of ids) {
    const n = Number(id);
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31)) return undefined;
    docs.set(n, null);
  }
  const terms = new Set<string>();
  // The change's own array: the text index reads the same rows (changedDocumentTerms, one read).
  for (const r of changedDocumentTerms(database.sqlite, ids)) {
    const title = tokensOf(r.title_terms ?? '');
    const body = tokensOf(r.body_terms ?? '');
    // A text the text index refuses may be tokenised otherwise by FTS5: no guess.
    if (!title || !body) return undefined;
    const tokens = [...title, ...body];
    docs.set(Number(r.product_id), tokens);
    for (const t of tokens) terms.add(t);
  }
  return written(docs, terms);
}

/** Whether a token list matches a group: one of its terms, or a token starting with its prefix. */
function groupMatches(tokens: readonly string[], g: TermGroup): boolean {
  for (const t of tokens)
    if (g.terms.includes(t) || (g.prefix !== undefined && t.startsWith(g.prefix))) return true;
  return false;
}

/** Whether a document's tokens (any column) match an expression as FTS5 matches it. */
export function documentMatches(tokens: readonly string[], expr: ParsedExpr): boolean {
  return expr.mode === 'all'
    ? expr.groups.every((g) => groupMatches(tokens, g))
    : expr.groups.some((g) => groupMatches(tokens, g));
}

/** Whether some written token can match a group (a cheap test before matching each document). */
function groupMayMatch(w: Written, g: TermGroup): boolean {
  if (g.terms.some((t) => w.terms.has(t))) return true;
  if (g.prefix === undefined) return false;
  w.sorted ??= [...w.terms].sort();
  const sorted = w.sorted;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < g.prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]!.startsWith(g.prefix);
}

/** The written ids whose documents match `expr` now. */
function matchingNow(w: Written, expr: ParsedExpr): number[] {
  const may =
    expr.mode === 'all'
      ? expr.groups.every((g) => groupMayMatch(w, g))
      : expr.groups.some((g) => groupMayMatch(w, g));
  if (!may) return [];
  const out: number[] = [];
  for (const [id, tokens] of w.docs) if (tokens && documentMatches(tokens, expr)) out.push(id);
  return out;
}

/** A tiered list's highest id (its ids never change, only their order): one pass, once. */
const topIds = new WeakMap<Hits, number>();
function topId(hits: Hits): number {
  let top = topIds.get(hits);
  if (top === undefined) {
    top = -1;
    for (const id of hits.ids) if (id > top) top = id;
    topIds.set(hits, top);
  }
  return top;
}

/**
 * Whether a hit list of `expr` can differ after the writes `log` (see the module comment). A
 * product written twice is matched in each version: dropping for a version since replaced is safe.
 */
function hitsChanged(log: Written[], expr: ParsedExpr, hits: Hits): boolean {
  if (!hits.tiered) return true;
  // The list holds the first MAX_TEXT_HITS matches by id: a written id past them changes nothing.
  const top = hits.ids.length >= MAX_TEXT_HITS ? topId(hits) : Number.POSITIVE_INFINITY;
  const written = new Set<number>();
  for (const w of log) {
    if (matchingNow(w, expr).some((id) => id < top)) return true;
    for (const id of w.ids) if (id < top) written.add(id);
  }
  if (written.size === 0) return false;
  // One pass over the list (regrouped by merchant, it is in no id order): a written product in it?
  const { ids } = hits;
  if (written.size === 1) {
    const [only] = written;
    for (let i = 0; i < ids.length; i++) if (ids[i] === only) return true;
    return false;
  }
  let low = Number.POSITIVE_INFINITY;
  let high = -1;
  for (const id of written) {
    low = Math.min(low, id);
    high = Math.max(high, id);
  }
  const bits = new Int32Array((high >>> 5) + 1);
  for (const id of written) bits[id >>> 5]! |= 1 << (id & 31);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id >= low && id <= high && (bits[id >>> 5]! & (1 << (id & 31))) !== 0) return true;
  }
  return false;
}

/**
 * Whether prepared words (prepareWords in text-match.ts) can differ after the writes `log` added
 * their terms to the vocabulary: a term of a word now known (no typo expansion then), a term one edit away from
 * an unknown word of 5+ letters (a new expansion), the last word itself (no prefix then).
 */
function wordsChanged(log: Written[], key: string): boolean {
  let words: QueryWord[];
  try {
    words = JSON.parse(key) as QueryWord[];
  } catch {
    return true;
  }
  if (!Array.isArray(words)) return true;
  for (const word of words) {
    if (typeof word?.word !== 'string' || !Array.isArray(word.terms)) return true;
    const typos = word.word.length >= 5 && !/^\d+$/.test(word.word);
    // The word and each of it with one letter deleted, once for all the writes.
    const mine = new Set<string>();
    if (typos) withDeletions(word.word, mine);
    for (const w of log) {
      if (w.terms.has(word.word) || word.terms.some((t) => w.terms.has(t))) return true;
      if (typos && oneEditAway(w, mine)) return true;
    }
  }
  return false;
}

/** A string and each of it with one letter deleted. */
function withDeletions(t: string, out: Set<string>) {
  out.add(t);
  for (let i = 0; i < t.length; i++) out.add(t.slice(0, i) + t.slice(i + 1));
}

/**
 * Whether a written term may be one edit from a word (editsOne; `mine`: the word and its one-letter
 * deletions): they share a string once at most one letter is deleted from each — every deletion,
 * insertion, substitution or transposition does (and a few two-edit pairs: dropping more entries
 * is safe, keeping one is not).
 */
function oneEditAway(w: Written, mine: Set<string>): boolean {
  if (!w.deletions) {
    w.deletions = new Set();
    for (const t of w.terms) withDeletions(t, w.deletions);
  }
  for (const d of mine) if (w.deletions.has(d)) return true;
  return false;
}

/** Whether `a` and `b` may be one edit apart as the cache sees it (tests: editsOne's are). */
export function mayBeOneEditApart(a: string, b: string): boolean {
  const mine = new Set<string>();
  withDeletions(a, mine);
  return oneEditAway({ docs: new Map(), ids: new Int32Array(0), terms: new Set([b]) }, mine);
}

/** Whether a cached entry can differ after the writes `log`. */
function entryChanged(log: Written[], key: string, value: unknown): boolean {
  if (key.startsWith('h:')) {
    const expr = parseMatchExpr(key.slice(2));
    const hits = value as Partial<Hits>;
    return !expr || !(hits.ids instanceof Int32Array) || hitsChanged(log, expr, value as Hits);
  }
  if (key.startsWith('w:')) return wordsChanged(log, key.slice(2));
  return true;
}

/** What the last change did (tests, bench): a whole drop, or a write logged; its cost. */
export interface CacheChangeReport {
  whole: boolean;
  ms: number;
}
let lastChange: CacheChangeReport | undefined;
export function lastCacheChange(): CacheChangeReport | undefined {
  return lastChange;
}

function dropAll(c: HitCache) {
  c.epoch++;
  hitCacheStats.entries -= c.entries.size;
  hitCacheStats.bytes -= c.bytes;
  c.entries.clear();
  c.sizes.clear();
  c.checked.clear();
  c.bytes = 0;
  c.logStart += c.log.length;
  c.log = [];
}

/**
 * Applies a catalogue change to the cache: everything goes, or the write's documents are logged
 * for the entries to be checked against when next read (see the module comment).
 */
export function applyCatalogChange(database: Database, ids: readonly number[] | null) {
  const c = hitCaches.get(database);
  if (!c) return;
  const started = performance.now();
  const w = ids ? writtenOf(database, ids) : undefined;
  if (!w) dropAll(c);
  else {
    c.log.push(w);
    if (c.log.length > MAX_LOG) {
      c.log.shift();
      c.logStart++;
    }
  }
  lastChange = { whole: !w, ms: performance.now() - started };
}

onCatalogChange(applyCatalogChange);
