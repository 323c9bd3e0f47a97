import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { variantsOfProducts } from '../../src/modules/catalog/index.ts';
import {
  operatorLog,
  runPushes,
  runSync,
  type ShopSyncDeps,
  shopSyncIdle,
} from '../../src/modules/shopsync/index.ts';
import { approveMerchants } from './factories.ts';
import { type MiniRegion, seedMiniRegion } from './fixtures.ts';
import { openEventStream } from './http-agent.ts';
import { createTestPlatform, type TestPlatform } from './platform.ts';
import { Agent } from './session.ts';

/** The merchant's shop sync page (French). */
export const SHOP_PAGE = '/fr/marchand/ma-boutique';
/** The password of the users the fixture creates. */
export const PW = 'correct horse battery';
const CHELSEA = { lat: 45.4936, lng: -75.7884 };

/**
 * The shop sync tests' common ground, whatever the shop (Shopify, Square): a platform on a port
 * (for SSE), the mini region with the sports merchant approved, its owner logged in, and the
 * queries the tests read the results with.
 */
export interface ShopSyncFixture {
  readonly p: TestPlatform;
  readonly region: MiniRegion;
  readonly owner: Agent;
  readonly base: string;
  readonly merchantId: number;
  /** The sports merchant's store (its only location). */
  readonly store: number;
  readonly deps: ShopSyncDeps;
  db(): Kysely<DB>;
  /** The merchant's product of that SKU. */
  product(sku: string): Promise<ProductRow | undefined>;
  /** That product's stock at the store. */
  level(sku: string): Promise<{ on_hand: number; reserved: number } | undefined>;
  /** The merchant's shop connection. */
  conn(): Promise<ConnectionRow>;
  /** A public search around Chelsea (50 km). */
  search(q: string): Promise<{ product_id: number; sku: string; available: number }[]>;
  /** Sets the stock through the merchant API (what a POS does). */
  putStock(sku: string, onHand: number): Promise<void>;
  /** Opens a stock stream of the product, runs `change`, and returns the stock event it heard. */
  stockEvent(
    productId: number,
    change: () => Promise<void>,
  ): Promise<{ product_id: number; available: number }>;
  /** Publishes the order's event again (another instance, a retry) and waits for its effects. */
  republishOrder(orderId: number, status: 'placed' | 'cancelled'): Promise<void>;
  /** The push rows of an order. */
  pushesOfOrder(orderId: number): Promise<PushRow[]>;
  /** Checks a failed push: pending, one attempt, HTTP 500, shown on the page, not yet due. */
  expectPendingPush(orderId: number): Promise<void>;
  /** Two senders at once, an hour later: only one of them sends. */
  expectOneSender(message?: string): Promise<void>;
  /**
   * The winter boots both fake shops sell, as the first sync imported them: `<prefix>-7|8|9`, 89,99 $,
   * the GTIN, the description, the "Chaussures" category, three variants with 5, 3 and 0 in stock.
   */
  expectBoots(prefix: string): Promise<ProductRow>;
  /** A full pass where a shop product takes the SKU of a Comptoir product: one error, no duplicate. */
  expectSkuCollision(): Promise<void>;
  /** The operators' log has each event. */
  expectLogged(events: string[]): Promise<void>;
}

type ProductRow = NonNullable<Awaited<ReturnType<typeof selectProduct>>>;
type ConnectionRow = Awaited<ReturnType<typeof selectConnection>>;
type PushRow = Awaited<ReturnType<typeof selectPushes>>[number];

const selectProduct = (db: Kysely<DB>, merchantId: number, sku: string) =>
  db
    .selectFrom('products')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('sku', '=', sku)
    .executeTakeFirst();
const selectConnection = (db: Kysely<DB>, merchantId: number) =>
  db
    .selectFrom('shopsync_connections')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
const selectPushes = (db: Kysely<DB>, orderId: number) =>
  db.selectFrom('shopsync_pushes').selectAll().where('order_id', '=', orderId).execute();

/**
 * Registers the suite's `before`/`after` hooks (call it in the `describe` body): `start` starts the
 * fake shop and returns the platform's settings, `stop` closes it after the platform.
 */
export function shopSyncFixture(opts: {
  ownerEmail: string;
  start: () => Promise<Record<string, string>>;
  stop: () => Promise<void>;
  /** Receives the app's log lines (JSON), for tests that check what is logged. */
  logs?: string[];
}): ShopSyncFixture {
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let base: string;
  let deps: ShopSyncDeps;
  const db = () => p.context.database.db;
  const merchantId = () => region.merchants.sports.merchant_id;

  before(async () => {
    p = await createTestPlatform(await opts.start(), { logs: opts.logs });
    region = await seedMiniRegion(db());
    await approveMerchants(db(), region);
    await createUser(db(), {
      email: opts.ownerEmail,
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId() }],
    });
    owner = new Agent(p.app);
    assert.equal((await owner.login(opts.ownerEmail, PW)).statusCode, 303);
    deps = { db: db(), events: p.context.events, database: p.context.database, config: p.context.config };
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await shopSyncIdle();
    p.app.server.closeAllConnections();
    await p.close();
    await opts.stop();
  });

  const f: ShopSyncFixture = {
    get p() {
      return p;
    },
    get region() {
      return region;
    },
    get owner() {
      return owner;
    },
    get base() {
      return base;
    },
    get merchantId() {
      return merchantId();
    },
    get store() {
      return region.merchants.sports.location_id;
    },
    get deps() {
      return deps;
    },
    db,
    product: (sku) => selectProduct(db(), merchantId(), sku),
    async level(sku) {
      const id = (await f.product(sku))?.id as number;
      return db()
        .selectFrom('inventory_levels')
        .select(['on_hand', 'reserved'])
        .where('product_id', '=', id)
        .where('location_id', '=', f.store)
        .executeTakeFirst();
    },
    conn: () => selectConnection(db(), merchantId()),
    async search(q) {
      const r = await p.app.inject({
        url: `/api/v1/search?q=${q}&lat=${CHELSEA.lat}&lng=${CHELSEA.lng}&radius_km=50`,
      });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { results: { product_id: number; sku: string; available: number }[] }).results;
    },
    async putStock(sku, onHand) {
      const put = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/inventory',
        headers: { authorization: `Bearer ${region.merchants.sports.api_key}` },
        payload: [{ sku, location_code: region.merchants.sports.location_code, on_hand: onHand }],
      });
      assert.equal(put.statusCode, 200, put.body);
    },
    async stockEvent(productId, change) {
      const stream = await openEventStream(`${base}/api/v1/stream?products=${productId}`);
      try {
        await change();
        await stream.until(() => stream.events.some((e) => e.event === 'stock'));
        return stream.events.find((e) => e.event === 'stock')?.data as {
          product_id: number;
          available: number;
        };
      } finally {
        stream.close();
      }
    },
    async republishOrder(orderId, status) {
      await p.context.events.publish('order', { order_id: orderId, merchant_id: merchantId(), status });
      await p.context.events.settled();
    },
    pushesOfOrder: (orderId) => selectPushes(db(), orderId),
    async expectPendingPush(orderId) {
      const pending = await f.pushesOfOrder(orderId);
      assert.equal(pending.length, 1);
      assert.equal(pending[0].status, 'pending');
      assert.equal(pending[0].attempts, 1);
      assert.equal(pending[0].last_error, 'http_500');
      assert.match((await owner.get(SHOP_PAGE)).body, /data-push-status="pending"/);
      assert.equal(await runPushes(deps), 0, 'not due before its retry time');
    },
    async expectOneSender(message) {
      const later = new Date(Date.now() + 3600_000);
      const [one, other] = await Promise.all([
        runPushes(deps, { now: later }),
        runPushes(deps, { now: later }),
      ]);
      assert.equal(one + other, 1, message);
    },
    async expectBoots(prefix) {
      const b7 = await f.product(`${prefix}-7`);
      assert.ok(b7);
      assert.equal(b7.price_cents, 8999);
      assert.equal(b7.gtin, '0627843000023');
      assert.equal(b7.status, 'active');
      assert.match(b7.description_fr, /fait au Québec/);
      const shoes = await db()
        .selectFrom('categories')
        .select('id')
        .where('slug', '=', 'chaussures')
        .executeTakeFirstOrThrow();
      assert.equal(b7.category_id, shoes.id);
      const variants = (await variantsOfProducts(db(), [b7.id])).get(b7.id) ?? [];
      assert.deepEqual(variants.map((v) => v.sku).sort(), [`${prefix}-7`, `${prefix}-8`, `${prefix}-9`]);
      assert.deepEqual(
        [
          (await f.level(`${prefix}-7`))?.on_hand,
          (await f.level(`${prefix}-8`))?.on_hand,
          (await f.level(`${prefix}-9`))?.on_hand,
        ],
        [5, 3, 0],
      );
      return b7;
    },
    async expectSkuCollision() {
      const before = await f.product('VELO-MT');
      assert.ok(before);
      const out = await runSync(deps, (await f.conn()).id);
      assert.equal(out.state, 'done');
      assert.equal(out.errors, 1);
      const rows = await db()
        .selectFrom('products')
        .selectAll()
        .where('merchant_id', '=', merchantId())
        .where('sku', '=', 'VELO-MT')
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].title_fr, before.title_fr);
      assert.equal(rows[0].price_cents, before.price_cents);
      const page = await owner.get(SHOP_PAGE);
      assert.match(page.body, /data-sync-error="sku_collision"/);
      assert.match(page.body, /Le SKU VELO-MT appartient déjà à un autre produit/);
    },
    async expectLogged(events) {
      const log = await operatorLog(db());
      for (const e of events)
        assert.ok(
          log.some((l) => l.event === e),
          `operator log has ${e}`,
        );
    },
  };
  return f;
}
