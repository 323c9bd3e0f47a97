// Text index bench (issue 19): the in-process inverted index of search_documents (SQLite,
// src/modules/search/text-index.ts) against FTS5 for the first read of a text's hit lists. Builds
// the index (in a worker thread, as a server does, or here with --here), then for the distinct
// match expressions of a realistic shopper mix (bench/realistic-queries.ts; the search's own
// parseQuery, prepareWords and matchExpr, 'all' and 'any') reads the plain list (any column, first
// 100,000 ids) and the title list with FTS5 and with the index, alternating, checks the ids are
// identical for every one, and prints times, build time and bytes. For the expressions of
// MAX_BM25_HITS matches or fewer, also their BM25 (`-bm25(search_fts, 4.0, 1.0)`, what textHits
// ranks them by) from FTS5 and from the index (index.bm25 with FTS5's totals), alternating: CPU of
// each per expression, and the doubles compared for every match (mismatch: any bit differs).
//
//   node bench/text-index.ts [--data .bench-data/sqlite-1m] [--searches 3000] [--here]
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { ftsMatchesWithBm25, ftsMatchIds } from '../src/modules/search/search.repository.ts';
import { MAX_BM25_HITS, MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { ftsTotals } from '../src/modules/search/text-index.repository.ts';
import { parseMatchExpr, type TextIndex } from '../src/modules/search/text-index.ts';
import {
  buildTextIndexNow,
  textIndexBuilt,
  textIndexStatus,
} from '../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    searches: { type: 'string', default: '3000' },
    here: { type: 'boolean', default: false },
  },
});
// The text-hit cache is not involved (lists are read directly), prepareWords' cache is harmless.
const database = openDatabase({ dataDir: values.data, lock: false });
const mb = (b: number) => Math.round(b / 2 ** 20);
const rss0 = process.memoryUsage().rss;

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let index: TextIndex | undefined;
if (values.here) index = buildTextIndexNow(database);
else index = await textIndexBuilt(database);
const buildMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
if (!index?.data) throw new Error(`no index: ${JSON.stringify(textIndexStatus(database))}`);
const d = index.data;
console.log(
  JSON.stringify({
    build: values.here ? 'main thread' : 'worker thread',
    build_ms: Math.round(buildMs),
    build_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    docs: d.docs,
    terms: d.df.length,
    bytes_mb: {
      total: +(index.bytes / 2 ** 20).toFixed(1),
      term_bytes: +(d.termBytes.byteLength / 2 ** 20).toFixed(1),
      term_offsets: +(d.termOff.byteLength / 2 ** 20).toFixed(1),
      posting_offsets: +(d.postOff.byteLength / 2 ** 20).toFixed(1),
      postings: +(d.postings.byteLength / 2 ** 20).toFixed(1),
      doc_counts: +(d.df.byteLength / 2 ** 20).toFixed(1),
      dense_bitmaps: +((d.denseBits.byteLength + d.denseSlot.byteLength) / 2 ** 20).toFixed(1),
      doc_lengths: +(d.docLen.byteLength / 2 ** 20).toFixed(1),
      dense_terms: d.denseBits.length / ((d.maxId >>> 5) + 1),
    },
    rss_mb_before: mb(rss0),
    rss_mb_after: mb(process.memoryUsage().rss),
  }),
);

let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const shopper = realisticShopper(random);
const exprs = new Set<string>();
for (let i = 0; i < Number(values.searches); i++) {
  const words = await prepareWords(database, parseQuery(shopper.text(), { prefixLast: true }));
  if (words.length === 0) continue;
  exprs.add(matchExpr(database, words, 'all'));
  if (words.length > 1) exprs.add(matchExpr(database, words, 'any'));
}

const same = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const fts: number[] = [];
const idx: number[] = [];
const worst: { expr: string; fts: number; index: number; n: number }[] = [];
let mismatches = 0;
let ids = 0;
const bmFts: number[] = [];
const bmIdx: number[] = [];
let bmMismatches = 0;
let bmHits = 0;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
for (const expr of exprs) {
  const parsed = parseMatchExpr(expr);
  if (!parsed) throw new Error(`not parsed: ${expr}`);
  // Alternating which reads first, so neither always meets a warmer page cache.
  const order = fts.length % 2 === 0;
  let lists: { plain: Int32Array; title: Int32Array } | undefined;
  let a = 0;
  let b = 0;
  let plain: Int32Array = new Int32Array(0);
  let title: Int32Array = new Int32Array(0);
  for (const which of order ? ['fts', 'index'] : ['index', 'fts']) {
    const t = performance.now();
    if (which === 'fts') {
      plain = await ftsMatchIds(database.db, expr, MAX_TEXT_HITS);
      title = await ftsMatchIds(database.db, `{title_terms} : (${expr})`, MAX_TEXT_HITS);
      a = performance.now() - t;
    } else {
      lists = index.lists(parsed, MAX_TEXT_HITS);
      b = performance.now() - t;
    }
  }
  fts.push(a);
  idx.push(b);
  ids += plain.length;
  if (!lists || !same(lists.plain, plain) || !same(lists.title, title)) {
    mismatches++;
    console.log('MISMATCH', expr, plain.length, lists?.plain.length, title.length, lists?.title.length);
  }
  worst.push({ expr, fts: +a.toFixed(1), index: +b.toFixed(2), n: plain.length });
  if (plain.length <= MAX_BM25_HITS && lists) {
    let fromFts: { product_id: number; bm: number }[] = [];
    let scores: Float64Array | undefined;
    for (const which of order ? ['fts', 'index'] : ['index', 'fts']) {
      const c = process.cpuUsage();
      if (which === 'fts') {
        fromFts = await ftsMatchesWithBm25(database.db, expr, MAX_TEXT_HITS);
        bmFts.push(cpuMs(c));
      } else {
        // What textHits adds to the lists it has: the totals, the scores, the rows it sorts.
        const totals = ftsTotals(database.sqlite!);
        const plainIds = lists.plain;
        scores = totals && index.bm25(parsed, plainIds, totals);
        if (scores) Array.from(plainIds, (id, i) => ({ product_id: id, bm: scores![i]! }));
        bmIdx.push(cpuMs(c));
      }
    }
    const byId = new Map(fromFts.map((r) => [Number(r.product_id), Number(r.bm)]));
    bmHits += fromFts.length;
    if (!scores || byId.size !== plain.length || plain.some((id, i) => byId.get(id) !== scores[i])) {
      bmMismatches++;
      const diff = scores ? [...plain].findIndex((id, i) => byId.get(id) !== scores[i]) : -1;
      console.log('BM25 MISMATCH', expr, fromFts.length, diff, byId.get(plain[diff]!), scores?.[diff]);
    }
  }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2);
};
const sum = (xs: number[]) => Math.round(xs.reduce((s, x) => s + x, 0));
console.log(
  JSON.stringify({
    expressions: exprs.size,
    ids_plain: ids,
    mismatches,
    fts_ms: { total: sum(fts), p50: pct(fts, 0.5), p95: pct(fts, 0.95), max: pct(fts, 1) },
    index_ms: { total: sum(idx), p50: pct(idx, 0.5), p95: pct(idx, 0.95), max: pct(idx, 1) },
    bm25: {
      expressions: bmFts.length,
      matches: bmHits,
      mismatches: bmMismatches,
      fts_cpu_ms: { total: sum(bmFts), p50: pct(bmFts, 0.5), p95: pct(bmFts, 0.95), max: pct(bmFts, 1) },
      index_cpu_ms: { total: sum(bmIdx), p50: pct(bmIdx, 0.5), p95: pct(bmIdx, 0.95), max: pct(bmIdx, 1) },
    },
  }),
);
worst.sort((x, y) => y.index - x.index);
console.log('slowest for the index:', JSON.stringify(worst.slice(0, 8)));
await database.close();
if (mismatches > 0 || bmMismatches > 0) process.exitCode = 1;
