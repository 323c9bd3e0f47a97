import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

/**
 * Kysely's SqliteDialect speaks to any object shaped like better-sqlite3's Database.
 * This adapter gives it Node's built-in `node:sqlite` instead (no native addon to compile:
 * better-sqlite3 built against the system Node fails to load under Node 24).
 */
export function nodeSqliteDialect(db: DatabaseSync): SqliteDialect {
  return new SqliteDialect({ database: new NodeSqliteAdapter(db) });
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
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  // FULL: a commit acknowledged to a customer survives power loss, not only a process crash.
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA busy_timeout = 5000');
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
