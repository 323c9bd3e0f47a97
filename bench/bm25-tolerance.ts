// Would a short (BM25-ranked) hit list survive product writes that do not touch its terms? (issue
// 19; hit-cache.ts drops every short list on a write, FTS5's totals moving.) For the short lists of
// a realistic shopper mix (bench/realistic-queries.ts) on the region's text index file, the BM25 the
// index computes with FTS5's totals now and with the totals after k more documents of average length
// (what k writes that hold none of the list's terms change: the row count and token total; each
// phrase's document count does not move), stored as textHits stores them (Float32): how many lists
// keep every value to the bit, keep their order (relevance desc, id asc), and the largest relative
// change. A value that moves changes the weighted score of candidates.ts, and so may any ranking.
//
//   npx node bench/bm25-tolerance.ts --data .bench-data/sqlite-1m [--searches 3000] [--writes 1,10,256]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { MAX_BM25_HITS, MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { ftsTotals } from '../src/modules/search/text-index.repository.ts';
import { parseMatchExpr, TextIndex } from '../src/modules/search/text-index.ts';
import { readTextIndexFile, textIndexPath } from '../src/modules/search/text-index-file.ts';
import { matchExpr, prepareWords } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    searches: { type: 'string', default: '3000' },
    writes: { type: 'string', default: '1,10,256' },
  },
});
const database = openDatabase({ dataDir: values.data, lock: false });
const file = await readTextIndexFile(textIndexPath(database)!);
if (!file) throw new Error('no text index file in --data');
const index = new TextIndex();
index.data = file.data;
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const shopper = realisticShopper(random);
const texts = new Set<string>();
for (let i = 0; i < Number(values.searches); i++) {
  const words = await prepareWords(database, parseQuery(shopper.text(), { prefixLast: true }));
  if (words.length === 0) continue;
  texts.add(matchExpr(database, words, 'all'));
  if (words.length > 1) texts.add(matchExpr(database, words, 'any'));
}
const totals = ftsTotals(database.sqlite!)!;
const order = (ids: Int32Array, s: Float32Array) =>
  Array.from(ids.keys())
    .sort((a, b) => s[b]! - s[a]! || ids[a]! - ids[b]!)
    .join(',');
const lists = [...texts]
  .map((t) => ({ expr: parseMatchExpr(t)!, plain: index.lists(parseMatchExpr(t)!, MAX_TEXT_HITS)!.plain }))
  .filter((l) => l.plain.length > 1 && l.plain.length <= MAX_BM25_HITS);
console.log(
  JSON.stringify({ short_lists: lists.length, rows: totals.rows, tokens: totals.tokens, loadavg: loadavg() }),
);
for (const k of values.writes.split(',').map(Number)) {
  const moved = {
    ...totals,
    rows: totals.rows + k,
    tokens: totals.tokens + (k * totals.tokens) / totals.rows,
  };
  let sameBits = 0;
  let sameOrder = 0;
  let maxRel = 0;
  for (const { expr, plain } of lists) {
    const a = Float32Array.from(index.bm25(expr, plain, totals)!);
    const b = Float32Array.from(index.bm25(expr, plain, moved)!);
    if (a.every((v, i) => v === b[i])) sameBits++;
    if (order(plain, a) === order(plain, b)) sameOrder++;
    for (let i = 0; i < a.length; i++) maxRel = Math.max(maxRel, Math.abs(a[i]! - b[i]!) / Math.abs(a[i]!));
  }
  console.log(
    JSON.stringify({
      writes: k,
      lists: lists.length,
      same_bits: sameBits,
      same_order: sameOrder,
      max_relative_change: maxRel,
    }),
  );
}
await database.close();
