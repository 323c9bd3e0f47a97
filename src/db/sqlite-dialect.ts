import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';

/** How long a write waits for another process's write lock before failing (as `busy_timeout`). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Kysely's SqliteDialect speaks to any object shaped like better-sqlite3's Database.
 * This adapter gives it Node's built-in `node:sqlite` instead (no native addon to compile:
 * better-sqlite3 built against the system Node fails to load under Node 24).
 */
export function nodeSqliteDialect(db: DatabaseSync): SqliteDialect {
  return new NodeSqliteDialect(db);
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #raw: DatabaseSync;
  readonly #adapter: NodeSqliteAdapter;
  constructor(raw: DatabaseSync) {
    const adapter = new NodeSqliteAdapter(raw);
    super({ database: adapter });
    this.#raw = raw;
    this.#adapter = adapter;
  }
  override createDriver(): Driver {
    return new NodeSqliteDriver({ database: this.#adapter }, this.#raw);
  }
}

/** Kysely's SQLite driver, its one connection wrapped so that waiting for the write lock never blocks. */
class NodeSqliteDriver extends SqliteDriver {
  readonly #raw: DatabaseSync;
  #connection?: DatabaseConnection;
  constructor(config: ConstructorParameters<typeof SqliteDriver>[0], raw: DatabaseSync) {
    super(config);
    this.#raw = raw;
  }
  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= new LockWaitingConnection(inner, this.#raw);
    return this.#connection;
  }
}

/**
 * This process's write-lock takes (each a commit: with `synchronous = FULL` an fsync on the event
 * loop), those that met another process's lock, and the time they waited (not blocking).
 */
export const lockWaits = { takes: 0, count: 0, ms: 0 };

const isBusy = (err: unknown) =>
  typeof err === 'object' && err !== null && ((err as { errcode?: number }).errcode ?? 0) % 256 === 5;

/**
 * Waits for another process's write lock without blocking the event loop. SQLite's busy handler
 * sleeps in the calling thread (1, 2, 5, 10… up to 100 ms a try): in a server of several processes
 * on one file (WEB_CONCURRENCY), a worker whose write met the other's lock stopped answering
 * anything until it got it (docs/PERFORMANCE.md, "writes in the mix"). So a statement that takes
 * the write lock outside a transaction — Kysely's `begin` (made `begin immediate` below) or an
 * autocommit write — runs with `busy_timeout = 0`, and on SQLITE_BUSY is retried after a timer,
 * until BUSY_TIMEOUT_MS have passed (then the error is thrown, as the busy handler did). Statements
 * inside a transaction already hold the lock and keep the ordinary timeout; reads never wait in WAL.
 * The waiting statement keeps Kysely's one connection, so this process's other queries wait behind
 * it as before, but requests that need no query (search in memory, suggestions) are answered.
 */
class LockWaitingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #raw: DatabaseSync;
  readonly #noWait: StatementSync;
  readonly #wait: StatementSync;
  constructor(inner: DatabaseConnection, raw: DatabaseSync) {
    this.#inner = inner;
    this.#raw = raw;
    this.#noWait = raw.prepare('PRAGMA busy_timeout = 0');
    this.#wait = raw.prepare(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#raw.isTransaction || /^\s*select\b/i.test(q.sql)) return this.#inner.executeQuery<R>(q);
    return this.#takingLock<R>(q);
  }
  async #takingLock<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const start = performance.now();
    lockWaits.takes++;
    for (let attempt = 1; ; attempt++) {
      this.#noWait.get();
      try {
        const r = await this.#inner.executeQuery<R>(q);
        if (attempt > 1) {
          lockWaits.count++;
          lockWaits.ms += performance.now() - start;
        }
        return r;
      } catch (err) {
        if (!isBusy(err) || performance.now() - start >= BUSY_TIMEOUT_MS) throw err;
      } finally {
        this.#wait.get();
      }
      // The other process's transaction is a few ms (its commit's fsync); try again soon.
      await sleep(Math.min(attempt, 5));
    }
  }
  streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(q, chunkSize);
  }
}

/** Values node:sqlite cannot bind directly are converted the way the rest of the app stores them. */
function toSqlValue(v: unknown): SQLInputValue {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v as SQLInputValue;
}

function bind(params: ReadonlyArray<unknown>): SQLInputValue[] {
  const out = new Array<SQLInputValue>(params.length);
  for (let i = 0; i < params.length; i++) out[i] = toSqlValue(params[i]);
  return out;
}

class NodeSqliteAdapter implements SqliteDatabase {
  // Prepared statements are cached: preparing is a measurable share of a short query's time.
  readonly #cache = new Map<string, SqliteStatement>();
  readonly #db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.#db = db;
  }
  close(): void {
    this.#cache.clear();
    if (this.#db.isOpen) this.#db.close();
  }
  prepare(sql: string): SqliteStatement {
    // Kysely opens transactions with a plain (deferred) `begin`. In WAL mode a deferred transaction
    // that has read and then writes fails at once with "database is locked" when another process
    // wrote in between (the busy timeout cannot help: waiting would not make its snapshot current).
    // Two server processes on one file (WEB_CONCURRENCY) hit it under load; `begin immediate` takes
    // the write lock up front, so a second writer waits its turn under the busy timeout instead.
    if (sql === 'begin') sql = 'begin immediate';
    let st = this.#cache.get(sql);
    if (st) return st;
    st = wrap(this.#db.prepare(sql));
    if (this.#cache.size > 500) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(sql, st);
    return st;
  }
}

function wrap(st: StatementSync): SqliteStatement {
  const reader = st.columns().length > 0;
  return {
    reader,
    all: (params) => st.all(...bind(params)),
    run: (params) => {
      const r = st.run(...bind(params));
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    iterate: (params) => st.iterate(...bind(params)) as IterableIterator<unknown>,
  };
}

/** Opens the embedded database file with the durability settings documented in docs/decisions. */
export function openSqlite(file: string): DatabaseSync {
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
  db.exec('PRAGMA journal_mode = WAL');
  // FULL: a commit acknowledged to a customer survives power loss, not only a process crash.
  db.exec('PRAGMA synchronous = FULL');
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec('PRAGMA cache_size = -65536');
  db.exec('PRAGMA temp_store = MEMORY');
  // Memory-mapped reads (SQLITE_MMAP_MB, default 64): mapped pages count in the process's RSS, and
  // past a few tens of MB they bought search nothing measurable (docs/PERFORMANCE.md, Search).
  const mmapMb = Number(process.env.SQLITE_MMAP_MB ?? 64);
  db.exec(
    `PRAGMA mmap_size = ${Number.isFinite(mmapMb) && mmapMb >= 0 ? Math.floor(mmapMb * 1048576) : 67108864}`,
  );
  return db;
}
