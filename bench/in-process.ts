// What the benchmarks that drive routes in process (app.inject: pages, mix-writes, prepared-routes,
// cart-page, prepared-repo) share: a server's configuration and platform without HTTP, a seeded
// random generator and a browser's request headers. The platform's modules are imported when
// called, so a benchmark can patch what it measures (query timing, a fixed clock) first.
import type { Config } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';

/** A production server's configuration on `dataDir`, silent (cookies without Secure when asked). */
export async function benchConfig(
  dataDir: string,
  opts: { insecureCookies?: boolean } = {},
): Promise<Config> {
  const { loadConfig } = await import('../src/config.ts');
  return loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    PUBLIC_URL: 'http://127.0.0.1:3000',
    ...(opts.insecureCookies ? { INSECURE_COOKIES: '1' } : {}),
  });
}

/**
 * The platform a server builds on `config` (no lock: a benchmark's copy), with its catalogue facts
 * loaded (from the snapshot when there is one, never writing it) unless `facts` is false.
 */
export async function inProcessPlatform(config: Config, opts: { facts?: boolean } = {}) {
  const { openDatabase } = await import('../src/db/database.ts');
  const { createPlatform } = await import('../src/server.ts');
  const database: Database = openDatabase({ dataDir: config.dataDir, lock: false });
  const platform = await createPlatform(config, { database, lock: false, logger: false });
  if (opts.facts !== false) {
    const { catalogMemory, useFactsSnapshot } = await import('../src/modules/search/index.ts');
    useFactsSnapshot(database, { write: false, log: { info() {}, warn() {} } });
    await catalogMemory(database);
  }
  return { database, platform };
}

/** A xorshift32 generator (same draws for the same seed, run after run) and a pick over it. */
export function seededRandom(seed = 0x2545f491) {
  let rng = seed;
  const random = () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 0x100000000;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  return { random, pick };
}

/** What a French-speaking shopper's browser sends with every request. */
export const BROWSER_HEADERS = {
  'accept-encoding': 'br, gzip',
  'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5',
};
