// Text index file bench (src/modules/search/text-index-file.ts): on a COPY of a region (it writes
// search-text.index beside the database and records it), migrates, builds the index in this thread
// and writes the file as `comptoir seed` does at the end of its rebuild (timed: build, write), then
// reads the file back several times (timed), and checks the loaded index gives the very lists of the
// built one for the distinct expressions of a realistic shopper mix.
//
//   node bench/text-index-file.ts --data /tmp/COPY [--searches 1000] [--reads 5]
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { MAX_TEXT_HITS } from '../src/modules/search/search.types.ts';
import { parseMatchExpr, TextIndex } from '../src/modules/search/text-index.ts';
import {
  readTextIndexFile,
  textIndexPath,
  writeTextIndexAfterRebuild,
} from '../src/modules/search/text-index-file.ts';
import { buildTextIndexNow } from '../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords } from '../src/modules/search/text-match.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    searches: { type: 'string', default: '1000' },
    reads: { type: 'string', default: '5' },
  },
});
if (!values.data) throw new Error('--data DIR (a copy: the file is written there)');
const database = openDatabase({ dataDir: values.data, lock: false });
await migrateToLatest(database.db as never);
const path = textIndexPath(database)!;

let t = performance.now();
let cpu = process.cpuUsage();
const bytes = await writeTextIndexAfterRebuild(database);
const seedMs = performance.now() - t;
const seedCpu = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    step: 'build + write + record (seed)',
    ms: Math.round(seedMs),
    cpu_ms: Math.round((seedCpu.user + seedCpu.system) / 1000),
    bytes,
    file_mb: +(statSync(path).size / 2 ** 20).toFixed(1),
  }),
);

const reads: number[] = [];
let loaded: Awaited<ReturnType<typeof readTextIndexFile>>;
for (let i = 0; i < Number(values.reads); i++) {
  t = performance.now();
  cpu = process.cpuUsage();
  loaded = await readTextIndexFile(path);
  const c = process.cpuUsage(cpu);
  reads.push(performance.now() - t);
  console.log(
    JSON.stringify({
      step: 'read + check',
      ms: +reads.at(-1)!.toFixed(1),
      cpu_ms: Math.round((c.user + c.system) / 1000),
    }),
  );
}
const fromFile = new TextIndex();
fromFile.data = loaded!.data;

t = performance.now();
const built = buildTextIndexNow(database)!;
console.log(JSON.stringify({ step: 'build again (reference)', ms: Math.round(performance.now() - t) }));

let seed = 7;
const gen = realisticShopper(() => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
});
const exprs = new Set<string>();
for (let i = 0; i < Number(values.searches); i++) {
  const text = gen.text();
  if (!text) continue;
  const words = await prepareWords(database, parseQuery(text, { prefixLast: true }));
  if (words.length === 0) continue;
  exprs.add(matchExpr(database, words, 'all'));
  if (words.length > 1) exprs.add(matchExpr(database, words, 'any'));
}
let compared = 0;
let mismatches = 0;
for (const expr of exprs) {
  const parsed = parseMatchExpr(expr);
  if (!parsed) continue;
  const a = built.lists(parsed, MAX_TEXT_HITS)!;
  const b = fromFile.lists(parsed, MAX_TEXT_HITS)!;
  compared++;
  if (
    a.plain.length !== b.plain.length ||
    a.title.length !== b.title.length ||
    a.plain.some((x, k) => x !== b.plain[k]) ||
    a.title.some((x, k) => x !== b.title[k])
  )
    mismatches++;
}
console.log(JSON.stringify({ step: 'lists built vs file', expressions: compared, mismatches }));
await database.close();
