import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCart } from '../../src/modules/cart/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { formField, HttpAgent, openEventStream } from '../helpers/http-agent.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** One sample of a Prometheus text exposition: `name{labels} value`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]] as [string, string]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { url: string; method: string };
  res?: { statusCode: number };
  event?: string;
  [k: string]: unknown;
}

describe('observability of a real server process: health, readiness, metrics, request-scoped logs', () => {
  let tdb: TestDatabase;
  let region: MiniRegion;
  let server: ServerProcess;
  let base: string;
  const logs = () =>
    server.stdout.flatMap((l) => {
      try {
        const o = JSON.parse(l) as LogLine;
        return typeof o.level === 'number' ? [o] : [];
      } catch {
        return [];
      }
    });

  before(async () => {
    tdb = await createTestDatabase();
    region = await seedMiniRegion(tdb.database.db);
    await tdb.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
    server = await startServerProcess({ ...tdb.childEnv, LOG_LEVEL: 'info' });
    base = server.base;
  });
  after(async () => {
    await server?.stop();
    await tdb?.cleanup();
  });

  test('/healthz is up, /readyz checks the database and migrations', async () => {
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    const r = await fetch(`${base}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ready', database: TEST_DB_KIND });
  });

  test('/metrics: request durations per route, database timings, SSE clients, reservations pending', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    assert.equal(sample(before, 'comptoir_reservations_pending'), 0);
    assert.equal(sample(before, 'comptoir_sse_clients'), 0);

    for (let i = 0; i < 3; i++) {
      const s = await fetch(`${base}/api/v1/search?q=sirop&lat=45.4&lng=-75.8&radius_km=30`);
      assert.equal(s.status, 200);
      await s.arrayBuffer();
    }
    const missing = await fetch(`${base}/api/v1/products/999999`);
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
    const stream = await openEventStream(`${base}/api/v1/stream?products=${region.products.sirop}`);
    assert.equal(stream.status, 200);

    // A checkout interrupted between its reservation and its orders holds two reservations.
    const { db } = tdb.database;
    const cart = await createCart(db);
    const co = await db
      .insertInto('checkouts')
      .values({
        cart_id: cart.cart_id,
        idempotency_key: 'obs-1',
        status: 'reserved',
        payment_method: 'in_store',
        customer_json: '{}',
        total_cents: 1998,
        expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const loc = region.merchants.erabliere.location_id;
    await db
      .insertInto('reservations')
      .values([
        {
          checkout_id: co.id,
          product_id: region.products.sirop,
          location_id: loc,
          quantity: 1,
          status: 'held',
        },
        {
          checkout_id: co.id,
          product_id: region.products.oeufs,
          location_id: loc,
          quantity: 1,
          status: 'held',
        },
        // Already released: not pending.
        {
          checkout_id: co.id,
          product_id: region.products.tire,
          location_id: loc,
          quantity: 1,
          status: 'released',
        },
      ])
      .execute();

    const t0 = Date.now();
    const cached = await (await fetch(`${base}/metrics`)).text();
    // The count is cached for 5 s: a scrape right after the first one does not query again.
    if (Date.now() - t0 < 4000) assert.equal(sample(cached, 'comptoir_reservations_pending'), 0);
    let text = cached;
    for (let i = 0; i < 40 && sample(text, 'comptoir_reservations_pending') !== 2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      text = await (await fetch(`${base}/metrics`)).text();
    }
    assert.equal(sample(text, 'comptoir_reservations_pending'), 2);
    assert.match(text, /# TYPE comptoir_reservations_pending gauge/);

    assert.equal(sample(text, 'comptoir_sse_clients'), 1);
    const route = { method: 'GET', route: '/api/v1/search', status: '200' };
    assert.equal(sample(text, 'comptoir_http_request_duration_seconds_count', route), 3);
    assert.equal(sample(text, 'comptoir_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }), 3);
    assert.ok((sample(text, 'comptoir_http_request_duration_seconds_sum', route) ?? 0) > 0);
    assert.equal(
      sample(text, 'comptoir_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/v1/products/:product_id',
        status: '404',
      }),
      1,
    );
    // Route patterns, never raw URLs (bounded label cardinality).
    assert.doesNotMatch(text, /route="\/api\/v1\/products\/999999"/);
    assert.match(text, /# TYPE comptoir_http_request_duration_seconds histogram/);
    assert.ok((sample(text, 'comptoir_db_query_duration_seconds_count') ?? 0) > 0);
    assert.ok(
      (sample(text, 'comptoir_db_query_duration_seconds_count') ?? 0) >
        (sample(before, 'comptoir_db_query_duration_seconds_count') ?? 0),
    );
    assert.equal(sample(text, 'comptoir_db_query_errors_total'), 0);
    assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 10 * 2 ** 20);
    assert.ok((sample(text, 'nodejs_heap_used_bytes') ?? 0) > 2 ** 20);
    const loopMax = sample(text, 'nodejs_eventloop_delay_seconds', { quantile: '1' });
    assert.ok(loopMax !== undefined && loopMax >= 0 && loopMax < 60, `event-loop delay ${loopMax}`);
    assert.ok(
      (sample(text, 'nodejs_heap_total_bytes') ?? 0) >= (sample(text, 'nodejs_heap_used_bytes') ?? 0),
    );

    await stream.close();
    for (let i = 0; i < 40 && sample(text, 'comptoir_sse_clients') !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await (await fetch(`${base}/metrics`)).text();
    }
    assert.equal(sample(text, 'comptoir_sse_clients'), 0);
  });

  test('every log line of a request carries its request id (given by the proxy, or generated)', async () => {
    const agent = new HttpAgent();
    const page = await agent.get(base, '/fr/connexion');
    assert.equal(page.status, 200);
    const password = 'mot-de-passe-jamais-journalise';
    const failed = await agent.post(
      base,
      '/fr/connexion',
      { _csrf: formField(page.body, '_csrf'), email: 'personne@example.test', password },
      { 'x-request-id': 'proxy-req-0001' },
    );
    assert.equal(failed.status, 401);
    const ok = await agent.get(base, '/en/search?q=syrup');
    assert.equal(ok.status, 200);
    // The child writes its logs on its own time: wait until the last request's closing line is there.
    await waitFor(
      () => {
        const all = logs();
        const syrup = all.find((l) => l.msg === 'incoming request' && l.req?.url === '/en/search?q=syrup');
        return syrup && all.some((l) => l.msg === 'request completed' && l.reqId === syrup.reqId);
      },
      { what: 'the server process to log the search request' },
    );

    const lines = logs();
    const mine = lines.filter((l) => l.reqId === 'proxy-req-0001');
    assert.deepEqual(
      mine.map((l) => l.msg),
      ['incoming request', 'login failed', 'request completed'],
    );
    assert.equal(mine[0].req?.url, '/fr/connexion');
    assert.equal(mine[1].event, 'login_failed');
    assert.equal(mine[2].res?.statusCode, 401);
    assert.ok(!server.stdout.some((l) => l.includes(password)), 'passwords never reach the logs');

    // Without the header the server generates an id; the start and the end of a request share it.
    const incoming = lines.find((l) => l.msg === 'incoming request' && l.req?.url === '/en/search?q=syrup');
    assert.ok(incoming?.reqId);
    assert.notEqual(incoming.reqId, 'proxy-req-0001');
    assert.ok(lines.some((l) => l.msg === 'request completed' && l.reqId === incoming.reqId));
    // And no line about a request lacks an id.
    const requestLines = lines.filter((l) => l.req || l.res || l.event);
    assert.ok(requestLines.length >= 8);
    for (const l of requestLines) assert.ok(l.reqId, `log line without reqId: ${JSON.stringify(l)}`);
  });
});

describe('readiness when the database is gone', () => {
  test('/readyz answers 503 database_unreachable while /healthz stays up', async () => {
    const p = await createTestPlatform();
    try {
      const ready = await p.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      await p.context.database.close();
      const gone = await p.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(gone.statusCode, 503);
      assert.deepEqual(gone.json(), { status: 'database_unreachable' });
      const health = await p.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
    } finally {
      await p.close();
    }
  });
});

describe('/metrics is for the operator’s scrapers only', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform({ METRICS_TOKEN: TOKEN });
  });
  after(() => p.close());

  test('loopback and private addresses are served; a public address gets the ordinary 404 unless it holds the token', async () => {
    for (const remoteAddress of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '::1']) {
      const res = await p.app.inject({ url: '/metrics', remoteAddress });
      assert.equal(res.statusCode, 200, remoteAddress);
      assert.match(res.body, /comptoir_http_request_duration_seconds/);
    }
    const outside = await p.app.inject({ url: '/metrics', remoteAddress: '93.184.216.34' });
    assert.equal(outside.statusCode, 404);
    assert.doesNotMatch(outside.body, /comptoir_/);
    const wrong = await p.app.inject({
      url: '/metrics',
      remoteAddress: '93.184.216.34',
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
    });
    assert.equal(wrong.statusCode, 404);
    const scraper = await p.app.inject({
      url: '/metrics',
      remoteAddress: '93.184.216.34',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(scraper.statusCode, 200);
    assert.match(scraper.body, /comptoir_http_request_duration_seconds/);
  });
});
