import { loadConfig } from '../../src/config.ts';
import { createPlatform, type Platform } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestPlatform extends Platform {
  testDb: TestDatabase;
}

/** A full app on a fresh test database, for `app.inject` or a real port. */
export async function createTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
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
  const platform = await createPlatform(config, { database: testDb.database, lock: false, logger: false });
  return {
    ...platform,
    testDb,
    async close() {
      await platform.close();
      await testDb.cleanup();
    },
  };
}
