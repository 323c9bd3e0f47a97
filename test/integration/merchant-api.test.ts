import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateApiKey } from '../../src/modules/merchants/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('merchant POS API', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let erab: string;
  let sports: string;
  const stockEvents: { product_id: number; available: number; merchant_id: number }[] = [];
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    erab = `Bearer ${region.merchants.erabliere.api_key}`;
    sports = `Bearer ${region.merchants.sports.api_key}`;
    p.context.events.subscribe('stock', (e) => stockEvents.push(e));
  });
  after(() => p.close());

  const level = async (productId: number) =>
    p.context.database.db
      .selectFrom('inventory_levels')
      .select(['on_hand', 'reserved'])
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();

  test('GET /api/v1/merchant returns the own profile; no or bad key is a translated 401', async () => {
    const res = await p.app.inject({ url: '/api/v1/merchant', headers: { authorization: erab } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.slug, region.merchants.erabliere.slug);
    assert.equal(body.name, 'Érablière du Lac');
    assert.equal(body.locations.length, 1);
    assert.equal(body.locations[0].code, 'principal');
    const none = await p.app.inject({ url: '/api/v1/merchant' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'unauthorized');
    assert.match(none.json().error.message, /Authentification requise/);
    const bad = await p.app.inject({
      url: '/api/v1/merchant?lang=en',
      headers: { authorization: 'Bearer ck_nope' },
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.message, 'Invalid or revoked API key.');
  });

  test('bulk inventory sync applies every row, reports results and publishes stock events', async () => {
    stockEvents.length = 0;
    const res = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: [
        { sku: 'SIROP-540', location_code: 'principal', on_hand: 20 },
        { sku: 'OEUFS-12', on_hand: 30 },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.updated, 1);
    assert.equal(body.unchanged, 1);
    assert.deepEqual(
      body.results.map((r: { sku: string; available: number; status: string }) => [
        r.sku,
        r.available,
        r.status,
      ]),
      [
        ['SIROP-540', 20, 'updated'],
        ['OEUFS-12', 30, 'unchanged'],
      ],
    );
    assert.equal((await level(region.products.sirop)).on_hand, 20);
    assert.deepEqual(
      stockEvents.map((e) => [e.product_id, e.available, e.merchant_id]),
      [[region.products.sirop, 20, region.merchants.erabliere.merchant_id]],
    );
  });

  test('invalid rows fail the whole sync with per-row, translated errors; nothing is half-applied', async () => {
    const before = await level(region.products.sirop);
    const res = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab, 'accept-language': 'en-CA' },
      payload: [
        { sku: 'SIROP-540', location_code: 'principal', on_hand: 5 },
        { sku: 'VELO-MT', location_code: 'principal', on_hand: 3 }, // another merchant's SKU
        { sku: 'TIRE-250', location_code: 'principal', on_hand: -1 },
        { sku: 'OEUFS-12', location_code: 'principal', on_hand: 'beaucoup' },
        { sku: 'TIRE-250', location_code: 'entrepot', on_hand: 2 },
        { sku: 'SIROP-540', location_code: 'principal', on_hand: 6 },
      ],
    });
    assert.equal(res.statusCode, 400, res.body);
    const err = res.json().error;
    assert.equal(err.code, 'validation_failed');
    assert.equal(err.message, 'Some rows are invalid; nothing was applied.');
    assert.deepEqual(
      err.details.rows.map((r: { row: number; code: string }) => [r.row, r.code]),
      [
        [2, 'unknown_sku'],
        [3, 'on_hand_negative'],
        [4, 'on_hand_not_integer'],
        [5, 'unknown_location'],
        [6, 'duplicate_row'],
      ],
    );
    assert.equal(err.details.rows[0].message, 'Unknown SKU: VELO-MT.');
    assert.deepEqual(await level(region.products.sirop), before);
    const fr = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: [{ sku: 'NOPE', on_hand: 1 }],
    });
    assert.equal(fr.json().error.details.rows[0].message, 'SKU inconnu : NOPE.');
    const notArray = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: { sku: 'SIROP-540', on_hand: 1 },
    });
    assert.equal(notArray.statusCode, 400);
    assert.equal(notArray.json().error.details.rows[0].code, 'body_not_array');
  });

  test('on_hand below reserved units is refused for that row (on_hand_below_reserved)', async () => {
    const { db } = p.context.database;
    await db
      .updateTable('inventory_levels')
      .set({ on_hand: 10, reserved: 4 })
      .where('product_id', '=', region.products.oeufs)
      .execute();
    const res = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: [
        { sku: 'OEUFS-12', on_hand: 3 },
        { sku: 'SIROP-540', on_hand: 8 },
      ],
    });
    assert.equal(res.statusCode, 400);
    const row = res.json().error.details.rows[0];
    assert.equal(row.code, 'on_hand_below_reserved');
    assert.equal(row.row, 1);
    assert.match(row.message, /4 unités réservées/);
    assert.equal((await level(region.products.sirop)).on_hand, 20);
    const ok = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: [{ sku: 'OEUFS-12', on_hand: 4 }],
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().results[0].available, 0);
  });

  test('Idempotency-Key: same body replays the same status and body; another body is 422', async () => {
    const send = (payload: unknown, key = 'sync-1') =>
      p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/inventory',
        headers: { authorization: erab, 'idempotency-key': key },
        payload: payload as object,
      });
    const first = await send([{ sku: 'TIRE-250', on_hand: 9 }]);
    assert.equal(first.statusCode, 200);
    // Stock moves in between: a replay must not apply again, it returns the first answer.
    await p.context.database.db
      .updateTable('inventory_levels')
      .set({ on_hand: 2 })
      .where('product_id', '=', region.products.tire)
      .execute();
    const replay = await send([{ sku: 'TIRE-250', on_hand: 9 }]);
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.body, first.body);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal((await level(region.products.tire)).on_hand, 2);
    const reused = await send([{ sku: 'TIRE-250', on_hand: 10 }]);
    assert.equal(reused.statusCode, 422);
    assert.equal(reused.json().error.code, 'idempotency_key_reused');
    // A failed request is replayed too (same status, same body).
    const bad1 = await send([{ sku: 'NOPE', on_hand: 1 }], 'sync-2');
    const bad2 = await send([{ sku: 'NOPE', on_hand: 1 }], 'sync-2');
    assert.equal(bad1.statusCode, 400);
    assert.equal(bad2.statusCode, 400);
    assert.equal(bad1.body, bad2.body);
    // Keys are per merchant: the other merchant may use the same key.
    const other = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: sports, 'idempotency-key': 'sync-1' },
      payload: [{ sku: 'VELO-MT', on_hand: 1 }],
    });
    assert.equal(other.statusCode, 200);
  });

  test('oversized bodies are refused with 413', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ sku: `SKU-${i}-padding-padding`, on_hand: 1 }));
    const res = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab },
      payload: rows,
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'payload_too_large');
  });

  test('every merchant route is scoped: another merchant’s ids, SKUs and codes are not found', async () => {
    // Sports Chelsea's location code is "principal" too: the lookup is by (merchant, code).
    const res = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: sports },
      payload: [{ sku: 'SIROP-540', location_code: 'principal', on_hand: 1 }],
    });
    assert.equal(res.json().error.details.rows[0].code, 'unknown_sku');
    const hook = await p.app.inject({
      method: 'POST',
      url: '/api/v1/merchant/webhooks',
      headers: { authorization: erab },
      payload: { url: 'https://93.184.215.14/hooks', events: ['inventory.low'] },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const id = hook.json().id;
    const del = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/merchant/webhooks/${id}`,
      headers: { authorization: sports },
    });
    assert.equal(del.statusCode, 404);
    const list = await p.app.inject({ url: '/api/v1/merchant/webhooks', headers: { authorization: sports } });
    assert.deepEqual(list.json().webhooks, []);
    const feed = await p.app.inject({
      url: '/api/v1/merchant/feeds/local-inventory',
      headers: { authorization: sports },
    });
    assert.doesNotMatch(feed.body, /SIROP-540|TIRE-250/);
    const csv = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: sports },
    });
    assert.doesNotMatch(csv.body, /SIROP-540/);
    const profile = await p.app.inject({ url: '/api/v1/merchant', headers: { authorization: sports } });
    assert.equal(profile.json().slug, region.merchants.sports.slug);
    const mine = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/merchant/webhooks/${id}`,
      headers: { authorization: erab },
    });
    assert.equal(mine.statusCode, 204);
  });

  test('Google local inventory feed (TSV)', async () => {
    const res = await p.app.inject({
      url: '/api/v1/merchant/feeds/local-inventory',
      headers: { authorization: sports },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/tab-separated-values/);
    const lines = res.body.trim().split('\n');
    assert.equal(lines[0], 'store_code\tid\tavailability\tquantity\tprice\tpickup_method\tpickup_sla');
    assert.ok(lines.includes('principal\tCH-COURSE-9\tin_stock\t4\t129.99 CAD\tbuy\tsame_day'));
    assert.ok(lines.includes('principal\tVELO-MT\tlimited_availability\t1\t899.00 CAD\tbuy\tsame_day'));
    assert.ok(lines.includes('principal\tSIROP-CH\tlimited_availability\t3\t13.99 CAD\tbuy\tsame_day'));
    const erabFeed = await p.app.inject({
      url: '/api/v1/merchant/feeds/local-inventory',
      headers: { authorization: erab },
    });
    assert.ok(erabFeed.body.includes('principal\tSIROP-540\tin_stock\t20\t12.99 CAD\tbuy\tsame_day'));
    assert.ok(erabFeed.body.includes('principal\tOEUFS-12\tout_of_stock\t0\t5.49 CAD\tbuy\t\n'));
  });

  test('CSV export escapes formula-leading cells', async () => {
    const { db } = p.context.database;
    await db
      .updateTable('products')
      .set({ title_en: '=HYPERLINK("http://evil","x")', brand: '@SUM(A1)', description_en: '-2+3' })
      .where('id', '=', region.products.tire)
      .execute();
    const res = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: erab },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    const line = res.body.split('\r\n').find((l) => l.startsWith('TIRE-250')) as string;
    assert.ok(line.includes(`"'=HYPERLINK(""http://evil"",""x"")"`), line);
    assert.ok(line.includes("'@SUM(A1)"));
    assert.ok(line.includes("'-2+3"));
    assert.ok(res.body.replace(/^\uFEFF/, '').startsWith('sku,title_fr,title_en,description_fr'));
  });

  test('the OpenAPI document covers every merchant route with tag, description and examples', async () => {
    const doc = (await p.app.inject({ url: '/api/v1/openapi.json' })).json();
    const expected: [string, string][] = [
      ['/api/v1/merchant', 'get'],
      ['/api/v1/merchant/inventory', 'put'],
      ['/api/v1/merchant/products', 'put'],
      ['/api/v1/merchant/products.csv', 'get'],
      ['/api/v1/merchant/webhooks', 'post'],
      ['/api/v1/merchant/webhooks', 'get'],
      ['/api/v1/merchant/webhooks/{webhook_id}', 'delete'],
      ['/api/v1/merchant/feeds/local-inventory', 'get'],
      ['/api/v1/merchant/stream', 'get'],
      ['/api/v1/stream', 'get'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} documented`);
      assert.ok(op.description?.length > 20, `${path} has a description`);
      if (path.includes('/merchant')) {
        assert.deepEqual(op.tags, ['merchant']);
        assert.deepEqual(op.security, [{ apiKey: [] }]);
      }
    }
    const inv = doc.paths['/api/v1/merchant/inventory'].put;
    assert.ok(JSON.stringify(inv).includes('"example"'));
  });

  test('the merchant API is rate limited per API key, not per IP', async () => {
    const fresh = generateApiKey();
    await p.context.database.db
      .insertInto('api_keys')
      .values({
        merchant_id: region.merchants.sports.merchant_id,
        name: 'POS 2',
        prefix: fresh.prefix,
        key_hash: fresh.hash,
      })
      .execute();
    const sports = `Bearer ${fresh.key}`;
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const r = await p.app.inject({
        url: '/api/v1/merchant/feeds/local-inventory',
        headers: { authorization: sports },
      });
      statuses.push(r.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 30), new Array(30).fill(200));
    assert.equal(statuses[30], 429);
    const limited = await p.app.inject({
      url: '/api/v1/merchant/feeds/local-inventory?lang=en',
      headers: { authorization: sports },
    });
    assert.equal(limited.json().error.code, 'rate_limited');
    // Same IP, another merchant's key: its own budget.
    const other = await p.app.inject({
      url: '/api/v1/merchant/feeds/local-inventory',
      headers: { authorization: erab },
    });
    assert.equal(other.statusCode, 200);
  });

  test('failed authentications are throttled per IP; rate limit headers per key', async () => {
    const ok = await p.app.inject({ url: '/api/v1/merchant', headers: { authorization: erab } });
    assert.ok(Number(ok.headers['x-ratelimit-limit']) > 0);
    let last = 0;
    for (let i = 0; i < 35; i++) {
      const r = await p.app.inject({
        url: '/api/v1/merchant',
        headers: { authorization: 'Bearer ck_guess' },
        remoteAddress: '203.0.113.9',
      });
      last = r.statusCode;
    }
    assert.equal(last, 429);
    // Even the right key is refused from that IP until the window ends; other IPs are unaffected.
    const blocked = await p.app.inject({
      url: '/api/v1/merchant',
      headers: { authorization: erab },
      remoteAddress: '203.0.113.9',
    });
    assert.equal(blocked.statusCode, 429);
    const fine = await p.app.inject({ url: '/api/v1/merchant', headers: { authorization: erab } });
    assert.equal(fine.statusCode, 200);
  });
});
