// The reads of a product write's documents (issue 19): the text-hit cache reads the written
// documents' terms in the change's tick (hit-cache.ts) and the text index read them again, later,
// through Kysely (text-index-state.ts readDirty → documentTermsOf); now both take the one read of
// changedDocumentTerms. In one process, alternating blocks on random documents of the region:
//   before — documentTermsNow (the cache) + await documentTermsOf (the index), as each write did;
//   after  — changedDocumentTerms asked twice with the change's ids (the second answered from the first);
// CPU per write (this thread, the event loop's), for changes of 1 and of 50 products. Also the
// time the index waited for its read after a write before (the first search then went to FTS5).
//
//   npx node bench/change-reads.ts --data .bench-data/sqlite-1m [--writes 2000] [--rounds 4]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { changedDocumentTerms, documentTermsNow } from '../src/modules/search/hit-cache.repository.ts';
import { documentTermsOf } from '../src/modules/search/text-index.repository.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    writes: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
  },
});
const database = openDatabase({ dataDir: values.data, lock: false });
const sqlite = database.sqlite!;
const maxId = Number(
  (sqlite.prepare('select max(product_id) as m from search_documents').get() as { m: number }).m,
);
let seed = 5;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
const writes = Number(values.writes);
const rounds = Number(values.rounds);
console.log(JSON.stringify({ date: new Date().toISOString(), maxId, writes, rounds, loadavg: loadavg() }));
for (const size of [1, 50]) {
  const changes = Array.from({ length: writes }, () =>
    Array.from({ length: size }, () => 1 + Math.floor(random() * maxId)),
  );
  const cpu = { before: 0, after: 0 };
  let waitMs = 0;
  let rows = 0;
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      const c = cpuMs();
      for (const ids of changes) {
        if (which === 'before') {
          rows += documentTermsNow(sqlite, ids).length;
          const t = performance.now();
          rows += (await documentTermsOf(database.db, ids)).length;
          waitMs += performance.now() - t;
        } else {
          rows += changedDocumentTerms(sqlite, ids).length;
          rows += changedDocumentTerms(sqlite, ids).length;
          // The change's tick ends (as between two writes).
          await Promise.resolve();
        }
      }
      cpu[which] += cpuMs() - c;
    }
  }
  const per = (ms: number) => +((ms / rounds / writes) * 1000).toFixed(1);
  console.log(
    JSON.stringify({
      products_per_write: size,
      cpu_us_per_write: { before: per(cpu.before), after: per(cpu.after) },
      index_read_wait_us_before: per(waitMs),
      rows,
      loadavg: loadavg().map((x) => +x.toFixed(2)),
    }),
  );
}
await database.close();
