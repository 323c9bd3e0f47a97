/**
 * What the start's worker thread takes off a server's main thread (src/serve/facts-prefetch.ts;
 * issue 19, item 6), in process, alternating: `main` = the main thread reads the facts snapshot
 * (as without the thread, from the bytes the thread pool read ahead), the browse index's arrays
 * with it (kept in the file since its format 2; `--main-builds`: built from the facts instead, as
 * before that); `worker` = a worker thread reads and checks it, the main thread only parses the
 * header and takes the arrays. Prints the main thread's CPU, the worker thread's CPU (its whole
 * life: start, imports, read, check) and the wall time of each, per round, and the worker's steps
 * (thread start and imports, read, check and parse).
 *
 * `--baseline DIR` adds a third mode, `baseline`: the worker thread of another checkout (e.g.
 * `git archive` of an older commit, node_modules linked), so a change to the thread's work is
 * compared in the same process and period; the browse index's arrays both threads give must be
 * identical. `--baseline-data DIR2`: the baseline reads DIR2's snapshot (a file in its own format,
 * of the same facts: e.g. a copy of the file before a format change, the new one converted from it).
 *
 *     node bench/facts-prefetch.ts --data DIR [--rounds 6] [--baseline TREE [--baseline-data DIR2]] [--modes main,worker,baseline]
 */
import { deepStrictEqual } from 'node:assert';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBrowseParts } from '../src/modules/search/browse-index-build.ts';
import { prefetchFactsSnapshot, readFactsSnapshot } from '../src/modules/search/snapshot.ts';
import { factsPrefetch } from '../src/serve/facts-prefetch.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    rounds: { type: 'string', default: '6' },
    baseline: { type: 'string' },
    'baseline-data': { type: 'string' },
    modes: { type: 'string' },
    'main-builds': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`node bench/facts-prefetch.ts --data DIR [--rounds N] [--baseline DIR] [--modes M,M]
  --data DIR       SQLite DATA_DIR with search-facts.snapshot     [.bench-data/sqlite-1m]
  --rounds N       rounds, each mode once per round, alternating  [6]
  --baseline TREE  another checkout whose worker thread is timed as mode "baseline"
  --baseline-data DIR2  the baseline's DATA_DIR (its own snapshot format)  [--data]
  --modes M,M      among main, worker, baseline   [main,worker (,baseline with --baseline)]
  --main-builds    mode main builds the browse index's arrays from the facts (as before format 2)`);
  process.exit(0);
}
type Prefetch = typeof factsPrefetch;
// The baseline's thread and its main-thread side (its own snapshot module and format).
const base = values.baseline && join(resolve(values.baseline), 'src');
const baseline: Prefetch | undefined =
  base && (await import(pathToFileURL(join(base, 'serve/facts-prefetch.ts')).href)).factsPrefetch;
const baseSnapshot:
  | { prefetchFactsSnapshot: typeof prefetchFactsSnapshot; readFactsSnapshot: typeof readFactsSnapshot }
  | undefined = base && (await import(pathToFileURL(join(base, 'modules/search/snapshot.ts')).href));
const modes = (values.modes ?? (baseline ? 'main,worker,baseline' : 'main,worker')).split(',');
for (const mode of modes)
  if (!['main', 'worker', 'baseline'].includes(mode) || (mode === 'baseline' && !baseline))
    throw new Error(`unknown mode ${mode} (baseline needs --baseline)`);
const path = join(resolve(values.data!), 'search-facts.snapshot');
const basePath = join(resolve(values['baseline-data'] ?? values.data!), 'search-facts.snapshot');
const thread = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};
let built: unknown;
let compared = 0;
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of modes) {
    let worker = 0;
    let steps: Record<string, number> | undefined;
    let browse: unknown;
    const t0 = performance.now();
    const c0 = thread();
    if (mode === 'main') {
      await prefetchFactsSnapshot(path);
      const snap = readFactsSnapshot(path)!;
      if (values['main-builds']) buildBrowseParts(snap.memory);
      else if (!snap.browse) throw new Error('no browse index arrays in the file');
    } else {
      const file = mode === 'worker' ? path : basePath;
      const read = await (mode === 'worker' ? factsPrefetch : baseline!)(file);
      if (!read?.browse) throw new Error('the worker gave no browse index arrays');
      worker = read.threadCpuMs ?? 0;
      steps = read.stepsCpuMs;
      const side = mode === 'worker' ? { prefetchFactsSnapshot, readFactsSnapshot } : baseSnapshot!;
      await side.prefetchFactsSnapshot(file, Promise.resolve(read));
      side.readFactsSnapshot(file);
      browse = read.browse;
    }
    const main = thread() - c0;
    const wall = performance.now() - t0;
    // Same arrays from either tree's thread, every time (checked out of the timings).
    if (browse && built === undefined) built = browse;
    else if (browse) {
      deepStrictEqual(browse, built);
      compared++;
    }
    console.log(
      JSON.stringify({
        round,
        mode,
        main_thread_cpu_ms: Math.round(main),
        worker_thread_cpu_ms: Math.round(worker),
        wall_ms: Math.round(wall),
        ...(steps &&
          Object.fromEntries(Object.entries(steps).map(([k, v]) => [`worker_${k}`, Math.round(v)]))),
      }),
    );
  }
}
console.log(JSON.stringify({ identical_arrays_compared: compared }));
