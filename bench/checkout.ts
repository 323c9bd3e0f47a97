// Checkout throughput: full customer flows over HTTP (create cart, add one item from each of 3
// merchants, check out), on SQLite and on PostgreSQL, plus the contention case (every customer
// wants the same scarce SKU).
//
//   npm run bench:checkout [-- --checkouts 300 --concurrency 8]
//   PG_URL=postgres://postgres@127.0.0.1:5432/test (default) selects the PostgreSQL server.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createMerchant } from '../src/modules/onboarding/index.ts';
import { createPlatform } from '../src/server.ts';
import { createTestDatabase } from '../test/helpers/db.ts';

const { values } = parseArgs({
  options: {
    checkouts: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
  },
});
const N = Number(values.checkouts);
const C = Number(values.concurrency);
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function run(kind: 'sqlite' | 'postgres') {
  if (kind === 'postgres') process.env.DATABASE_URL = PG_URL;
  else delete process.env.DATABASE_URL;
  const tdb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'silent',
    INSECURE_COOKIES: '1',
    DATA_DIR: tdb.dataDir,
    ...(kind === 'postgres' ? { DATABASE_URL: PG_URL } : {}),
  });
  const platform = await createPlatform(config, { database: tdb.database, lock: false, logger: false });
  const db = tdb.database.db;
  await db
    .insertInto('region_settings')
    .values({ id: 1, slug: 'bench', name: 'Bench', center_lat: 45.47, center_lng: -75.7 })
    .execute();
  const merchants: { merchant_id: number; location_id: number; product_id: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await createMerchant(db, {
      name: `Bench merchant ${i}`,
      location: { address: `${i} rue Bench`, municipality: 'Gatineau', lat: 45.47 + i / 100, lng: -75.7 },
    });
    const p = await db
      .insertInto('products')
      .values({
        merchant_id: m.merchant_id,
        sku: `B-${i}`,
        title_fr: `Produit ${i}`,
        price_cents: 1000 + i * 333,
        tax_class: i === 0 ? 'zero_rated' : 'standard',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('inventory_levels')
      .values({ product_id: p.id, location_id: m.location_id, on_hand: 1_000_000, reserved: 0 })
      .execute();
    merchants.push({ ...m, product_id: p.id });
  }
  const scarce = await db
    .insertInto('products')
    .values({ merchant_id: merchants[1].merchant_id, sku: 'SCARCE', title_fr: 'Rare', price_cents: 5000 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const scarceStock = Math.floor(N / 10);
  await db
    .insertInto('inventory_levels')
    .values({
      product_id: scarce.id,
      location_id: merchants[1].location_id,
      on_hand: scarceStock,
      reserved: 0,
    })
    .execute();
  await db.updateTable('merchants').set({ status: 'approved' }).execute();
  await platform.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;

  async function flow(items: { product_id: number }[], fulfil: typeof merchants) {
    const c = (await (await fetch(`${url}/api/v1/carts`, { method: 'POST' })).json()) as {
      cart_id: number;
      token: string;
    };
    const h = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
    for (const it of items) {
      const r = await fetch(`${url}/api/v1/carts/${c.cart_id}/items`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ ...it, quantity: 1 }),
      });
      await r.arrayBuffer();
    }
    const t0 = performance.now();
    const r = await fetch(`${url}/api/v1/carts/${c.cart_id}/checkout`, {
      method: 'POST',
      headers: { ...h, 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        customer: { name: 'Bench', email: 'bench@example.test' },
        fulfilment: Object.fromEntries(
          fulfil.map((m) => [m.merchant_id, { method: 'pickup', location_id: m.location_id }]),
        ),
      }),
    });
    await r.arrayBuffer();
    return { status: r.status, ms: performance.now() - t0 };
  }

  async function pool(fn: () => Promise<{ status: number; ms: number }>) {
    const out: { status: number; ms: number }[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next++ < N) out.push(await fn());
      }),
    );
    return { out, secs: (performance.now() - t0) / 1000 };
  }

  const threeMerchants = merchants.map((m) => ({ product_id: m.product_id }));
  const a = await pool(() => flow(threeMerchants, merchants));
  const okA = a.out.filter((r) => r.status === 201);
  const b = await pool(() => flow([{ product_id: scarce.id }], [merchants[1]]));
  const okB = b.out.filter((r) => r.status === 201).length;
  const conflicts = b.out.filter((r) => r.status === 409).length;
  const lvl = await db
    .selectFrom('inventory_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', scarce.id)
    .executeTakeFirstOrThrow();
  console.log(
    `${kind.padEnd(8)} 3-merchant carts: ${N} customer flows in ${a.secs.toFixed(1)} s = ${(N / a.secs).toFixed(1)} checkouts/s ` +
      `(${okA.length} ok; checkout call p50 ${pct(
        okA.map((r) => r.ms),
        50,
      ).toFixed(1)} ms, p95 ${pct(
        okA.map((r) => r.ms),
        95,
      ).toFixed(1)} ms; 3 orders each)`,
  );
  console.log(
    `${kind.padEnd(8)} contention (1 SKU, ${scarceStock} units, ${N} buyers): ${(N / b.secs).toFixed(1)} flows/s, ${okB} sold, ${conflicts} × 409 out_of_stock at checkout (the rest refused earlier, at add-to-cart), ` +
      `available after = ${lvl.on_hand - lvl.reserved}; checkout call p95 ${pct(
        b.out.map((r) => r.ms),
        95,
      ).toFixed(1)} ms`,
  );
  if (okB !== scarceStock || lvl.on_hand - lvl.reserved !== 0)
    throw new Error('oversell or undersell under contention');
  await platform.close();
  await tdb.cleanup();
}

console.log(`checkout bench: ${N} checkouts per case, concurrency ${C}, Node ${process.version}`);
for (const kind of ['sqlite', 'postgres'] as const) {
  if (values.only && values.only !== kind) continue;
  await run(kind);
}
