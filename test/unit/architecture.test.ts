import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { checkProject, checkSource } from '../../scripts/check-architecture.ts';

const root = join(import.meta.dirname, '..', '..');

describe('architecture: SQL only in repositories, tables written by their owner', () => {
  test('the project has no query outside repositories and no foreign-table access', () => {
    const violations = checkProject(root);
    assert.deepEqual(
      violations.map((v) => `${v.file}:${v.line} ${v.rule} ${v.detail}`),
      [],
      'run `node scripts/check-architecture.ts` to see them',
    );
  });

  test('a query builder in a service, a route or a workflow is reported', () => {
    for (const file of [
      'src/modules/cart/cart.service.ts',
      'src/http/pages/home.routes.ts',
      'src/workflows/x.ts',
    ]) {
      const found = checkSource(
        file,
        "const rows = await db.selectFrom('products').selectAll().execute();\n",
      );
      assert.equal(found.length, 1, file);
      assert.equal(found[0].rule, 'sql-outside-repository');
      assert.equal(found[0].line, 1);
    }
    assert.equal(checkSource('src/http/x.ts', 'await sql`select 1`.execute(db);').length, 1);
    assert.equal(
      checkSource('src/http/x.ts', "client.query('delete from sessions where id = $1', [id]);").length,
      1,
    );
  });

  test('prose in comments and user-facing text is not SQL', () => {
    const source = [
      '// selectFrom("products") is done by the catalog',
      "const label = t(lang, 'update.available');",
      "const help = 'Select a store from the list';",
    ].join('\n');
    assert.deepEqual(checkSource('src/http/pages/x.ts', source), []);
  });

  test('a repository writing another module’s table is reported; its own tables and declared read models pass', () => {
    const write = checkSource(
      'src/modules/cart/cart.repository.ts',
      "db.updateTable('orders').set({ status: 'x' })",
    );
    assert.equal(write.length, 1);
    assert.equal(write[0].rule, 'foreign-write');
    assert.match(write[0].detail, /orders \(owned by orders\)/);

    const read = checkSource(
      'src/modules/cart/cart.repository.ts',
      "db.selectFrom('carts').innerJoin('products as p', 'p.id', 'x')",
    );
    assert.deepEqual(
      read.map((v) => v.rule),
      ['foreign-read'],
    );

    const rawWrite = checkSource(
      'src/modules/cart/cart.repository.ts',
      'sql`update inventory_levels set reserved = 0`',
    );
    assert.equal(rawWrite[0]?.rule, 'foreign-write');

    assert.deepEqual(checkSource('src/modules/cart/cart.repository.ts', "db.deleteFrom('cart_items')"), []);
    assert.deepEqual(
      checkSource(
        'src/modules/search/search.repository.ts',
        "db.selectFrom('products').innerJoin('inventory_levels as l', 'l.product_id', 'id')",
      ),
      [],
    );
    // A table nobody owns yet cannot be written: give it an owner first.
    assert.match(
      checkSource('src/modules/cart/cart.repository.ts', "db.insertInto('wishlists')")[0]?.detail ?? '',
      /no owner/,
    );
    // A read model still never writes what it reads.
    assert.equal(
      checkSource('src/modules/search/search.repository.ts', "db.updateTable('products')")[0]?.rule,
      'foreign-write',
    );
  });
});

describe('architecture: import rules (dependency-cruiser) fail on a deliberate violation', () => {
  const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

  function cruise(files: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'comptoir-arch-'));
    try {
      cpSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
        }),
      );
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const run = spawnSync(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs'], {
        cwd: dir,
        encoding: 'utf8',
      });
      return { status: run.status, output: run.stdout + run.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const clean = {
    'src/cli/main.ts':
      "import { addToCart } from '../modules/cart/index.ts';\nexport const main = addToCart;\n",
    'src/modules/cart/index.ts': "export { addToCart } from './cart.service.ts';\n",
    'src/modules/cart/cart.service.ts':
      "import { findProduct } from '../catalog/index.ts';\nexport const addToCart = findProduct;\n",
    'src/modules/catalog/index.ts': 'export const findProduct = () => 1;\n',
  };

  test('a clean tree passes', () => {
    const run = cruise(clean);
    assert.equal(run.status, 0, run.output);
  });

  test('a module importing from http fails', () => {
    const run = cruise({
      ...clean,
      'src/modules/catalog/index.ts':
        "import { html } from '../../http/pages/html.ts';\nexport const findProduct = () => html;\n",
      'src/http/pages/html.ts': 'export const html = 1;\n',
    });
    assert.notEqual(run.status, 0);
    assert.match(run.output, /no-http-from-domain/);
  });

  test("a module importing another module's internal file fails", () => {
    const run = cruise({
      ...clean,
      'src/modules/cart/cart.service.ts':
        "import { findProduct } from '../catalog/products.repository.ts';\nexport const addToCart = findProduct;\n",
      'src/modules/catalog/products.repository.ts': 'export const findProduct = () => 1;\n',
      'src/modules/catalog/index.ts': "export { findProduct } from './products.repository.ts';\n",
    });
    assert.notEqual(run.status, 0);
    assert.match(run.output, /no-module-internals-between-modules/);
  });

  test('a cycle between modules fails', () => {
    const run = cruise({
      ...clean,
      'src/modules/catalog/index.ts':
        "import { addToCart } from '../cart/index.ts';\nexport const findProduct = () => addToCart;\n",
    });
    assert.notEqual(run.status, 0);
    assert.match(run.output, /no-circular/);
  });
});
