/**
 * What writing the facts snapshot costs (snapshot.ts writeFactsSnapshot: after a start that applied
 * changes, on the main thread of the process that writes it), in process, alternating with another
 * checkout's writer (`--baseline TREE`, e.g. `git archive` of an older commit with node_modules
 * linked): the facts of DIR's snapshot written to a temporary directory by each, thread CPU and
 * wall time per write, and the file's size. Both files are read back by their own reader.
 *
 *     node bench/facts-snapshot-write.ts --data DIR [--rounds 4] [--baseline TREE [--baseline-data DIR2]]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as current from '../src/modules/search/snapshot.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    rounds: { type: 'string', default: '4' },
    baseline: { type: 'string' },
    'baseline-data': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`node bench/facts-snapshot-write.ts --data DIR [--rounds N] [--baseline TREE [--baseline-data DIR2]]
  --data DIR            SQLite DATA_DIR with search-facts.snapshot (this tree's format) [.bench-data/sqlite-1m]
  --rounds N            writes by each writer, alternating                [4]
  --baseline TREE       another checkout whose writer is timed too
  --baseline-data DIR2  the facts for the baseline, in its format        [--data]`);
  process.exit(0);
}
type Snapshot = typeof current;
const base: Snapshot | undefined =
  values.baseline &&
  (await import(pathToFileURL(join(resolve(values.baseline), 'src/modules/search/snapshot.ts')).href));
const file = (dir: string) => join(resolve(dir), 'search-facts.snapshot');
const writers: [string, Snapshot, string][] = [['current', current, file(values.data!)]];
if (base) writers.push(['baseline', base, file(values['baseline-data'] ?? values.data!)]);
const facts = writers.map(([, s, path]) => s.readFactsSnapshot(path)!);
const out = mkdtempSync(join(tmpdir(), 'comptoir-snapshot-write-'));
const thread = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};
try {
  for (let round = 0; round < Number(values.rounds); round++)
    for (const [i, [name, s]] of writers.entries()) {
      const path = join(out, `${name}.snapshot`);
      const c0 = thread();
      const t0 = performance.now();
      s.writeFactsSnapshot(path, facts[i]!.memory, facts[i]!.mark);
      const cpu = thread() - c0;
      const wall = performance.now() - t0;
      if (!s.readFactsSnapshot(path)) throw new Error('written file not read back');
      console.log(
        JSON.stringify({
          round,
          writer: name,
          thread_cpu_ms: Math.round(cpu),
          wall_ms: Math.round(wall),
          bytes: statSync(path).size,
        }),
      );
    }
} finally {
  rmSync(out, { recursive: true, force: true });
}
