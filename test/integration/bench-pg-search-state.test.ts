/**
 * bench/pg-search-state.ts, on a schema put in each state it reports: no stored text index (a
 * server builds), a stored one whose snapshot saw everything (loaded, no dirty document), one with
 * documents changed since (loaded with them dirty), a full rebuild since (built again), parts
 * missing (built again), and the schema's text index lock held by another session. Nothing is
 * written by the bench (the log and the store are as the test left them). PostgreSQL only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import {
  lockTextIndexStore,
  unlockTextIndexStore,
} from '../../src/modules/search/text-index-store.repository.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../../bench/pg-search-state.ts', import.meta.url).pathname;

interface Verdict {
  text_index: 'load' | 'build';
  dirty?: number;
  reason?: string;
  problems: string[];
}

describe('bench/pg-search-state.ts', () => {
  let t: TestDatabase;
  const pgOnly = (c: { skip: (m: string) => void }) => {
    if (t.database.kind === 'postgres') return true;
    c.skip('PostgreSQL only');
    return false;
  };

  /** The bench's lines on this test's schema, and its verdict. */
  const state = async () => {
    const { stdout } = await run(process.execPath, [
      SCRIPT,
      '--pg',
      process.env.DATABASE_URL!,
      '--pg-schema',
      t.pgSchema!,
    ]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { part: string } & Record<string, unknown>);
    const verdict = lines.find((l) => l.part === 'verdict') as unknown as Verdict;
    assert.ok(verdict, stdout);
    return { lines, verdict };
  };
  const logRows = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from search_text_changes`.execute(t.database.db))
        .rows[0]!.n,
    );
  /** A stored index of three bytes in one part, at the current snapshot (nothing changed since). */
  const storeFake = async (bytes = 3) => {
    await sql`delete from search_text_index_parts`.execute(t.database.db);
    await sql`insert into search_text_index_parts (index_id, part, bytes) values ('fake', 0, '\\x010203'::bytea)`.execute(
      t.database.db,
    );
    await sql`insert into search_text_index_stored (id, index_id, snapshot, parts, bytes)
      values (1, 'fake', pg_current_snapshot(), 1, ${bytes})
      on conflict (id) do update set snapshot = excluded.snapshot, bytes = excluded.bytes`.execute(
      t.database.db,
    );
    await sql`delete from search_text_changes`.execute(t.database.db);
  };

  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('no stored index: a starting server builds', async (c) => {
    if (!pgOnly(c)) return;
    const { verdict, lines } = await state();
    assert.equal(verdict.text_index, 'build');
    assert.equal(verdict.reason, 'none stored');
    assert.ok(verdict.problems.some((p) => p.includes('builds its text index')));
    // The search tables are listed with their statistics.
    const tables = lines.filter((l) => l.part === 'table').map((l) => l.name);
    assert.ok(tables.includes('search_documents') && tables.includes('products'), JSON.stringify(tables));
  });

  test('a stored index and the documents changed since its snapshot: loaded with them dirty', async (c) => {
    if (!pgOnly(c)) return;
    await storeFake();
    const loaded = (await state()).verdict;
    assert.equal(loaded.text_index, 'load');
    assert.equal(loaded.dirty, 0);
    // Two products written after the snapshot (the triggers log them with their transaction).
    await sql`insert into search_text_changes (product_id) values (5), (7), (5)`.execute(t.database.db);
    const { verdict } = await state();
    assert.equal(verdict.text_index, 'load');
    assert.equal(verdict.dirty, 2);
    assert.ok(!verdict.problems.some((p) => p.includes('text index')), JSON.stringify(verdict.problems));
    assert.equal(await logRows(), 3, 'the bench wrote nothing');
  });

  test('a full rebuild since the snapshot, or parts of another size: built again', async (c) => {
    if (!pgOnly(c)) return;
    await storeFake();
    await sql`insert into search_text_changes (product_id) values (0)`.execute(t.database.db);
    let { verdict } = await state();
    assert.equal(verdict.text_index, 'build');
    assert.equal(verdict.reason, 'everything changed since its snapshot');
    await storeFake(4);
    ({ verdict } = await state());
    assert.equal(verdict.text_index, 'build');
    assert.equal(verdict.reason, 'parts missing or of another size');
  });

  test('the text index lock held by another session is named, and not once released', async (c) => {
    if (!pgOnly(c)) return;
    await storeFake();
    await t.database.db.connection().execute(async (db) => {
      await lockTextIndexStore(db);
      try {
        const { verdict, lines } = await state();
        assert.ok(
          verdict.problems.some((p) => p.startsWith('text index lock held by pid')),
          JSON.stringify(verdict.problems),
        );
        const lock = lines.find((l) => l.part === 'text index lock') as unknown as {
          sessions: { granted: boolean }[];
        };
        assert.equal(lock.sessions.filter((s) => s.granted).length, 1);
      } finally {
        await unlockTextIndexStore(db);
      }
    });
    const { verdict } = await state();
    assert.ok(!verdict.problems.some((p) => p.includes('lock held')), JSON.stringify(verdict.problems));
  });
});
