import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { lockWaits, nodeSqliteDialect, openSqlite } from '../../src/db/sqlite-dialect.ts';

/**
 * A Kysely database on a fresh file holding one stock row, and a second connection to the same file
 * that never waits (busy timeout 0): the other server process.
 */
async function twoProcesses() {
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-tx-'));
  const file = join(dir, 'tx.db');
  const db = new Kysely<{ stock: { id: number; n: number } }>({
    dialect: nodeSqliteDialect(openSqlite(file)),
  });
  const other = new DatabaseSync(file, { timeout: 0 });
  await sql`create table stock (id integer primary key, n integer not null)`.execute(db);
  await sql`insert into stock (id, n) values (1, 10)`.execute(db);
  const close = async () => {
    if (other.isTransaction) other.exec('rollback');
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, other, close };
}

// Two server processes (WEB_CONCURRENCY) share one SQLite file. A transaction that reads, then
// writes after the other process wrote, must not fail with "database is locked" (it did with
// Kysely's deferred `begin`: 29 stock syncs answered 500 in the 1M load benchmark with 2 workers).
// The other process is played here by a second connection that does not wait (busy timeout 0).
test('a Kysely transaction on SQLite holds the write lock from its start, so a read-then-write never fails', async () => {
  const { db, other, close } = await twoProcesses();
  try {
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
    await close();
  }
});

// The other process holds the write lock: SQLite's busy handler used to sleep in the thread until
// it was free (a worker answered nothing meanwhile, up to the 5 s timeout). Now a write waits on a
// timer: the event loop runs, and the write goes through once the other process commits.
test('a write that meets another process’s write lock waits without blocking the event loop', async () => {
  const { db, other, close } = await twoProcesses();
  try {
    const waitsBefore = lockWaits.count;
    other.exec('begin immediate');
    other.exec('update stock set n = 20 where id = 1');
    let settled = false;
    // An autocommit write and a transaction, both while the other process holds the lock.
    const writes = Promise.all([
      db.insertInto('stock').values({ id: 2, n: 1 }).execute(),
      db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('stock').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
        await trx
          .updateTable('stock')
          .set({ n: row.n + 1 })
          .where('id', '=', 1)
          .execute();
      }),
    ]).finally(() => {
      settled = true;
    });
    // A timer fires while they wait: the loop was not held.
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(settled, false, 'the writes are still waiting for the lock');
    other.exec('commit');
    await writes;
    const rows = await db.selectFrom('stock').select(['id', 'n']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        { id: 1, n: 21 },
        { id: 2, n: 1 },
      ],
      'both wrote after the other process, its update seen',
    );
    assert.ok(lockWaits.count >= waitsBefore + 1, 'the waits are counted');
  } finally {
    await close();
  }
});
