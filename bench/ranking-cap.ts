// How many products a common word scores (issue 19): the answers of searches with words for several
// caps on the candidates scored (candidates.ts, MAX_SCORED_PRODUCTS) against the uncapped answer
// (every near hit scored), and the CPU of each cap, in one process, alternating per query.
//
//   npx node bench/ranking-cap.ts --data DIR [--queries 1500] [--seed 7] [--file FILE]
//                                 [--caps 500,1000,1500,2000] [--sorts] [--warmup 200]
//                                 [--cpu-only]
//
// The searches: `--queries N` a realistic shopper's (`--seed`; realistic-queries.ts benchQueries
// 'shopper', as bench/results-page.ts and candidates-cpu.ts draw them), and `--file`'s
// (bench/query-file.ts; 0 or "none": none), each as written and, with --sorts, also by distance,
// price ascending and price descending (same filters). Each search is answered once per cap and
// once uncapped (the cap set to 10^9 through candidates.ts setScoredCapForBench), the caps'
// order rotating per search so that none always finds the page's rows cached by another. Compared
// with the uncapped answer, per cap, over the searches some cap caps (`approximate`):
//   overlap20      mean share of the uncapped first page's products on the capped first page
//   page_equal     first page identical (every field of every result, in order)
//   page_equal_but_offers  the same but for offers_nearby (its GTIN's offers among those scored)
//   ids_equal      first page's products identical, in order
//   first_equal    same first result
//   total_ratio    mean of total / uncapped total (the capped totals count the scored products only)
//   cat_tv, label_tv, merchant_tv  total-variation distance between the facet's shares (0 same, 1
//                  disjoint); in_stock_diff, delivery_diff: mean |share - uncapped share|
//   top_cat_equal  same first category value
// and the same against the 2,000 cap (what a change of cap changes). CPU: thread CPU and wall of
// `search()` per cap, mean over every search and over the capped ones, with the load; --cpu-only
// leaves the uncapped answer out (CPU of the caps alone, compared with the 2,000 cap only).
// RANKING_CAP_SHOW=1 prints (stderr) each search whose first page at 2,000 differs from the uncapped one.
import { cpus, loadavg } from 'node:os';
import { openDatabase } from '../src/db/database.ts';
import { setScoredCapForBench } from '../src/modules/search/candidates.ts';
import { catalogMemory, useFactsSnapshot } from '../src/modules/search/memory.ts';
import { search } from '../src/modules/search/search.service.ts';
import { MAX_SCORED_PRODUCTS, type SearchParams, type SortKey } from '../src/modules/search/search.types.ts';
import { textIndexBuilt } from '../src/modules/search/text-index-state.ts';
import { benchArgs, quietLog, round, seededRandom, threadCpuMs } from './cli.ts';
import { describeProblems, readQueryFile } from './query-file.ts';
import { benchQueries } from './realistic-queries.ts';
import '../src/modules/search/index.ts'; // registers the text index file's hook

const USAGE =
  'Usage: npx node bench/ranking-cap.ts --data DIR [--queries N] [--seed N] [--file FILE|none] [--caps 500,1000,1500,2000] [--sorts] [--cpu-only] [--warmup N]\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    queries: { type: 'string', default: '1500' },
    seed: { type: 'string', default: '7' },
    file: { type: 'string', default: 'bench/data/shopper-queries-heldout-like.csv' },
    caps: { type: 'string', default: '500,1000,1500,2000' },
    sorts: { type: 'boolean', default: false },
    'cpu-only': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '200' },
  },
  (v) => Boolean(v.data),
);

const UNCAPPED = 1_000_000_000;
const caps = String(values.caps)
  .split(',')
  .map(Number)
  .filter((c) => c > 0);
/** --cpu-only: the caps alone (no uncapped answer: its wider reads do not disturb the caches). */
const runs = values['cpu-only'] ? caps : [UNCAPPED, ...caps];
const random = seededRandom(Number(values.seed));
const load = () => loadavg().map((x) => round(x, 2));

type Answer = Awaited<ReturnType<typeof search>>;
type Facet = { value: string; count: number }[];

/** Total-variation distance between two facets' shares (0: same shares; 1: nothing in common). */
function tv(a: Facet, b: Facet): number {
  const sa = a.reduce((s, x) => s + x.count, 0);
  const sb = b.reduce((s, x) => s + x.count, 0);
  if (sa === 0 && sb === 0) return 0;
  if (sa === 0 || sb === 0) return 1;
  const shares = new Map<string, number>();
  for (const x of a) shares.set(x.value, x.count / sa);
  for (const x of b) shares.set(x.value, (shares.get(x.value) ?? 0) - x.count / sb);
  let d = 0;
  for (const v of shares.values()) d += Math.abs(v);
  return d / 2;
}
const share = (n: number, total: number) => (total > 0 ? n / total : 0);

/** A result without its offers count (the offers of its GTIN among the products scored). */
const noOffers = (r: Answer['results'][number]) => ({ ...r, offers_nearby: 0 });

/** How answer `a` differs from the reference `b`. */
function compare(a: Answer, b: Answer) {
  const ids = (x: Answer) => x.results.map((r) => r.product_id);
  const ia = ids(a);
  const ib = ids(b);
  const inA = new Set(ia);
  const common = ib.filter((id) => inA.has(id)).length;
  const fa = a.facets;
  const fb = b.facets;
  return {
    overlap20: ib.length === 0 ? (ia.length === 0 ? 1 : 0) : common / ib.length,
    page_equal: JSON.stringify(a.results) === JSON.stringify(b.results) ? 1 : 0,
    page_equal_but_offers:
      JSON.stringify(a.results.map(noOffers)) === JSON.stringify(b.results.map(noOffers)) ? 1 : 0,
    ids_equal: ia.join() === ib.join() ? 1 : 0,
    first_equal: ia[0] === ib[0] ? 1 : 0,
    total_ratio: b.total > 0 ? a.total / b.total : 1,
    cat_tv: tv(fa.category, fb.category),
    label_tv: tv(fa.quebec_label, fb.quebec_label),
    merchant_tv: tv(fa.merchant, fb.merchant),
    in_stock_diff: Math.abs(share(fa.in_stock[0]!.count, a.total) - share(fb.in_stock[0]!.count, b.total)),
    delivery_diff: Math.abs(
      share(fa.fulfilment[1]!.count, a.total) - share(fb.fulfilment[1]!.count, b.total),
    ),
    top_cat_equal: fa.category[0]?.value === fb.category[0]?.value ? 1 : 0,
  };
}
type Diff = ReturnType<typeof compare>;

const database = openDatabase({ dataDir: String(values.data), lock: false });
try {
  useFactsSnapshot(database, { write: false, log: quietLog });
  await catalogMemory(database);
  if (!(await textIndexBuilt(database))) console.error('no text index (FTS5 answers)');
  const now = new Date();
  const query = await benchQueries(database, random, 'shopper', now);
  const sets: { name: string; list: SearchParams[] }[] = [];
  const warm: SearchParams[] = [];
  for (let i = 0; i < Number(values.warmup); i++) warm.push(query(i));
  const realistic: SearchParams[] = [];
  for (let i = 0; i < Number(values.queries); i++) realistic.push(query(Number(values.warmup) + i));
  if (realistic.length) sets.push({ name: 'realistic', list: realistic });
  const file = String(values.file);
  if (file !== '0' && file !== 'none') {
    const f = readQueryFile(file);
    for (const line of describeProblems(file, f)) console.error(line);
    sets.push({ name: file.replace(/.*\//, ''), list: f.queries.map((x) => ({ ...x.params, now })) });
  }
  const SORTS: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  const variants = (p: SearchParams) =>
    values.sorts
      ? [p, ...SORTS.filter((s) => s !== (p.sort ?? 'relevance')).map((sort) => ({ ...p, sort }))]
      : [p];
  console.log(
    JSON.stringify({
      date: now.toISOString(),
      cpus: cpus().length,
      loadavg: load(),
      node: process.version,
      caps,
      sorts: values.sorts,
      sets: sets.map((s) => [s.name, s.list.length]),
    }),
  );
  // Warm-up: JIT tiers and the text-hit cache (a serving process keeps them), every cap.
  for (const p of warm)
    for (const cap of runs) {
      setScoredCapForBench(cap);
      await search(database, p);
    }

  for (const set of sets) {
    const cpu = new Map<number, { all: number; capped: number; wallAll: number; wallCapped: number }>(
      runs.map((c) => [c, { all: 0, capped: 0, wallAll: 0, wallCapped: 0 }]),
    );
    const vsTruth = new Map<number, Diff[]>(caps.map((c) => [c, []]));
    const vs2000 = new Map<number, Diff[]>(caps.map((c) => [c, []]));
    /** Per sort and per filter, per cap: against the truth (capped searches). */
    const bySort = new Map<string, Map<number, Diff[]>>();
    let searches = 0;
    let capped = 0;
    const cappedAt = new Map<number, number>(caps.map((c) => [c, 0]));
    const nearCounts: number[] = [];
    let k = 0;
    for (const base of set.list)
      for (const p of variants(base)) {
        searches++;
        const answers = new Map<number, Answer>();
        const spent = new Map<number, [number, number]>();
        const order = runs.map((_, j) => runs[(j + k) % runs.length]!);
        k++;
        for (const cap of order) {
          setScoredCapForBench(cap);
          const c0 = threadCpuMs();
          const w0 = performance.now();
          const a = await search(database, p);
          spent.set(cap, [threadCpuMs() - c0, performance.now() - w0]);
          answers.set(cap, a);
        }
        const truth = answers.get(UNCAPPED);
        const isCapped = caps.some((c) => answers.get(c)!.approximate);
        for (const c of caps) if (answers.get(c)!.approximate) cappedAt.set(c, cappedAt.get(c)! + 1);
        for (const cap of runs) {
          const t = cpu.get(cap)!;
          const [c, w] = spent.get(cap)!;
          t.all += c;
          t.wallAll += w;
          if (isCapped) {
            t.capped += c;
            t.wallCapped += w;
          }
        }
        if (!isCapped) continue;
        capped++;
        if (truth) nearCounts.push(truth.total);
        const sort = p.sort ?? 'relevance';
        // Per sort and per filter (a product filter applies to the candidates the cap keeps).
        const filter = p.category
          ? 'filter category'
          : p.quebec
            ? 'filter quebec'
            : p.in_stock
              ? 'filter in_stock'
              : p.fulfilment || p.open_now
                ? 'filter location'
                : 'no filter';
        for (const key of [sort, filter])
          if (!bySort.has(key)) bySort.set(key, new Map(caps.map((c) => [c, []])));
        for (const c of caps) {
          if (truth) {
            const d = compare(answers.get(c)!, truth);
            if (process.env.RANKING_CAP_SHOW && c === 2000 && !d.ids_equal)
              console.error(
                JSON.stringify({ differs: p, total: truth.total, capped_total: answers.get(c)!.total }),
              );
            vsTruth.get(c)!.push(d);
            bySort.get(sort)!.get(c)!.push(d);
            bySort.get(filter)!.get(c)!.push(d);
          }
          if (answers.has(2000)) vs2000.get(c)!.push(compare(answers.get(c)!, answers.get(2000)!));
        }
      }
    const mean = (ds: Diff[]) => {
      const out: Record<string, number> = {};
      for (const key of Object.keys(ds[0] ?? {}) as (keyof Diff)[])
        out[key] = round(ds.reduce((s, d) => s + d[key], 0) / ds.length);
      return out;
    };
    nearCounts.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        set: set.name,
        searches,
        capped_at_some_cap: capped,
        capped_at: Object.fromEntries(cappedAt),
        uncapped_total_p50: nearCounts[Math.floor(nearCounts.length / 2)] ?? 0,
        uncapped_total_p90: nearCounts[Math.floor(nearCounts.length * 0.9)] ?? 0,
        loadavg: load(),
      }),
    );
    for (const c of caps)
      if (vsTruth.get(c)!.length)
        console.log(JSON.stringify({ set: set.name, cap: c, against: 'uncapped', ...mean(vsTruth.get(c)!) }));
    if (caps.includes(2000))
      for (const c of caps)
        if (c !== 2000)
          console.log(
            JSON.stringify({ set: set.name, cap: c, against: 'cap 2000', ...mean(vs2000.get(c)!) }),
          );
    for (const [sort, byCap] of bySort)
      for (const c of caps) {
        const ds = byCap.get(c)!;
        if (!ds.length) continue;
        const m = mean(ds);
        console.log(
          JSON.stringify({
            set: set.name,
            bucket: sort,
            cap: c,
            capped_searches: ds.length,
            overlap20: m.overlap20,
            page_equal: m.page_equal,
            page_equal_but_offers: m.page_equal_but_offers,
            ids_equal: m.ids_equal,
            first_equal: m.first_equal,
            total_ratio: m.total_ratio,
            cat_tv: m.cat_tv,
          }),
        );
      }
    for (const cap of runs) {
      const t = cpu.get(cap)!;
      console.log(
        JSON.stringify({
          set: set.name,
          cap: cap === UNCAPPED ? 'uncapped' : cap,
          cpu_ms_mean: round(t.all / searches),
          cpu_ms_mean_capped: round(t.capped / Math.max(1, capped)),
          wall_ms_mean: round(t.wallAll / searches),
          wall_ms_mean_capped: round(t.wallCapped / Math.max(1, capped)),
        }),
      );
    }
  }
  console.log(JSON.stringify({ loadavg: load(), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
} finally {
  setScoredCapForBench(MAX_SCORED_PRODUCTS);
  await database.close();
}
