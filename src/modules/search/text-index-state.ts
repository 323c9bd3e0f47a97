/**
 * The text index of each database (text-index.ts): on SQLite loaded from the data directory's file
 * at a server's start (text-index-file.ts), else built in the background by a worker thread on the
 * first text match; on PostgreSQL the worker loads the index stored in the database, or builds and
 * stores it (text-index-pg.worker.ts, migration 074: once per deployment). Kept current as this
 * process learns of catalogue changes (memory.ts), dropped and loaded or built again after a full
 * rebuild. Until it can answer, FTS5 or the tsvector does. PostgreSQL's is built from the
 * tsvector's lexemes (text-index-pg.ts).
 */
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { Database } from '../../db/database.ts';
import { changedDocumentTerms } from './hit-cache.repository.ts';
import { onCatalogChange } from './memory.ts';
import { type DocTermsRow, documentTermsOf } from './text-index.repository.ts';
import { buildTextIndexFrom, TextIndex, type TextIndexData } from './text-index.ts';
import { tsDocumentTermsOf } from './text-index-pg.repository.ts';

/** What a worker sends its server: the index (text-index-pg.worker.ts: and where it came from). */
export interface PgTextIndexMessage {
  data?: TextIndexData;
  /** PostgreSQL: 'stored' loaded from the database, 'built' built by the worker (and stored). */
  from?: 'stored' | 'built';
  /** Loaded: the products changed since the stored index's snapshot (their terms read again). */
  changed?: number[];
  /** Built: why the stored index could not be loaded, when there was one (damaged, unreadable). */
  storedRefused?: string;
}

/** Where a server's text index problems are written (its logger). */
export interface TextIndexLog {
  warn(obj: object, msg: string): void;
}

/** A database's text index: the one being built or kept current, and its build's history. */
interface IndexState {
  index?: TextIndex;
  /** Changes with every build started or index dropped: a build finishing for an older one is dropped. */
  epoch: number;
  /** Builds that failed (after three, FTS5 answers for the process's life). */
  failures: number;
  /** The build's (or load's) wall time, milliseconds. */
  buildMs?: number;
  /** PostgreSQL: whether the index was loaded from the database ('stored') or built here. */
  from?: 'stored' | 'built';
  /** Resolves when the current build ends (ready or failed). */
  built?: Promise<void>;
  /** Reads of changed documents' terms under way. */
  reads: Set<Promise<void>>;
  /** The worker building the current index, while it runs. */
  worker?: Worker;
  /** Resolves when the last worker started has exited (PostgreSQL: its index stored, its lock released). */
  exited?: Promise<void>;
  /**
   * A server's way to get an index when there is none (text-index-file.ts: load the file, or
   * build and write it); installs an index synchronously. Unset: a build here.
   */
  source?: () => void;
  /** A server's logger (setTextIndexLog): a failed build or store is written there, never lost. */
  log?: TextIndexLog;
}

/**
 * Drops the index (a build under way is stopped: a bulk import dropping it repeatedly must not
 * leave builds running side by side); the next text match builds it again.
 */
function drop(s: IndexState) {
  s.epoch++;
  s.index = undefined;
  s.from = undefined;
  void s.worker?.terminate();
  s.worker = undefined;
}

const states = new WeakMap<Database, IndexState>();

/**
 * Stops a build under way for this database and waits for its thread to end: a platform closing
 * (the thread's own connection would otherwise keep creating the database's -wal and -shm files in
 * a data directory being removed). The next text match, if any, builds again.
 */
export async function stopTextIndexBuild(database: Database): Promise<void> {
  const s = states.get(database);
  const worker = s?.worker;
  if (!s || !worker) return;
  drop(s);
  await worker.terminate();
}

/** Past this many documents changed since the build, a new build is cheaper than matching them one by one. */
export const MAX_DIRTY = 20_000;

/** `COMPTOIR_TEXT_INDEX=0` leaves every text match to FTS5 (benchmarks compare both). */
export const textIndexEnabled = () => process.env.COMPTOIR_TEXT_INDEX !== '0';

function stateOf(database: Database): IndexState {
  let s = states.get(database);
  if (!s) {
    s = { epoch: 0, failures: 0, reads: new Set() };
    states.set(database, s);
  }
  return s;
}

/**
 * The database's text index when it can answer now (built, every changed document's terms read),
 * else undefined (FTS5 or the tsvector answers). The first call for a file database, or a
 * PostgreSQL one, starts the build in a worker thread with its own connection: the event loop
 * keeps serving meanwhile.
 */
export function textIndexOf(database: Database): TextIndex | undefined {
  if (!textIndexEnabled()) return undefined;
  const s = stateOf(database);
  if (s.index?.broken) drop(s);
  if (!s.index && s.failures < 3) {
    if (s.source) s.source();
    else if (database.kind === 'sqlite' && database.file) startBuild(s, sqliteWorker(database.file));
    else if (database.kind === 'postgres' && database.pool)
      // A stored index's changes since its snapshot: re-read as for any change.
      startBuild(s, pgWorker(database.pool), (_data, m) => {
        s.from = m.from;
        if (m.changed && m.changed.length > 0) noteChange(database, m.changed);
      });
  }
  return s.index?.usable ? s.index : undefined;
}

// Bounded heap: the build's live set is about 50 MB at 1M documents (its terms), and a small young
// generation keeps the garbage of a million rows from growing the RSS.
const resourceLimits = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 };

const sqliteWorker = (file: string) => () =>
  new Worker(new URL('./text-index.worker.ts', import.meta.url), { workerData: { file }, resourceLimits });

/**
 * A worker loading the stored index, or reading the documents, on its own connection, to the same
 * server and schema (search_path).
 */
const pgWorker = (pool: pg.Pool) => () => {
  const { connectionString, options } = pool.options;
  if (!connectionString) throw new Error('no connection string');
  const url = new URL(connectionString);
  if (options) url.searchParams.set('options', options);
  return new Worker(new URL('./text-index-pg.worker.ts', import.meta.url), {
    workerData: { url: url.toString(), maxChanged: MAX_DIRTY },
    resourceLimits,
  });
};

/**
 * Gives this database's text index a logger (a server's): a build that fails, a stored index that
 * could not be loaded and an index that could not be stored are written there.
 */
export function setTextIndexLog(database: Database, log: TextIndexLog) {
  stateOf(database).log = log;
}

function startBuild(
  s: IndexState,
  spawn: () => Worker,
  onBuilt?: (data: TextIndexData, message: PgTextIndexMessage) => void,
) {
  const epoch = ++s.epoch;
  const index = new TextIndex();
  s.index = index;
  const started = performance.now();
  s.built = new Promise<void>((resolve) => {
    let done = false;
    const failed = (err?: { code?: string }) => {
      if (done) return;
      done = true;
      // A worker stopped on purpose (drop) exits without an error: nothing to say then.
      if (err)
        s.log?.warn({ err }, 'search text index not built: the database text search answers meanwhile');
      if (s.epoch === epoch) {
        s.index = undefined;
        // Out of its memory bound: a catalogue too large for it, not worth trying again.
        s.failures = err?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 3 : s.failures + 1;
      }
      resolve();
    };
    let worker: Worker;
    try {
      worker = spawn();
    } catch (err) {
      failed(err as { code?: string });
      return;
    }
    // A build never keeps a process alive (a CLI command ending, a test).
    worker.unref();
    s.worker = worker;
    s.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const ended = () => {
      if (s.worker === worker) s.worker = undefined;
    };
    worker.once('exit', ended);
    worker.once('message', (m: PgTextIndexMessage) => {
      if (!m.data) return failed();
      done = true;
      if (m.storedRefused)
        s.log?.warn(
          { reason: m.storedRefused },
          'search text index stored in the database not loaded: built again',
        );
      if (s.epoch === epoch) {
        index.data = m.data;
        s.buildMs = performance.now() - started;
        onBuilt?.(m.data, m);
      }
      resolve();
    });
    worker.on('error', (err) => {
      // After the index was sent: storing it failed (PostgreSQL), so the next start builds again.
      if (done) s.log?.warn({ err }, 'search text index not stored: the next start builds it again');
      else failed(err as { code?: string });
    });
    worker.once('exit', () => failed());
  });
}

/**
 * Builds the index now, in this thread (tests, and databases without a file, which a worker
 * cannot open): the documents changed later are kept current as for a background build.
 */
export function buildTextIndexNow(database: Database): TextIndex | undefined {
  if (database.kind !== 'sqlite' || !database.sqlite) return undefined;
  const s = stateOf(database);
  drop(s);
  const started = performance.now();
  const index = new TextIndex();
  index.data = buildTextIndexFrom(database.sqlite);
  s.index = index;
  s.buildMs = performance.now() - started;
  s.built = Promise.resolve();
  return index;
}

/**
 * Starts a build in a worker thread now (text-index-file.ts: no valid file), dropping the current
 * index; `onBuilt` receives the arrays if this build's index is still the database's when done.
 */
export function startTextIndexBuild(database: Database, onBuilt?: (data: TextIndexData) => void) {
  if (database.kind !== 'sqlite' || !database.file) return;
  const s = stateOf(database);
  drop(s);
  startBuild(s, sqliteWorker(database.file), onBuilt);
}

/**
 * Makes `index` the database's (text-index-file.ts: loaded from the file, its data set once read):
 * changes this process learns of from now on are marked dirty in it, and no build starts while it
 * stands; `ready` resolves when its load has ended (textIndexBuilt waits for it).
 */
export function adoptTextIndex(database: Database, index: TextIndex, ready: Promise<void>) {
  const s = stateOf(database);
  drop(s);
  s.index = index;
  s.built = ready;
}

/**
 * Sets how this database gets an index when it has none (text-index-file.ts, for a server): after
 * a drop (a full rebuild, too many changes) too, the file is tried before a build.
 */
export function setTextIndexSource(database: Database, source: () => void) {
  stateOf(database).source = source;
}

/** The database's index as it stands (built, loading or being built), if any. */
export function currentTextIndex(database: Database): TextIndex | undefined {
  return states.get(database)?.index;
}

/** Whether `index` is still the database's (not dropped by a full rebuild or too many changes). */
export function isCurrentTextIndex(database: Database, index: TextIndex): boolean {
  return states.get(database)?.index === index;
}

/** Marks products changed as for a change this process learns of (a loaded file's changes since its mark). */
export function markTextIndexDirty(database: Database, ids: readonly number[]) {
  noteChange(database, ids);
}

/** Waits for the build textIndexOf started (if any) and returns the index when usable. */
export async function textIndexBuilt(database: Database): Promise<TextIndex | undefined> {
  textIndexOf(database);
  const s = states.get(database);
  await s?.built;
  while (s && s.reads.size > 0) await Promise.all([...s.reads]);
  return textIndexOf(database);
}

/**
 * Waits until the last worker started for this database has exited: on PostgreSQL, after the
 * index it built is stored (or not) and its lock released, which its server does not wait for.
 */
export async function textIndexWorkerExited(database: Database): Promise<void> {
  await states.get(database)?.exited;
}

/** What the text index holds now (bench, logs). */
export function textIndexStatus(database: Database) {
  const s = states.get(database);
  const index = s?.index;
  return {
    state: !index ? 'none' : index.data ? (index.usable ? 'ready' : 'waiting') : 'building',
    bytes: index?.bytes ?? 0,
    buildMs: s?.buildMs,
    from: s?.from,
    dirty: index?.dirty.size ?? 0,
    failures: s?.failures ?? 0,
  };
}

/**
 * Keeps the index current as memory.ts learns of changes: changed products become dirty and
 * their terms are read; a full rebuild (null) drops the index (built again on the next search).
 */
function noteChange(database: Database, ids: readonly number[] | null) {
  const s = states.get(database);
  const index = s?.index;
  if (!s || !index) return;
  if (ids === null || index.dirty.size + ids.length > MAX_DIRTY) {
    drop(s);
    return;
  }
  if (ids.length === 0) return;
  const mark = index.markDirty(ids);
  if (database.kind === 'sqlite' && database.sqlite && ids.length <= MAX_READ_NOW) {
    readDirtyNow(database.sqlite, index, ids, mark, s.log);
    return;
  }
  const read = readDirty(database, index, [...ids], mark, s.log).finally(() => s.reads.delete(read));
  s.reads.add(read);
}

/**
 * Up to this many changed documents (SQLite) are read at once, in the change's tick: the rows the
 * text-hit cache reads for the same change (changedDocumentTerms: one read for both), and no
 * moment when the index waits for a read and FTS5 answers. More (a bulk import) are read as below,
 * in chunks, the event loop serving between them. The text-hit cache's MAX_SELECTIVE.
 */
const MAX_READ_NOW = 2_000;

/** Sets the changed documents' terms read now (SQLite), as readDirty does later. */
function readDirtyNow(
  sqlite: DatabaseSync,
  index: TextIndex,
  ids: readonly number[],
  mark: number,
  log: TextIndexLog | undefined,
) {
  let rows: DocTermsRow[];
  try {
    rows = changedDocumentTerms(sqlite, ids);
  } catch (err) {
    log?.warn({ err }, DIRTY_NOT_READ);
    index.broken = true;
    return;
  }
  const byId = new Map(rows.map((r) => [Number(r.product_id), r]));
  for (const id of ids) index.setDirty(id, byId.get(Number(id)) ?? null, mark);
}

const DIRTY_NOT_READ = 'search text index: changed documents not read, dropped and built again';

async function readDirty(
  database: Database,
  index: TextIndex,
  ids: number[],
  mark: number,
  log: TextIndexLog | undefined,
) {
  try {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const read = database.kind === 'postgres' ? tsDocumentTermsOf : documentTermsOf;
      const rows = new Map((await read(database.db, chunk)).map((r) => [Number(r.product_id), r]));
      for (const id of chunk) index.setDirty(id, rows.get(id) ?? null, mark);
    }
  } catch (err) {
    // Unusable until rebuilt (textIndexOf drops it): FTS5 or the tsvector answers meanwhile.
    log?.warn({ err }, DIRTY_NOT_READ);
    index.broken = true;
  }
}

onCatalogChange(noteChange);
