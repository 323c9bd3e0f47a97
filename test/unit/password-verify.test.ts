import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/modules/accounts/passwords.ts';

test('a stored value that is not an argon2 hash never matches and is reported, without the value', async () => {
  const warned = once(process, 'warning');
  assert.equal(await verifyPassword('plain-text-secret', 'plain-text-secret'), false);
  const [warning] = (await warned) as [Error & { code?: string }];
  assert.equal(warning.code, 'COMPTOIR_PASSWORD_HASH');
  assert.match(warning.message, /^stored password hash unreadable/);
  assert.doesNotMatch(warning.message, /plain-text-secret/);
});

test('a real hash verifies its password and refuses another, with no warning', async () => {
  const stored = await hashPassword('Sirop-d-erable-2026');
  const warnings: unknown[] = [];
  const onWarning = (w: unknown) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    assert.equal(await verifyPassword(stored, 'Sirop-d-erable-2026'), true);
    assert.equal(await verifyPassword(stored, 'autre chose'), false);
    // Warnings are emitted on the next tick: let one pass before counting.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
