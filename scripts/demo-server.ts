import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createPlatform } from '../src/server.ts';
import { isEmpty, seedDemo } from '../src/tools/demo/index.ts';

/**
 * The demo to measure or photograph: BASE_URL when given (e.g. a running `npm start`),
 * otherwise an in-process server on a temporary demo region.
 */
export async function demoServer(opts: { merchants?: number; products?: number } = {}) {
  const given = process.env.BASE_URL;
  if (given) return { base: given.replace(/\/$/, ''), close: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-demo-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dir,
    DATABASE_URL: '',
    LOG_LEVEL: 'silent',
    INSECURE_COOKIES: '1',
    NODE_ENV: 'development',
  });
  const database = openDatabase({ dataDir: dir });
  await migrateToLatest(database.db as never);
  if (await isEmpty(database)) {
    await seedDemo(database, { merchants: opts.merchants ?? 300, products: opts.products ?? 15000, seed: 1 });
  }
  const platform = await createPlatform(config, { database, logger: false });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = platform.app.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    database,
    async close() {
      await platform.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A merchant slug and a product id from the demo, for pages that need one. */
export async function samplePaths(base: string): Promise<{ merchant: string; product: string }> {
  const home = await (await fetch(`${base}/fr`)).text();
  const merchant = home.match(/href="\/fr\/m\/([^"]+)"/)?.[1];
  if (!merchant) throw new Error('No merchant link on the home page: is the demo seeded?');
  const page = await (await fetch(`${base}/fr/m/${merchant}`)).text();
  const product = page.match(/href="\/fr\/p\/(\d+)"/)?.[1];
  if (!product) throw new Error(`No product link on /fr/m/${merchant}`);
  return { merchant, product };
}
