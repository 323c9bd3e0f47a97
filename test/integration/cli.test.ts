import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.ts';
import { authenticateApiKey } from '../../src/modules/merchants/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

describe('comptoir CLI', () => {
  let tdb: TestDatabase;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...tdb.childEnv, LANG: 'fr_CA.UTF-8' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  before(async () => {
    tdb = await createTestDatabase();
    await seedMiniRegion(tdb.database.db);
  });
  after(() => tdb.cleanup());

  test('merchant create --json prints a working API key', async () => {
    const r = run(
      'merchant',
      'create',
      '--name',
      'Boulangerie Fortin',
      '--address',
      '12 rue Laurier',
      '--lat',
      '45.43',
      '--lng',
      '-75.71',
      '--neq',
      '2212345678',
      '--association',
      'aylmer',
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out).sort(), [
      'api_key',
      'invitation_sent',
      'location_code',
      'location_id',
      'merchant_id',
      'slug',
    ]);
    assert.equal(out.invitation_sent, false, 'no --email, no owner invitation');
    assert.equal(out.slug, 'boulangerie-fortin');
    const auth = await authenticateApiKey(tdb.database.db, out.api_key as string);
    assert.equal(auth.merchantId, out.merchant_id);
    const stored = await tdb.database.db
      .selectFrom('api_keys')
      .select('key_hash')
      .where('merchant_id', '=', auth.merchantId)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.key_hash, out.api_key, 'the key is stored hashed');
    const m = await tdb.database.db
      .selectFrom('merchants')
      .selectAll()
      .where('id', '=', auth.merchantId)
      .executeTakeFirstOrThrow();
    assert.equal(m.status, 'approved');
  });

  for (const [name, args, pattern] of [
    ['an invalid NEQ', ['--neq', '4412345678'], /NEQ invalide/],
    ['a latitude out of range', ['--lat', '95'], /latitude/i],
    ['an unknown association', ['--association', 'atlantide'], /Association inconnue : atlantide/],
    ['a latitude that is not a number', ['--lat', 'nord'], /--lat/],
  ] as const) {
    test(`merchant create refuses ${name} with a message and a non-zero exit, creating nothing`, async () => {
      const before = await tdb.database.db
        .selectFrom('merchants')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const base = { '--name': 'Refusé', '--address': '1 rue', '--lat': '45.4', '--lng': '-75.7' } as Record<
        string,
        string
      >;
      base[args[0]] = args[1];
      const r = run('merchant', 'create', ...Object.entries(base).flat(), '--json');
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, pattern);
      assert.equal(JSON.parse(r.stdout).error.code.length > 0, true);
      const afterCount = await tdb.database.db
        .selectFrom('merchants')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });
  }

  test('admin create makes operators and refuses weak passwords', async () => {
    const ok = run(
      'admin',
      'create',
      '--email',
      'Ops@Example.org',
      '--password',
      'une phrase de passe longue',
      '--role',
      'association_admin',
      '--association',
      'aylmer',
      '--json',
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      user_id: JSON.parse(ok.stdout).user_id,
      email: 'ops@example.org',
      role: 'association_admin',
      association: 'aylmer',
    });
    const weak = run(
      'admin',
      'create',
      '--email',
      'x@example.org',
      '--password',
      'court',
      '--role',
      'region_admin',
    );
    assert.notEqual(weak.status, 0);
    assert.match(weak.stderr, /12 caractères/);
    const role = run(
      'admin',
      'create',
      '--email',
      'y@example.org',
      '--password',
      'une phrase de passe longue',
      '--role',
      'god',
    );
    assert.notEqual(role.status, 0);
  });

  test('reindex rebuilds the search index from the catalogue, with the terms of this version', async () => {
    const { db } = tdb.database;
    const tea = await db
      .updateTable('products')
      .set({ title_fr: 'Thé du Labrador' })
      .where('sku', '=', 'TIRE-250')
      .returning('id')
      .executeTakeFirstOrThrow();
    const active = await db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .where('parent_id', 'is', null)
      .executeTakeFirstOrThrow();
    const r = run('reindex', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { products: number; seconds: number };
    assert.equal(out.products, Number(active.n));
    const doc = await db
      .selectFrom('search_documents')
      .select('title_terms')
      .where('product_id', '=', tea.id)
      .executeTakeFirstOrThrow();
    assert.ok(doc.title_terms.split(' ').includes('the'), doc.title_terms);
    const help = run('reindex', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: comptoir reindex/);
  });

  test('unknown commands and options are refused', () => {
    assert.notEqual(run('frobnicate').status, 0);
    const r = run('seed', '--demo', '--merchants', '-5');
    assert.notEqual(r.status, 0);
  });

  test('a second server cannot open a data directory already in use', {
    skip: TEST_DB_KIND !== 'sqlite' && 'the lock protects the embedded database',
  }, async () => {
    const { spawn } = await import('node:child_process');
    const first = spawn(process.execPath, [CLI, 'serve', '--json'], {
      env: { ...process.env, ...tdb.childEnv, PORT: '0', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        first.stdout.on('data', (d) => {
          buf += d;
          if (buf.includes('\n')) resolve(buf);
        });
        first.once('exit', (c) => reject(new Error(`server exited ${c}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const second = run('serve');
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, /in use by process/);
    } finally {
      first.kill('SIGTERM');
      await new Promise((r) => first.once('exit', r));
    }
    assert.equal(existsSync(join(tdb.dataDir, 'comptoir.lock')), false, 'the lock is released on shutdown');
  });

  test('backup writes a consistent copy that can be restored', {
    skip: TEST_DB_KIND !== 'sqlite' && 'backup copies the embedded SQLite database',
  }, async () => {
    const file = join(tdb.dataDir, '..', `backup-${Date.now()}.db`);
    const r = run('backup', '--to', file, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(file));
    // Restore = use the backup as a data directory's database file.
    const restoreDir = `${file}.d`;
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(restoreDir);
    copyFileSync(file, join(restoreDir, 'comptoir.db'));
    const restored = openDatabase({ dataDir: restoreDir });
    const n = await restored.db
      .selectFrom('merchants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const orig = await tdb.database.db
      .selectFrom('merchants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), Number(orig.n));
    await restored.close();
    rmSync(restoreDir, { recursive: true, force: true });
    rmSync(file, { force: true });
    const again = run('backup', '--to', join(tdb.dataDir, 'comptoir.db'));
    assert.notEqual(again.status, 0, 'never overwrites an existing file');
  });
});
