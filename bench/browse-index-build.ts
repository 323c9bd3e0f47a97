/**
 * The browse index's build from the facts (browse-index-build.ts buildBrowseParts: at a start from
 * the tables, a rebuild, each facts snapshot write), in process, alternating with another
 * checkout's build (`--baseline TREE`, e.g. `git archive` of an older commit with node_modules
 * linked) on the same facts (DIR's snapshot): thread CPU per build, the first call of each apart
 * (a start builds once, before its code is optimised). The two builds' arrays must be identical.
 *
 *     node bench/browse-index-build.ts --data DIR [--rounds 6] [--baseline TREE]
 */
import { deepStrictEqual } from 'node:assert';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBrowseParts } from '../src/modules/search/browse-index-build.ts';
import { readFactsSnapshot } from '../src/modules/search/snapshot.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    rounds: { type: 'string', default: '6' },
    baseline: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`node bench/browse-index-build.ts --data DIR [--rounds N] [--baseline TREE]
  --data DIR       SQLite DATA_DIR with search-facts.snapshot (this tree's format) [.bench-data/sqlite-1m]
  --rounds N       builds by each, alternating                                    [6]
  --baseline TREE  another checkout whose buildBrowseParts is timed too`);
  process.exit(0);
}
const builds: [string, typeof buildBrowseParts][] = [['current', buildBrowseParts]];
if (values.baseline) {
  const url = pathToFileURL(join(resolve(values.baseline), 'src/modules/search/browse-index-build.ts')).href;
  builds.push(['baseline', (await import(url)).buildBrowseParts]);
}
const { memory } = readFactsSnapshot(join(resolve(values.data!), 'search-facts.snapshot'))!;
const thread = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};
let first: unknown;
for (let round = 0; round < Number(values.rounds); round++)
  for (const [name, build] of round % 2 ? [...builds].reverse() : builds) {
    const c0 = thread();
    const parts = build(memory);
    const cpu = thread() - c0;
    console.log(JSON.stringify({ round, build: name, thread_cpu_ms: Math.round(cpu) }));
    if (round === 0) {
      if (first === undefined) first = parts;
      else deepStrictEqual(parts, first);
    }
  }
console.log(JSON.stringify({ identical: builds.length > 1 }));
