// The text-hit warm-up (warm-up.ts) on PostgreSQL, in process, from a given tree (--tree, default
// this one): lists read, wall time, this thread's CPU and the database backends' time it caused.
//   npx node bench/pg-warm-up.ts [--tree DIR] [--cpu-ms 5000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tree: { type: 'string', default: resolve(import.meta.dirname, '..') },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
    'cpu-ms': { type: 'string', default: '5000' },
  },
});
const mod = (p: string) => import(pathToFileURL(resolve(values.tree!, p)).href);
const { openDatabase } = await mod('src/db/database.ts');
const { warmTextHits } = await mod('src/modules/search/warm-up.ts');
const url = new URL(values.pg!);
url.searchParams.set('options', `-c search_path=${values['pg-schema']},public`);
const database = openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' });
const report = await warmTextHits(database, { cpuMs: Number(values['cpu-ms']) });
console.log(JSON.stringify({ tree: values.tree, ...report }));
await database.close();
