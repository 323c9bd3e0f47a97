// Text index first-use bench (issue 19): TextIndex.lists and TextIndex.bm25 (the first use of a
// text, src/modules/search/text-index.ts) of this tree against a base commit's text-index.ts, in
// one process on the same arrays (the region's text index file), alternating blocks. The base is
// read with `git show BASE:src/modules/search/text-index.ts` into a temporary module. For the
// distinct match expressions of a realistic shopper mix (bench/realistic-queries.ts, 'all' and
// 'any'), checks that both give the very same lists, and for the short ones the same BM25 doubles,
// then prints CPU per expression (thread CPU over whole blocks: no per-call timer noise). A second
// pass repeats the check with dirty documents (changed since the build: random terms of the
// vocabulary, the same in both), as under product writes.
//
//   npx node bench/text-index-lists.ts --data /tmp/COPY [--base c10a3aa] [--searches 3000]
//                                      [--rounds 4] [--dirty 300]
//   (--base FILE.ts: compare with that file, a variant of text-index.ts, rather than a commit's)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { MAX_BM25_HITS, MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { ftsTotals } from '../src/modules/search/text-index.repository.ts';
import { type ParsedExpr, parseMatchExpr, TextIndex } from '../src/modules/search/text-index.ts';
import { readTextIndexFile, textIndexPath } from '../src/modules/search/text-index-file.ts';
import { matchExpr, prepareWords } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    base: { type: 'string', default: 'c10a3aa' },
    searches: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '4' },
    dirty: { type: 'string', default: '300' },
  },
});
if (!values.data) throw new Error('--data DIR (a region with its text index file)');

// The base's text-index.ts, its relative imports pointed at this tree's modules.
const dir = new URL('../src/modules/search/', import.meta.url).pathname;
// (--base FILE.ts: that file instead, e.g. a variant of this tree's to compare two changes.)
const baseSource = (
  values.base.endsWith('.ts')
    ? readFileSync(values.base, 'utf8')
    : execFileSync('git', ['show', `${values.base}:src/modules/search/text-index.ts`], { encoding: 'utf8' })
).replace(/from '\.\/([^']+)'/g, (_, f: string) => `from '${join(dir, f)}'`);
const basePath = join(tmpdir(), `text-index-base-${process.pid}.ts`);
writeFileSync(basePath, baseSource);
const Base = (await import(basePath)) as { TextIndex: typeof TextIndex };

const database = openDatabase({ dataDir: values.data, lock: false });
const file = await readTextIndexFile(textIndexPath(database)!);
if (!file) throw new Error('no text index file in --data');
const mine = new TextIndex();
mine.data = file.data;
const base = new Base.TextIndex();
base.data = file.data;

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
const exprs: ParsedExpr[] = [...texts].map((t) => parseMatchExpr(t)!);
const totals = ftsTotals(database.sqlite!)!;
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
type Lists = { plain: Int32Array; title: Int32Array } | undefined;
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

/** Checks both indexes answer alike; returns the expressions whose lists are short (BM25). */
function check(label: string): ParsedExpr[] {
  let mismatches = 0;
  let ids = 0;
  const short: ParsedExpr[] = [];
  let bmMismatches = 0;
  for (const e of exprs) {
    const a: Lists = base.lists(e, MAX_TEXT_HITS);
    const b: Lists = mine.lists(e, MAX_TEXT_HITS);
    if (!a || !b || !same(a.plain, b.plain) || !same(a.title, b.title)) {
      mismatches++;
      continue;
    }
    ids += a.plain.length + a.title.length;
    if (a.plain.length <= MAX_BM25_HITS) {
      short.push(e);
      const x = base.bm25(e, a.plain, totals);
      const y = mine.bm25(e, b.plain, totals);
      if (!x || !y || !same(x, y)) bmMismatches++;
    }
  }
  console.log(
    JSON.stringify({
      check: label,
      expressions: exprs.length,
      ids,
      mismatches,
      short: short.length,
      bm25_mismatches: bmMismatches,
    }),
  );
  if (mismatches > 0 || bmMismatches > 0) process.exitCode = 1;
  return short;
}

/** CPU per expression of lists (and of bm25 on the short ones) for each index, alternating blocks. */
function time(label: string, short: ParsedExpr[]) {
  const rounds = Number(values.rounds);
  const cpu = { base: [0, 0], mine: [0, 0] };
  const shortLists = new Map(short.map((e) => [e, mine.lists(e, MAX_TEXT_HITS)!.plain]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, index] of (r % 2 === 0
      ? [
          ['base', base],
          ['mine', mine],
        ]
      : [
          ['mine', mine],
          ['base', base],
        ]) as ['base' | 'mine', TextIndex][]) {
      let c = cpuMs();
      for (const e of exprs) index.lists(e, MAX_TEXT_HITS);
      cpu[name][0]! += cpuMs() - c;
      c = cpuMs();
      for (const e of short) index.bm25(e, shortLists.get(e)!, totals);
      cpu[name][1]! += cpuMs() - c;
    }
  }
  const per = (ms: number, n: number) => +((ms / rounds / n) * 1000).toFixed(1);
  console.log(
    JSON.stringify({
      timing: label,
      rounds,
      lists_us_per_expr: { base: per(cpu.base[0]!, exprs.length), mine: per(cpu.mine[0]!, exprs.length) },
      bm25_us_per_expr: { base: per(cpu.base[1]!, short.length), mine: per(cpu.mine[1]!, short.length) },
      loadavg: loadavg().map((x) => +x.toFixed(2)),
    }),
  );
}

console.log(
  JSON.stringify({ base: values.base, expressions: exprs.length, docs: file.data.docs, loadavg: loadavg() }),
);
// Warm both (JIT) before counting.
check('clean');
let short = check('clean (again)');
time('clean', short);

// Dirty documents: random ids given random vocabulary terms, the same in both indexes.
const vocab: string[] = [];
const d = file.data;
for (let r = 0; r < d.df.length; r += 97)
  vocab.push(Buffer.from(d.termBytes.subarray(d.termOff[r]!, d.termOff[r + 1]!)).toString('latin1'));
for (const t of ['miel', 'bottes', 'pain', 'fromage', 'bio', 'local']) vocab.push(t);
const dirty = Number(values.dirty);
const ids = Array.from({ length: dirty }, () => Math.floor(random() * (d.maxId + 1000)));
// Two waves: the second changes half the documents again (their earlier terms must be forgotten).
for (const wave of [ids, ids.filter((_, i) => i % 2 === 0)]) {
  const marks = [base.markDirty(wave), mine.markDirty(wave)];
  for (const id of wave) {
    const pick = (n: number) => [
      ...new Set(Array.from({ length: n }, () => vocab[Math.floor(random() * vocab.length)]!)),
    ];
    const doc = random() < 0.1 ? null : { title_terms: pick(4).join(' '), body_terms: pick(12).join(' ') };
    base.setDirty(id, doc, marks[0]!);
    mine.setDirty(id, doc, marks[1]!);
  }
}
short = check(`${dirty} dirty`);
time(`${dirty} dirty`, short);
await database.close();
