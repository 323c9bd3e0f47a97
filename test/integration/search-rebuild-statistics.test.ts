/**
 * After a full rebuild of the search index, PostgreSQL's planner has statistics for both tables the
 * rebuild refilled: the documents and the vocabulary (read by typo and known-word lookups).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await seedMiniRegion(t.database.db);
});
after(() => t.cleanup());

test('a rebuild analyses search_documents and search_vocab (PostgreSQL)', async (c) => {
  if (t.database.kind !== 'postgres') return c.skip('PostgreSQL only');
  await rebuildSearchIndex(t.database);
  const r = await sql<{ relname: string; analysed: boolean }>`select relname,
      last_analyze is not null or last_autoanalyze is not null as analysed
    from pg_stat_user_tables
    where schemaname = current_schema() and relname in ('search_documents', 'search_vocab')
    order by relname`.execute(t.database.db);
  assert.deepEqual(
    r.rows.map((x) => ({ ...x })),
    [
      { relname: 'search_documents', analysed: true },
      { relname: 'search_vocab', analysed: true },
    ],
  );
});
