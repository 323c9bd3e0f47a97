import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import { checkpointInBackground } from '../../src/db/wal-checkpointer.ts';

// A server's commits no longer checkpoint the WAL on the event loop (≈ 150 ms per 1,000 pages on
// the 1M region): a thread does, on its own connection, and automatic checkpoints come back when
// it stops.
test('WAL checkpoints run in a thread while it runs, automatic ones again after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-ckpt-'));
  const database = openDatabase({ dataDir: dir });
  const raw = database.sqlite!;
  const autocheckpoint = () =>
    (raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
  try {
    await sql`create table t (id integer primary key, v text)`.execute(database.db);
    let checkpointed!: (pages: number) => void;
    const first = new Promise<number>((resolve) => {
      checkpointed = resolve;
    });
    const stop = checkpointInBackground(database, {
      intervalMs: 20,
      onCheckpoint: (c) => checkpointed(c.pages),
    });
    assert.equal(autocheckpoint(), 0, 'commits of this connection do not checkpoint');
    for (let i = 0; i < 50; i++)
      await sql`insert into t (v) values (${'x'.repeat(2000)})`.execute(database.db);
    assert.ok((await first) > 0, 'the thread copied the WAL into the database');
    await stop();
    assert.equal(autocheckpoint(), 1000, 'automatic checkpoints are back once the thread stopped');
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(database.db);
    assert.equal(Number(rows.rows[0]!.n), 50);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a delayed start keeps automatic checkpoints until the thread runs; stopping first starts none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-ckpt-'));
  const database = openDatabase({ dataDir: dir });
  try {
    const stop = checkpointInBackground(database, { startAfterMs: 60_000 });
    const pragma = database.sqlite!.prepare('PRAGMA wal_autocheckpoint').get() as {
      wal_autocheckpoint: number;
    };
    assert.equal(pragma.wal_autocheckpoint, 1000);
    await stop();
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on PostgreSQL (no SQLite handle) it does nothing', async () => {
  const stop = checkpointInBackground({ kind: 'postgres' } as never);
  await stop();
});
