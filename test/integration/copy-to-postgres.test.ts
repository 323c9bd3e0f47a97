import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { getPublicProduct } from '../../src/modules/inventory/index.ts';
import { pgReachable } from '../helpers/database-kinds.ts';
import { createTestDatabase, pgUrlForSchema, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

const skip =
  TEST_DB_KIND !== 'sqlite'
    ? 'the source is the embedded database (runs in the SQLite pass)'
    : !(await pgReachable(PG_URL))
      ? `no PostgreSQL at ${PG_URL}`
      : false;

describe('comptoir copy: moving a region from SQLite to PostgreSQL', { skip }, () => {
  let source: TestDatabase;
  let region: MiniRegion;
  const schema = `copy_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });

  before(async () => {
    source = await createTestDatabase();
    region = await seedMiniRegion(source.database.db);
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  });
  after(async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    await source.cleanup();
  });

  test('copies every row with its ids, keeps sequences usable and serves the same data', async () => {
    await source.database.close();
    const url = pgUrlForSchema(PG_URL, schema);
    const r = spawnSync(process.execPath, [CLI, 'copy', '--to', url, '--json'], {
      env: { ...process.env, DATA_DIR: source.dataDir, DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { tables: { table: string; rows: number }[] };
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    assert.equal(byTable.merchants, 2);
    assert.equal(byTable.products, 6);
    assert.equal(byTable.associations, 2);

    const target = openDatabase({ databaseUrl: url, dataDir: source.dataDir });
    try {
      const p = await getPublicProduct(target.db, region.products.sirop);
      assert.equal(p?.title_fr, 'Sirop d’érable ambré 540 ml');
      assert.equal(p?.offers[0].available, 12);
      // Identity sequences continue after the copied ids.
      const next = await target.db
        .insertInto('categories')
        .values({ slug: 'nouvelle', name_fr: 'Nouvelle', name_en: 'New' })
        .returning('id')
        .executeTakeFirstOrThrow();
      assert.ok(next.id > 3);
    } finally {
      await target.close();
    }

    const again = spawnSync(process.execPath, [CLI, 'copy', '--to', url], {
      env: { ...process.env, DATA_DIR: source.dataDir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    assert.notEqual(again.status, 0, 'refuses a non-empty target');
    assert.match(again.stderr, /already holds merchants/);
  });
});
