import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { createPlatform, type Platform } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestPlatform extends Platform {
  testDb: TestDatabase;
}

/**
 * A full app on a fresh test database, for `app.inject` or a real port. With `opts.logs`, the app
 * logs at `env.LOG_LEVEL` (default info) into that array, one JSON line per entry, for tests that
 * read the logs.
 */
export async function createTestPlatform(
  env: Record<string, string> = {},
  opts: { logs?: string[] } = {},
): Promise<TestPlatform> {
  const testDb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    INSECURE_COOKIES: '1',
    DATA_DIR: testDb.dataDir,
    TILE_URL: 'http://127.0.0.1:9/tiles/{z}/{x}/{y}.png',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...env,
  });
  const logs = opts.logs;
  const logger = logs
    ? {
        level: env.LOG_LEVEL ?? 'info',
        stream: new Writable({
          write(chunk, _enc, cb) {
            logs.push(String(chunk));
            cb();
          },
        }),
      }
    : false;
  const platform = await createPlatform(config, { database: testDb.database, lock: false, logger });
  return {
    ...platform,
    testDb,
    async close() {
      await platform.close();
      await testDb.cleanup();
    },
  };
}
