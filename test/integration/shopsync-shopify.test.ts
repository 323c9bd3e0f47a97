import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { variantsOfProducts } from '../../src/modules/catalog/index.ts';
import { transitionOrder } from '../../src/modules/orders/index.ts';
import {
  connectShopify,
  decryptSecret,
  operatorLog,
  runPushes,
  runSync,
  type ShopSyncDeps,
  shopSyncConfigured,
  shopSyncIdle,
  shopTokenKey,
} from '../../src/modules/shopsync/index.ts';
import { approveMerchants, placeOrder } from '../helpers/factories.ts';
import {
  type FakeShopify,
  fakeProduct,
  numericId,
  signWebhook,
  startFakeShopify,
} from '../helpers/fake-shopify.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { openEventStream } from '../helpers/http-agent.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const SECRET = 'whsec_test_0123456789abcdef';
const PW = 'correct horse battery';
const PAGE = '/fr/marchand/ma-boutique';
const CHELSEA = { lat: 45.4936, lng: -75.7884 };
const LOC = 'gid://shopify/Location/1';

describe('shop sync: Shopify (issue 17)', () => {
  let fake: FakeShopify;
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let base: string;
  let merchantId: number;
  let store: number;
  let connId: number;
  let deps: ShopSyncDeps;
  const db = () => p.context.database.db;

  const boots = fakeProduct({
    title: 'Bottes d’hiver Kamik',
    price: '89.99',
    productType: 'Chaussures',
    tags: ['hiver', 'bottes'],
    images: [],
    sizes: [
      { value: '7', sku: 'BOTTE-7', stock: { [LOC]: 5 }, barcode: '0627843000023' },
      { value: '8', sku: 'BOTTE-8', stock: { [LOC]: 3 } },
      { value: '9', sku: 'BOTTE-9', stock: { [LOC]: 0 } },
    ],
  });
  const gourde = fakeProduct({
    title: 'Gourde isotherme',
    sku: 'GOURDE-1',
    price: '24.50',
    stock: { [LOC]: 10 },
  });
  const draft = fakeProduct({
    title: 'Brouillon secret',
    sku: 'DRAFT-1',
    status: 'DRAFT',
    stock: { [LOC]: 2 },
  });
  const noSku = fakeProduct({ title: 'Carte cadeau papier', price: '5.00', stock: { [LOC]: 50 } });

  before(async () => {
    fake = await startFakeShopify();
    fake.products.push(boots, gourde, draft, noSku);
    p = await createTestPlatform({ SHOP_TOKEN_KEY: KEY, SHOPIFY_API_BASE: fake.url });
    region = await seedMiniRegion(db());
    await approveMerchants(db(), region);
    merchantId = region.merchants.sports.merchant_id;
    store = region.merchants.sports.location_id;
    await createUser(db(), {
      email: 'owner-sports@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId }],
    });
    owner = new Agent(p.app);
    assert.equal((await owner.login('owner-sports@example.test', PW)).statusCode, 303);
    deps = { db: db(), events: p.context.events, database: p.context.database, config: p.context.config };
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await shopSyncIdle();
    p.app.server.closeAllConnections();
    await p.close();
    await fake.close();
  });

  const product = (sku: string) =>
    db()
      .selectFrom('products')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', sku)
      .executeTakeFirst();
  const level = async (sku: string) => {
    const id = (await product(sku))?.id as number;
    return db()
      .selectFrom('inventory_levels')
      .select(['on_hand', 'reserved'])
      .where('product_id', '=', id)
      .where('location_id', '=', store)
      .executeTakeFirst();
  };
  const conn = () =>
    db()
      .selectFrom('shopsync_connections')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .executeTakeFirstOrThrow();
  const search = async (q: string) => {
    const r = await p.app.inject({
      url: `/api/v1/search?q=${q}&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=50`,
    });
    assert.equal(r.statusCode, 200, r.body);
    return (r.json() as { results: { product_id: number; sku: string; available: number }[] }).results;
  };
  const webhook = (
    topic: string,
    payload: object,
    opts: { secret?: string; webhookId?: string; id?: number } = {},
  ) => {
    const body = JSON.stringify(payload);
    return p.app.inject({
      method: 'POST',
      url: `/api/v1/shopsync/shopify/${opts.id ?? connId}/webhooks`,
      headers: signWebhook(opts.secret ?? SECRET, topic, body, { webhookId: opts.webhookId }),
      payload: body,
    });
  };
  const stockUpdate = (variant: { inventoryItem: { id: string } }, available: number) => ({
    inventory_item_id: numericId(variant.inventoryItem.id),
    location_id: 1,
    available,
    updated_at: new Date().toISOString(),
  });

  test('without SHOP_TOKEN_KEY the feature says it is not configured', async () => {
    assert.equal(shopSyncConfigured({}), false);
    assert.equal(shopSyncConfigured({ SHOP_TOKEN_KEY: KEY }), true);
    await assert.rejects(
      connectShopify({ ...deps, config: {} }, merchantId, {}),
      (e: { code?: string; messageKey?: string }) =>
        e.code === 'forbidden' && e.messageKey === 'shopsync.not_configured',
    );
  });

  test('connecting: a bad domain or a refused token is a field error and stores nothing', async () => {
    const bad = await owner.submit(
      `${PAGE}/connecter`,
      { shop_domain: 'boutique.example.com', access_token: fake.token, webhook_secret: SECRET },
      PAGE,
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-shop_domain-error"[^>]*>Indiquez le domaine en \.myshopify\.com/);
    const refused = await owner.submit(
      `${PAGE}/connecter`,
      {
        shop_domain: 'boutique-test.myshopify.com',
        access_token: 'shpat_wrong_token_000000000000',
        webhook_secret: SECRET,
      },
      PAGE,
    );
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="f-access_token-error"[^>]*>Shopify a refusé ce jeton/);
    assert.equal((await db().selectFrom('shopsync_connections').selectAll().execute()).length, 0);
  });

  test('first sync: products with variants, prices, GTINs, categories, stock; searchable; token encrypted at rest', async () => {
    const res = await owner.submit(
      `${PAGE}/connecter`,
      { shop_domain: 'Boutique-Test.myshopify.com', access_token: fake.token, webhook_secret: SECRET },
      PAGE,
    );
    assert.equal(res.statusCode, 303, res.body);
    await shopSyncIdle();
    const c = await conn();
    connId = c.id;
    assert.equal(c.shop_domain, 'boutique-test.myshopify.com');
    assert.equal(c.status, 'active');
    assert.equal(c.sync_state, 'done');
    assert.equal(c.cursor, null);
    assert.equal(c.products_done, 4);
    assert.equal(c.variants_done, 6);
    assert.ok(!c.token_enc.includes(fake.token) && !c.secret_enc.includes(SECRET));
    assert.equal(decryptSecret(shopTokenKey(KEY) as Buffer, c.token_enc), fake.token);
    assert.deepEqual(JSON.parse(c.location_map_json), { [LOC]: store });

    const b7 = await product('BOTTE-7');
    assert.ok(b7);
    assert.equal(b7.price_cents, 8999);
    assert.equal(b7.gtin, '0627843000023');
    assert.equal(b7.status, 'active');
    assert.match(b7.description_fr, /fait au Québec/);
    assert.doesNotMatch(b7.description_fr, /<strong>/);
    const shoes = await db()
      .selectFrom('categories')
      .select('id')
      .where('slug', '=', 'chaussures')
      .executeTakeFirstOrThrow();
    assert.equal(b7.category_id, shoes.id);
    const variants = (await variantsOfProducts(db(), [b7.id])).get(b7.id) ?? [];
    assert.deepEqual(variants.map((v) => v.sku).sort(), ['BOTTE-7', 'BOTTE-8', 'BOTTE-9']);
    assert.deepEqual(
      [
        (await level('BOTTE-7'))?.on_hand,
        (await level('BOTTE-8'))?.on_hand,
        (await level('BOTTE-9'))?.on_hand,
      ],
      [5, 3, 0],
    );
    assert.equal((await product('GOURDE-1'))?.price_cents, 2450);
    assert.notEqual((await product('DRAFT-1'))?.status, 'active');
    assert.ok(
      await product(`shopify-${numericId(noSku.variants[0].id)}`),
      'a variant without SKU gets a stable one',
    );

    const found = (await search('bottes')).filter((r) => r.sku.startsWith('BOTTE'));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].available, 8);
    assert.equal((await search('brouillon')).length, 0);

    const page = await owner.get(PAGE);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-sync-state="done"/);
    assert.match(page.body, /4 produits, 6 variantes/);
    assert.match(page.body, new RegExp(`/api/v1/shopsync/shopify/${connId}/webhooks`));
    const en = await owner.get('/en/merchant/my-shop');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<h1>Connect my shop<\/h1>/);
    assert.match(en.body, /4 products, 6 variants/);
  });

  test('the page is for owners only: staff are refused', async () => {
    await createUser(db(), {
      email: 'staff-sports@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: merchantId }],
    });
    const staff = new Agent(p.app, '10.1.2.3');
    await staff.login('staff-sports@example.test', PW);
    assert.equal((await staff.get(PAGE)).statusCode, 403);
    const before = await conn();
    // A valid CSRF token (from a page staff may open): refused by the owner check itself.
    const res = await staff.submit(`${PAGE}/deconnecter`, {}, '/fr/marchand');
    assert.equal(res.statusCode, 403);
    assert.equal((await conn()).status, before.status);
  });

  test('inventory_levels/update: the new stock reaches search and an open product stream (SSE)', async () => {
    const b8 = (await product('BOTTE-8'))?.id as number;
    const stream = await openEventStream(`${base}/api/v1/stream?products=${b8}`);
    try {
      boots.variants[1].inventoryItem.levels[LOC] = 7; // changed at the shop's till
      const res = await webhook('inventory_levels/update', stockUpdate(boots.variants[1], 7));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().outcome, 'applied');
      await stream.until(() => stream.events.some((e) => e.event === 'stock'));
      const ev = stream.events.find((e) => e.event === 'stock')?.data as {
        product_id: number;
        available: number;
      };
      assert.equal(ev.product_id, b8);
      assert.equal(ev.available, 7);
    } finally {
      stream.close();
    }
    assert.equal((await level('BOTTE-8'))?.on_hand, 7);
    assert.equal((await search('bottes')).find((r) => r.sku.startsWith('BOTTE'))?.available, 12);
  });

  test('a webhook with a bad signature is refused with 401 and changes nothing', async () => {
    const before = await level('BOTTE-7');
    const res = await webhook('inventory_levels/update', stockUpdate(boots.variants[0], 99), {
      secret: 'not-the-secret-0000',
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthorized');
    const tampered = JSON.stringify(stockUpdate(boots.variants[0], 99));
    const signed = signWebhook(
      SECRET,
      'inventory_levels/update',
      JSON.stringify(stockUpdate(boots.variants[0], 1)),
    );
    const res2 = await p.app.inject({
      method: 'POST',
      url: `/api/v1/shopsync/shopify/${connId}/webhooks`,
      headers: signed,
      payload: tampered,
    });
    assert.equal(res2.statusCode, 401);
    assert.deepEqual(await level('BOTTE-7'), before);
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[0], 1), { id: connId + 999 }))
        .statusCode,
      404,
    );
  });

  test('a replayed webhook (same X-Shopify-Webhook-Id) has no second effect', async () => {
    const id = 'b7f4c2d0-replay-0001';
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[0], 4), { webhookId: id })).json()
        .outcome,
      'applied',
    );
    assert.equal((await level('BOTTE-7'))?.on_hand, 4);
    // The POS changes the stock since; replaying the old delivery must not bring the old count back.
    const key = region.merchants.sports.api_key;
    const put = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: `Bearer ${key}` },
      payload: [{ sku: 'BOTTE-7', location_code: region.merchants.sports.location_code, on_hand: 9 }],
    });
    assert.equal(put.statusCode, 200, put.body);
    const replay = await webhook('inventory_levels/update', stockUpdate(boots.variants[0], 4), {
      webhookId: id,
    });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().outcome, 'duplicate');
    assert.equal((await level('BOTTE-7'))?.on_hand, 9);
    // products/update replayed: the product is read from Shopify once.
    gourde.title = 'Gourde isotherme 750 ml';
    const calls = fake.calls.Product ?? 0;
    const pid = 'upd-gourde-0001';
    assert.equal(
      (await webhook('products/update', { id: numericId(gourde.id) }, { webhookId: pid })).json().outcome,
      'applied',
    );
    assert.equal(
      (await webhook('products/update', { id: numericId(gourde.id) }, { webhookId: pid })).json().outcome,
      'duplicate',
    );
    assert.equal(fake.calls.Product, calls + 1);
    assert.equal((await product('GOURDE-1'))?.title_fr, 'Gourde isotherme 750 ml');
  });

  test('a product deleted on the shop is archived (kept, no longer on sale)', async () => {
    fake.products.splice(fake.products.indexOf(gourde), 1);
    const res = await webhook('products/delete', { id: numericId(gourde.id) });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await product('GOURDE-1'))?.status, 'archived');
    assert.equal((await search('gourde')).length, 0);
  });

  test('a variant whose SKU belongs to another product: a clear per-product error, no duplicate', async () => {
    const before = await product('VELO-MT');
    assert.ok(before);
    fake.products.push(
      fakeProduct({
        title: 'Vélo importé de la boutique',
        sku: 'VELO-MT',
        price: '10.00',
        stock: { [LOC]: 4 },
      }),
    );
    const out = await runSync(deps, connId);
    assert.equal(out.state, 'done');
    assert.equal(out.errors, 1);
    const rows = await db()
      .selectFrom('products')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', 'VELO-MT')
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].title_fr, before.title_fr);
    assert.equal(rows[0].price_cents, before.price_cents);
    const page = await owner.get(PAGE);
    assert.match(page.body, /data-sync-error="sku_collision"/);
    assert.match(page.body, /Le SKU VELO-MT appartient déjà à un autre produit/);
    // The gourde, gone from the shop, stays archived after a full pass.
    assert.equal((await product('GOURDE-1'))?.status, 'archived');
  });

  test('HTTP 429 (Retry-After) and GraphQL THROTTLED answers are retried', async () => {
    fake.rateLimitNext = 2;
    fake.throttleNext = 1;
    const out = await runSync(deps, connId);
    assert.equal(out.state, 'done');
    assert.equal(fake.rateLimitNext, 0);
    assert.equal(fake.throttleNext, 0);
    assert.equal((await conn()).sync_state, 'done');
    // A page Shopify would price above 1,000 points is refused (MAX_COST_EXCEEDED): the sync stops
    // with that reason, the connection stays active, and the default page size fits.
    assert.equal((await runSync(deps, connId, { pageSize: 6 })).state, 'failed');
    assert.match(String((await conn()).last_error), /max_cost_exceeded/);
    assert.equal((await conn()).status, 'active');
    assert.equal((await runSync(deps, connId)).state, 'done');
  });

  test('a placed order decrements the shop stock once; a failed send is retried and shown', async () => {
    const b8 = (await product('BOTTE-8'))?.id as number;
    const { orders } = await placeOrder(p.app, [[b8, 2]], region.merchants.sports);
    await p.context.events.settled();
    assert.equal(fake.adjustments.length, 1);
    assert.deepEqual(fake.adjustments[0], {
      referenceDocumentUri: `comptoir://orders/${orders[0].order_id}`,
      changes: [{ inventoryItemId: boots.variants[1].inventoryItem.id, locationId: LOC, delta: -2 }],
    });
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], 5);
    // The same event again (another instance, a retry): nothing sent twice.
    await p.context.events.publish('order', {
      order_id: orders[0].order_id,
      merchant_id: merchantId,
      status: 'placed',
    });
    await p.context.events.settled();
    assert.equal(fake.adjustments.length, 1);
    // Shopify's echo of the adjustment: stock stays consistent (reserved units are not counted twice).
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[1], 5))).statusCode,
      200,
    );
    assert.deepEqual({ ...(await level('BOTTE-8')) }, { on_hand: 7, reserved: 2 });

    fake.failAdjustNext = 2;
    const second = await placeOrder(p.app, [[b8, 1]], region.merchants.sports);
    await p.context.events.settled();
    assert.equal(fake.adjustments.length, 1);
    const pending = await db()
      .selectFrom('shopsync_pushes')
      .selectAll()
      .where('order_id', '=', second.orders[0].order_id)
      .execute();
    assert.equal(pending.length, 1);
    assert.equal(pending[0].status, 'pending');
    assert.equal(pending[0].attempts, 1);
    assert.equal(pending[0].last_error, 'http_500');
    const page = await owner.get(PAGE);
    assert.match(page.body, /data-push-status="pending"/);
    assert.equal(await runPushes(deps), 0, 'not due before its retry time');
    // Two senders at once (another process, or the retry timer overlapping the order event): the
    // decrement is sent by one of them only.
    const later = new Date(Date.now() + 3600_000);
    const [one, other] = await Promise.all([
      runPushes(deps, { now: later }),
      runPushes(deps, { now: later }),
    ]);
    assert.equal(one + other, 1);
    assert.equal(fake.adjustments.length, 2);
    assert.equal(fake.adjustments[1].changes[0].delta, -1);
    assert.equal(await runPushes(deps, { now: new Date(Date.now() + 7200_000) }), 0);
  });

  test('a cancelled order gives its units back to the shop once', async () => {
    const first = fake.adjustments[0];
    const orderId = Number(first.referenceDocumentUri.split('/').at(-1));
    const level8 = boots.variants[1].inventoryItem.levels[LOC];
    await transitionOrder(db(), p.context.events, { orderId, merchantId, to: 'cancelled', actor: 'test' });
    await p.context.events.settled();
    assert.equal(fake.adjustments.length, 3);
    assert.deepEqual(fake.adjustments[2], {
      referenceDocumentUri: `comptoir://orders/${orderId}/cancellation`,
      changes: [{ inventoryItemId: boots.variants[1].inventoryItem.id, locationId: LOC, delta: 2 }],
    });
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], level8 + 2);
    await p.context.events.publish('order', {
      order_id: orderId,
      merchant_id: merchantId,
      status: 'cancelled',
    });
    await p.context.events.settled();
    assert.equal(fake.adjustments.length, 3, 'given back once');
  });

  test('a revoked token: status "reconnect needed"; reconnecting resumes the sync from its saved cursor', async () => {
    const before = fake.calls.Products ?? 0;
    fake.onProductsPage = (n) => {
      if (n === before + 3) fake.revoked = true;
    };
    const out = await runSync(deps, connId, { pageSize: 1, batchVariants: 1 });
    assert.equal(out.state, 'failed');
    const c = await conn();
    assert.equal(c.status, 'reconnect_needed');
    assert.equal(c.sync_state, 'failed');
    assert.notEqual(c.cursor, null);
    assert.equal(fake.calls.Products, before + 2);
    const page = await owner.get(PAGE);
    assert.match(page.body, /data-shopsync-status="reconnect_needed"/);
    assert.match(page.body, /Shopify refuse le jeton enregistré/);
    // Webhooks of a connection needing a new token are not applied (and say so).
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 6))).json().outcome,
      'ignored',
    );
    assert.equal((await level('BOTTE-9'))?.on_hand, 0);

    fake.onProductsPage = undefined;
    fake.revoked = false;
    const res = await owner.submit(
      `${PAGE}/connecter`,
      { shop_domain: 'boutique-test.myshopify.com', access_token: fake.token, webhook_secret: SECRET },
      PAGE,
    );
    assert.equal(res.statusCode, 303, res.body);
    await shopSyncIdle();
    const after = await conn();
    assert.equal(after.status, 'active');
    assert.equal(after.sync_state, 'done');
    assert.equal(after.cursor, null);
    // One more page (the rest, 25 per page), not a restart from the first.
    assert.equal(fake.calls.Products, before + 3);
    assert.equal(after.products_done, fake.products.length);
  });

  test('pause ignores webhooks, resume applies them; disconnect erases credentials and keeps the products', async () => {
    assert.equal((await owner.submit(`${PAGE}/pause`, {}, PAGE)).statusCode, 303);
    assert.equal((await conn()).status, 'paused');
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 6))).json().outcome,
      'ignored',
    );
    assert.equal((await level('BOTTE-9'))?.on_hand, 0);
    assert.equal((await owner.submit(`${PAGE}/reprendre`, {}, PAGE)).statusCode, 303);
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 6))).json().outcome,
      'applied',
    );
    assert.equal((await level('BOTTE-9'))?.on_hand, 6);

    assert.equal((await owner.submit(`${PAGE}/deconnecter`, {}, PAGE)).statusCode, 303);
    const c = await conn();
    assert.equal(c.status, 'disconnected');
    assert.equal(c.token_enc, '');
    assert.equal(c.secret_enc, '');
    assert.equal((await product('BOTTE-7'))?.status, 'active');
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 1))).statusCode,
      404,
    );
    const page = await owner.get(PAGE);
    assert.match(page.body, /data-shopsync-status="disconnected"/);
    assert.match(page.body, /name="access_token"/);
    const log = await operatorLog(db());
    for (const e of [
      'connected',
      'sync_done',
      'token_refused',
      'webhook_bad_signature',
      'sku_collision',
      'paused',
      'disconnected',
    ])
      assert.ok(
        log.some((l) => l.event === e),
        `operator log has ${e}`,
      );
  });
});
