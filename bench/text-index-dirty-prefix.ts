// Prefix searches over the text index's dirty documents (src/modules/search/text-index.ts): the
// region's built index (its search-text.index file) with N of its documents marked dirty and read,
// in this tree's TextIndex and a base commit's (HEAD by default), alternating in one process. A
// search is what text-match.ts asks of the index for one text: groupMayMatch of each group, the
// lists (MAX_TEXT_HITS) and the BM25 of the plain list; its thread CPU is reported per search, and
// both trees' answers are compared. Per N: the marking (markDirty + setDirty of the N documents),
// the first search after it, the searches (warm), and searches each after one more document
// changed (a shop sync between searches: the sorted terms must not be redone per change).
//
//   npx node bench/text-index-dirty-prefix.ts --data DIR [--dirty 0,1000,18000,50000] [--base HEAD]
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { type DocTermsRow, ftsTotals } from '../src/modules/search/text-index.repository.ts';
import { type ParsedExpr, parseMatchExpr, TextIndex } from '../src/modules/search/text-index.ts';
import { readTextIndexFile } from '../src/modules/search/text-index-file.ts';
import { benchArgs, machine, round, threadCpuMs } from './cli.ts';
import { HEADS } from './realistic-queries.ts';

const values = benchArgs(
  'npx node bench/text-index-dirty-prefix.ts --data DIR [--dirty 0,1000,18000,50000] [--base HEAD] [--rounds 6]',
  {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    dirty: { type: 'string', default: '0,1000,18000,50000' },
    base: { type: 'string', default: 'HEAD' },
    rounds: { type: 'string', default: '6' },
  },
);
const ROUNDS = Number(values.rounds);
const counts = values.dirty!.split(',').map(Number);

// The base commit's TextIndex, its imports pointed at this tree's modules (unchanged by the work).
const dir = new URL('../src/modules/search/', import.meta.url).pathname;
const source = execFileSync('git', ['show', `${values.base}:src/modules/search/text-index.ts`], {
  encoding: 'utf8',
}).replace(/from '\.\/([^']+)'/g, (_, f: string) => `from '${join(dir, f)}'`);
const basePath = join(tmpdir(), `text-index-base-${process.pid}.ts`);
writeFileSync(basePath, source);
const Base = ((await import(basePath)) as { TextIndex: typeof TextIndex }).TextIndex;
rmSync(basePath); // imported: the copy is no longer needed

const loaded = await readTextIndexFile(join(values.data!, 'search-text.index'));
if (!loaded) throw new Error(`no search-text.index in ${values.data}`);
const sqlite = new DatabaseSync(join(values.data!, 'comptoir.db'), { readOnly: true });
const totals = ftsTotals(sqlite);
if (!totals) throw new Error('no FTS totals');
const maxN = Math.max(...counts);
// Spread over the region's ids; the churn's documents follow the dirty ones.
const rows = sqlite
  .prepare(
    'select product_id, title_terms, body_terms from search_documents where product_id % 19 = 7 order by product_id limit ?',
  )
  .all(maxN + 2000) as unknown as DocTermsRow[];

// As-you-type prefixes of the product words (3 to 6 letters: matchExpr's shape, from 3) alone and
// after a whole word.
const norm = (w: string) =>
  w
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
const words = [...new Set(HEADS.map(norm).filter((w) => w.length >= 4))].sort();
const texts: string[] = [];
for (let i = 0; i < words.length; i += 3) {
  const w = words[i]!;
  const p = w.slice(0, 3 + (i % 4));
  texts.push(`("${p}" OR "${p}"*)`);
  const other = words[(i * 7 + 5) % words.length]!;
  texts.push(`("${other}") AND ("${p}" OR "${p}"*)`);
}
const queries = texts.map((t) => parseMatchExpr(t)!);
if (queries.some((q) => !q)) throw new Error("a query is not of matchExpr's shapes");

type Index = InstanceType<typeof TextIndex>;
function search(index: Index, q: ParsedExpr): number {
  let h = 0;
  for (const g of q.groups) h = h * 3 + (index.groupMayMatch(g) ? 1 : 2);
  const lists = index.lists(q, MAX_TEXT_HITS)!;
  h = (h * 31 + lists.plain.length * 7 + lists.title.length) | 0;
  for (let i = 0; i < lists.plain.length; i += 97) h = (h * 31 + lists.plain[i]!) | 0;
  const scores = lists.plain.length > 0 ? index.bm25(q, lists.plain, totals!) : undefined;
  if (scores) for (let i = 0; i < scores.length; i += 97) h = (h * 31 + Math.round(scores[i]! * 1e6)) | 0;
  return h;
}

function marked(Class: typeof TextIndex, n: number): { index: Index; ms: number } {
  const index = new Class();
  index.data = loaded!.data;
  const t0 = threadCpuMs();
  const mark = index.markDirty(rows.slice(0, n).map((r) => Number(r.product_id)));
  for (const r of rows.slice(0, n)) index.setDirty(Number(r.product_id), r, mark);
  return { index, ms: threadCpuMs() - t0 };
}

console.log(
  JSON.stringify({ ...machine(), base: values.base, searches: queries.length, rounds: ROUNDS, counts }),
);
const trees = [
  ['base', Base],
  ['this', TextIndex],
] as const;
// Warm-up (not reported): both trees' code compiled before the first figure.
for (const [, Class] of trees) {
  const { index } = marked(Class, 200);
  for (const q of queries) search(index, q);
}
for (const n of counts) {
  const mark: Record<string, number> = {};
  const first: Record<string, number> = {};
  const warm: Record<string, number[]> = { base: [], this: [] };
  const churn: Record<string, number[]> = { base: [], this: [] };
  const may: Record<string, number[]> = { base: [], this: [] };
  const answers: Record<string, number[]> = {};
  const indexes: Record<string, Index> = {};
  let dirtyTerms: Map<string, unknown> | undefined;
  for (const [name, Class] of trees) {
    const m = marked(Class, n);
    indexes[name] = m.index;
    mark[name] = m.ms;
    // Wall time: one operation is below the thread CPU clock's tick (4 ms here).
    const t0 = performance.now();
    search(m.index, queries[0]!);
    first[name] = performance.now() - t0;
    dirtyTerms = (m.index as unknown as { dirtyTerms: Map<string, unknown> }).dirtyTerms;
  }
  // What the first prefix search after the marking adds here: one sort of the dirty terms.
  const t1 = threadCpuMs();
  for (let k = 0; k < 20; k++) [...dirtyTerms!.keys()].sort();
  const sortMs = (threadCpuMs() - t1) / 20;
  const termCount = dirtyTerms!.size;
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? trees : [...trees].reverse();
    for (const [name] of order) {
      const index = indexes[name]!;
      const got: number[] = [];
      const t0 = threadCpuMs();
      for (const q of queries) got.push(search(index, q));
      warm[name]!.push((threadCpuMs() - t0) / queries.length);
      answers[name] ??= got;
      if (got.join() !== answers[name]!.join()) throw new Error(`${name}: answers changed between rounds`);
      // groupMayMatch alone (wordsThatMayMatchNow, per word): the dirty terms' look-up without the lists.
      const t1 = threadCpuMs();
      for (let k = 0; k < 50; k++) for (const q of queries) for (const g of q.groups) index.groupMayMatch(g);
      may[name]!.push(((threadCpuMs() - t1) * 1000) / (50 * queries.length));
    }
  }
  if (answers.base!.join() !== answers.this!.join()) throw new Error(`n=${n}: the trees answer differently`);
  // One more document changed before each search (one of the next 2,000 rows, then again).
  for (let r = 0; r < 2; r++) {
    const order = r % 2 === 0 ? trees : [...trees].reverse();
    for (const [name] of order) {
      const index = indexes[name]!;
      const t0 = threadCpuMs();
      for (let i = 0; i < queries.length; i++) {
        const row = rows[n + ((i * 13 + r * 7) % 2000)]!;
        const id = Number(row.product_id);
        index.setDirty(id, row, index.markDirty([id]));
        search(index, queries[i]!);
      }
      churn[name]!.push((threadCpuMs() - t0) / queries.length);
    }
  }
  const med = (xs: number[]) => round([...xs].sort((a, b) => a - b)[xs.length >> 1]!);
  console.log(
    JSON.stringify({
      dirty: n,
      dirty_terms: termCount,
      sort_ms: round(sortMs),
      mark_ms: { base: round(mark.base!, 1), this: round(mark.this!, 1) },
      first_search_wall_ms: { base: round(first.base!), this: round(first.this!) },
      search_ms_median: { base: med(warm.base!), this: med(warm.this!) },
      may_match_us_median: { base: med(may.base!), this: med(may.this!) },
      search_ms_rounds: { base: warm.base!.map((x) => round(x)), this: warm.this!.map((x) => round(x)) },
      churn_search_ms: { base: churn.base!.map((x) => round(x)), this: churn.this!.map((x) => round(x)) },
      same_answers: true,
      loadavg: machine().loadavg,
    }),
  );
}
sqlite.close();
