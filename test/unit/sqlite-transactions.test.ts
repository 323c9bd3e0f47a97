import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { nodeSqliteDialect, openSqlite } from '../../src/db/sqlite-dialect.ts';

// Two server processes (WEB_CONCURRENCY) share one SQLite file. A transaction that reads, then
// writes after the other process wrote, must not fail with "database is locked" (it did with
// Kysely's deferred `begin`: 29 stock syncs answered 500 in the 1M load benchmark with 2 workers).
// The other process is played here by a second connection that does not wait (busy timeout 0).
test('a Kysely transaction on SQLite holds the write lock from its start, so a read-then-write never fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-tx-'));
  const file = join(dir, 'tx.db');
  const db = new Kysely<{ stock: { id: number; n: number } }>({
    dialect: nodeSqliteDialect(openSqlite(file)),
  });
  const other = new DatabaseSync(file, { timeout: 0 });
  try {
    await sql`create table stock (id integer primary key, n integer not null)`.execute(db);
    await sql`insert into stock (id, n) values (1, 10)`.execute(db);
    let otherWrite: unknown;
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('stock').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
      // The other process tries to write between this transaction's read and its write.
      try {
        other.exec('update stock set n = n - 1 where id = 1');
      } catch (err) {
        otherWrite = err;
      }
      await trx
        .updateTable('stock')
        .set({ n: row.n - 2 })
        .where('id', '=', 1)
        .execute();
    });
    assert.match(
      String((otherWrite as Error)?.message),
      /database is locked/,
      'the other writer had to wait its turn',
    );
    const after = await db.selectFrom('stock').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
    assert.equal(after.n, 8, 'the transaction committed its read-then-write');
    other.exec('update stock set n = n - 1 where id = 1');
    assert.equal(
      (await db.selectFrom('stock').select('n').executeTakeFirstOrThrow()).n,
      7,
      'and then the other wrote',
    );
  } finally {
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
