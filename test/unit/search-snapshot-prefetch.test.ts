/**
 * A server reads its facts snapshot ahead, in the thread pool, while it builds its routes
 * (issue 19, item 6): the read that follows takes those bytes only when the file is still the one
 * that was read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { emptyCatalogMemory, setProduct } from '../../src/modules/search/memory.ts';
import {
  prefetchFactsSnapshot,
  readFactsSnapshot,
  SnapshotError,
  writeFactsSnapshot,
} from '../../src/modules/search/snapshot.ts';

const dir = mkdtempSync(join(tmpdir(), 'comptoir-prefetch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const memoryWith = (price: number, size = 8) => {
  const m = emptyCatalogMemory(size);
  setProduct(m, {
    id: 1,
    merchant_id: 7,
    category_id: 3,
    quebec_label: null,
    price_cents: price,
    gtin: null,
    status: 'active',
    parent_id: null,
  });
  return m;
};

test('the bytes read ahead are used while the file keeps its size and time, and only once', async () => {
  const path = join(dir, 'same.snapshot');
  writeFactsSnapshot(path, memoryWith(1234), { snapshotId: 'a', seq: 1 });
  const when = 1_700_000_000; // whole seconds: set back exactly below
  utimesSync(path, when, when);
  await prefetchFactsSnapshot(path);
  // Rewritten with the same size and its time put back: what was read ahead is what is parsed.
  writeFactsSnapshot(path, memoryWith(5678), { snapshotId: 'b', seq: 1 });
  utimesSync(path, when, when);
  assert.equal(readFactsSnapshot(path)!.memory.price[1], 1234);
  assert.equal(readFactsSnapshot(path)!.memory.price[1], 5678, 'then read from the file');
});

test('a file replaced after the read ahead is read again', async () => {
  const path = join(dir, 'replaced.snapshot');
  writeFactsSnapshot(path, memoryWith(1000), { snapshotId: 'a', seq: 1 });
  await prefetchFactsSnapshot(path);
  writeFactsSnapshot(path, memoryWith(2000, 4000), { snapshotId: 'b', seq: 2 });
  const back = readFactsSnapshot(path)!;
  assert.deepEqual(back.mark, { snapshotId: 'b', seq: 2 });
  assert.equal(back.memory.price[1], 2000);

  // Same size, another modification time: read again too.
  writeFactsSnapshot(path, memoryWith(3000, 4000), { snapshotId: 'c', seq: 3 });
  await prefetchFactsSnapshot(path);
  writeFactsSnapshot(path, memoryWith(4000, 4000), { snapshotId: 'd', seq: 4 });
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  assert.equal(readFactsSnapshot(path)!.memory.price[1], 4000);
});

test('no file ahead: nothing kept; a damaged file read ahead is still refused', async () => {
  const none = join(dir, 'none.snapshot');
  await prefetchFactsSnapshot(none);
  assert.equal(readFactsSnapshot(none), undefined);

  const path = join(dir, 'damaged.snapshot');
  writeFactsSnapshot(path, memoryWith(1), { snapshotId: 'a', seq: 1 });
  const { openSync, writeSync, closeSync } = await import('node:fs');
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xff, 0xff]), 0, 2, 200);
  closeSync(fd);
  await prefetchFactsSnapshot(path);
  assert.throws(() => readFactsSnapshot(path), SnapshotError);
});
