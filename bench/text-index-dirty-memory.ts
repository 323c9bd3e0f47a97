// Heap held by the text index's dirty documents (src/modules/search/text-index.ts): N real
// documents of the region marked dirty and read, in this tree's TextIndex or a base commit's (one
// per process: run it twice), after a full GC. The rows read are held by both (their strings).
//
//   npx node --expose-gc bench/text-index-dirty-memory.ts --data DIR [--dirty 20000] [--base c10a3aa]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import type { DocTermsRow } from '../src/modules/search/text-index.repository.ts';
import { TextIndex } from '../src/modules/search/text-index.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    dirty: { type: 'string', default: '20000' },
    base: { type: 'string' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let Index = TextIndex;
if (values.base) {
  const dir = new URL('../src/modules/search/', import.meta.url).pathname;
  const source = execFileSync('git', ['show', `${values.base}:src/modules/search/text-index.ts`], {
    encoding: 'utf8',
  }).replace(/from '\.\/([^']+)'/g, (_, f: string) => `from '${join(dir, f)}'`);
  const path = join(tmpdir(), `text-index-base-${process.pid}.ts`);
  writeFileSync(path, source);
  Index = ((await import(path)) as { TextIndex: typeof TextIndex }).TextIndex;
}
const sqlite = new DatabaseSync(join(values.data!, 'comptoir.db'), { readOnly: true });
const rows = sqlite
  .prepare(
    'select product_id, title_terms, body_terms from search_documents where product_id % 50 = 7 limit ?',
  )
  .all(Number(values.dirty)) as unknown as DocTermsRow[];
gc();
const before = process.memoryUsage().heapUsed;
const index = new Index();
const mark = index.markDirty(rows.map((r) => Number(r.product_id)));
for (const r of rows) index.setDirty(Number(r.product_id), r, mark);
gc();
const mb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
console.log(
  JSON.stringify({ tree: values.base ?? 'this', dirty: index.dirty.size, heap_mb: +mb.toFixed(1) }),
);
sqlite.close();
