// What a PostgreSQL search benchmark will meet on a schema, read before it runs (issue 19): a
// server's per-search CPU on PostgreSQL depends on state the benchmark does not print: whether the
// stored text index (migration 074) will be loaded or built again (a build costs ≈ 30 s of CPU in
// the server's worker and the tsvector answers meanwhile: 20 + 20 ms a search), how many documents
// it will re-read as dirty, whether another session holds the schema's text index lock (a server
// then waits on it and the tsvector answers every search), the search tables' dead rows and last
// ANALYZE, the database's other active sessions and the machine's load (the same server and seed
// served 291 and 74 searches/s at 1 connection at load 5.6 and 7–9; docs/PERFORMANCE.md, "PostgreSQL
// search CPU on a fresh 1M seed"). Read-only: nothing is written, no lock is taken.
//
//   npx node bench/pg-search-state.ts [--pg postgres://postgres@127.0.0.1:5432/test] [--pg-schema bench_search_1m]
//
// Prints one JSON line per part, then `verdict`: what a server starting now would do with its text
// index ('load' with N dirty documents, or 'build' and why) and the conditions that make PostgreSQL
// figures incomparable ('lock held', 'load', 'dead rows', 'other sessions').
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { MAX_DIRTY } from '../src/modules/search/text-index-state.ts';
import {
  storedTextIndex,
  textChangesSince,
  textIndexStoreExists,
} from '../src/modules/search/text-index-store.repository.ts';
import { benchArgs, loadAverage, machine } from './cli.ts';

const values = benchArgs(
  'Usage: npx node bench/pg-search-state.ts [--pg URL] [--pg-schema bench_search_1m]',
  {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
  },
  (v) => /^[a-z_][a-z0-9_]*$/i.test(String(v['pg-schema'])),
);
const schema = String(values['pg-schema']);
const url = new URL(String(values.pg));
url.searchParams.set('options', `-c search_path=${schema},public`);
url.searchParams.set('application_name', 'comptoir-pg-search-state');

/** The search tables whose statistics and dead rows a search's statements depend on. */
const TABLES = ['products', 'inventory_levels', 'search_documents', 'search_vocab', 'search_text_changes'];
/** Dead rows past this share of live ones: plans and heap reads are not those of a vacuumed schema. */
const DEAD_SHARE = 0.1;
/** Above this 1-minute load on this machine's cores, a run's CPU per search is inflated (see the header). */
const LOAD_PER_CORE = 1.5;

const out = (o: object) => console.log(JSON.stringify(o));
const database = openDatabase({ databaseUrl: url.toString(), dataDir: '.', lock: false, poolSize: 1 });
const problems: string[] = [];
try {
  const db = database.db;
  const m = machine();
  out({ part: 'machine', ...m });
  if (m.loadavg[0]! > LOAD_PER_CORE * m.cpus) problems.push(`load ${m.loadavg[0]} on ${m.cpus} cores`);

  const settings = await sql<{
    name: string;
    setting: string;
    unit: string | null;
  }>`select name, setting, unit
    from pg_settings where name in ('jit', 'shared_buffers', 'work_mem', 'autovacuum', 'max_parallel_workers_per_gather')`.execute(
    db,
  );
  out({
    part: 'settings',
    ...Object.fromEntries(settings.rows.map((r) => [r.name, r.setting + (r.unit ?? '')])),
  });

  const tables = await sql<{
    relname: string;
    live: string;
    dead: string;
    last_vacuum: Date | null;
    last_analyze: Date | null;
  }>`select relname, n_live_tup as live, n_dead_tup as dead,
      greatest(last_vacuum, last_autovacuum) as last_vacuum, greatest(last_analyze, last_autoanalyze) as last_analyze
    from pg_stat_user_tables where schemaname = ${schema} and relname in (${sql.join(TABLES)})
    order by relname`.execute(db);
  for (const t of tables.rows) {
    const live = Number(t.live);
    const dead = Number(t.dead);
    out({
      part: 'table',
      name: t.relname,
      live,
      dead,
      last_vacuum: t.last_vacuum,
      last_analyze: t.last_analyze,
    });
    if (t.relname !== 'search_text_changes' && live > 0 && dead > DEAD_SHARE * live)
      problems.push(`dead rows in ${t.relname}: ${dead} of ${live} live (VACUUM ANALYZE)`);
    if (t.relname !== 'search_text_changes' && live > 0 && !t.last_analyze)
      problems.push(`${t.relname} never analysed`);
  }

  // Sessions of other programs on this database (tests, other benchmarks, servers): they share
  // PostgreSQL's CPU with the one measured.
  const others = await sql<{ application_name: string; state: string; n: string }>`select application_name,
      coalesce(state, '') as state, count(*) as n
    from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
      and backend_type = 'client backend' group by 1, 2 order by 3 desc`.execute(db);
  const active = others.rows.filter((r) => r.state === 'active').reduce((n, r) => n + Number(r.n), 0);
  out({ part: 'sessions', active, by: others.rows.map((r) => ({ ...r, n: Number(r.n) })) });
  if (active > 0) problems.push(`${active} other active sessions on the database`);

  let verdict: { text_index: string; dirty?: number; reason?: string };
  if (!(await textIndexStoreExists(db)))
    verdict = { text_index: 'build', reason: 'no store (migration 074)' };
  else {
    // The schema's lock, as lockTextIndexStore takes it: a session-level advisory lock on an int8 key
    // (pg_locks splits it in classid, the high half, and objid, the low one).
    const lock = await sql<{
      pid: number;
      granted: boolean;
      application_name: string;
      held_s: number | null;
    }>`
      select l.pid, l.granted, a.application_name,
        extract(epoch from now() - a.state_change)::float as held_s
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.objsubid = 1 and l.database = (select oid from pg_database where datname = current_database())
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtext('comptoir.search_text_index.' || current_schema())::bigint`.execute(
      db,
    );
    out({ part: 'text index lock', sessions: lock.rows });
    const holder = lock.rows.find((r) => r.granted);
    if (holder)
      problems.push(
        `text index lock held by pid ${holder.pid} (${holder.application_name || 'no name'}): a starting server waits, the tsvector answers`,
      );

    const stored = await storedTextIndex(db);
    const log = await sql<{ n: string }>`select count(*) as n from search_text_changes`.execute(db);
    if (!stored) {
      out({ part: 'stored text index', stored: false, log_rows: Number(log.rows[0]?.n ?? 0) });
      verdict = { text_index: 'build', reason: 'none stored' };
    } else {
      const parts = await sql<{ n: string; bytes: string }>`select count(*) as n,
          coalesce(sum(octet_length(bytes)), 0) as bytes
        from search_text_index_parts where index_id = ${stored.indexId}`.execute(db);
      const partsFound = Number(parts.rows[0]?.n ?? 0);
      const bytesFound = Number(parts.rows[0]?.bytes ?? 0);
      const storedAt = await sql<{
        at: Date;
      }>`select stored_at as at from search_text_index_stored where id = 1`.execute(db);
      const changed = await textChangesSince(db, stored.snapshot, MAX_DIRTY);
      out({
        part: 'stored text index',
        stored: true,
        index_id: stored.indexId,
        stored_at: storedAt.rows[0]?.at,
        snapshot: stored.snapshot,
        bytes: stored.bytes,
        parts: stored.parts,
        parts_found: partsFound,
        bytes_found: bytesFound,
        log_rows: Number(log.rows[0]?.n ?? 0),
        changed_since: changed ? changed.length : 'everything (a full rebuild, or more than MAX_DIRTY)',
      });
      if (partsFound !== stored.parts || bytesFound !== stored.bytes)
        verdict = { text_index: 'build', reason: 'parts missing or of another size' };
      else if (!changed) verdict = { text_index: 'build', reason: 'everything changed since its snapshot' };
      else verdict = { text_index: 'load', dirty: changed.length };
    }
  }
  if (verdict.text_index === 'build')
    problems.push(`a starting server builds its text index (${verdict.reason}): ≈ 30 s of CPU in its worker`);
  out({
    part: 'verdict',
    ...verdict,
    comparable: problems.length === 0,
    problems,
    loadavg_end: loadAverage(),
  });
} finally {
  await database.close();
}
