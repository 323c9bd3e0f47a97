/**
 * The snapshot read a server starts from its entry (src/serve/facts-prefetch.ts; issue 19, item 6):
 * only for a one-process server on SQLite whose data directory has a snapshot, and the CLI's read
 * of that same file then takes it instead of starting another.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import { writeFactsSnapshot } from '../../src/modules/search/snapshot.ts';
import { factsPrefetch, startFactsPrefetchEarly } from '../../src/serve/facts-prefetch.ts';

const dir = mkdtempSync(join(tmpdir(), 'comptoir-prefetch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'search-facts.snapshot');
const argv = (cmd: string, ...rest: string[]) => ['node', 'bin/comptoir.js', cmd, ...rest];

test('started only for a one-process server on SQLite with a snapshot', async () => {
  const env = { DATA_DIR: dir };
  assert.equal(startFactsPrefetchEarly(argv('serve'), env), false, 'no snapshot yet');
  const m = emptyCatalogMemory(4);
  m.merchant[1] = 7;
  m.gtin[1] = 123;
  writeFactsSnapshot(path, m, { snapshotId: 'a', seq: 0 });
  for (const [args, e] of [
    [argv('migrate'), env],
    [argv('serve', '--help'), env],
    [argv('serve'), { ...env, DATABASE_URL: 'postgres://x@127.0.0.1/db' }],
    [argv('serve'), { ...env, WEB_CONCURRENCY: '2' }],
    [argv('start'), { ...env, WORKERS: 'auto' }],
    [argv('serve'), { DATA_DIR: join(dir, 'elsewhere') }],
  ] as const)
    assert.equal(startFactsPrefetchEarly(args, e), false, `${args.join(' ')} ${JSON.stringify(e)}`);
  assert.equal(startFactsPrefetchEarly(argv('serve'), env), true);
  const early = factsPrefetch(path);
  // Taken once: the next read of the file starts its own.
  assert.notEqual(factsPrefetch(path), early);
  const read = await early;
  assert.ok(read?.verified);
  assert.deepEqual([...read.browse!.ids], [1], 'the browse arrays of the snapshot’s facts');
  assert.equal(await factsPrefetch(join(dir, 'none')), undefined, 'no file, no thread');
});
