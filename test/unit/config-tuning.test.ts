import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

// The search and start tuning variables are read where they are used; a mistyped value must stop
// the start with its name rather than silently mean the default (README: validated at start).
const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/comptoir-config-test' };

test('search and start tuning variables accept their documented values', () => {
  const c = loadConfig({
    ...base,
    SQLITE_MMAP_MB: '0',
    COMPTOIR_SEARCH_CACHE: '0',
    COMPTOIR_SEARCH_CACHE_MB: '48',
    COMPTOIR_TEXT_INDEX: '1',
    COMPTOIR_TEXT_INDEX_BM25: '0',
    COMPTOIR_SEARCH_CACHE_WRITES: 'whole',
    COMPTOIR_START_FLAGS: '0',
    COMPTOIR_LEAN_PRIMARY: '1',
  });
  assert.equal(c.COMPTOIR_SEARCH_CACHE_MB, 48);
  assert.equal(c.SQLITE_MMAP_MB, 0);
  assert.equal(c.COMPTOIR_TEXT_INDEX_BM25, '0');
  assert.equal(c.COMPTOIR_SEARCH_CACHE_WRITES, 'whole');
});

test('a mistyped tuning value stops the start, naming each variable', () => {
  const bad = {
    COMPTOIR_SEARCH_CACHE: 'off',
    COMPTOIR_SEARCH_CACHE_MB: '64MB',
    COMPTOIR_TEXT_INDEX: 'no',
    COMPTOIR_TEXT_INDEX_BM25: 'false',
    COMPTOIR_SEARCH_CACHE_WRITES: 'some',
    SQLITE_MMAP_MB: '-1',
    COMPTOIR_START_FLAGS: 'yes',
    COMPTOIR_LEAN_PRIMARY: '2',
  };
  for (const [name, value] of Object.entries(bad)) {
    assert.throws(
      () => loadConfig({ ...base, [name]: value }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      `${name}=${value}`,
    );
  }
  // All at once: every problem listed.
  assert.throws(
    () => loadConfig({ ...base, ...bad }),
    (err: unknown) => err instanceof ConfigError && Object.keys(bad).every((n) => err.message.includes(n)),
  );
});
