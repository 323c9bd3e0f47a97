/**
 * Both databases in one run (search-backends, search-pg-tiers, copy-to-postgres): the suites use
 * SQLite and PostgreSQL together, whichever database DATABASE_URL names for the rest of the suite.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** The PostgreSQL server compared with: DATABASE_URL's, else the local test server. */
export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at `url` (within 2 s): the comparing suites skip when it does not. */
export async function pgReachable(url = PG_URL): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Opens a test database of the given kind, whatever DATABASE_URL says for the rest of the suite. */
export async function openKind(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const saved = process.env.DATABASE_URL;
  if (kind === 'postgres') process.env.DATABASE_URL = PG_URL;
  else delete process.env.DATABASE_URL;
  try {
    return await createTestDatabase();
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}
