import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { publicBaseUrl } from '../../src/config.ts';
import { ValidationError } from '../../src/lib/errors.ts';
import { transitionOrder } from '../../src/modules/orders/index.ts';
import {
  decryptSecret,
  runPushes,
  runSync,
  shopSyncIdle,
  shopTokenKey,
  squareOAuthFinish,
} from '../../src/modules/shopsync/index.ts';
import { placeOrder } from '../helpers/factories.ts';
import {
  catalogVersionUpdated,
  type FakeObject,
  type FakeSquare,
  inventoryCountUpdated,
  signSquareWebhook,
  startFakeSquare,
} from '../helpers/fake-square.ts';
import { SHOP_PAGE, shopSyncFixture } from '../helpers/shopsync-fixture.ts';

const KEY = '1f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f1';
const SIG_KEY = 'sq_sig_test_0123456789abcdef';
const LOC = 'L1MAIN000001';

describe('shop sync: Square (issue 17)', () => {
  let fake: FakeSquare;
  let connId: number;
  let boots: FakeObject;
  let gourde: FakeObject;
  let noSku: FakeObject;
  const variation = (item: FakeObject, k = 0) => (item.item_data?.variations ?? [])[k];
  const f = shopSyncFixture({
    ownerEmail: 'owner-sq@example.test',
    async start() {
      fake = await startFakeSquare();
      boots = fake.addItem({
        name: 'Bottes d’hiver Kamik',
        reportingCategory: 'Chaussures',
        categories: ['Hiver'],
        variations: [
          { name: '7', sku: 'BOTTE-SQ-7', price: 8999, upc: '0627843000023', stock: { [LOC]: 5 } },
          { name: '8', sku: 'BOTTE-SQ-8', price: 8999, stock: { [LOC]: 3 } },
          { name: '9', sku: 'BOTTE-SQ-9', price: 8999, stock: { [LOC]: 0 } },
        ],
      });
      gourde = fake.addItem({
        name: 'Gourde isotherme',
        variations: [{ name: 'Regular', sku: 'GOURDE-SQ', price: 2450, stock: { [LOC]: 10 } }],
      });
      noSku = fake.addItem({
        name: 'Carte cadeau papier',
        variations: [{ name: 'Regular', price: 500, stock: { [LOC]: 50 } }],
      });
      return {
        SHOP_TOKEN_KEY: KEY,
        SQUARE_API_BASE: fake.url,
        SQUARE_APPLICATION_ID: fake.application.id,
        SQUARE_APPLICATION_SECRET: fake.application.secret,
        SQUARE_OAUTH_ENVIRONMENT: 'sandbox',
      };
    },
    stop: () => fake.close(),
  });
  const { db, product, level, conn, search } = f;

  const hookUrl = (id = connId) =>
    `${publicBaseUrl(f.p.context.config)}/api/v1/shopsync/square/${id}/webhooks`;
  const notify = (body: string, opts: { key?: string; signedUrl?: string; id?: number } = {}) =>
    f.p.app.inject({
      method: 'POST',
      url: `/api/v1/shopsync/square/${opts.id ?? connId}/webhooks`,
      headers: signSquareWebhook(opts.key ?? SIG_KEY, opts.signedUrl ?? hookUrl(opts.id), body),
      payload: body,
    });
  const stock = (item: FakeObject, k: number, quantity: number, eventId?: string) =>
    inventoryCountUpdated([{ variationId: variation(item, k).id, locationId: LOC, quantity }], eventId);
  const connect = (form: { environment: string; access_token: string; signature_key: string }) =>
    f.owner.submit(
      `${SHOP_PAGE}/connecter-square`,
      {
        square_environment: form.environment,
        square_access_token: form.access_token,
        square_signature_key: form.signature_key,
      },
      SHOP_PAGE,
    );

  test('connecting: a refused token or an unknown environment is a field error and stores nothing', async () => {
    const refused = await connect({
      environment: 'sandbox',
      access_token: 'EAAAl_wrong_token_000000000000',
      signature_key: SIG_KEY,
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="f-square_access_token-error"[^>]*>Square a refusé ce jeton/);
    const env = await connect({ environment: 'staging', access_token: fake.token, signature_key: SIG_KEY });
    assert.equal(env.statusCode, 400);
    assert.match(env.body, /id="f-square_environment-error"[^>]*>Choisissez Production ou Bac à sable/);
    assert.match(env.body, /href="#f-square_environment"/);
    assert.equal((await db().selectFrom('shopsync_connections').selectAll().execute()).length, 0);
  });

  test('first sync: items, variations, prices in cents, UPC, categories, IN_STOCK counts; searchable; token encrypted', async () => {
    const res = await connect({ environment: 'sandbox', access_token: fake.token, signature_key: SIG_KEY });
    assert.equal(res.statusCode, 303, res.body);
    await shopSyncIdle();
    const c = await conn();
    connId = c.id;
    assert.equal(c.provider, 'square');
    assert.equal(c.environment, 'sandbox');
    assert.equal(c.status, 'active');
    assert.equal(c.sync_state, 'done');
    assert.equal(c.cursor, null);
    assert.equal(c.products_done, 3);
    assert.equal(c.variants_done, 5);
    assert.equal(c.catalog_version_at, fake.latestTime());
    assert.ok(!c.token_enc.includes(fake.token) && !c.secret_enc.includes(SIG_KEY));
    assert.equal(decryptSecret(shopTokenKey(KEY) as Buffer, c.token_enc), fake.token);
    assert.deepEqual(JSON.parse(c.location_map_json), { [LOC]: f.store });
    // Only IN_STOCK counts were asked, for the mapped location.
    assert.ok((fake.calls['/v2/inventory/counts/batch-retrieve'] ?? 0) >= 1);

    await f.expectBoots('BOTTE-SQ');
    assert.equal((await product('GOURDE-SQ'))?.price_cents, 2450);
    assert.equal((await level('GOURDE-SQ'))?.on_hand, 10);
    const gift = await product(`square-${variation(noSku).id}`);
    assert.ok(gift, 'a variation without SKU gets a stable one');
    assert.equal(gift.price_cents, 500);

    const found = (await search('bottes')).filter((r) => r.sku.startsWith('BOTTE-SQ'));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].available, 8);

    const page = await f.owner.get(SHOP_PAGE);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-provider="square"/);
    assert.match(page.body, /data-sync-state="done"/);
    assert.match(page.body, /3 produits, 5 variantes/);
    assert.match(page.body, new RegExp(`/api/v1/shopsync/square/${connId}/webhooks`));
    assert.match(page.body, /catalog\.version\.updated/);
    assert.match(page.body, /Emplacements Square et magasins/);
    const en = await f.owner.get('/en/merchant/my-shop');
    assert.match(en.body, /Square account/);
    assert.match(en.body, /3 products, 5 variants/);
  });

  test('one shop at a time: connecting Shopify while Square is connected is refused beside the field', async () => {
    const res = await f.owner.submit(
      `${SHOP_PAGE}/connecter`,
      {
        shop_domain: 'boutique-test.myshopify.com',
        access_token: 'shpat_0123456789abcdef0123',
        webhook_secret: SIG_KEY,
      },
      SHOP_PAGE,
    );
    // The Shopify form is not shown while Square is connected; a forged post is still refused.
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="f-shop_domain-error"[^>]*>Une autre boutique est déjà connectée/);
    const c = await conn();
    assert.equal(c.provider, 'square');
    assert.equal(c.status, 'active');
    assert.equal((await db().selectFrom('shopsync_connections').selectAll().execute()).length, 1);
  });

  test('inventory.count.updated: the new count reaches search and an open product stream (SSE)', async () => {
    const b8 = (await product('BOTTE-SQ-8'))?.id as number;
    const ev = await f.stockEvent(b8, async () => {
      fake.counts.set(`${variation(boots, 1).id}:${LOC}`, 7); // sold or received at the Square till
      const res = await notify(stock(boots, 1, 7));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().outcome, 'applied');
    });
    assert.equal(ev.product_id, b8);
    assert.equal(ev.available, 7);
    assert.equal((await level('BOTTE-SQ-8'))?.on_hand, 7);
    assert.equal((await search('bottes')).find((r) => r.sku.startsWith('BOTTE-SQ'))?.available, 12);
  });

  test('a bad signature (wrong key, another URL, altered body) is refused with 401 and changes nothing', async () => {
    const before = await level('BOTTE-SQ-7');
    const wrongKey = await notify(stock(boots, 0, 99), { key: 'not-the-signature-key' });
    assert.equal(wrongKey.statusCode, 401);
    assert.equal(wrongKey.json().error.code, 'unauthorized');
    const otherUrl = await notify(stock(boots, 0, 99), { signedUrl: 'https://evil.example/hook' });
    assert.equal(otherUrl.statusCode, 401);
    const signed = signSquareWebhook(SIG_KEY, hookUrl(), stock(boots, 0, 1));
    const tampered = await f.p.app.inject({
      method: 'POST',
      url: `/api/v1/shopsync/square/${connId}/webhooks`,
      headers: signed,
      payload: stock(boots, 0, 99),
    });
    assert.equal(tampered.statusCode, 401);
    assert.deepEqual(await level('BOTTE-SQ-7'), before);
    assert.equal((await notify(stock(boots, 0, 1), { id: connId + 999 })).statusCode, 404);
  });

  test('a replayed notification (same event_id) has no second effect', async () => {
    const id = 'b7f4c2d0-sq-replay-0001';
    assert.equal((await notify(stock(boots, 0, 4, id))).json().outcome, 'applied');
    assert.equal((await level('BOTTE-SQ-7'))?.on_hand, 4);
    await f.putStock('BOTTE-SQ-7', 9);
    const replay = await notify(stock(boots, 0, 4, id));
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().outcome, 'duplicate');
    assert.equal((await level('BOTTE-SQ-7'))?.on_hand, 9);
  });

  test('catalog.version.updated: the changes since the last catch-up are searched (begin_time) and applied once', async () => {
    const since = (await conn()).catalog_version_at;
    (gourde.item_data as { name: string }).name = 'Gourde isotherme 750 ml';
    fake.touch(gourde);
    const price = variation(gourde).item_variation_data as { price_money?: { amount: number } };
    price.price_money = { amount: 2699, currency: 'CAD' } as never;
    fake.touch(variation(gourde));
    const tuque = fake.addItem({
      name: 'Tuque en laine',
      reportingCategory: 'Vêtements',
      variations: [{ name: 'Regular', sku: 'TUQUE-SQ', price: 3500, stock: { [LOC]: 6 } }],
    });
    const searches = fake.calls['/v2/catalog/search'] ?? 0;
    const body = catalogVersionUpdated(fake.latestTime(), 'cat-evt-0001');
    const res = await notify(body);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().outcome, 'applied');
    const g = await product('GOURDE-SQ');
    assert.equal(g?.title_fr, 'Gourde isotherme 750 ml');
    assert.equal(g?.price_cents, 2699);
    assert.equal((await product('TUQUE-SQ'))?.price_cents, 3500);
    assert.equal((await level('TUQUE-SQ'))?.on_hand, 6);
    const after = (await conn()).catalog_version_at;
    assert.ok(after && since && after > since, 'the next begin_time moved on');
    assert.equal(after, fake.latestTime());
    assert.equal((await notify(body)).json().outcome, 'duplicate');
    assert.equal(fake.calls['/v2/catalog/search'], searches + 1, 'searched once, not again for the replay');
    // Nothing changed since: a new notification finds nothing to apply.
    assert.equal((await notify(catalogVersionUpdated(fake.latestTime()))).json().outcome, 'ignored');
    assert.ok(tuque.id);
  });

  test('an item deleted on Square is archived (kept, no longer on sale), not deleted', async () => {
    fake.deleteItem(gourde.id);
    const res = await notify(catalogVersionUpdated(fake.latestTime()));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().outcome, 'applied');
    assert.equal((await product('GOURDE-SQ'))?.status, 'archived');
    assert.equal((await search('gourde')).length, 0);
    // A full pass keeps it archived (gone from Square).
    assert.equal((await runSync(f.deps, connId)).state, 'done');
    assert.equal((await product('GOURDE-SQ'))?.status, 'archived');
  });

  test('a variation whose SKU belongs to another product: a clear per-product error, no duplicate', async () => {
    fake.addItem({
      name: 'Vélo importé de Square',
      variations: [{ name: 'Regular', sku: 'VELO-MT', price: 1000, stock: { [LOC]: 4 } }],
    });
    await f.expectSkuCollision();
  });

  test('HTTP 429 RATE_LIMITED with Retry-After is waited for and retried', async () => {
    fake.rateLimitNext = 3;
    const out = await runSync(f.deps, connId);
    assert.equal(out.state, 'done');
    assert.equal(fake.rateLimitNext, 0);
    assert.equal((await conn()).sync_state, 'done');
  });

  test('a placed order moves IN_STOCK → SOLD on Square once per line (idempotency key); failures retried and shown', async () => {
    const b8 = (await product('BOTTE-SQ-8'))?.id as number;
    const v8 = variation(boots, 1).id;
    const { orders } = await placeOrder(f.p.app, [[b8, 2]], f.region.merchants.sports);
    await f.p.context.events.settled();
    assert.equal(fake.changes.length, 1);
    const sent = fake.changes[0];
    assert.deepEqual(
      { ...(sent.changes[0] as { adjustment: Record<string, string> }).adjustment, occurred_at: undefined },
      {
        from_state: 'IN_STOCK',
        to_state: 'SOLD',
        location_id: LOC,
        catalog_object_id: v8,
        quantity: '2',
        occurred_at: undefined,
      },
    );
    assert.match(sent.idempotency_key, new RegExp(`^comptoir-${connId}-${orders[0].order_id}-${b8}-${LOC}$`));
    assert.equal(fake.counts.get(`${v8}:${LOC}`), 5);
    // The same event again (another instance, a retry): nothing sent twice.
    await f.republishOrder(orders[0].order_id, 'placed');
    assert.equal(fake.changes.length, 1);
    // Square's echo of the adjustment: the reserved units are not counted twice.
    assert.equal((await notify(stock(boots, 1, 5))).statusCode, 200);
    assert.deepEqual({ ...(await level('BOTTE-SQ-8')) }, { on_hand: 7, reserved: 2 });
    // Sent again after a crash before it was recorded: Square sees the same key and applies nothing.
    await db()
      .updateTable('shopsync_pushes')
      .set({ status: 'pending', next_attempt_at: new Date(0).toISOString() })
      .where('order_id', '=', orders[0].order_id)
      .execute();
    assert.equal(await runPushes(f.deps), 1);
    assert.equal(fake.changes.length, 1);
    assert.equal(fake.counts.get(`${v8}:${LOC}`), 5);

    fake.failChangesNext = 2;
    const second = await placeOrder(f.p.app, [[b8, 1]], f.region.merchants.sports);
    await f.p.context.events.settled();
    await f.expectPendingPush(second.orders[0].order_id);
    await f.expectOneSender('claimed by one sender only');
    assert.equal(fake.changes.length, 2);
    assert.equal(fake.counts.get(`${v8}:${LOC}`), 4);
  });

  test('a cancelled order gives its units back to Square once (NONE → IN_STOCK); a sale never sent owes nothing', async () => {
    const b8 = (await product('BOTTE-SQ-8'))?.id as number;
    const v8 = variation(boots, 1).id;
    const sale = (
      await db()
        .selectFrom('shopsync_pushes')
        .selectAll()
        .where('product_id', '=', b8)
        .orderBy('id')
        .execute()
    )[0];
    const before = fake.counts.get(`${v8}:${LOC}`) as number;
    const changes = fake.changes.length;
    await transitionOrder(db(), f.p.context.events, {
      orderId: sale.order_id,
      merchantId: f.merchantId,
      to: 'cancelled',
      actor: 'test',
    });
    await f.p.context.events.settled();
    assert.equal(fake.changes.length, changes + 1);
    const back = fake.changes.at(-1);
    assert.ok(back);
    assert.equal(back.idempotency_key, `comptoir-${connId}-${sale.order_id}-${b8}-${LOC}-return`);
    const adj = (back.changes[0] as { adjustment: Record<string, string> }).adjustment;
    assert.deepEqual([adj.from_state, adj.to_state, adj.quantity], ['NONE', 'IN_STOCK', '2']);
    assert.equal(fake.counts.get(`${v8}:${LOC}`), before + 2);
    // The cancellation heard again: nothing given back twice.
    await f.republishOrder(sale.order_id, 'cancelled');
    assert.equal(fake.changes.length, changes + 1);
    // Square's echo: Comptoir's count is Square's plus the 1 unit the other order still holds.
    assert.equal((await notify(stock(boots, 1, before + 2))).statusCode, 200);
    assert.deepEqual({ ...(await level('BOTTE-SQ-8')) }, { on_hand: before + 2 + 1, reserved: 1 });

    // An order whose sale Square never got (given up after its attempts): its cancellation sends nothing.
    fake.failChangesNext = 100;
    const third = await placeOrder(f.p.app, [[b8, 1]], f.region.merchants.sports);
    await f.p.context.events.settled();
    await db()
      .updateTable('shopsync_pushes')
      .set({ status: 'failed' })
      .where('order_id', '=', third.orders[0].order_id)
      .execute();
    fake.failChangesNext = 0;
    const sent = fake.changes.length;
    await transitionOrder(db(), f.p.context.events, {
      orderId: third.orders[0].order_id,
      merchantId: f.merchantId,
      to: 'cancelled',
      actor: 'test',
    });
    await f.p.context.events.settled();
    assert.equal(fake.changes.length, sent);
    const rows = await db()
      .selectFrom('shopsync_pushes')
      .select(['kind', 'status'])
      .where('order_id', '=', third.orders[0].order_id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        { kind: 'sale', status: 'failed' },
        { kind: 'return', status: 'done' },
      ],
    );
  });

  test('a revoked token: "reconnect needed" in clear words; reconnecting resumes the sync from its saved cursor', async () => {
    const before = fake.calls['/v2/catalog/search'] ?? 0;
    fake.onSearchPage = (n) => {
      if (n === before + 2) fake.revoked = true;
    };
    const out = await runSync(f.deps, connId, { pageSize: 1, batchVariants: 1 });
    assert.equal(out.state, 'failed');
    const c = await conn();
    assert.equal(c.status, 'reconnect_needed');
    assert.equal(c.sync_state, 'failed');
    assert.notEqual(c.cursor, null);
    const page = await f.owner.get(SHOP_PAGE);
    assert.match(page.body, /data-shopsync-status="reconnect_needed"/);
    assert.match(page.body, /Square refuse le jeton enregistré/);
    assert.equal((await notify(stock(boots, 2, 6))).json().outcome, 'ignored');
    assert.equal((await level('BOTTE-SQ-9'))?.on_hand, 0);

    fake.onSearchPage = undefined;
    fake.revoked = false;
    const calls = fake.calls['/v2/catalog/search'];
    // Reconnecting without a new signature key keeps the stored one.
    const res = await connect({ environment: 'sandbox', access_token: fake.token, signature_key: '' });
    assert.equal(res.statusCode, 303, res.body);
    await shopSyncIdle();
    const after = await conn();
    assert.equal(after.status, 'active');
    assert.equal(after.sync_state, 'done');
    assert.equal(after.cursor, null);
    assert.equal(decryptSecret(shopTokenKey(KEY) as Buffer, after.secret_enc), SIG_KEY);
    // The rest from the saved cursor (default page size), not the first pages again.
    assert.equal(fake.calls['/v2/catalog/search'], calls + 1);
    assert.equal(fake.searches.at(-1)?.cursor, (JSON.parse(c.cursor as string) as { c: string }).c);
    assert.equal((await notify(stock(boots, 2, 6))).json().outcome, 'applied');
    assert.equal((await level('BOTTE-SQ-9'))?.on_hand, 6);
  });

  test('disconnect erases the credentials and keeps the products; the log has what happened', async () => {
    assert.equal((await f.owner.submit(`${SHOP_PAGE}/deconnecter`, {}, SHOP_PAGE)).statusCode, 303);
    const c = await conn();
    assert.equal(c.status, 'disconnected');
    assert.equal(c.token_enc, '');
    assert.equal(c.secret_enc, '');
    assert.equal((await product('BOTTE-SQ-7'))?.status, 'active');
    assert.equal((await notify(stock(boots, 2, 1))).statusCode, 404);
    await f.expectLogged([
      'connected',
      'sync_done',
      'token_refused',
      'webhook_bad_signature',
      'sku_collision',
      'product_archived',
    ]);
  });

  test('"Connect with Square" (OAuth): a signed state, the code exchanged once; a forged state stores nothing', async () => {
    assert.match((await f.owner.get(SHOP_PAGE)).body, /data-square-oauth/);
    const start = await f.owner.get(`${SHOP_PAGE}/square/autoriser`);
    assert.equal(start.statusCode, 303);
    const to = new URL(String(start.headers.location));
    assert.equal(`${to.origin}${to.pathname}`, `${fake.url}/oauth2/authorize`);
    assert.equal(to.searchParams.get('client_id'), fake.application.id);
    assert.match(String(to.searchParams.get('scope')), /ITEMS_READ.*INVENTORY_WRITE/);
    const state = String(to.searchParams.get('state'));
    fake.oauthCodes.add('sq-code-0001');
    const forged = await f.owner.get(
      `${SHOP_PAGE}/square/retour?code=sq-code-0001&state=${encodeURIComponent(`${state.split('.').slice(0, 2).join('.')}.forged`)}`,
    );
    assert.equal(forged.statusCode, 400);
    assert.match(forged.body, /La connexion avec Square n’a pas abouti/);
    const other = await f.owner.get(
      `${SHOP_PAGE}/square/retour?code=sq-code-0001&state=${encodeURIComponent(`9999${state}`)}`,
    );
    assert.equal(other.statusCode, 400);
    assert.equal((await conn()).status, 'disconnected');

    const back = await f.owner.get(
      `${SHOP_PAGE}/square/retour?code=sq-code-0001&state=${encodeURIComponent(state)}`,
    );
    assert.equal(back.statusCode, 303, back.body);
    await shopSyncIdle();
    const c = await conn();
    assert.equal(c.status, 'active');
    assert.equal(c.provider, 'square');
    assert.equal(c.environment, 'sandbox');
    assert.equal(decryptSecret(shopTokenKey(KEY) as Buffer, c.token_enc), fake.token);
    assert.equal(c.sync_state, 'done');
    // The code was used: Square refuses it a second time, and so does the page.
    const again = await f.owner.get(
      `${SHOP_PAGE}/square/retour?code=sq-code-0001&state=${encodeURIComponent(state)}`,
    );
    assert.equal(again.statusCode, 400);
    // Refused codes reach the server's log with Square's answer (the page only says "not completed").
    const warnings: { obj: { err?: unknown; merchantId?: number }; msg: string }[] = [];
    const log = { warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
    await assert.rejects(
      squareOAuthFinish(
        { ...f.deps, log },
        c.merchant_id,
        { code: 'sq-code-0001', state },
        `${publicBaseUrl(f.p.context.config)}${SHOP_PAGE}/square/retour`,
      ),
      ValidationError,
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.msg, 'Square OAuth code exchange failed');
    assert.equal(warnings[0]?.obj.merchantId, c.merchant_id);
    assert.ok(warnings[0]?.obj.err instanceof Error, 'with the error');
  });

  test('an OAuth token is renewed before it is a week old; a renewal refused after expiry asks the merchant to reconnect', async () => {
    const key = shopTokenKey(KEY) as Buffer;
    const DAY = 86_400_000;
    let c = await conn();
    connId = c.id;
    assert.equal(decryptSecret(key, c.refresh_enc as string), fake.refreshToken);
    const left = Date.parse(c.token_expires_at as string) - Date.now();
    assert.ok(left > 29 * DAY && left <= 30 * DAY, `expires in ${left / DAY} days`);

    // A token of the day is used as it is.
    assert.equal((await runSync(f.deps, connId)).state, 'done');
    assert.equal(fake.refreshes, 0);

    // Eight days old (22 days left): renewed before the pass, which then runs with the new token
    // (the fake refuses the old one from the renewal on).
    const old = fake.token;
    await db()
      .updateTable('shopsync_connections')
      .set({ token_expires_at: new Date(Date.now() + 22 * DAY).toISOString() })
      .where('id', '=', connId)
      .execute();
    assert.equal((await runSync(f.deps, connId)).state, 'done');
    assert.equal(fake.refreshes, 1);
    c = await conn();
    assert.notEqual(fake.token, old);
    assert.equal(decryptSecret(key, c.token_enc), fake.token);
    assert.ok(Date.parse(c.token_expires_at as string) - Date.now() > 29 * DAY);
    assert.equal(c.status, 'active');

    // Square refuses the refresh token (the seller revoked the app) while the token still works:
    // logged, the pass goes on with the current token, nothing else changes.
    fake.refreshToken = '';
    await db()
      .updateTable('shopsync_connections')
      .set({ token_expires_at: new Date(Date.now() + 5 * DAY).toISOString() })
      .where('id', '=', connId)
      .execute();
    assert.equal((await runSync(f.deps, connId)).state, 'done');
    c = await conn();
    assert.equal(c.status, 'active');
    assert.equal(decryptSecret(key, c.token_enc), fake.token);
    const events = async () =>
      (
        await db()
          .selectFrom('shopsync_log')
          .select('event')
          .where('connection_id', '=', connId)
          .orderBy('id')
          .execute()
      ).map((r) => r.event);
    assert.deepEqual((await events()).filter((e) => e.startsWith('token_')).slice(-2), [
      'token_renewed',
      'token_renewal_failed',
    ]);

    // Once expired, a refused renewal is the merchant's to reconnect: no call is made with the
    // lapsed token, and the status page says so.
    await db()
      .updateTable('shopsync_connections')
      .set({ token_expires_at: new Date(Date.now() - DAY).toISOString() })
      .where('id', '=', connId)
      .execute();
    const searchesBefore = fake.calls['/v2/catalog/search'] ?? 0;
    assert.equal((await runSync(f.deps, connId)).state, 'failed');
    c = await conn();
    assert.equal(c.status, 'reconnect_needed');
    assert.equal(c.last_error, 'token_refused');
    assert.equal(fake.calls['/v2/catalog/search'] ?? 0, searchesBefore);
    assert.equal((await events()).at(-1), 'token_refused');
  });

  test('a pasted token (no refresh token) is never renewed', async () => {
    fake.refreshToken = 'EQAAl_fake_refresh_token';
    const res = await connect({ environment: 'sandbox', access_token: fake.token, signature_key: SIG_KEY });
    assert.equal(res.statusCode, 303, res.body);
    await shopSyncIdle();
    const c = await conn();
    assert.equal(c.status, 'active');
    assert.equal(c.refresh_enc, null);
    assert.equal(c.token_expires_at, null);
    const before = fake.refreshes;
    assert.equal((await runSync(f.deps, c.id)).state, 'done');
    assert.equal(fake.refreshes, before);
  });

  test('disconnecting an OAuth connection erases its refresh token too', async () => {
    const start = await f.owner.get(`${SHOP_PAGE}/square/autoriser`);
    const state = String(new URL(String(start.headers.location)).searchParams.get('state'));
    fake.oauthCodes.add('sq-code-0002');
    const back = await f.owner.get(
      `${SHOP_PAGE}/square/retour?code=sq-code-0002&state=${encodeURIComponent(state)}`,
    );
    assert.equal(back.statusCode, 303, back.body);
    await shopSyncIdle();
    assert.notEqual((await conn()).refresh_enc, null);
    assert.equal((await f.owner.submit(`${SHOP_PAGE}/deconnecter`, {}, SHOP_PAGE)).statusCode, 303);
    const c = await conn();
    assert.equal(c.status, 'disconnected');
    assert.deepEqual([c.token_enc, c.secret_enc, c.refresh_enc, c.token_expires_at], ['', '', null, null]);
  });
});
