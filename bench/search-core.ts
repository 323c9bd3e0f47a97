// Searches with words, in process (no HTTP): the CPU time of `search()` itself per request, and, with
// --baseline, the same queries answered by another checkout of the project (the code before a
// change) in the same process, alternating, with a check that both give the same answer to every
// query. Results go in docs/PERFORMANCE.md ("Serving on every core (issue 19)").
//
//   npx node bench/search-core.ts --data DIR [--queries 2000] [--baseline CHECKOUT] [--pg URL]
//                                 [--set vocabulary|realistic] [--seed 42] [--warmup 300]
//                                 [--stride K --offset J]
//   npx node --cpu-prof --cpu-prof-dir=DIR bench/search-core.ts --data DIR --queries 5000   # profile
//   npx node bench/search-core.ts --data DIR --queries FILE [--repeat 3] [--top 20] [--baseline …]
//
// --set vocabulary (default): bench/search.ts's queries, the demo vocabulary's 30 consumer searches
// at random positions in the region (a municipality plus jitter), 10 km, 20 a page; plus other
// orders, filters, pages and English. --set realistic: a wider shopper mix drawn from the same
// vocabulary — those searches, single product words (the common words that match tens of thousands
// of products), a qualifier with a product, as-you-type prefixes, typos, brands, a search that
// matches nothing — at positions weighted by the towns' shares (their spread as in the generator),
// 5, 10 or 25 km. The dataset is one `comptoir seed --demo` wrote; nothing is written to it.
// --seed draws another sequence (texts a process has never seen: a held-out list). --stride K
// --offset J answers only the queries i with i % K === J, warm-up included: what one of K server
// workers sees of one stream (each with its own caches). Each run's CPU is also split between a
// text's first use in the process and its repeats (the text-hit cache, the regrouped lists).
// Under --cpu-prof the profile also holds the facts' load: read the search functions' share.
//
// --queries FILE (anything but a whole number): a list of searches written by someone else (a
// held-out list), read by bench/query-file.ts: JSON lines, a JSON array, or CSV/TSV with a header
// (q/query/text, lat, lng/lon, radius/radius_km, optional category, sort, lang, page, per_page,
// in_stock, quebec, open_now, fulfilment); bad lines are listed with their numbers. After the
// warm-up (--set draws), each search of the file is answered once "cold" (its text's first use in
// the process, unless the warm-up used it) and --repeat times "warm"; prints the CPU and wall
// percentiles of both passes (warm wall: the least of the repeats, which load from other
// processes inflates least), the CPU share of each query shape (no word left: a browse; one word;
// several; relaxed to any word; capped) and the --top slowest searches by thread CPU, warm (mean
// of the repeats) and cold (the first answer), each with its shape and total.
// With --baseline, every answer of every pass is compared between both trees.
import assert from 'node:assert/strict';
import { openDatabase } from '../src/db/database.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { search } from '../src/modules/search/search.service.ts';
import { benchArgs, loadAverage, machine, percentile, round, seededRandom, threadCpuMs } from './cli.ts';
import { describeProblems, type FileQuery, readQueryFile } from './query-file.ts';
import { benchQueries } from './realistic-queries.ts';
import { baselineSearch, servingTrees } from './search-trees.ts';

const USAGE =
  'Usage: npx node bench/search-core.ts --data DIR [--queries N|FILE] [--repeat N] [--top N] [--baseline CHECKOUT] [--pg URL] [--set vocabulary|realistic] [--seed N] [--warmup N] [--stride K --offset J]\n' +
  '  --queries N     searches drawn from --set (default 2000)\n' +
  '  --queries FILE  searches of a file: JSON lines, a JSON array or CSV/TSV with a header\n' +
  '                  (q/query/text, lat/latitude, lng/lon/longitude, radius/radius_km [10 km],\n' +
  '                  optional category, sort, lang, page, per_page, in_stock, quebec, open_now,\n' +
  '                  fulfilment; commas, semicolons or tabs; decimal commas in quoted fields;\n' +
  '                  # comments); bad lines are listed with their line numbers. Each search is\n' +
  '                  answered once cold, then --repeat times warm [3, 0: cold only]; the --top slowest are listed [20]\n' +
  '  --set S         vocabulary|realistic: what --queries N and the --warmup draw [vocabulary]\n' +
  '                  (with --queries FILE, the warm-up only)\n';
const values = benchArgs(
  USAGE,
  {
    data: { type: 'string' },
    pg: { type: 'string' },
    queries: { type: 'string', default: '2000' },
    baseline: { type: 'string' },
    set: { type: 'string', default: 'vocabulary' },
    seed: { type: 'string', default: '42' },
    warmup: { type: 'string', default: '300' },
    stride: { type: 'string', default: '1' },
    offset: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
    top: { type: 'string', default: '20' },
  },
  (v) => Boolean(v.data) && ['vocabulary', 'realistic'].includes(String(v.set)),
);

type SearchFn = typeof search;
/** --queries FILE: the file's searches (anything that is not a whole number is a file). */
const fileName = /^\d+$/.test(String(values.queries)) ? undefined : String(values.queries);
let fileQueries: FileQuery[] | undefined;
if (fileName) {
  const f = readQueryFile(fileName);
  for (const line of describeProblems(fileName, f)) console.error(line);
  if (!f.queries.length) {
    console.error(`${fileName}: no search to run`);
    process.exit(2);
  }
  fileQueries = f.queries;
}
const random = seededRandom(Number(values.seed));

const database = openDatabase({
  databaseUrl: values.pg as string | undefined,
  dataDir: String(values.data),
  lock: false,
});
try {
  const baseline = await baselineSearch(values.baseline);
  // As a server: each tree's facts from the snapshot and text index from its file.
  await servingTrees(database, values.baseline);
  const m = await catalogMemory(database);
  const products = m.merchant.reduce((n, x) => n + (x ? 1 : 0), 0);
  console.log(
    JSON.stringify({
      ...machine({ memory: true }),
      products,
      // With --queries FILE the set draws the warm-up only: the searches measured are the file's.
      ...(fileName ? { warmup_set: values.set, queries_file: fileName } : { set: values.set }),
      baseline: values.baseline !== undefined,
    }),
  );
  const now = new Date();
  /** Two of three are the HTTP benchmark's query; the rest vary order, filters, page and language. */
  const query = await benchQueries(database, random, values.set as 'vocabulary' | 'realistic', now);
  const runs: [string, SearchFn][] = baseline
    ? [
        ['before', baseline],
        ['after', search],
      ]
    : [['current', search]];
  const stride = Math.max(1, Number(values.stride));
  const offset = Number(values.offset);
  /** Texts this process has answered (a first use pays the text's lists, their regrouping, its words' SQL). */
  const seenTexts = new Set<string>();
  // Warm-up: JIT tiers, the catalogue facts and text-hit caches (a serving process keeps them).
  const warm = Number(values.warmup);
  for (let i = 0; i < warm * stride; i++) {
    const q = query(i);
    if (i % stride !== offset) continue;
    seenTexts.add(q.q ?? '');
    for (const [, fn] of runs) await fn(database, q);
  }
  if (fileQueries) await fileRuns(fileQueries, runs, seenTexts, now);
  else {
    const times = new Map<string, number[]>(runs.map(([name]) => [name, []]));
    const firstUse = new Map<string, number[]>(runs.map(([name]) => [name, []]));
    // Wall time too: this kernel counts thread CPU in 4 ms ticks, so CPU percentiles of
    // sub-millisecond searches are 0 or 4 ms (only their mean means something).
    const walls = new Map<string, number[]>(runs.map(([name]) => [name, []]));
    const n = Number(values.queries);
    for (let j = 0; j < n * stride; j++) {
      const q = query(j);
      if (j % stride !== offset) continue;
      const i = Math.floor(j / stride);
      const first = !seenTexts.has(q.q ?? '');
      seenTexts.add(q.q ?? '');
      const answers: unknown[] = [];
      // Alternating which runs first, so neither always finds the other's pages in the caches.
      const order = i % 2 === 0 ? runs : [...runs].reverse();
      for (const [name, fn] of order) {
        const c0 = threadCpuMs();
        const w0 = performance.now();
        answers.push(await fn(database, q));
        walls.get(name)!.push(performance.now() - w0);
        const c = threadCpuMs() - c0;
        times.get(name)!.push(c);
        if (first) firstUse.get(name)!.push(c);
      }
      if (answers.length === 2)
        assert.deepStrictEqual(answers[1], answers[0], `query ${i} differs: ${JSON.stringify(q)}`);
    }
    const rows = [...times].map(([run, t]) => ({
      run,
      queries: t.length,
      cpu_ms_mean: round(t.reduce((a, b) => a + b, 0) / t.length),
      cpu_ms_p50: round(percentile(t, 50)),
      cpu_ms_p95: round(percentile(t, 95)),
      cpu_ms_max: round(percentile(t, 100)),
      wall_ms_mean: round(walls.get(run)!.reduce((a, b) => a + b, 0) / t.length),
      wall_ms_p50: round(percentile(walls.get(run)!, 50)),
      wall_ms_p95: round(percentile(walls.get(run)!, 95)),
      wall_ms_p99: round(percentile(walls.get(run)!, 99)),
      // A text's first use in this process (its lists read and walked) against its repeats.
      first_uses: firstUse.get(run)!.length,
      cpu_ms_first_use_mean: round(
        firstUse.get(run)!.reduce((a, b) => a + b, 0) / Math.max(1, firstUse.get(run)!.length),
      ),
      cpu_ms_repeat_mean: round(
        (t.reduce((a, b) => a + b, 0) - firstUse.get(run)!.reduce((a, b) => a + b, 0)) /
          Math.max(1, t.length - firstUse.get(run)!.length),
      ),
    }));
    for (const r of rows) console.log(JSON.stringify(r));
    console.log(
      JSON.stringify({
        rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
        identical: runs.length === 2 ? n : undefined,
        loadavg: loadAverage(),
      }),
    );
  }
} finally {
  await database.close();
}

/** One measured answer: thread CPU and wall time (ms). */
interface Timed {
  cpu: number;
  wall: number;
}

/**
 * --queries FILE: each search answered once cold (in file order), then `--repeat` times warm, by
 * every run (alternating which goes first); answers compared between runs; figures and the slowest.
 */
async function fileRuns(list: FileQuery[], runs: [string, SearchFn][], seenTexts: Set<string>, now: Date) {
  const repeat = Math.max(0, Number(values.repeat));
  const cold = new Map(runs.map(([name]) => [name, [] as Timed[]]));
  const warm = new Map(runs.map(([name]) => [name, list.map(() => [] as Timed[])]));
  const totals: { total: number; relaxed: boolean; approximate: boolean }[] = [];
  const firstUse = list.map((x) => !seenTexts.has(x.params.q));
  for (let pass = 0; pass <= repeat; pass++)
    for (let k = 0; k < list.length; k++) {
      const params = { ...list[k]!.params, now };
      const answers: Awaited<ReturnType<SearchFn>>[] = [];
      const order = (k + pass) % 2 === 0 ? runs : [...runs].reverse();
      for (const [name, fn] of order) {
        const c0 = threadCpuMs();
        const w0 = performance.now();
        answers.push(await fn(database, params));
        const t = { cpu: threadCpuMs() - c0, wall: performance.now() - w0 };
        if (pass === 0) cold.get(name)!.push(t);
        else warm.get(name)![k]!.push(t);
      }
      if (answers.length === 2)
        assert.deepStrictEqual(
          answers[1],
          answers[0],
          `line ${list[k]!.line} differs: ${JSON.stringify(params)}`,
        );
      if (pass === 0) {
        const a = answers[0]!;
        totals.push({ total: a.total, relaxed: a.relaxed, approximate: a.approximate });
      }
    }
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const stats = (prefix: string, xs: number[]) => ({
    [`${prefix}_mean`]: mean(xs),
    [`${prefix}_p50`]: round(percentile(xs, 50)),
    [`${prefix}_p95`]: round(percentile(xs, 95)),
    [`${prefix}_p99`]: round(percentile(xs, 99)),
    [`${prefix}_max`]: round(percentile(xs, 100)),
  });
  const warmCpu = (name: string, k: number) => mean(warm.get(name)![k]!.map((t) => t.cpu));
  const warmWall = (name: string, k: number) => Math.min(...warm.get(name)![k]!.map((t) => t.wall));
  for (const [name] of runs) {
    const c = cold.get(name)!;
    console.log(
      JSON.stringify({
        run: name,
        file: fileName,
        queries: list.length,
        first_uses: firstUse.filter(Boolean).length,
        ...stats(
          'cold_cpu_ms',
          c.map((t) => t.cpu),
        ),
        ...stats(
          'cold_wall_ms',
          c.map((t) => t.wall),
        ),
        // Warm figures only when there were repeats (--repeat 0: the cold pass alone).
        ...(repeat > 0
          ? stats(
              'warm_cpu_ms',
              list.map((_, k) => warmCpu(name, k)),
            )
          : {}),
        ...(repeat > 0
          ? stats(
              'warm_wall_min_ms',
              list.map((_, k) => warmWall(name, k)),
            )
          : {}),
      }),
    );
  }
  const [last] = runs[runs.length - 1]!;
  // Shapes: what the text leaves once parsed (no word: a browse of every nearby product), and
  // whether every word matched near the point or the search fell back to any word (relaxed).
  const shapeOf = (k: number) => {
    const n = parseQuery(list[k]!.params.q, { prefixLast: true }).length;
    if (n === 0) return 'no word left (browse)';
    const words = n === 1 ? 'one word' : n <= 3 ? '2-3 words' : '4+ words';
    return `${words}${totals[k]!.relaxed ? ', relaxed to any word' : ''}${totals[k]!.approximate ? ', capped' : ''}`;
  };
  const shapes = new Map<string, number[]>();
  for (let k = 0; k < list.length; k++) {
    const shape = shapeOf(k);
    shapes.set(shape, [...(shapes.get(shape) ?? []), k]);
  }
  const cpuOf = (k: number) => (repeat > 0 ? warmCpu(last, k) : cold.get(last)![k]!.cpu);
  const allCpu = list.reduce((a, _, k) => a + cpuOf(k), 0);
  console.log(`shapes (${last}: ${repeat > 0 ? 'warm' : 'cold'} CPU)`);
  for (const [shape, ks] of [...shapes].sort((a, b) => b[1].length - a[1].length)) {
    const cpu = ks.map(cpuOf);
    console.log(
      JSON.stringify({
        shape,
        queries: ks.length,
        cpu_ms_mean: mean(cpu),
        cpu_ms_max: round(Math.max(...cpu)),
        share_of_cpu: round(cpu.reduce((a, b) => a + b, 0) / Math.max(1e-9, allCpu)),
        cold_cpu_ms_mean: mean(ks.map((k) => cold.get(last)![k]!.cpu)),
      }),
    );
  }
  const describe = (k: number) => {
    const { line, params } = list[k]!;
    const { q, lat, lng, radius_km, ...rest } = params;
    return {
      line,
      q,
      shape: shapeOf(k),
      at: `${lat},${lng}`,
      radius_km,
      ...rest,
      ...totals[k],
      first_use: firstUse[k],
      cold_cpu_ms: round(cold.get(last)![k]!.cpu),
      cold_wall_ms: round(cold.get(last)![k]!.wall),
      ...(repeat > 0 ? { warm_cpu_ms: warmCpu(last, k), warm_wall_min_ms: round(warmWall(last, k)) } : {}),
    };
  };
  const top = Number(values.top);
  const byWarm = list.map((_, k) => k).sort((a, b) => warmCpu(last, b) - warmCpu(last, a));
  const byCold = list.map((_, k) => k).sort((a, b) => cold.get(last)![b]!.cpu - cold.get(last)![a]!.cpu);
  if (repeat > 0) console.log(`slowest warm (${last}: mean thread CPU of ${repeat} repeats)`);
  for (const k of repeat > 0 ? byWarm.slice(0, top) : []) console.log(JSON.stringify(describe(k)));
  console.log(`slowest cold (${last}: thread CPU of the first answer)`);
  for (const k of byCold.slice(0, top)) console.log(JSON.stringify(describe(k)));
  console.log(
    JSON.stringify({
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      identical: runs.length === 2 ? list.length * (repeat + 1) : undefined,
      loadavg: loadAverage(),
    }),
  );
}
