/**
 * Bulk loading for the demo and benchmark datasets (up to a million products): a database tool,
 * not a domain module. It writes raw rows into several modules' tables at once, as fast as each
 * engine allows, so it bypasses the modules' repositories on purpose; it only ever runs on a
 * database being seeded (`comptoir seed --demo`, bench/seed.ts), never on a live region.
 */
import type { StatementSync } from 'node:sqlite';
import { debuglog } from 'node:util';
import { sql } from 'kysely';
import type pg from 'pg';
import type { Database } from './database.ts';

/** Debug output of the bulk loader (`NODE_DEBUG=comptoir-bulk-load`). */
const debug = debuglog('comptoir-bulk-load');

/** How a column's values are typed in a bulk insert (PostgreSQL `unnest` casts). */

export type ColType = 'int' | 'text' | 'real' | 'ts';
/** One column of a bulk insert: its name and type. */
export type Column = readonly [name: string, type: ColType];

const PG_ARRAY: Record<ColType, string> = {
  int: 'int[]',
  text: 'text[]',
  real: 'float8[]',
  ts: 'timestamptz[]',
};

/**
 * Bulk inserts with the raw handles: on SQLite a prepared statement run row by row inside one
 * transaction per batch; on PostgreSQL one `INSERT ... SELECT FROM unnest($1::int[], ...)` per
 * batch on a dedicated connection, pipelined (the next batch is generated while the previous is written).
 */
export class BulkWriter {
  private statements = new Map<string, StatementSync>();
  private client?: pg.PoolClient;
  private pending: Promise<unknown> | undefined;

  private database: Database;
  private constructor(database: Database) {
    this.database = database;
  }

  /** A writer on the raw handle of `database` (a dedicated connection on PostgreSQL). */
  static async open(database: Database): Promise<BulkWriter> {
    const w = new BulkWriter(database);
    if (database.kind === 'sqlite') {
      // A bulk load that can be redone from scratch: no fsync per batch, a larger page cache for the indexes.
      database.sqlite!.exec('pragma synchronous = off');
      database.sqlite!.exec('pragma cache_size = -262144');
    }
    if (database.kind === 'postgres') {
      w.client = await database.pool!.connect();
      // The demo load can be redone from scratch: no need to wait for each commit to reach the disk.
      await w.client.query('set synchronous_commit = off');
      // The generator only writes consistent references (merchants before their locations and
      // products, products before their stock): skip the per-row foreign-key triggers when the
      // role may (superuser); otherwise they simply run.
      await w.client
        .query('set session_replication_role = replica')
        .catch((err) => debug('foreign-key triggers stay on (not a superuser): %s', err.message));
    }
    return w;
  }

  private statement(table: string, columns: readonly Column[], rows: number): StatementSync {
    const key = `${table}(${columns.map((c) => c[0]).join(',')})x${rows}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      stmt = this.database.sqlite!.prepare(
        `insert into ${table} (${columns.map((c) => c[0]).join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(', ')}`,
      );
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  /** Inserts `n` rows given column-wise (`data[j][i]` = column j of row i). */
  async insert(table: string, columns: readonly Column[], data: readonly (readonly unknown[])[], n: number) {
    if (n === 0) return;
    if (this.database.kind === 'sqlite') {
      const raw = this.database.sqlite!;
      const k = columns.length;
      // Several rows per statement: fewer calls across the JS/native boundary (at most 900 parameters).
      const perStmt = Math.max(1, Math.min(64, Math.floor(900 / k)));
      const multi = this.statement(table, columns, perStmt);
      const single = this.statement(table, columns, 1);
      const argsMulti = new Array<unknown>(k * perStmt);
      const args = new Array<unknown>(k);
      raw.exec('begin');
      try {
        let i = 0;
        for (; i + perStmt <= n; i += perStmt) {
          let a = 0;
          for (let r = i; r < i + perStmt; r++)
            for (let j = 0; j < k; j++) argsMulti[a++] = (data[j] as unknown[])[r];
          multi.run(...(argsMulti as never[]));
        }
        for (; i < n; i++) {
          for (let j = 0; j < k; j++) args[j] = (data[j] as unknown[])[i];
          single.run(...(args as never[]));
        }
        raw.exec('commit');
      } catch (err) {
        raw.exec('rollback');
        throw err;
      }
      return;
    }
    const text = `insert into ${table} (${columns.map((c) => c[0]).join(', ')}) select * from unnest(${columns
      .map((c, i) => `$${i + 1}::${PG_ARRAY[c[1]]}`)
      .join(', ')})`;
    const values = n === (data[0]?.length ?? 0) ? data : data.map((col) => col.slice(0, n));
    const q = this.client!.query(text, values as unknown[]);
    // Not swallowed: the rejection is observed when the next insert or flush() awaits `pending`.
    // This handler only stops Node from reporting it as unhandled in between.
    q.catch(() => {});
    // Keep at most one batch in flight: bounded memory, and generation overlaps the write.
    if (this.pending) await this.pending;
    this.pending = q;
  }

  /** Waits for the batch in flight (PostgreSQL). */
  async flush(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (p) await p;
  }

  /** Flushes, then restores the connection's (or SQLite's) normal settings. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      // Best effort: the connection goes back to the pool either way (a failed load already threw).
      await this.client
        ?.query('reset session_replication_role')
        .catch((err) => debug('reset session_replication_role failed: %s', err.message));
      this.client?.release();
      this.client = undefined;
      if (this.database.kind === 'sqlite') {
        // Back to the settings of src/db/sqlite-dialect.ts.
        this.database.sqlite!.exec('pragma synchronous = full');
        this.database.sqlite!.exec('pragma cache_size = -65536');
      }
    }
  }
}

/** Inserts an array of row objects through the writer, in chunks. */
export async function insertObjects<T extends object>(
  writer: BulkWriter,
  table: string,
  columns: readonly Column[],
  rows: readonly T[],
  chunk = 10_000,
): Promise<void> {
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const data = columns.map(([name]) => part.map((r) => (r as Record<string, unknown>)[name] ?? null));
    await writer.insert(table, columns, data, part.length);
  }
}

/**
 * Drops the secondary indexes of `tables` (those not backing a primary key or unique constraint)
 * and returns a function that creates them again with their exact definitions: building an
 * index once after a bulk load is much faster than maintaining it row by row.
 */
export async function deferIndexes(database: Database, tables: string[]): Promise<() => Promise<void>> {
  let defs: { name: string; sql: string }[];
  if (database.kind === 'sqlite') {
    const raw = database.sqlite!;
    defs = raw
      .prepare(
        `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${tables.map(() => '?').join(', ')})`,
      )
      .all(...tables) as { name: string; sql: string }[];
    for (const d of defs) raw.exec(`drop index "${d.name}"`);
    return async () => {
      for (const d of defs) raw.exec(d.sql);
    };
  }
  const pool = database.pool!;
  const r = await pool.query(
    `select i.relname as name, pg_get_indexdef(i.oid) as sql
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
      where t.relnamespace = to_regnamespace(current_schema())::oid
        and t.relname = any($1)
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
    [tables],
  );
  defs = r.rows as { name: string; sql: string }[];
  for (const d of defs) await pool.query(`drop index "${d.name}"`);
  return async () => {
    // Index builds run in parallel on separate connections.
    await Promise.all(defs.map((d) => pool.query(d.sql)));
  };
}

/**
 * After rows were inserted with explicit ids (PostgreSQL), moves each table's identity sequence
 * past the highest id so that the next ordinary insert does not collide.
 */
export async function resetIdentitySequences(database: Database, tables: readonly string[]): Promise<void> {
  if (database.kind !== 'postgres') return; // SQLite's rowid follows max(id) by itself
  for (const t of tables) {
    await sql`select setval(pg_get_serial_sequence(${t}, 'id'), coalesce((select max(id) from ${sql.table(t)}), 0) + 1, false)`.execute(
      database.db,
    );
  }
}

/** Refreshes the planner statistics after a bulk load (whole database on SQLite, the given tables on PostgreSQL). */
export async function analyzeTables(database: Database, tables: readonly string[]): Promise<void> {
  if (database.kind === 'sqlite') {
    database.sqlite!.exec('analyze');
    return;
  }
  await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(database.db);
}
