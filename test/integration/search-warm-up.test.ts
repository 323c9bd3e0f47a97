import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import {
  catalogMemory,
  parseQuery,
  rebuildSearchIndex,
  warmTextHits,
  warmTextHitsInBackground,
} from '../../src/modules/search/index.ts';
import { cachedBytes, matchExpr, prepareWords, textHitsCached } from '../../src/modules/search/text-match.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * The background warm-up of the text-hit cache (src/modules/search/warm-up.ts): it reads the lists
 * of texts frequent in the catalogue's titles under the expressions a search builds, so the search
 * then hits the cache; its budgets stop it; SEARCH_WARM_UP_SECONDS=0 turns it off.
 */
describe('search text-hit warm-up', () => {
  let p: TestPlatform;
  const database = () => p.context.database;
  /** Whether a search for `q` (as search.service.ts builds its expression) would hit the cache. */
  const cachedFor = async (q: string) => {
    const words = await prepareWords(database(), parseQuery(q, { prefixLast: true }));
    return textHitsCached(database(), matchExpr(database(), words, 'all'));
  };
  /** A fresh cache: a rebuild changes the catalogue generation, which drops the cached lists. */
  const freshCache = async () => {
    await rebuildSearchIndex(database());
    await catalogMemory(database());
    assert.equal(cachedBytes(database()), 0);
  };

  before(async () => {
    p = await createTestPlatform();
    await seedMiniRegion(p.context.database.db);
  });
  after(() => p.close());

  test('fills the cache with the expressions searches for frequent title words, pairs and prefixes build', async () => {
    await freshCache();
    // "Sirop d’érable" is in two titles, "érable" in three: a word, a pair and a typed prefix.
    for (const q of ['sirop erable', 'erable', 'erab']) assert.equal(await cachedFor(q), false, q);
    const report = await warmTextHits(database(), { cpuMs: 60_000, maxGapMs: 10_000 });
    assert.equal(report.stopped, 'done');
    assert.ok(report.lists > 0 && report.ids > 0 && report.bytes > 0, JSON.stringify(report));
    for (const q of ['sirop erable', 'erable', 'erab']) assert.equal(await cachedFor(q), true, q);
    // A search with those words answers from the filled cache (same results as it finds).
    const res = await p.app.inject({
      url: '/api/v1/search?q=sirop%20erable&lat=45.4765&lng=-75.7013&radius_km=50',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().total > 0);
    // Everything it would read is read: a second run reads nothing.
    const again = await warmTextHits(database(), { cpuMs: 60_000, maxGapMs: 10_000 });
    assert.equal(again.lists, 0);
  });

  test('its budgets stop it: CPU time, then the cache bytes', async () => {
    await freshCache();
    const noCpu = await warmTextHits(database(), { cpuMs: 0 });
    assert.equal(noCpu.stopped, 'cpu');
    assert.equal(noCpu.lists, 0);
    assert.equal(cachedBytes(database()), 0);
    // Bytes are checked before each list: one list passes a one-byte budget, the next does not.
    const oneByte = await warmTextHits(database(), { cpuMs: 60_000, maxBytes: 1, maxGapMs: 10_000 });
    assert.equal(oneByte.stopped, 'bytes');
    assert.equal(oneByte.lists, 1);
  });

  test('SEARCH_WARM_UP_SECONDS: 5 by default, 0 turns it off, a bad value stops the start', async () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).SEARCH_WARM_UP_SECONDS, 5);
    assert.equal(loadConfig({ NODE_ENV: 'test', SEARCH_WARM_UP_SECONDS: '0' }).SEARCH_WARM_UP_SECONDS, 0);
    assert.throws(() => loadConfig({ NODE_ENV: 'test', SEARCH_WARM_UP_SECONDS: '-1' }), ConfigError);
    await freshCache();
    const logged: string[] = [];
    const log = {
      info: (_o: object, m: string) => logged.push(m),
      warn: (_o: object, m: string) => logged.push(m),
    };
    assert.equal(await warmTextHitsInBackground(database(), 0, log), undefined);
    assert.equal(cachedBytes(database()), 0);
    assert.deepEqual(logged, []);
    const report = await warmTextHitsInBackground(database(), 60, log);
    assert.ok(report && report.lists > 0);
    assert.deepEqual(logged, ['search text-hit cache warmed']);
  });
});
