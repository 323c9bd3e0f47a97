import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pgRateLimitStore } from '../../src/http/rate-limit-store.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';

type Result = { current: number; ttl: number };

describe('rate limits shared by instances on PostgreSQL', {
  skip: TEST_DB_KIND !== 'postgres' && 'shared counters are for scaled PostgreSQL deployments',
}, () => {
  let tdb: TestDatabase;
  let second: ReturnType<TestDatabase['reopen']>;
  before(async () => {
    tdb = await createTestDatabase();
    second = tdb.reopen();
  });
  after(async () => {
    await second.close();
    await tdb.cleanup();
  });

  const incr = (
    store: { incr: (k: string, cb: (e: Error | null, r?: Result) => void, w: number, m: number) => void },
    key: string,
    window: number,
  ) =>
    new Promise<Result>((resolve, reject) =>
      store.incr(key, (e, r) => (e ? reject(e) : resolve(r!)), window, 5),
    );

  test('two instances count the same key together, per route, and windows expire', async () => {
    const A = pgRateLimitStore(tdb.database.pool!);
    const B = pgRateLimitStore(second.pool!);
    const route = { routeInfo: { method: 'POST', url: '/fr/connexion' } };
    const a = new A().child(route);
    const b = new B().child(route);
    assert.equal((await incr(a, '203.0.113.7', 60_000)).current, 1);
    assert.equal((await incr(b, '203.0.113.7', 60_000)).current, 2);
    assert.equal((await incr(a, '203.0.113.7', 60_000)).current, 3);
    const other = new A().child({ routeInfo: { method: 'POST', url: '/api/v1/carts' } });
    assert.equal((await incr(other, '203.0.113.7', 60_000)).current, 1, 'another route has its own counter');
    assert.equal((await incr(a, '198.51.100.1', 60_000)).current, 1, 'another client has its own counter');
    const short = await incr(b, 'window-test', 50);
    assert.equal(short.current, 1);
    await new Promise((r) => setTimeout(r, 80)); // time-based: the 50 ms window has to expire
    assert.equal((await incr(a, 'window-test', 50)).current, 1, 'a new window starts after expiry');
  });
});
