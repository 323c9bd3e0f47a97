// Searches of several words, in process (no HTTP): the CPU of the ones that fall back to any word
// (`relaxed`: no product near the point has every word) against the others, and, with --baseline,
// the same searches answered by another checkout (the code before a change) in the same process,
// alternating, every answer compared field by field (page, totals, facets, `relaxed`,
// `approximate`). The searches: --realistic N drawn as bench/search-core.ts --set realistic draws
// them (same seed: the same searches, after the same --warmup draws) and the lines of --file (a
// held-out-like list). Each is answered once cold (compared), then --repeat times warm (compared,
// timed by thread CPU). --only relaxed|words|all picks which the warm passes repeat (relaxed: the
// searches answered relaxed on the cold pass; words: two or more words). Results in
// docs/PERFORMANCE.md ("phrase engineer").
//
//   npx node bench/phrases.ts --data DIR [--file bench/data/shopper-queries-heldout-like.csv]
//        [--realistic 3000] [--seed 42] [--warmup 300] [--repeat 3] [--only all|words|relaxed]
//        [--baseline CHECKOUT]
//   npx node bench/phrases.ts --data DIR --only relaxed --repeat 20 --profile FILE.cpuprofile
// --profile writes a CPU profile of the warm passes alone (node:inspector), for Chrome DevTools.
// --differ N (with --baseline): a change meant to alter answers: answers that differ are counted,
// not refused, and the first N different first pages are printed side by side (titles, totals);
// those either tree answered without relaxing are counted apart (differing_not_relaxed).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { isDeepStrictEqual } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { SearchParams } from '../src/modules/search/search.types.ts';
import { benchArgs, loadAverage, round, seededRandom, threadCpuMs } from './cli.ts';
import { describeProblems, readQueryFile } from './query-file.ts';
import { benchQueries } from './realistic-queries.ts';
import { baselineSearch, servingTrees } from './search-trees.ts';

const USAGE =
  'Usage: npx node bench/phrases.ts --data DIR [--file CSV] [--realistic N] [--seed N] [--warmup N]\n' +
  '         [--repeat N] [--only all|words|relaxed] [--baseline CHECKOUT] [--profile FILE]\n' +
  '         [--differ N]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    file: { type: 'string', default: 'bench/data/shopper-queries-heldout-like.csv' },
    realistic: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '42' },
    warmup: { type: 'string', default: '300' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: 'all' },
    baseline: { type: 'string' },
    profile: { type: 'string' },
    differ: { type: 'string' },
  },
  (v) => Boolean(v.data) && ['all', 'words', 'relaxed'].includes(String(v.only)),
);

type SearchFn = typeof search;
const random = seededRandom(Number(values.seed));

const database = openDatabase({ dataDir: String(values.data), lock: false });
try {
  const baseline = await baselineSearch(values.baseline);
  /** Each tree's text-hit cache figures (hit-cache.ts hitCacheStats: entries and bytes held, drops). */
  const cacheStats: { entries: number; bytes: number }[] = [];
  for (const { mod } of await servingTrees(database, values.baseline))
    cacheStats.push((await mod('hit-cache.ts')).hitCacheStats);
  const now = new Date();
  const query = await benchQueries(database, random, 'realistic', now);
  const runs: [string, SearchFn][] = baseline
    ? [
        ['before', baseline],
        ['after', search],
      ]
    : [['current', search]];
  const warm = Number(values.warmup);
  for (let i = 0; i < warm; i++) {
    const q = query(i);
    for (const [, fn] of runs) await fn(database, q);
  }
  const list: { source: string; params: SearchParams }[] = [];
  for (let i = 0; i < Number(values.realistic); i++)
    list.push({ source: 'realistic', params: query(warm + i) });
  if (values.file) {
    const f = readQueryFile(String(values.file));
    for (const line of describeProblems(String(values.file), f)) console.error(line);
    for (const q of f.queries) list.push({ source: 'file', params: { ...q.params, now } });
  }
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      node: process.version,
      searches: list.length,
      baseline: values.baseline !== undefined,
      loadavg: loadAverage(),
    }),
  );
  let compared = 0;
  /** --differ: the searches (parameters) whose answers differed. */
  const differing = new Set<string>();
  /** --differ: those of them one tree answered without relaxing (a change to relaxed phrases only: none). */
  const differingNotRelaxed = new Set<string>();
  type Answer = Awaited<ReturnType<SearchFn>>;
  /** Every tree answers `params` (alternating which goes first); answers compared; CPU per tree. */
  const answer = async (params: SearchParams, k: number) => {
    const answers: Answer[] = [];
    const cpu = new Map<string, number>();
    for (const [name, fn] of k % 2 === 0 ? runs : [...runs].reverse()) {
      const c0 = threadCpuMs();
      answers.push(await fn(database, params));
      cpu.set(name, threadCpuMs() - c0);
    }
    if (answers.length === 2 && values.differ !== undefined) {
      // The first answer is the baseline's when k is even (runs' order), else this tree's.
      const [before, after] = k % 2 === 0 ? answers : [answers[1]!, answers[0]!];
      if (!isDeepStrictEqual(before, after)) {
        const text = JSON.stringify(params);
        if (!before!.relaxed || !after!.relaxed) differingNotRelaxed.add(text);
        if (!differing.has(text) && differing.size < Number(values.differ)) {
          const page = (a: Answer) => ({
            total: a.total,
            relaxed: a.relaxed,
            capped: a.approximate,
            titles: a.results.slice(0, 5).map((x) => x.title),
          });
          console.log(
            JSON.stringify({
              q: params.q,
              radius_km: params.radius_km,
              sort: params.sort,
              before: page(before!),
              after: page(after!),
            }),
          );
        }
        differing.add(text);
      }
      compared++;
    } else if (answers.length === 2) {
      assert.deepStrictEqual(answers[1], answers[0], `differs: ${JSON.stringify(params)}`);
      compared++;
    }
    // The first tree's answer (the baseline's with --baseline) whichever went first: a search's
    // shape (relaxed, capped) is then read from one tree when a change alters answers (--differ).
    return { answer: k % 2 === 0 ? answers[0]! : answers[answers.length - 1]!, cpu };
  };
  const words = list.map((x) => parseQuery(x.params.q ?? '', { prefixLast: true }).length);
  const shapes: string[] = [];
  const coldCpu = new Map(runs.map(([name]) => [name, list.map(() => 0)]));
  for (let k = 0; k < list.length; k++) {
    const { answer: a, cpu } = await answer(list[k]!.params, k);
    for (const [name, c] of cpu) coldCpu.get(name)![k] = c;
    const n = words[k]!;
    const w = n === 0 ? 'no word' : n === 1 ? 'one word' : n <= 3 ? '2-3 words' : '4+ words';
    shapes.push(`${list[k]!.source}: ${w}${a.relaxed ? ', relaxed' : ''}${a.approximate ? ', capped' : ''}`);
  }
  const chosen = list
    .map((_, k) => k)
    .filter((k) =>
      values.only === 'relaxed'
        ? shapes[k]!.includes('relaxed')
        : values.only === 'words'
          ? words[k]! >= 2
          : true,
    );
  const warmCpu = new Map(runs.map(([name]) => [name, list.map(() => 0)]));
  const repeat = Number(values.repeat);
  const session = values.profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  for (let pass = 1; pass <= repeat; pass++)
    for (const k of chosen) {
      const { cpu } = await answer(list[k]!.params, k + pass);
      for (const [name, c] of cpu) warmCpu.get(name)![k]! += c / repeat;
    }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(String(values.profile), JSON.stringify(profile));
    session.disconnect();
  }
  // Per shape: searches, and each tree's mean warm and cold CPU (ms).
  const byShape = new Map<string, number[]>();
  for (const k of chosen) byShape.set(shapes[k]!, [...(byShape.get(shapes[k]!) ?? []), k]);
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const rows = [...byShape].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  rows.push(['(all chosen)', chosen]);
  for (const [shape, ks] of rows) {
    const row: Record<string, unknown> = { shape, searches: ks.length };
    for (const [name] of runs) {
      row[`${name}_warm_cpu_ms`] = mean(ks.map((k) => warmCpu.get(name)![k]!));
      row[`${name}_cold_cpu_ms`] = mean(ks.map((k) => coldCpu.get(name)![k]!));
    }
    console.log(JSON.stringify(row));
  }
  console.log(
    JSON.stringify({
      identical: runs.length === 2 && values.differ === undefined ? compared : undefined,
      compared: values.differ !== undefined ? compared : undefined,
      searches_differing: values.differ !== undefined ? differing.size : undefined,
      differing_not_relaxed: values.differ !== undefined ? differingNotRelaxed.size : undefined,
      // Each tree's cache (this tree first, then the baseline): entries held and their MB.
      cache: cacheStats.map((c) => ({ entries: c.entries, mb: round(c.bytes / 2 ** 20) })),
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      loadavg: loadAverage(),
    }),
  );
} finally {
  await database.close();
}
