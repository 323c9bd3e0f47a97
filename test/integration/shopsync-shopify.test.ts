import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { transitionOrder } from '../../src/modules/orders/index.ts';
import {
  connectShopify,
  decryptSecret,
  runPushes,
  runSync,
  SHOPIFY_API_VERSION,
  shopSyncConfigured,
  shopSyncIdle,
  shopTokenKey,
} from '../../src/modules/shopsync/index.ts';
import {
  fetchProductsPage,
  PRODUCTS_QUERY,
  ShopifyClient,
  ShopifyError,
} from '../../src/modules/shopsync/shopify.ts';
import { placeOrder } from '../helpers/factories.ts';
import {
  type FakeShopify,
  fakeProduct,
  numericId,
  signWebhook,
  startFakeShopify,
} from '../helpers/fake-shopify.ts';
import { Agent } from '../helpers/session.ts';
import { PW, SHOP_PAGE, shopSyncFixture } from '../helpers/shopsync-fixture.ts';

const KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const SECRET = 'whsec_test_0123456789abcdef';
const LOC = 'gid://shopify/Location/1';

describe('shop sync: Shopify (issue 17)', () => {
  let fake: FakeShopify;
  let connId: number;
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

  // The app's log lines (JSON), for the failures that must reach it.
  const logs: string[] = [];
  const f = shopSyncFixture({
    ownerEmail: 'owner-sports@example.test',
    logs,
    async start() {
      fake = await startFakeShopify();
      fake.products.push(boots, gourde, draft, noSku);
      return { SHOP_TOKEN_KEY: KEY, SHOPIFY_API_BASE: fake.url };
    },
    stop: () => fake.close(),
  });
  const { db, product, level, conn, search } = f;

  const webhook = (
    topic: string,
    payload: object,
    opts: { secret?: string; webhookId?: string; id?: number } = {},
  ) => {
    const body = JSON.stringify(payload);
    return f.p.app.inject({
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
      connectShopify({ ...f.deps, config: {} }, f.merchantId, {}),
      (e: { code?: string; messageKey?: string }) =>
        e.code === 'forbidden' && e.messageKey === 'shopsync.not_configured',
    );
  });

  test('connecting: a bad domain or a refused token is a field error and stores nothing', async () => {
    const bad = await f.owner.submit(
      `${SHOP_PAGE}/connecter`,
      { shop_domain: 'boutique.example.com', access_token: fake.token, webhook_secret: SECRET },
      SHOP_PAGE,
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-shop_domain-error"[^>]*>Indiquez le domaine en \.myshopify\.com/);
    const refused = await f.owner.submit(
      `${SHOP_PAGE}/connecter`,
      {
        shop_domain: 'boutique-test.myshopify.com',
        access_token: 'shpat_wrong_token_000000000000',
        webhook_secret: SECRET,
      },
      SHOP_PAGE,
    );
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="f-access_token-error"[^>]*>Shopify a refusé ce jeton/);
    assert.equal((await db().selectFrom('shopsync_connections').selectAll().execute()).length, 0);
  });

  test('first sync: products with variants, prices, GTINs, categories, stock; searchable; token encrypted at rest', async () => {
    const res = await f.owner.submit(
      `${SHOP_PAGE}/connecter`,
      { shop_domain: 'Boutique-Test.myshopify.com', access_token: fake.token, webhook_secret: SECRET },
      SHOP_PAGE,
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
    assert.deepEqual(JSON.parse(c.location_map_json), { [LOC]: f.store });

    const b7 = await f.expectBoots('BOTTE');
    assert.doesNotMatch(b7.description_fr, /<strong>/);
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

    // Every read named the supported version, and no field it read is deprecated there.
    assert.equal(SHOPIFY_API_VERSION, '2026-04');
    assert.ok(fake.versions.length > 0 && fake.versions.every((v) => v === '2026-04'), String(fake.versions));
    assert.deepEqual(fake.deprecatedSeen, []);

    const page = await f.owner.get(SHOP_PAGE);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-sync-state="done"/);
    assert.match(page.body, /4 produits, 6 variantes/);
    assert.match(page.body, new RegExp(`/api/v1/shopsync/shopify/${connId}/webhooks`));
    const en = await f.owner.get('/en/merchant/my-shop');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<h1>Connect my shop<\/h1>/);
    assert.match(en.body, /4 products, 6 variants/);
  });

  test('shop locations that cannot be read: the page lists the mapped ones with a notice, and the log says why', async () => {
    // A server that answers every request with a 404 page: no retry, the read fails at once.
    const broken = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const config = f.p.context.config as { SHOPIFY_API_BASE?: string };
    const saved = config.SHOPIFY_API_BASE;
    const from = logs.length;
    config.SHOPIFY_API_BASE = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    try {
      const page = await f.owner.get(SHOP_PAGE);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Impossible de lire les emplacements de Shopify/);
    } finally {
      config.SHOPIFY_API_BASE = saved;
      await new Promise((r) => broken.close(r));
    }
    const line = logs
      .slice(from)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } })
      .find((l) => l.msg === 'shop locations could not be read');
    assert.ok(line, 'the failure is in the log');
    assert.equal(line.level, 40, 'at warn');
    assert.ok(line.err?.message, 'with its error');
    assert.equal((await conn()).status, 'active', 'the connection is unchanged');
  });

  test('the page is for owners only: staff are refused', async () => {
    await createUser(db(), {
      email: 'staff-sports@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: f.merchantId }],
    });
    const staff = new Agent(f.p.app, '10.1.2.3');
    await staff.login('staff-sports@example.test', PW);
    assert.equal((await staff.get(SHOP_PAGE)).statusCode, 403);
    const before = await conn();
    // A valid CSRF token (from a page staff may open): refused by the owner check itself.
    const res = await staff.submit(`${SHOP_PAGE}/deconnecter`, {}, '/fr/marchand');
    assert.equal(res.statusCode, 403);
    assert.equal((await conn()).status, before.status);
  });

  test('inventory_levels/update: the new stock reaches search and an open product stream (SSE)', async () => {
    const b8 = (await product('BOTTE-8'))?.id as number;
    const ev = await f.stockEvent(b8, async () => {
      boots.variants[1].inventoryItem.levels[LOC] = 7; // changed at the shop's till
      const res = await webhook('inventory_levels/update', stockUpdate(boots.variants[1], 7));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().outcome, 'applied');
    });
    assert.equal(ev.product_id, b8);
    assert.equal(ev.available, 7);
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
    const res2 = await f.p.app.inject({
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
    await f.putStock('BOTTE-7', 9);
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
    fake.products.push(
      fakeProduct({
        title: 'Vélo importé de la boutique',
        sku: 'VELO-MT',
        price: '10.00',
        stock: { [LOC]: 4 },
      }),
    );
    await f.expectSkuCollision();
    // The gourde, gone from the shop, stays archived after a full pass.
    assert.equal((await product('GOURDE-1'))?.status, 'archived');
  });

  test('HTTP 429 (Retry-After) and GraphQL THROTTLED answers are retried', async () => {
    fake.rateLimitNext = 2;
    fake.throttleNext = 1;
    const out = await runSync(f.deps, connId);
    assert.equal(out.state, 'done');
    assert.equal(fake.rateLimitNext, 0);
    assert.equal(fake.throttleNext, 0);
    assert.equal((await conn()).sync_state, 'done');
    // A page Shopify would price above 1,000 points is refused (MAX_COST_EXCEEDED): the sync stops
    // with that reason, the connection stays active, and the default page size fits.
    assert.equal((await runSync(f.deps, connId, { pageSize: 6 })).state, 'failed');
    assert.match(String((await conn()).last_error), /max_cost_exceeded/);
    assert.equal((await conn()).status, 'active');
    assert.equal((await runSync(f.deps, connId)).state, 'done');
  });

  test('2026-04 reads: an UNLISTED product is not on sale here (hidden from every channel but its link); images are the processed image media, in order, the variant image first', async () => {
    const cdn = (name: string) => `${fake.url}/cdn/${name}.jpg`;
    const lanterne = fakeProduct({
      title: 'Lanterne en érable',
      sku: 'LANTERNE-1',
      price: '39.00',
      status: 'UNLISTED',
      stock: { [LOC]: 3 },
      media: [
        { type: 'VIDEO', url: `${fake.url}/cdn/demo.mp4` },
        { type: 'IMAGE', url: null }, // still processing at Shopify
        { type: 'IMAGE', url: cdn('a') },
        { type: 'IMAGE', url: cdn('b') },
        { type: 'IMAGE', url: cdn('c') },
        { type: 'IMAGE', url: cdn('d') },
        { type: 'IMAGE', url: cdn('e') },
      ],
      variantImage: cdn('c'),
    });
    fake.products.push(lanterne);
    // What the products page gives the conversion: the first 5 image media (the video skipped by the
    // media_type filter, not counted), the unprocessed one without an image.
    const client = new ShopifyClient({
      shop: 'boutique-test.myshopify.com',
      token: fake.token,
      apiBase: fake.url,
    });
    const all: Awaited<ReturnType<typeof fetchProductsPage>>['products'] = [];
    for (let after: string | null = null, more = true; more; ) {
      const page = await fetchProductsPage(client, after, 4);
      all.push(...page.products);
      [after, more] = [page.endCursor, page.hasNextPage];
    }
    const read = all.find((p) => p.id === lanterne.id);
    assert.deepEqual(
      read?.media.nodes.map((m) => m.image?.url ?? null),
      [null, cdn('a'), cdn('b'), cdn('c'), cdn('d')],
    );
    assert.equal(read?.status, 'UNLISTED');

    assert.equal((await runSync(f.deps, connId)).state, 'done');
    const p = await product('LANTERNE-1');
    assert.notEqual(
      p?.status,
      'active',
      'UNLISTED hides the product from every sales channel: not on sale, as a draft',
    );
    const fetches = await db()
      .selectFrom('image_fetches')
      .select(['source_url', 'position'])
      .where('product_id', '=', p?.id as number)
      .orderBy('position')
      .execute();
    assert.deepEqual(
      fetches.map((r) => r.source_url),
      [cdn('c'), cdn('a'), cdn('b'), cdn('d')],
    );
    assert.deepEqual(fake.deprecatedSeen, []);
  });

  test('a field Shopify deprecates later is logged for the operators; removed fields and old versions are refused', async () => {
    // Shopify names the deprecated fields a request used (X-Shopify-API-Deprecated-Reason).
    fake.extraDeprecated.add('ProductVariant.image');
    try {
      assert.equal((await runSync(f.deps, connId)).state, 'done');
    } finally {
      fake.extraDeprecated.clear();
    }
    const warned = await db()
      .selectFrom('shopsync_log')
      .select(['level', 'detail'])
      .where('event', '=', 'shopify_deprecated')
      .execute();
    assert.deepEqual(
      warned.map((r) => ({ ...r })),
      [{ level: 'warn', detail: 'ProductVariant.image' }],
      'once per pass',
    );

    const client = new ShopifyClient({
      shop: 'boutique-test.myshopify.com',
      token: fake.token,
      apiBase: fake.url,
    });
    // The deprecated product images connection still answers, and is reported.
    const legacy = PRODUCTS_QUERY.replace(/media\(first: 5[^\n]*\n/, 'images(first: 5) { nodes { url } }\n');
    assert.notEqual(legacy, PRODUCTS_QUERY);
    await client.query(legacy, { first: 1, after: null, variants: 1 });
    assert.deepEqual([...client.deprecations], ['Product.images']);
    // A field that does not exist at 2026-04 (variant weight moved to the inventory item) is an error.
    await assert.rejects(
      client.query(PRODUCTS_QUERY.replace('price', 'price weight'), { first: 1, after: null, variants: 1 }),
      (e: unknown) =>
        e instanceof ShopifyError && /Field 'weight' doesn't exist on type 'ProductVariant'/.test(e.message),
    );
    // A version the fake does not serve (2025-01 left Shopify's support) is not answered.
    await assert.rejects(
      client.query(PRODUCTS_QUERY, { first: 1, after: null, variants: 1 }, '2025-01'),
      (e: unknown) => e instanceof ShopifyError && e.message === 'http_404',
    );
    fake.deprecatedSeen.length = 0;
  });

  test('a placed order decrements the shop stock once; a failed send is retried and shown', async () => {
    const b8 = (await product('BOTTE-8'))?.id as number;
    const { orders } = await placeOrder(f.p.app, [[b8, 2]], f.region.merchants.sports);
    await f.p.context.events.settled();
    assert.equal(fake.adjustments.length, 1);
    assert.deepEqual(fake.adjustments[0], {
      referenceDocumentUri: `comptoir://orders/${orders[0].order_id}`,
      changes: [
        {
          inventoryItemId: boots.variants[1].inventoryItem.id,
          locationId: LOC,
          delta: -2,
          changeFromQuantity: null,
        },
      ],
    });
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], 5);
    // The same event again (another instance, a retry): nothing sent twice.
    await f.republishOrder(orders[0].order_id, 'placed');
    assert.equal(fake.adjustments.length, 1);
    // Shopify's echo of the adjustment: stock stays consistent (reserved units are not counted twice).
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[1], 5))).statusCode,
      200,
    );
    assert.deepEqual({ ...(await level('BOTTE-8')) }, { on_hand: 7, reserved: 2 });

    fake.failAdjustNext = 2;
    const second = await placeOrder(f.p.app, [[b8, 1]], f.region.merchants.sports);
    await f.p.context.events.settled();
    assert.equal(fake.adjustments.length, 1);
    await f.expectPendingPush(second.orders[0].order_id);
    // Two senders at once (another process, or the retry timer overlapping the order event): the
    // decrement is sent by one of them only.
    await f.expectOneSender();
    assert.equal(fake.adjustments.length, 2);
    assert.equal(fake.adjustments[1].changes[0].delta, -1);
    assert.equal(await runPushes(f.deps, { now: new Date(Date.now() + 7200_000) }), 0);
  });

  test('a cancelled order gives its units back to the shop once', async () => {
    const first = fake.adjustments[0];
    const orderId = Number(first.referenceDocumentUri.split('/').at(-1));
    const level8 = boots.variants[1].inventoryItem.levels[LOC];
    await transitionOrder(db(), f.p.context.events, {
      orderId,
      merchantId: f.merchantId,
      to: 'cancelled',
      actor: 'test',
    });
    await f.p.context.events.settled();
    assert.equal(fake.adjustments.length, 3);
    assert.deepEqual(fake.adjustments[2], {
      referenceDocumentUri: `comptoir://orders/${orderId}/cancellation`,
      changes: [
        {
          inventoryItemId: boots.variants[1].inventoryItem.id,
          locationId: LOC,
          delta: 2,
          changeFromQuantity: null,
        },
      ],
    });
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], level8 + 2);
    await f.republishOrder(orderId, 'cancelled');
    assert.equal(fake.adjustments.length, 3, 'given back once');
  });

  test('a decrement whose answer was lost is sent again with the same idempotency key and applied once', async () => {
    const b8 = (await product('BOTTE-8'))?.id as number;
    const before = boots.variants[1].inventoryItem.levels[LOC];
    const sent = fake.adjustments.length;
    const keys = fake.adjustKeys.size;
    fake.loseAdjustAnswerNext = 2; // the first attempt's answer and its retry's (a replay) are lost
    const { orders } = await placeOrder(f.p.app, [[b8, 1]], f.region.merchants.sports);
    await f.p.context.events.settled();
    await f.expectPendingPush(orders[0].order_id);
    assert.equal(fake.adjustments.length, sent + 1, 'applied by the first attempt');
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], before - 1);
    // The retry timer sends it again: Shopify recognises the key and applies nothing more.
    assert.equal(await runPushes(f.deps, { now: new Date(Date.now() + 7200_000) }), 1);
    assert.equal(boots.variants[1].inventoryItem.levels[LOC], before - 1);
    assert.equal(fake.adjustments.length, sent + 1);
    assert.equal(fake.adjustKeys.size, keys + 1);
    assert.ok(fake.adjustVersions.length > 0 && fake.adjustVersions.every((v) => v === '2026-04'));
  });

  test('a revoked token: status "reconnect needed"; reconnecting resumes the sync from its saved cursor', async () => {
    const before = fake.calls.Products ?? 0;
    fake.onProductsPage = (n) => {
      if (n === before + 3) fake.revoked = true;
    };
    const out = await runSync(f.deps, connId, { pageSize: 1, batchVariants: 1 });
    assert.equal(out.state, 'failed');
    const c = await conn();
    assert.equal(c.status, 'reconnect_needed');
    assert.equal(c.sync_state, 'failed');
    assert.notEqual(c.cursor, null);
    assert.equal(fake.calls.Products, before + 2);
    const page = await f.owner.get(SHOP_PAGE);
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
    const res = await f.owner.submit(
      `${SHOP_PAGE}/connecter`,
      { shop_domain: 'boutique-test.myshopify.com', access_token: fake.token, webhook_secret: SECRET },
      SHOP_PAGE,
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
    assert.equal((await f.owner.submit(`${SHOP_PAGE}/pause`, {}, SHOP_PAGE)).statusCode, 303);
    assert.equal((await conn()).status, 'paused');
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 6))).json().outcome,
      'ignored',
    );
    assert.equal((await level('BOTTE-9'))?.on_hand, 0);
    assert.equal((await f.owner.submit(`${SHOP_PAGE}/reprendre`, {}, SHOP_PAGE)).statusCode, 303);
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 6))).json().outcome,
      'applied',
    );
    assert.equal((await level('BOTTE-9'))?.on_hand, 6);

    assert.equal((await f.owner.submit(`${SHOP_PAGE}/deconnecter`, {}, SHOP_PAGE)).statusCode, 303);
    const c = await conn();
    assert.equal(c.status, 'disconnected');
    assert.equal(c.token_enc, '');
    assert.equal(c.secret_enc, '');
    assert.equal((await product('BOTTE-7'))?.status, 'active');
    assert.equal(
      (await webhook('inventory_levels/update', stockUpdate(boots.variants[2], 1))).statusCode,
      404,
    );
    const page = await f.owner.get(SHOP_PAGE);
    assert.match(page.body, /data-shopsync-status="disconnected"/);
    assert.match(page.body, /name="access_token"/);
    await f.expectLogged([
      'connected',
      'sync_done',
      'token_refused',
      'webhook_bad_signature',
      'sku_collision',
      'paused',
      'disconnected',
    ]);
  });
});
