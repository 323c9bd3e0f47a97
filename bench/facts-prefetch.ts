/**
 * What the start's worker thread takes off a server's main thread (src/serve/facts-prefetch.ts;
 * issue 19, item 6), in process, alternating: A = the main thread reads the facts snapshot (as
 * before the thread, from the bytes the thread pool read ahead) and builds the browse index's
 * arrays; B = a worker thread does both, the main thread only parses the header and takes them.
 * Prints the main thread's CPU, the worker thread's CPU (its whole life: start, imports, read,
 * build) and the wall time of each, per round.
 *
 *     node bench/facts-prefetch.ts --data DIR [--rounds 6]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBrowseParts } from '../src/modules/search/browse-index-build.ts';
import { prefetchFactsSnapshot, readFactsSnapshot } from '../src/modules/search/snapshot.ts';
import { factsPrefetch } from '../src/serve/facts-prefetch.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    rounds: { type: 'string', default: '6' },
  },
});
const path = join(resolve(values.data!), 'search-facts.snapshot');
const thread = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of ['main', 'worker'] as const) {
    let worker = 0;
    const t0 = performance.now();
    const c0 = thread();
    if (mode === 'main') {
      await prefetchFactsSnapshot(path);
      const snap = readFactsSnapshot(path)!;
      buildBrowseParts(snap.memory);
    } else {
      const read = await factsPrefetch(path);
      if (!read?.browse) throw new Error('the worker built nothing');
      worker = read.threadCpuMs ?? 0;
      await prefetchFactsSnapshot(path, Promise.resolve(read));
      readFactsSnapshot(path);
    }
    const main = thread() - c0;
    const wall = performance.now() - t0;
    console.log(
      JSON.stringify({
        round,
        mode,
        main_thread_cpu_ms: Math.round(main),
        worker_thread_cpu_ms: Math.round(worker),
        wall_ms: Math.round(wall),
      }),
    );
  }
}
