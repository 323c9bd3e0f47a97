/**
 * The text side of a search: query words prepared against the index vocabulary (typos, complete
 * last word), the backend's match expression, and its hits, cached until the catalogue changes.
 */
import type { Database } from '../../db/database.ts';
import { cached } from './hit-cache.ts';
import { editsOne, type QueryWord } from './normalize.ts';
import {
  anyDocumentMatches,
  ftsMatchesWithBm25,
  ftsMatchIds,
  knownTerms,
  termKnown,
  tsMatchesWithRank,
  tsMatchLists,
} from './search.repository.ts';
import { type Hits, MAX_BM25_HITS, MAX_TEXT_HITS } from './search.types.ts';
import { ftsTotals } from './text-index.repository.ts';
import { parseMatchExpr, type TextIndex } from './text-index.ts';
import { parseTsQueryExpr, tsIndexLists } from './text-index-pg.ts';
import { textIndexOf } from './text-index-state.ts';

// The cache of text matches and prepared words (cached), and what a catalogue change drops of it:
// hit-cache.ts.
export { cached, cachedBytes, textHitsCached } from './hit-cache.ts';

/** Typo tolerance: words of 5+ letters unknown to the index gain the indexed terms one edit away. */
async function expandTypos(database: Database, words: QueryWord[]): Promise<QueryWord[]> {
  const unknownWords = words.filter((w) => w.word.length >= 5 && !/^\d+$/.test(w.word));
  if (unknownWords.length === 0) return words;
  const knownSet = new Set(
    await knownTerms(
      database.db,
      unknownWords.flatMap((w) => w.terms),
    ),
  );
  const out: QueryWord[] = [];
  for (const w of words) {
    if (!unknownWords.includes(w) || w.terms.some((t) => knownSet.has(t))) {
      out.push(w);
      continue;
    }
    const found = await knownTerms(database.db, editsOne(w.word));
    out.push({ ...w, terms: [...w.terms, ...found.slice(0, 12)] });
  }
  return out;
}

/**
 * The last word is matched as a prefix only while it is incomplete: a word already in the index
 * vocabulary ("bottes") is matched through its stems, which is much cheaper than a prefix scan.
 */
async function completeWordsNeedNoPrefix(database: Database, words: QueryWord[]): Promise<QueryWord[]> {
  const last = words[words.length - 1];
  if (!last?.prefix) return words;
  if (!(await termKnown(database.db, last.word))) return words;
  return [...words.slice(0, -1), { ...last, prefix: false }];
}

/** Parsed query words made ready for matching (typos expanded, a complete last word no prefix), cached. */
export function prepareWords(database: Database, parsed: QueryWord[]): Promise<QueryWord[]> {
  return cached(database, `w:${JSON.stringify(parsed)}`, async () =>
    completeWordsNeedNoPrefix(database, await expandTypos(database, parsed)),
  );
}

/** Backend match expression: every word must match one of its terms (or, for the last, a prefix). */
export function matchExpr(database: Database, words: QueryWord[], mode: 'all' | 'any'): string {
  if (database.kind === 'sqlite') {
    const groups = words.map((w) => {
      const alts = w.terms.map((t) => `"${t}"`);
      if (w.prefix && w.word.length >= 3) alts.push(`"${w.word}"*`);
      return `(${alts.join(' OR ')})`;
    });
    return groups.join(mode === 'all' ? ' AND ' : ' OR ');
  }
  const groups = words.map((w) => {
    const alts = w.terms.map((t) => t);
    if (w.prefix && w.word.length >= 3) alts.push(`${w.word}:*`);
    return `(${alts.join(' | ')})`;
  });
  return groups.join(mode === 'all' ? ' & ' : ' | ');
}

/**
 * Whether the text index says a document may match word `w` (its terms, or its prefix), or
 * undefined when it cannot tell now (not loaded, or an expression it leaves to the backend).
 */
function indexMayMatch(database: Database, index: TextIndex | undefined, w: QueryWord): boolean | undefined {
  if (!index) return undefined;
  const expr = matchExpr(database, [w], 'all');
  const parsed = database.kind === 'sqlite' ? parseMatchExpr(expr) : parseTsQueryExpr(expr);
  return parsed ? parsed.groups.every((g) => index.groupMayMatch(g)) : undefined;
}

/**
 * The words some document may match, when the text index tells without a read (else undefined):
 * a phrase holding a word no document holds — "levain" in "pain au levain" where no product says
 * it — matches nothing with every word, so a search skips that attempt (search.service.ts).
 */
export function wordsThatMayMatchNow(database: Database, words: QueryWord[]): QueryWord[] | undefined {
  const index = textIndexOf(database);
  if (!index) return undefined;
  const out: QueryWord[] = [];
  for (const w of words) {
    const may = indexMayMatch(database, index, w);
    if (may === undefined) return undefined;
    if (may) out.push(w);
  }
  return out.length === words.length ? words : out;
}

/**
 * The words some document matches (its terms, or its prefix), on both databases: the text index's
 * answer once loaded, else the database's (one read per word, cached until the catalogue changes),
 * so the same words are left out whichever answers. A relaxed search tries the others together,
 * then any of them (search.service.ts): a word nobody wrote ("ambré" in "sirop d'érable ambré")
 * otherwise turned "sirop d'érable" into "sirop" or "érable" alone. Without it, the any-word list is
 * the same on SQLite (a phrase matching nothing adds 0 to FTS5's BM25); PostgreSQL's ts_rank of an
 * OR divides by its terms, so such a word no longer lowers every hit's relevance there.
 */
export async function wordsThatMayMatch(database: Database, words: QueryWord[]): Promise<QueryWord[]> {
  const index = textIndexOf(database);
  const out: QueryWord[] = [];
  for (const w of words) {
    let may = indexMayMatch(database, index, w);
    if (may === undefined) {
      const expr = matchExpr(database, [w], 'all');
      // An object: the cache takes a falsy value for a miss.
      const r = await cached(database, `m:${expr}`, async () => ({
        may: await anyDocumentMatches(database.db, database.kind, expr),
      }));
      may = r.may;
    }
    if (may) out.push(w);
  }
  return out.length === words.length ? words : out;
}

/** Hits of rows (product, relevance) as a backend returns them: rankedHits of their columns. */
function sortedHits(rows: { product_id: number; bm: number }[]): Hits {
  return rankedHits(
    Array.from(rows, (r) => Number(r.product_id)),
    Array.from(rows, (r) => Number(r.bm)),
  );
}

/**
 * Hits in relevance order (relevance desc, then id asc) from two columns: the text index's BM25
 * comes as arrays (a row object per hit, sorted and read back, only copied them).
 */
function rankedHits(productIds: ArrayLike<number>, relevance: ArrayLike<number>): Hits {
  const n = productIds.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => relevance[b]! - relevance[a]! || productIds[a]! - productIds[b]!);
  const ids = new Int32Array(n);
  const bm = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = productIds[order[i]!]!;
    bm[i] = relevance[order[i]!]!;
  }
  return { ids, bm };
}

/** Whether a list is in ascending order (the index's and FTS5's lists are: no sort needed). */
function ascending(list: Int32Array): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]! > list[i]!) return false;
  return true;
}

/**
 * The two tiers of a common word's matches in sortedHits' order (relevance 2 for a title match,
 * then 1; ascending ids within each) by sorting ids as numbers and merging: a common word has
 * 100,000 matches, which a sort of row objects with a comparator took tens of milliseconds for.
 */
function tieredHits(plain: Int32Array, title: Int32Array): Hits {
  // Sorted in place when they are not already (both lists are this function's own): sorting a
  // sorted list of 100,000 ids cost about a millisecond of a common word's first use.
  const all = ascending(plain) ? plain : plain.sort();
  const inTitle = ascending(title) ? title : title.sort();
  const ids = new Int32Array(all.length);
  // 2 or 1: a byte each (a Float32Array took four, most of a kept list's memory with the ids).
  const bm = new Uint8Array(all.length);
  // Title matches of the list first (a title match outside the list, past its limit, is not one).
  const isTitle = new Uint8Array(all.length);
  let n = 0;
  for (let i = 0, t = 0; i < all.length; i++) {
    const id = all[i]!;
    while (t < inTitle.length && inTitle[t]! < id) t++;
    if (t < inTitle.length && inTitle[t] === id) {
      isTitle[i] = 1;
      ids[n] = id;
      bm[n++] = 2;
    }
  }
  for (let i = 0; i < all.length; i++) {
    if (isTitle[i]) continue;
    ids[n] = all[i]!;
    bm[n++] = 1;
  }
  return { ids, bm, tiered: true };
}

/** The text index's plain and title lists of an expression, when it can answer now (SQLite). */
function indexLists(database: Database, expr: string) {
  const index = textIndexOf(database);
  const parsed = index && parseMatchExpr(expr);
  const lists = parsed ? index.lists(parsed, MAX_TEXT_HITS) : undefined;
  if (!lists || !parsed) return undefined;
  /**
   * The BM25 of the plain list (all the matches, MAX_BM25_HITS or fewer) as FTS5 gives it, from
   * the index and FTS5's totals, in the same tick as the lists (the same index state); undefined:
   * FTS5 ranks it. `COMPTOIR_TEXT_INDEX_BM25=0` leaves it to FTS5 (benchmarks compare both).
   */
  const bm25 = () => {
    const totals =
      process.env.COMPTOIR_TEXT_INDEX_BM25 !== '0' && database.sqlite && ftsTotals(database.sqlite);
    const scores = totals ? index.bm25(parsed, lists.plain, totals) : undefined;
    return scores && rankedHits(lists.plain, scores);
  };
  return { ...lists, bm25 };
}

/**
 * Text hits: products and the backend's relevance (SQLite FTS5 BM25, PostgreSQL ts_rank; past
 * MAX_BM25_HITS matches, the title / other tiers on both).
 */
export function textHits(database: Database, expr: string): Promise<Hits> {
  return cached(database, `h:${expr}`, async () => {
    const db = database.db;
    if (database.kind === 'sqlite') {
      // BM25 costs 2-10× the match itself: computed when the match is selective, else two cheap
      // tiers (title match 2, description-only match 1), see docs/ARCHITECTURE.md "Search". The
      // in-process text index gives FTS5's very lists, and the short ones' BM25, once built (text-index.ts).
      const lists = indexLists(database, expr);
      const plain = lists?.plain ?? (await ftsMatchIds(db, expr, MAX_TEXT_HITS));
      if (plain.length <= MAX_BM25_HITS)
        return lists?.bm25() ?? sortedHits(await ftsMatchesWithBm25(db, expr, MAX_TEXT_HITS));
      const title = lists?.title ?? (await ftsMatchIds(db, `{title_terms} : (${expr})`, MAX_TEXT_HITS));
      return tieredHits(plain, title);
    }
    // PostgreSQL, the same shape: ids only (the lowest MAX_TEXT_HITS, as FTS5 keeps), both tiers'
    // lists in one pass over the matching rows; ts_rank (which reads each match's whole tsvector)
    // only for a short list. The in-process text index gives the same lists once built
    // (text-index-pg.ts): a long list then costs no database read, a short one only its ts_rank.
    const lists =
      tsIndexLists(database, expr, MAX_TEXT_HITS) ??
      (await tsMatchLists(db, expr, titleOnly(expr), MAX_TEXT_HITS));
    if (lists.plain.length === 0) return sortedHits([]);
    if (lists.plain.length <= MAX_BM25_HITS)
      return sortedHits(await tsMatchesWithRank(db, expr, MAX_TEXT_HITS));
    return tieredHits(lists.plain, lists.title);
  });
}

/**
 * PostgreSQL: a matchExpr expression restricted to title terms, as FTS5's `{title_terms} : (…)`:
 * every lexeme (`term`, `prefix:*`) labelled with weight A, the title's in the tsvector.
 */
export function titleOnly(expr: string): string {
  return expr.replace(
    /([a-z0-9]+)(:\*)?/g,
    (_, term: string, prefix?: string) => `${term}:${prefix ? '*' : ''}A`,
  );
}
