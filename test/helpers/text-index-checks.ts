/** Checks of the in-process text index (src/modules/search/text-index.ts) against SQLite FTS5. */
import assert from 'node:assert/strict';
import type { Database } from '../../src/db/database.ts';
import { parseQuery } from '../../src/modules/search/index.ts';
import { ftsMatchesWithBm25, ftsMatchIds } from '../../src/modules/search/search.repository.ts';
import { MAX_BM25_HITS, MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { ftsTotals } from '../../src/modules/search/text-index.repository.ts';
import { parseMatchExpr, type TextIndex, type TextIndexData } from '../../src/modules/search/text-index.ts';
import { TEXT_INDEX_ARRAYS } from '../../src/modules/search/text-index-file.ts';
import { matchExpr, prepareWords } from '../../src/modules/search/text-match.ts';

/** The index's BM25 of an expression's matches is FTS5's, to the double (what textHits ranks by). */
export async function assertSameBm25(database: Database, index: TextIndex, expr: string, plain: Int32Array) {
  const totals = ftsTotals(database.sqlite!);
  assert.ok(totals);
  const scores = index.bm25(parseMatchExpr(expr)!, plain, totals);
  assert.ok(scores, `ranks ${expr}`);
  const rows = await ftsMatchesWithBm25(database.db, expr, MAX_TEXT_HITS);
  const fts = new Map(rows.map((r) => [Number(r.product_id), Number(r.bm)]));
  assert.equal(fts.size, plain.length, expr);
  assert.deepEqual(
    Array.from(plain, (id, i) => [id, scores[i]]),
    Array.from(plain, (id) => [id, fts.get(id)]),
    `bm25 ${expr}`,
  );
}

/** The match expressions the search writes for each text, 'all' then 'any' (texts of no word skipped). */
export async function matchExpressions(database: Database, texts: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const text of texts) {
    const words = await prepareWords(database, parseQuery(text, { prefixLast: true }));
    if (words.length === 0) continue;
    out.push(matchExpr(database, words, 'all'), matchExpr(database, words, 'any'));
  }
  return out;
}

/**
 * The index's lists of `expr` (plain and title) equal FTS5's at each limit; at the first limit a list
 * short enough to rank has FTS5's BM25 too (an empty one only with `rankEmpty`). Returns how many
 * lists were compared and how many ranked.
 */
export async function assertListsLikeFts(
  database: Database,
  index: TextIndex,
  expr: string,
  limits: readonly number[],
  { rankEmpty }: { rankEmpty: boolean },
): Promise<{ compared: number; ranked: number }> {
  const parsed = parseMatchExpr(expr);
  assert.ok(parsed, expr);
  let compared = 0;
  let ranked = 0;
  for (const limit of limits) {
    const lists = index.lists(parsed, limit);
    assert.ok(lists, `usable ${expr}`);
    assert.deepEqual([...lists.plain], [...(await ftsMatchIds(database.db, expr, limit))], expr);
    assert.deepEqual(
      [...lists.title],
      [...(await ftsMatchIds(database.db, `{title_terms} : (${expr})`, limit))],
      `title ${expr}`,
    );
    if (limit === limits[0] && lists.plain.length <= MAX_BM25_HITS && (rankEmpty || lists.plain.length > 0)) {
      await assertSameBm25(database, index, expr, lists.plain);
      ranked++;
    }
    compared++;
  }
  return { compared, ranked };
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Two text indexes hold the same arrays, byte for byte (a loaded file or store against a build). */
export function assertSameTextIndexArrays(a: TextIndexData, b: TextIndexData) {
  for (const k of TEXT_INDEX_ARRAYS) assert.deepEqual(bytesOf(a[k]), bytesOf(b[k]), k);
}

/**
 * Runs `f` with the text index and the text-hit cache off (COMPTOIR_TEXT_INDEX=0,
 * COMPTOIR_SEARCH_CACHE=0): the database decides every word; both settings restored after.
 */
export async function withoutTextIndex<T>(f: () => Promise<T>): Promise<T> {
  const saved = { index: process.env.COMPTOIR_TEXT_INDEX, cache: process.env.COMPTOIR_SEARCH_CACHE };
  process.env.COMPTOIR_TEXT_INDEX = '0';
  process.env.COMPTOIR_SEARCH_CACHE = '0';
  try {
    return await f();
  } finally {
    for (const [key, value] of [
      ['COMPTOIR_TEXT_INDEX', saved.index],
      ['COMPTOIR_SEARCH_CACHE', saved.cache],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}
