import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { nodeSqliteDialect } from '../../src/db/sqlite-dialect.ts';
import { ftsMatchIds, idListOf } from '../../src/modules/search/search.repository.ts';

test('idListOf reads group_concat text: none, one, many, large ids', () => {
  assert.deepEqual([...idListOf(null)], []);
  assert.deepEqual([...idListOf('')], []);
  assert.deepEqual([...idListOf('7')], [7]);
  assert.deepEqual([...idListOf('3,10,2147483647,1')], [3, 10, 2147483647, 1]);
});

test('ftsMatchIds gives the ids, in index order and within the limit, that one row per match gave', async () => {
  const raw = new DatabaseSync(':memory:');
  // As migration 010 creates it.
  raw.exec(
    "create virtual table search_fts using fts5(title_terms, body_terms, tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1)",
  );
  const words = ['miel', 'bottes', 'savon', 'erable', 'laine', 'sirop'];
  let seed = 3;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const insert = raw.prepare('insert into search_fts (rowid, title_terms, body_terms) values (?, ?, ?)');
  // Rowids out of insertion order, some large: the index order is the rowid order.
  for (let i = 0; i < 3000; i++) {
    const id = i % 2 === 0 ? 1_000_000 + i : 3000 - i;
    const pick = () => words[Math.floor(random() * words.length)]!;
    insert.run(id, `${pick()} ${pick()}`, `${pick()} ${pick()} ${pick()}`);
  }
  const db = new Kysely<DB>({ dialect: nodeSqliteDialect(raw) });
  try {
    const rows = (expr: string, limit: number) =>
      raw
        .prepare('select rowid as product_id from search_fts where search_fts match ? limit ?')
        .all(expr, limit)
        .map((r) => Number(r.product_id));
    for (const [expr, limit] of [
      ['("miel")', 100_000],
      ['("miel" OR "savon")', 100_000],
      ['("miel") AND ("bottes")', 100_000],
      ['{title_terms} : (("sirop"))', 100_000],
      ['("laine")', 37],
      ['("absent")', 100_000],
    ] as const) {
      const ids = await ftsMatchIds(db, expr, limit);
      assert.deepEqual([...ids], rows(expr, limit), expr);
    }
    assert.ok((await ftsMatchIds(db, '("miel")', 100_000)).length > 500, 'a common word: many matches');
  } finally {
    await db.destroy();
  }
});
