/**
 * A server's start skips Kysely's migrator when the database records exactly the migration files
 * there are (src/db/migrate.ts, issue 19 item 6); anything else still goes through it, with the
 * same answers as before.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, migrationsApplied } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase({ migrate: false });
});
after(() => t.cleanup());

const files = readdirSync(new URL('../../src/db/migrations/', import.meta.url))
  .filter((f) => /^\d{3}_[\w-]+\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

test('a new database is migrated; then nothing is applied and /readyz sees every migration', async () => {
  const db = t.database.db as never;
  assert.equal(await migrationsApplied(db), false, 'no bookkeeping table yet');
  assert.deepEqual(await migrateToLatest(db), files);
  assert.deepEqual(await migrateToLatest(db), []);
  assert.equal(await migrationsApplied(db), true);
});

test('a migration not recorded is reported pending; a name recorded by newer code still fails the migrator', async () => {
  const db = t.database.db;
  const last = files.at(-1)!;
  const { rows } = await sql<{ name: string; timestamp: string }>`
    select name, timestamp from kysely_migration where name = ${last}`.execute(db);
  await sql`delete from kysely_migration where name = ${last}`.execute(db);
  assert.equal(await migrationsApplied(db as never), false, 'one file not applied');
  await sql`insert into kysely_migration (name, timestamp) values (${last}, ${rows[0]!.timestamp})`.execute(
    db,
  );
  assert.equal(await migrationsApplied(db as never), true);

  await sql`insert into kysely_migration (name, timestamp) values ('999_from_newer_code', ${rows[0]!.timestamp})`.execute(
    db,
  );
  // Every known file is applied (what /readyz asks), but the migrator refuses an unknown history.
  assert.equal(await migrationsApplied(db as never), true);
  await assert.rejects(() => migrateToLatest(db as never), /999_from_newer_code/);
  await sql`delete from kysely_migration where name = '999_from_newer_code'`.execute(db);
  assert.deepEqual(await migrateToLatest(db as never), []);
});
