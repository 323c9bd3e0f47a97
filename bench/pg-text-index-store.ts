// The PostgreSQL text index built once per deployment (migration 074, text-index-pg.worker.ts):
// what an instance pays to get its index when it builds and stores it, against when it loads the
// stored one (nothing changed, then N products re-indexed since). Each step opens a new instance
// (a Database of its own, as a starting server) and waits until its index answers: wall time, CPU
// of this process (all threads: the worker's too), CPU of its PostgreSQL backends (/proc, sampled:
// PostgreSQL on this machine), its RSS peak; then the worker's end (the store, after the server has
// its index). The loaded index is compared with the built one, array by array.
// WRITES to the schema (migrates it, stores the index, re-indexes N products with their same
// texts): never on the shared bench schema, on a copy.
//
//   npx node bench/pg-text-index-store.ts --pg-schema COPY [--pg URL] [--changes 2000]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { indexProducts } from '../src/modules/search/index.ts';
import type { TextIndex } from '../src/modules/search/text-index.ts';
import { TEXT_INDEX_ARRAYS } from '../src/modules/search/text-index-file.ts';
import {
  textIndexBuilt,
  textIndexStatus,
  textIndexWorkerExited,
} from '../src/modules/search/text-index-state.ts';
import { clearStoredTextIndex } from '../src/modules/search/text-index-store.repository.ts';

const { values } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string' },
    changes: { type: 'string', default: '2000' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values['pg-schema']) {
  process.stdout.write(
    'Usage: npx node bench/pg-text-index-store.ts --pg-schema COPY [--pg URL] [--changes N]\n' +
      '  writes to the schema (migration, stored index, N products re-indexed): use a copy\n',
  );
  process.exit(values.help ? 0 : 1);
}
const schema = values['pg-schema'];
if (schema === 'bench_search_1m') throw new Error('this bench writes: run it on a copy of bench_search_1m');

const app = `pg-text-store-${process.pid}`;
const url = new URL(values.pg!);
url.searchParams.set('options', `-c search_path=${schema},public`);
url.searchParams.set('application_name', app);
const open = () => openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp', poolSize: 2 });
// The bench's own connection (migration, store cleared, re-indexing, pg_stat_activity): its
// backend is not counted (its application_name differs).
const adminUrl = new URL(url);
adminUrl.searchParams.set('application_name', `${app}-admin`);
const admin = openDatabase({ databaseUrl: adminUrl.toString(), dataDir: '/tmp', poolSize: 1 });
const mb = (b: number) => Math.round(b / 2 ** 20);

/** CPU ms of the PostgreSQL backends of this process's connections (the last sample of each). */
const backendCpu = new Map<number, number>();
async function ourBackendsMs(): Promise<number> {
  const r = await admin.pool!.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
    [app],
  );
  for (const { pid } of r.rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const p = f.slice(f.lastIndexOf(')') + 2).split(' ');
      backendCpu.set(pid, (Number(p[11]) + Number(p[12])) * 10);
    } catch {
      // Ended meanwhile: its last sample stays.
    }
  }
  let total = 0;
  for (const ms of backendCpu.values()) total += ms;
  return total;
}

/** A new instance's way to its index: wall, CPU, its backends' CPU, RSS peak, then the worker's end. */
async function step(name: string): Promise<TextIndex> {
  backendCpu.clear();
  const database = open();
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    void ourBackendsMs();
  }, 100);
  const load0 = loadavg()[0]!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const index = await textIndexBuilt(database);
  const readyMs = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const dbReady = await ourBackendsMs();
  await textIndexWorkerExited(database);
  const endMs = performance.now() - t0;
  const c2 = process.cpuUsage(c0);
  clearInterval(sampler);
  const dbEnd = await ourBackendsMs();
  const status = textIndexStatus(database);
  if (!index) throw new Error(`${name}: no index ${JSON.stringify(status)}`);
  process.stdout.write(
    `${JSON.stringify({
      step: name,
      from: status.from,
      dirty: status.dirty,
      ready_wall_ms: Math.round(readyMs),
      ready_process_cpu_ms: Math.round((c1.user + c1.system) / 1000),
      ready_db_cpu_ms: dbReady,
      worker_end_wall_ms: Math.round(endMs),
      worker_end_process_cpu_ms: Math.round((c2.user + c2.system) / 1000),
      worker_end_db_cpu_ms: dbEnd,
      rss_before_mb: mb(rss0),
      rss_peak_mb: mb(rssPeak),
      index_mb: mb(index.bytes),
      load1: Number(load0.toFixed(2)),
    })}\n`,
  );
  // Kept open (its index is compared below); closed at the end.
  instances.push(database);
  return index;
}
const instances: ReturnType<typeof open>[] = [];

await migrateToLatest(admin.db as never);
await clearStoredTextIndex(admin.db);
const built = await step('build + store');
const loaded = await step('load, nothing changed');
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = TEXT_INDEX_ARRAYS.every((k) => bytesOf(built.data![k]).equals(bytesOf(loaded.data![k])));
process.stdout.write(`${JSON.stringify({ loaded_equals_built: same })}\n`);
if (!same) process.exitCode = 1;

// N products re-indexed with their same texts (their documents deleted and inserted: logged).
const n = Number(values.changes);
const ids: number[] = [];
for (let i = 0; i < n; i++) ids.push(1 + Math.floor((i * 999_983) % 1_000_000));
const r0 = performance.now();
await indexProducts(admin, ids);
process.stdout.write(`${JSON.stringify({ reindexed: n, ms: Math.round(performance.now() - r0) })}\n`);
await step(`load, ${n} changed`);

for (const d of instances) await d.close();
await admin.close();
