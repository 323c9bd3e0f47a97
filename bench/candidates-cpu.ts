// The candidate selection and ranking of searches with words, in process: the time of the synchronous
// part a search spends in candidates.ts (nearCandidateHits) and scoring.ts (rankHits, rankedPage),
// measured apart from the rest of the search (text hits, SQL, page, facets), for this checkout and,
// with --baseline, another one (the code before a change), on the same stream of queries,
// alternating per query, with a check that both select, rank and page the same.
//
//   npx node bench/candidates-cpu.ts --data DIR [--baseline CHECKOUT] [--queries 3000] [--seed 7]
//                                    [--warmup 300] [--stride 2 --offset 0] [--passes 4]
//
// The stream is bench/search-core.ts's `--set realistic` one (same seed, same queries, same
// stride): each checkout keeps its own text-hit cache and regrouped lists, so a text's first use
// (the walk), second use (the regrouping) and repeats (by cell) come as in a server worker. Each
// query's part is timed by the wall clock (performance.now) around that synchronous part only: it
// does no I/O, so the clock is its CPU but for preemption on a loaded machine. Hence the figures
// that preemption moves little: the totals of the pairs where neither run took twice the other
// (first uses and repeats apart), the median of the per-query ratio, and with --passes P, P - 1
// more passes over the same queries (every list grouped by then: the repeats' path) keeping each
// query's least time. Thread CPU over the first pass is printed too (4 ms ticks: only its total
// means something). A copy of a tree against itself shows the noise floor (±2 % at load 5–12).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/db/database.ts';
import type { SearchParams } from '../src/modules/search/search.types.ts';
import {
  benchArgs,
  loadAverage,
  machine,
  pickWith,
  quietLog,
  round,
  seededRandom,
  threadCpuMs,
} from './cli.ts';
import { benchSearchQuery, realisticShopper } from './realistic-queries.ts';

const USAGE =
  'Usage: npx node bench/candidates-cpu.ts --data DIR [--baseline CHECKOUT] [--queries N] [--seed N] [--warmup N] [--stride K --offset J] [--passes P]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    baseline: { type: 'string' },
    queries: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '300' },
    stride: { type: 'string', default: '2' },
    offset: { type: 'string', default: '0' },
    passes: { type: 'string', default: '1' },
  },
  (v) => Boolean(v.data),
);

let draw = seededRandom(Number(values.seed));
/** The sequence the queries are drawn from (restarted for --passes). */
const random = () => draw();
const pick = pickWith(random);

// biome-ignore lint/suspicious/noExplicitAny: each checkout's own modules, loaded by path.
type Mod = Record<string, any>;
interface Tree {
  name: string;
  reference: Mod;
  place: Mod;
  geo: Mod;
  area: Mod;
  memory: Mod;
  normalize: Mod;
  textMatch: Mod;
  candidates: Mod;
  scoring: Mod;
  ms: number[];
  cpu: number;
}
/** Per timed part: whether its text was used for the first time in the process (the walk). */
const firstUse: boolean[] = [];
let currentFirst = false;

const database = openDatabase({ dataDir: String(values.data), lock: false });
try {
  const trees: Tree[] = [];
  for (const [name, dir] of [
    ...(values.baseline ? [['before', resolve(String(values.baseline))]] : []),
    [values.baseline ? 'after' : 'current', resolve(import.meta.dirname, '..')],
  ] as [string, string][]) {
    const mod = (path: string) => import(pathToFileURL(resolve(dir, 'src/modules', path)).href);
    await mod('search/index.ts'); // registers the text index file's hook
    const memory = await mod('search/memory.ts');
    memory.useFactsSnapshot(database, { write: false, log: quietLog });
    await memory.catalogMemory(database);
    const index = await (await mod('search/text-index-state.ts')).textIndexBuilt(database);
    if (!index) console.error(`${dir}: no text index (FTS5 answers)`);
    trees.push({
      name,
      reference: await mod('search/reference.ts'),
      place: await mod('search/place.ts'),
      geo: await mod('common/geo.ts'),
      area: await mod('search/area.ts'),
      memory,
      normalize: await mod('search/normalize.ts'),
      textMatch: await mod('search/text-match.ts'),
      candidates: await mod('search/candidates.ts'),
      scoring: await mod('search/scoring.ts'),
      ms: [],
      cpu: 0,
    });
  }
  const munis = await database.db.selectFrom('municipalities').select(['lat', 'lng', 'spread_km']).execute();
  const categories = await database.db.selectFrom('categories').select('slug').execute();
  console.log(
    JSON.stringify({
      ...machine(),
      baseline: values.baseline !== undefined,
    }),
  );
  let shopperNow = realisticShopper(random);
  /** bench/search-core.ts's realistic query. */
  const query = benchSearchQuery({
    random,
    pick,
    munis,
    categories,
    now: new Date(),
    firstText: () => '',
    shopper: () => shopperNow,
  });

  /** One search's candidate selection and ranking by tree `t` (as search.service.ts's rankText), timed. */
  const run = async (t: Tree, params: SearchParams, timed: boolean) => {
    const ref = await t.reference.reference(database);
    const radius = params.radius_km!;
    const sort = params.sort ?? 'relevance';
    const page = params.page ?? 1;
    const category = params.category ? ref.categoryBySlug.get(params.category) : undefined;
    const point = await t.place.resolvePoint(database, ref, params);
    const box = t.geo.boundingBox(point.lat, point.lng, radius);
    const openMask = t.area.openMaskAt(ref, params.now);
    const delivers = t.area.deliversTo(ref, point);
    const { area, facts } = t.area.searchArea(ref, {
      delivers,
      point,
      box,
      radius,
      fulfilment: params.fulfilment,
      openNow: params.open_now,
      openMask,
    });
    const m = await t.memory.catalogMemory(database);
    let words = t.normalize.parseQuery(params.q, { prefixLast: true });
    if (words.length === 0) return undefined;
    words = await t.textMatch.prepareWords(database, words);
    const filters = {
      categoryId: category?.id ?? 0,
      quebec: params.quebec === true,
      inStock: params.in_stock === true,
    };
    const out: unknown[] = [];
    for (const mode of ['all', 'any']) {
      if (mode === 'any' && words.length < 2) break;
      const hits = await t.textMatch.textHits(database, t.textMatch.matchExpr(database, words, mode));
      const c0 = threadCpuMs();
      const w0 = performance.now();
      const near = t.candidates.nearCandidateHits(ref, m, hits, area, sort, radius, true);
      let groups: Mod | undefined;
      let shown: unknown;
      if (near.near > 0) {
        groups = t.scoring.rankHits(ref, m, hits, near.idx, near.n, facts, filters, sort);
        shown = t.scoring.rankedPage(ref, m, groups, facts, (page - 1) * 20, 20);
      }
      if (timed) {
        t.ms.push(performance.now() - w0);
        if (t === trees[0]) firstUse.push(currentFirst);
        t.cpu += threadCpuMs() - c0;
      }
      // What the facets and the page read of the groups (scratch: copied before the other tree runs).
      const reps: number[] = [];
      if (groups)
        for (let g = 0; g < groups.groups; g++) {
          const e = groups.rep[g];
          reps.push(
            groups.pid[e],
            groups.mid[e],
            groups.loc[e],
            groups.avail[e],
            groups.cq[e],
            groups.flags[e],
            groups.offers[g],
          );
        }
      out.push({ near: near.near, n: near.n, capped: near.capped, reps, shown });
      if (near.near > 0) break;
    }
    return out;
  };

  const stride = Math.max(1, Number(values.stride));
  const offset = Number(values.offset);
  const warm = Number(values.warmup);
  const seenTexts = new Set<string>();
  for (let i = 0; i < warm * stride; i++) {
    const q = query(i);
    if (i % stride !== offset) continue;
    seenTexts.add(q.q ?? '');
    for (const t of trees) await run(t, q, false);
  }
  const n = Number(values.queries);
  let compared = 0;
  for (let j = 0; j < n * stride; j++) {
    const q = query(j);
    if (j % stride !== offset) continue;
    const i = Math.floor(j / stride);
    currentFirst = !seenTexts.has(q.q ?? '');
    seenTexts.add(q.q ?? '');
    const order = i % 2 === 0 ? trees : [...trees].reverse();
    const answers = new Map<string, unknown>();
    for (const t of order) answers.set(t.name, await run(t, q, true));
    if (trees.length === 2) {
      assert.deepStrictEqual(
        answers.get('after'),
        answers.get('before'),
        `query ${i} differs: ${JSON.stringify(q)}`,
      );
      compared++;
    }
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const t of trees)
    console.log(
      JSON.stringify({
        run: t.name,
        timed: t.ms.length,
        wall_ms_total: round(sum(t.ms)),
        wall_ms_mean: round(sum(t.ms) / t.ms.length),
        thread_cpu_ms_total: round(t.cpu),
      }),
    );
  if (trees.length === 2) {
    const [a, b] = trees as [Tree, Tree];
    const ratios = a.ms
      .map((x, k) => [x, b.ms[k]!] as const)
      .filter(([x]) => x > 0.02)
      .map(([x, y]) => y / x)
      .sort((x, y) => x - y);
    // The totals of the pairs where neither took more than twice the other: a query preempted in
    // one of its two runs (the machine is shared) no longer weighs on the comparison.
    const trimmed = (which: (k: number) => boolean) => {
      let x = 0;
      let y = 0;
      for (let k = 0; k < a.ms.length; k++) {
        if (!which(k) || a.ms[k]! > 2 * b.ms[k]! || b.ms[k]! > 2 * a.ms[k]!) continue;
        x += a.ms[k]!;
        y += b.ms[k]!;
      }
      return { before_ms: round(x), after_ms: round(y), ratio: round(y / x) };
    };
    const trimmedA = trimmed(() => true).before_ms;
    const trimmedB = trimmed(() => true).after_ms;
    console.log(
      JSON.stringify({
        trimmed_first_use: trimmed((k) => firstUse[k]!),
        trimmed_repeat: trimmed((k) => !firstUse[k]!),
      }),
    );
    console.log(
      JSON.stringify({
        after_over_before_total: round(sum(b.ms) / sum(a.ms)),
        after_over_before_trimmed_total: round(trimmedB / trimmedA),
        after_over_before_median: round(ratios[Math.floor(ratios.length / 2)]!),
        identical: compared,
        loadavg: loadAverage(),
      }),
    );
  }
  // Further passes over the same queries: every list is grouped by then (the repeats' path), and
  // each query's least time over the passes is what it costs without preemption.
  const passes = Math.max(1, Number(values.passes));
  if (passes > 1) {
    const list: SearchParams[] = [];
    // The same stream again: the generator restarted from the seed.
    draw = seededRandom(Number(values.seed));
    shopperNow = realisticShopper(random);
    for (let j = 0; j < (warm + n) * stride; j++) {
      const q = query(j);
      if (j % stride === offset && j >= warm * stride) list.push(q);
    }
    const best = trees.map(() => new Array<number>(list.length).fill(Number.POSITIVE_INFINITY));
    for (let pass = 1; pass < passes; pass++) {
      for (let i = 0; i < list.length; i++) {
        const order = (i + pass) % 2 === 0 ? trees : [...trees].reverse();
        for (const t of order) {
          const before = t.ms.length;
          await run(t, list[i]!, true);
          let took = 0;
          for (let k = before; k < t.ms.length; k++) took += t.ms[k]!;
          t.ms.length = before;
          const ti = trees.indexOf(t);
          best[ti]![i] = Math.min(best[ti]![i]!, took);
        }
      }
    }
    console.log(
      JSON.stringify({
        steady_passes: passes - 1,
        steady_min_ms_total: Object.fromEntries(
          trees.map((t, ti) => [t.name, round(best[ti]!.reduce((a, b) => a + b, 0))]),
        ),
        ...(trees.length === 2
          ? {
              steady_after_over_before: round(
                best[1]!.reduce((a, b) => a + b, 0) / best[0]!.reduce((a, b) => a + b, 0),
              ),
            }
          : {}),
      }),
    );
  }
} finally {
  await database.close();
}
