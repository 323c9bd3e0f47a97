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

test('a one-process server re-executes with its start flags only when it needs them', async () => {
  const { startFlagsArgv } = await import('../../src/serve/start-flags.ts');
  const argv = [process.execPath, '/app/src/cli/main.ts', 'serve'];
  assert.deepEqual(startFlagsArgv(argv, ['--enable-source-maps'], {}), [
    process.execPath,
    '--enable-source-maps',
    '--max-semi-space-size=8',
    '/app/src/cli/main.ts',
    'serve',
  ]);
  assert.deepEqual(startFlagsArgv([...argv.slice(0, 2), 'start', '--json'], [], {})?.slice(1), [
    '--max-semi-space-size=8',
    '/app/src/cli/main.ts',
    'start',
    '--json',
  ]);
  // The operator's own value wins, wherever it was given; other commands and help never re-exec.
  assert.equal(startFlagsArgv(argv, ['--max-semi-space-size=64'], {}), null);
  assert.equal(startFlagsArgv(argv, [], { NODE_OPTIONS: '--max-semi-space-size=8' }), null);
  assert.equal(startFlagsArgv(argv, [], { COMPTOIR_START_FLAGS: '0' }), null);
  assert.equal(startFlagsArgv([...argv.slice(0, 2), 'migrate'], [], {}), null);
  assert.equal(startFlagsArgv([...argv, '--help'], [], {}), null);
});

test("cluster workers get 16 MB semi-spaces and a 100 % old-generation growth unless the operator chose them; the re-exec's 8 is not the operator's", async () => {
  const { workerExecArgv } = await import('../../src/serve/start-flags.ts');
  const worker = ['--max-semi-space-size=16', '--heap-growing-percent=100'];
  const added = { COMPTOIR_ADDED_START_FLAGS: '--max-semi-space-size=8' };
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=8'], added), worker);
  assert.deepEqual(workerExecArgv(['--enable-source-maps', '--max-semi-space-size=8'], added), [
    '--enable-source-maps',
    ...worker,
  ]);
  // The operator's own value (on the command line, or in NODE_OPTIONS) is kept as it is.
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=8'], {}), [
    '--max-semi-space-size=8',
    '--heap-growing-percent=100',
  ]);
  assert.deepEqual(workerExecArgv([], { NODE_OPTIONS: '--max-semi-space-size=4' }), [
    '--heap-growing-percent=100',
  ]);
  assert.deepEqual(workerExecArgv(['--heap-growing-percent=30'], {}), [
    '--heap-growing-percent=30',
    '--max-semi-space-size=16',
  ]);
  assert.deepEqual(workerExecArgv([], {}), worker);
});

test('a server start adds the allocator and SQLite cache settings the operator did not set', async () => {
  const { startEnv, SERVER_START_ENV } = await import('../../src/serve/start-flags.ts');
  const argv = [process.execPath, '/app/src/cli/main.ts', 'serve'];
  assert.deepEqual(startEnv(argv, {}), SERVER_START_ENV);
  assert.deepEqual(startEnv(argv, { MALLOC_ARENA_MAX: '8' }), {
    MALLOC_MMAP_THRESHOLD_: '131072',
    SQLITE_CACHE_MB: '16',
    SQLITE_MMAP_MB: '0',
  });
  assert.deepEqual(
    startEnv(argv, {
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: '65536',
      SQLITE_CACHE_MB: '64',
      SQLITE_MMAP_MB: '64',
    }),
    {},
  );
  assert.deepEqual(startEnv(argv, { COMPTOIR_START_FLAGS: '0' }), {});
  assert.deepEqual(startEnv([...argv.slice(0, 2), 'migrate'], {}), {});
});

test('SQLITE_CACHE_MB is validated at boot: a mistyped value stops the start with its name', async () => {
  const { ConfigError, loadConfig } = await import('../../src/config.ts');
  assert.equal(loadConfig({ SQLITE_CACHE_MB: '16' }).SQLITE_CACHE_MB, 16);
  assert.equal(loadConfig({}).SQLITE_CACHE_MB, undefined);
  for (const bad of ['16MB', '-1', '2.5']) {
    assert.throws(
      () => loadConfig({ SQLITE_CACHE_MB: bad }),
      (err: unknown) => err instanceof ConfigError && /SQLITE_CACHE_MB/.test((err as Error).message),
      bad,
    );
  }
});

test('a re-exec passes the compile cache on, unless the operator chose or turned it off', async () => {
  const { compileCacheEnv } = await import('../../src/serve/start-flags.ts');
  assert.deepEqual(compileCacheEnv('/data/.compile-cache', {}), {
    NODE_COMPILE_CACHE: '/data/.compile-cache',
  });
  assert.deepEqual(compileCacheEnv(undefined, {}), {});
  assert.deepEqual(compileCacheEnv('/data/.compile-cache', { NODE_COMPILE_CACHE: '/elsewhere' }), {});
  assert.deepEqual(compileCacheEnv('/data/.compile-cache', { NODE_DISABLE_COMPILE_CACHE: '1' }), {});
});
