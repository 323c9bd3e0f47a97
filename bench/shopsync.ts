/**
 * Shop sync benchmark (issue 17): the first sync of a 20,000-variant Shopify shop served by the
 * local fake (test/helpers/fake-shopify.ts: GraphQL pages of 4 products with their variants and
 * inventory levels, cost bucket unlimited), through the real sync (import paths: catalogue, variants, categories, stock,
 * search indexing), into a fresh small region; then the latency of a stock webhook
 * (`inventory_levels/update`, signed) until the open product stream (SSE) receives the `stock`
 * event, p50/p95 over N deliveries.
 * With `--square`, the same for Square (test/helpers/fake-square.ts: SearchCatalogObjects pages of
 * 200 items with their variations, IN_STOCK counts 500 variations per request) and the stock
 * notification `inventory.count.updated`.
 * Runs on SQLite, or PostgreSQL with DATABASE_URL.
 * Usage: node bench/shopsync.ts [--square] [variants=20000] [variantsPerProduct=10] [webhooks=100] [batch]
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { loadConfig, publicBaseUrl } from '../src/config.ts';
import { importIndexingIdle } from '../src/modules/imports/index.ts';
import { connectShopify, connectSquare, runSync, type ShopSyncDeps } from '../src/modules/shopsync/index.ts';
import { createPlatform } from '../src/server.ts';
import { createTestDatabase } from '../test/helpers/db.ts';
import { fakeProduct, numericId, signWebhook, startFakeShopify } from '../test/helpers/fake-shopify.ts';
import { inventoryCountUpdated, signSquareWebhook, startFakeSquare } from '../test/helpers/fake-square.ts';
import { seedMiniRegion } from '../test/helpers/fixtures.ts';
import { openEventStream } from '../test/helpers/http-agent.ts';

const SQUARE = process.argv.includes('--square');
const args = process.argv.slice(2).filter((a) => a !== '--square');
const VARIANTS = Number(args[0] ?? 20_000);
const PER = Number(args[1] ?? 10);
const HOOKS = Number(args[2] ?? 100);
/** Variants per import call (default: the module's own batch size). */
const BATCH = args[3] ? Number(args[3]) : undefined;
const SQ_LOC = 'L1MAIN000001';
const KEY = 'a1'.repeat(32);
const SECRET = 'whsec_bench_0123456789abcdef';
const LOC = 'gid://shopify/Location/1';
const TYPES = ['Chaussures', 'Vêtements', 'Épicerie', 'Sports', 'Jouets'];

const fake = await startFakeShopify();
const square = await startFakeSquare();
// Comptoir's side is measured: the fake's cost bucket never runs dry. Against a real shop Shopify's
// restore rate adds its own wait (≈ 0.85 s per 846-point page on Plus, 8.5 s on standard plans).
Object.assign(fake.bucket, { max: 1e12, available: 1e12, restore: 1e12 });
for (let i = 0; i < VARIANTS / PER; i++)
  if (SQUARE)
    square.addItem({
      name: `Article Square ${i} ${['laine', 'érable', 'cuir', 'bois', 'lin'][i % 5]}`,
      reportingCategory: TYPES[i % TYPES.length],
      variations: Array.from({ length: PER }, (_, k) => ({
        name: `T${k}`,
        sku: `SQ-${i}-${k}`,
        price: 1099 + (i % 90) * 100,
        upc: String(6270000000000 + i * PER + k).padStart(13, '0'),
        stock: { [SQ_LOC]: (i + k) % 25 },
      })),
    });
  else
    fake.products.push(
      fakeProduct({
        title: `Produit boutique ${i} ${['laine', 'érable', 'cuir', 'bois', 'lin'][i % 5]}`,
        price: `${10 + (i % 90)}.99`,
        productType: TYPES[i % TYPES.length],
        tags: ['local', `lot-${i % 20}`],
        sizes: Array.from({ length: PER }, (_, k) => ({
          value: `T${k}`,
          sku: `SB-${i}-${k}`,
          stock: { [LOC]: (i + k) % 25 },
          barcode: String(6270000000000 + i * PER + k).padStart(13, '0'),
        })),
      }),
    );
const testDb = await createTestDatabase();
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATA_DIR: testDb.dataDir,
  SHOP_TOKEN_KEY: KEY,
  SHOPIFY_API_BASE: fake.url,
  SQUARE_API_BASE: square.url,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const platform = await createPlatform(config, { database: testDb.database, lock: false, logger: false });
try {
  const region = await seedMiniRegion(testDb.database.db);
  const merchantId = region.merchants.sports.merchant_id;
  const deps: ShopSyncDeps = {
    db: testDb.database.db,
    events: platform.context.events,
    database: testDb.database,
    config,
  };
  const { connection_id } = SQUARE
    ? await connectSquare(deps, merchantId, {
        environment: 'sandbox',
        access_token: square.token,
        signature_key: SECRET,
      })
    : await connectShopify(deps, merchantId, {
        shop_domain: 'bench.myshopify.com',
        access_token: fake.token,
        webhook_secret: SECRET,
      });
  const t0 = performance.now();
  const out = await runSync(deps, connection_id, { batchVariants: BATCH });
  const syncMs = performance.now() - t0;
  await importIndexingIdle();
  const indexedMs = performance.now() - t0;
  const products = await testDb.database.db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  console.log(
    `${SQUARE ? 'Square' : 'Shopify'} first sync (${testDb.database.kind}): ${VARIANTS} variants / ${VARIANTS / PER} products → ${out.state}, ${out.variants} variants written, ${out.errors} errors, ${Number(products.n)} product rows; ${(syncMs / 1000).toFixed(1)} s (search indexed ${(indexedMs / 1000).toFixed(1)} s); API calls ${JSON.stringify(SQUARE ? square.calls : fake.calls)}`,
  );

  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
  const variant = fake.products[0]?.variants[0];
  const sqItem = [...square.objects.values()].find((o) => o.type === 'ITEM');
  const sqVariation = sqItem?.item_data?.variations?.[0];
  const sku = SQUARE ? (sqVariation?.item_variation_data?.sku as string) : (variant.sku as string);
  const pid = (
    await testDb.database.db
      .selectFrom('products')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', sku)
      .executeTakeFirstOrThrow()
  ).id;
  const stream = await openEventStream(`${base}/api/v1/stream?products=${pid}`);
  const lat: number[] = [];
  for (let i = 0; i < HOOKS; i++) {
    const path = `/api/v1/shopsync/${SQUARE ? 'square' : 'shopify'}/${connection_id}/webhooks`;
    const body = SQUARE
      ? inventoryCountUpdated([
          { variationId: sqVariation?.id as string, locationId: SQ_LOC, quantity: 100 + i },
        ])
      : JSON.stringify({
          inventory_item_id: numericId(variant.inventoryItem.id),
          location_id: 1,
          available: 100 + i,
          updated_at: new Date().toISOString(),
        });
    const seen = stream.events.length;
    const s = performance.now();
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: SQUARE
        ? signSquareWebhook(SECRET, `${publicBaseUrl(config)}${path}`, body)
        : signWebhook(SECRET, 'inventory_levels/update', body),
      body,
    });
    if (res.status !== 200) throw new Error(`webhook ${res.status}`);
    await stream.until(() => stream.events.slice(seen).some((e) => e.event === 'stock'));
    lat.push(performance.now() - s);
  }
  await stream.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  console.log(
    `stock webhook → SSE (${HOOKS} deliveries): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`,
  );
  platform.app.server.closeAllConnections();
} finally {
  await platform.close();
  await testDb.cleanup();
  await fake.close();
  await square.close();
}
