import { type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, sql } from 'kysely';

/** Which SQL dialect a migration runs on; detected from the adapter. */
export function dialectOf(db: Kysely<unknown>): 'sqlite' | 'postgres' {
  const name = db.getExecutor().adapter.constructor.name;
  return name.startsWith('Sqlite') ? 'sqlite' : 'postgres';
}

/** Integer surrogate key: INTEGER PRIMARY KEY (rowid alias) on SQLite, identity on PostgreSQL. */
export function withId<T extends string>(db: Kysely<unknown>, t: CreateTableBuilder<T, never>) {
  return dialectOf(db) === 'sqlite'
    ? t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

/** UTC timestamp stored as ISO-8601 text on SQLite and timestamptz on PostgreSQL; both read back as ISO strings. */
export function tsType(db: Kysely<unknown>) {
  return dialectOf(db) === 'sqlite' ? 'text' : 'timestamptz';
}

/** NOT NULL DEFAULT now, in the ISO-8601 UTC form both dialects read back identically. */
export function nowDefault(db: Kysely<unknown>) {
  const expr = dialectOf(db) === 'sqlite' ? sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` : sql`now()`;
  return (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(expr);
}

/** Double precision for coordinates and distances. */
export function realType(db: Kysely<unknown>) {
  return dialectOf(db) === 'sqlite' ? 'real' : 'double precision';
}

/**
 * Replaces exactly one occurrence of `from` in a table's DDL; anything else is an error, so a
 * migration never rebuilds a table from a definition it did not expect.
 */
export function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const re = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from;
  const hits = text.match(new RegExp(re.source, `${re.flags.replace('g', '')}g`))?.length ?? 0;
  if (hits !== 1) throw new Error(`expected exactly one ${String(from)} in: ${text}`);
  return text.replace(new RegExp(re.source, re.flags.replace('g', '')), to);
}

/**
 * SQLite cannot change a CHECK or UNIQUE constraint in place, so this follows SQLite's documented
 * procedure ("Making Other Kinds Of Table Schema Changes", https://sqlite.org/lang_altertable.html):
 * with foreign keys off, create the new table from the current definition (columns added by any
 * migration are kept), copy the rows, drop the old table, rename, recreate its indexes and
 * triggers, check the foreign keys, commit. Kysely runs SQLite migrations outside a transaction
 * (no transactional DDL), so this opens its own; the pragma cannot change inside one.
 */
export async function rebuildSqliteTable(
  db: Kysely<unknown>,
  table: string,
  change: (ddl: string) => string,
): Promise<void> {
  const { rows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = ${table}`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql;
  if (!create) throw new Error(`rebuild: table ${table} not found`);
  const tmp = `${table}_rebuild`;
  const ddl = replaceOnce(
    change(create),
    new RegExp(`^CREATE TABLE\\s+"?${table}"?`, 'i'),
    `CREATE TABLE "${tmp}"`,
  );
  const indexes = rows.filter((r) => r.type === 'index' && r.sql).map((r) => r.sql as string);
  const triggers = rows.filter((r) => r.type === 'trigger' && r.sql).map((r) => r.sql as string);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(ddl).execute(db);
      await sql.raw(`insert into "${tmp}" select * from "${table}"`).execute(db);
      await sql.raw(`drop table "${table}"`).execute(db);
      await sql.raw(`alter table "${tmp}" rename to "${table}"`).execute(db);
      for (const s of [...indexes, ...triggers]) await sql.raw(s).execute(db);
      const broken = await sql.raw(`pragma foreign_key_check("${table}")`).execute(db);
      if (broken.rows.length) throw new Error(`rebuild: foreign key check failed after rebuilding ${table}`);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
