/**
 * A server on SQLite never loads the pg driver (issue 19, item 6: ≈ 50 ms of CPU per start):
 * database.ts loads it on the first PostgreSQL open, the events module on the first PostgreSQL bus.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('opening SQLite and its event bus leaves pg unloaded', () => {
  const script = `
    import { createRequire } from 'node:module';
    import { mkdtempSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const { openDatabase } = await import('./src/db/database.ts');
    const { createEventBus } = await import('./src/modules/events/index.ts');
    const dir = mkdtempSync(join(tmpdir(), 'comptoir-lazy-pg-'));
    const database = openDatabase({ dataDir: dir });
    const bus = await createEventBus(database);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules[\\\\/]pg[\\\\/]/.test(k));
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(loaded));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});
