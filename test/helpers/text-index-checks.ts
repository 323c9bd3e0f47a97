/** Checks of the in-process text index (src/modules/search/text-index.ts) against SQLite FTS5. */
import assert from 'node:assert/strict';
import type { Database } from '../../src/db/database.ts';
import { ftsMatchesWithBm25 } from '../../src/modules/search/search.repository.ts';
import { MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { ftsTotals } from '../../src/modules/search/text-index.repository.ts';
import { parseMatchExpr, type TextIndex } from '../../src/modules/search/text-index.ts';

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
