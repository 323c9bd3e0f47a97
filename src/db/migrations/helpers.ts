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
