/**
 * The SQLite → PostgreSQL copy (`comptoir copy-to-postgres`): a database tool, not a domain module.
 * It copies every table as raw rows (ids included), so it lives with the database layer and may hold SQL.
 */
import { debuglog } from 'node:util';
import { sql } from 'kysely';
import { rebuildSearchIndex } from '../modules/search/index.ts';
import type { Database } from './database.ts';
import { migrateToLatest } from './migrate.ts';

/** Debug output of the copy (`NODE_DEBUG=comptoir-transfer`). */
const debug = debuglog('comptoir-transfer');

/** What the copy did: rows per table (in copy order) and how long it took. */
export interface CopyReport {
  tables: { table: string; rows: number }[];
  seconds: number;
}

const BATCH = 1000;

/** Tables of the embedded database in an order that respects foreign keys (parents first). */
function sqliteTablesInDependencyOrder(source: Database): string[] {
  const raw = source.sqlite!;
  const tables = (
    raw
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' and sql not like 'CREATE VIRTUAL TABLE%'",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
  const virtual = new Set(
    (
      raw
        .prepare("select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'")
        .all() as { name: string }[]
    ).map((r) => r.name),
  );
  // FTS5/R*Tree shadow tables (name_data, name_idx...) belong to virtual tables: derived, rebuilt on the target.
  const real = tables.filter((t) => ![...virtual].some((v) => t.startsWith(`${v}_`)));
  const deps = new Map<string, Set<string>>();
  for (const t of real) {
    const fks = raw.prepare(`select "table" as parent from pragma_foreign_key_list(?)`).all(t) as {
      parent: string;
    }[];
    deps.set(t, new Set(fks.map((f) => f.parent).filter((p) => p !== t && real.includes(p))));
  }
  const ordered: string[] = [];
  const visit = (t: string, stack: Set<string>) => {
    if (ordered.includes(t) || stack.has(t)) return;
    stack.add(t);
    for (const p of deps.get(t) ?? []) visit(p, stack);
    stack.delete(t);
    ordered.push(t);
  };
  for (const t of real.sort()) visit(t, new Set());
  return ordered;
}

/**
 * Copies a whole region from the embedded SQLite database to an empty PostgreSQL database:
 * migrates the target, copies every table in foreign-key order with its ids, resets identity
 * sequences, rebuilds the derived search index and checks the row counts.
 */
export async function copySqliteToPostgres(
  source: Database,
  target: Database,
  onProgress?: (done: number, total: number, phase: string) => void,
): Promise<CopyReport> {
  if (source.kind !== 'sqlite' || target.kind !== 'postgres')
    throw new Error('copy goes from SQLite to PostgreSQL');
  const started = Date.now();
  await migrateToLatest(target.db as never);
  const nonEmpty = await target.db.selectFrom('merchants').select('id').limit(1).executeTakeFirst();
  if (nonEmpty)
    throw new Error('The target PostgreSQL database already holds merchants; copy into an empty database.');

  const { rows: targetTables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = current_schema()`.execute(
    target.db,
  );
  const targetSet = new Set(targetTables.map((r) => r.table_name));
  const tables = sqliteTablesInDependencyOrder(source).filter((t) => targetSet.has(t));
  const raw = source.sqlite!;
  const report: CopyReport['tables'] = [];
  const pool = target.pool!;
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Migrations seed region defaults (the category taxonomy and its aliases); the source region
    // replaces them, so they are cleared first (children before parents). The target holds no merchants.
    for (const table of [...tables].reverse()) await client.query(`delete from "${table}"`);
    for (const table of tables) {
      const { rows: colRows } = await client.query<{
        column_name: string;
        is_generated: string;
        is_identity: string;
      }>(
        'select column_name, is_generated, is_identity from information_schema.columns where table_schema = current_schema() and table_name = $1',
        [table],
      );
      const targetCols = new Set(
        colRows.filter((c) => c.is_generated !== 'ALWAYS').map((c) => c.column_name),
      );
      const sourceCols = (
        raw.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]
      ).map((c) => c.name);
      const cols = sourceCols.filter((c) => targetCols.has(c));
      const total = (raw.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
      const quoted = cols.map((c) => `"${c}"`).join(', ');
      let done = 0;
      const select = raw.prepare(`select ${quoted} from "${table}"`);
      let batch: unknown[][] = [];
      const flush = async () => {
        if (!batch.length) return;
        const params: unknown[] = [];
        const values = batch
          .map(
            (row) =>
              `(${row
                .map((v) => {
                  params.push(v);
                  return `$${params.length}`;
                })
                .join(', ')})`,
          )
          .join(', ');
        await client.query(
          `insert into "${table}" (${quoted}) overriding system value values ${values}`,
          params,
        );
        done += batch.length;
        onProgress?.(done, total, table);
        batch = [];
      };
      for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
        batch.push(cols.map((c) => row[c]));
        // PostgreSQL allows 65,535 bind parameters per statement.
        if (batch.length >= Math.min(BATCH, Math.floor(60000 / Math.max(1, cols.length)))) await flush();
      }
      await flush();
      if (colRows.some((c) => c.column_name === 'id' && c.is_identity === 'YES')) {
        await client.query(
          `select setval(pg_get_serial_sequence('"${table}"', 'id'), coalesce((select max(id) from "${table}"), 0) + 1, false)`,
        );
      }
      const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from "${table}"`);
      if (rows[0].n !== total)
        throw new Error(`Row count mismatch for ${table}: ${rows[0].n} copied, ${total} expected`);
      report.push({ table, rows: total });
    }
    await client.query('commit');
  } catch (err) {
    // Best effort: the copy already failed (the error below is what the operator sees), and a
    // broken connection rolls the transaction back by itself when it is released.
    await client
      .query('rollback')
      .catch((rollbackErr) => debug('rollback after a failed copy failed: %o', rollbackErr));
    throw err;
  } finally {
    client.release();
  }
  await rebuildSearchIndex(target, onProgress);
  await sql`analyze`.execute(target.db);
  return { tables: report, seconds: (Date.now() - started) / 1000 };
}
