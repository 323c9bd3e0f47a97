import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  availableAt,
  emptyCatalogMemory,
  setAvailable,
  setProduct,
} from '../../src/modules/search/memory.ts';
import { readFactsSnapshot, SnapshotError, writeFactsSnapshot } from '../../src/modules/search/snapshot.ts';
import { serverCompileCache } from '../../src/serve/start-flags.ts';

const dir = mkdtempSync(join(tmpdir(), 'comptoir-snapshot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const product = (id: number, o: Partial<Parameters<typeof setProduct>[1]> = {}) => ({
  id,
  merchant_id: 7,
  category_id: 3,
  quebec_label: null,
  price_cents: 1000 + id,
  gtin: null,
  status: 'active',
  parent_id: null,
  ...o,
});

test('a snapshot reads back every fact, the maps included, and the arrays stay writable', () => {
  const m = emptyCatalogMemory(16);
  setProduct(m, product(1, { quebec_label: 'aliments_du_quebec', gtin: '0627843000016' }));
  setProduct(m, product(2, { gtin: 'ABC-12' }));
  setProduct(m, product(3, { status: 'archived' }));
  setProduct(m, product(4, { price_cents: 500, parent_id: 1 }));
  setProduct(m, product(40)); // past the first size: the arrays grew
  setAvailable(m, 1, 9, 5);
  setAvailable(m, 4, 9, 2);
  const path = join(dir, 'facts.snapshot');
  writeFactsSnapshot(path, m, { snapshotId: 'x', seq: 12 });
  const back = readFactsSnapshot(path)!;
  assert.deepEqual(back.mark, { snapshotId: 'x', seq: 12 });
  const r = back.memory;
  for (const id of [1, 2, 3, 4, 40]) {
    assert.equal(r.merchant[id], m.merchant[id], `merchant ${id}`);
    assert.equal(r.price[id], m.price[id], `price ${id}`);
    assert.equal(r.gtin[id], m.gtin[id], `gtin ${id}`);
    assert.equal(availableAt(r, id, 9), availableAt(m, id, 9), `stock ${id}`);
  }
  assert.equal(r.price[1], 500, 'the "from" price of a product with a cheaper variant');
  assert.equal(availableAt(r, 1, 9), 7, 'its stock summed over the variant');
  assert.deepEqual(r.quebecLabels, ['aliments_du_quebec']);
  assert.deepEqual([...r.otherGtins], [...m.otherGtins]);
  setAvailable(r, 1, 9, 1);
  assert.equal(availableAt(r, 1, 9), 3);
});

test('no file: undefined; a truncated, damaged or foreign file: a SnapshotError', () => {
  assert.equal(readFactsSnapshot(join(dir, 'none')), undefined);
  const m = emptyCatalogMemory(64);
  setProduct(m, product(5));
  const path = join(dir, 'bad.snapshot');
  writeFactsSnapshot(path, m, { snapshotId: 'y', seq: 1 });
  const whole = readFileSync(path);
  writeFileSync(path, whole.subarray(0, whole.length - 8));
  assert.throws(() => readFactsSnapshot(path), SnapshotError);
  const flipped = Buffer.from(whole);
  flipped[flipped.length - 30]! ^= 1;
  writeFileSync(path, flipped);
  assert.throws(() => readFactsSnapshot(path), /checksum/);
  writeFileSync(path, 'not a snapshot at all');
  assert.throws(() => readFactsSnapshot(path), /not a catalogue facts snapshot/);
});

test('the compile cache: only for a server, never creating the data directory, off when Node is told so', () => {
  const missing = join(dir, 'no-such-data-dir');
  assert.equal(serverCompileCache(['node', 'main.ts', 'migrate'], { DATA_DIR: dir }), false);
  assert.equal(serverCompileCache(['node', 'main.ts', 'serve'], { DATA_DIR: missing }), false);
  assert.equal(existsSync(missing), false);
  assert.equal(
    serverCompileCache(['node', 'main.ts', 'serve'], { DATA_DIR: dir, NODE_DISABLE_COMPILE_CACHE: '1' }),
    false,
  );
  assert.equal(existsSync(join(dir, '.compile-cache')), false);
});
