import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsetFlags } from '../../src/serve/cluster.ts';

test('server heap flags are added only where the operator set none of the same name', () => {
  const flags = ['--max-semi-space-size=16', '--heap-growing-percent=30'];
  assert.deepEqual(unsetFlags(flags, ''), flags);
  assert.deepEqual(unsetFlags(flags, '--max-semi-space-size=64 --enable-source-maps'), [
    '--heap-growing-percent=30',
  ]);
  assert.deepEqual(unsetFlags(flags, '--heap-growing-percent=10 --max-semi-space-size=8'), []);
});
