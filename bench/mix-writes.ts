/**
 * In-process cost of the mixed load's writes (bench/mixed-load.ts MIX): cart creation, cart adds,
 * the cart page, checkouts (pay in store, Idempotency-Key) and merchant stock syncs, each injected
 * (app.inject, as the load's clients send them), CPU of the whole process around each request and
 * the write-lock takes (each one a commit: an autocommit write or a transaction) per request, and
 * with `--sql-top N` the time inside node:sqlite per request (synchronous: the event loop waits) and
 * the N statements that took the most.
 * It writes carts, orders and stock into the data directory: run it on a copy.
 *
 *   npx node bench/mix-writes.ts --data COPY_OF_1M [--carts 100] [--syncs 200] [--profile FILE] [--sql-top N]
 *
 * Same fixtures and sequence in every run (fixed seed), so two trees on two copies of the same data
 * compare request for request; every answer's status is counted per route.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { InjectOptions } from 'fastify';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    carts: { type: 'string', default: '100' },
    syncs: { type: 'string', default: '200' },
    profile: { type: 'string' },
    /** Print the statements that took the most time (node:sqlite, by SQL text) in the measured part. */
    'sql-top': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help || !args.data) {
  console.log('npx node bench/mix-writes.ts --data DIR [--carts 100] [--syncs 200] [--profile FILE]');
  process.exit(args.help ? 0 : 2);
}

// --sql-top N: time every node:sqlite statement by its SQL text (measured part only).
const sqlTime = new Map<string, { ms: number; n: number }>();
let timingSql = false;
/** Time spent inside node:sqlite calls so far (synchronous: the event loop waits for all of it). */
let sqliteMs = 0;
if (args['sql-top']) {
  const { StatementSync } = await import('node:sqlite');
  for (const m of ['all', 'run', 'get'] as const) {
    const orig = StatementSync.prototype[m] as (...a: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[m] = function (
      this: { sourceSQL: string },
      ...a: unknown[]
    ) {
      if (!timingSql) return orig.apply(this, a);
      const t0 = performance.now();
      try {
        return orig.apply(this, a);
      } finally {
        const k = this.sourceSQL.slice(0, 160);
        const e = sqlTime.get(k) ?? { ms: 0, n: 0 };
        const ms = performance.now() - t0;
        sqliteMs += ms;
        e.ms += ms;
        e.n++;
        sqlTime.set(k, e);
      }
    };
  }
}

const { loadFixtures } = await import('./mixed-load.ts');
const { benchConfig, inProcessPlatform, seededRandom, BROWSER_HEADERS } = await import('./in-process.ts');
const { lockWaits } = await import('../src/db/sqlite-dialect.ts');

const config = await benchConfig(args.data, { insecureCookies: true });
// Fixtures first (their own connection): offers in stock at pickup stores, API keys for the syncs.
const fx = await loadFixtures({ DATA_DIR: args.data }, { keys: 20 });
const { database, platform } = await inProcessPlatform(config);

const { random, pick } = seededRandom();
const common = BROWSER_HEADERS;

interface Row {
  cpu: number[];
  takes: number;
  sqliteMs: number;
  statuses: Map<number, number>;
}
const rows = new Map<string, Row>();
let measuring = false;
async function timed(route: string, opts: InjectOptions) {
  const c0 = process.cpuUsage();
  const t0 = lockWaits.takes;
  const s0 = sqliteMs;
  const res = await platform.app.inject(opts);
  const c = process.cpuUsage(c0);
  if (measuring) {
    const r: Row = rows.get(route) ?? { cpu: [], takes: 0, sqliteMs: 0, statuses: new Map() };
    rows.set(route, r);
    r.cpu.push((c.user + c.system) / 1000);
    r.takes += lockWaits.takes - t0;
    r.sqliteMs += sqliteMs - s0;
    r.statuses.set(res.statusCode, (r.statuses.get(res.statusCode) ?? 0) + 1);
  }
  return res;
}

/** One customer: a cart, four adds (a refused one is skipped), the cart page, a checkout. */
async function customer() {
  const created = await timed('POST /api/v1/carts', {
    method: 'POST',
    url: '/api/v1/carts',
    headers: common,
  });
  const cart = created.json() as { cart_id: number; token: string };
  const cookie = `cart_token=${cart.token}`;
  const lines: { merchant_id: number; location_id: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const o = pick(fx.offers);
    const res = await timed('POST /api/v1/carts/:id/items (add)', {
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: { ...common, 'content-type': 'application/json', cookie },
      payload: JSON.stringify({ product_id: o.product_id, location_id: o.location_id, quantity: 1 }),
    });
    if (res.statusCode === 201) lines.push({ merchant_id: o.merchant_id, location_id: o.location_id });
  }
  await timed('GET /fr/panier (cart page)', {
    method: 'GET',
    url: '/fr/panier',
    headers: { ...common, accept: 'text/html', cookie },
  });
  if (!lines.length) return;
  const fulfilment: Record<string, { method: 'pickup'; location_id: number }> = {};
  for (const l of lines) fulfilment[l.merchant_id] ??= { method: 'pickup', location_id: l.location_id };
  await timed('POST /api/v1/carts/:id/checkout', {
    method: 'POST',
    url: `/api/v1/carts/${cart.cart_id}/checkout`,
    headers: { ...common, 'content-type': 'application/json', 'idempotency-key': randomUUID(), cookie },
    payload: JSON.stringify({
      customer: { name: 'Client Charge', email: 'charge@example.test' },
      fulfilment,
      payment: { method: 'in_store' },
    }),
  });
}

async function sync() {
  const s = pick(fx.syncers);
  const n = 1 + Math.floor(random() * 5);
  const byKey = new Map<string, { sku: string; location_code: string; on_hand: number }>();
  for (let i = 0; i < n; i++) {
    const r = pick(s.rows);
    byKey.set(`${r.sku}@${r.location_code}`, { ...r, on_hand: 100 + Math.floor(random() * 100) });
  }
  await timed('PUT /api/v1/merchant/inventory (stock sync)', {
    method: 'PUT',
    url: '/api/v1/merchant/inventory',
    headers: { ...common, authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    payload: JSON.stringify([...byKey.values()]),
  });
}

// Warm-up (JIT, caches): a tenth of the work, not counted.
for (let i = 0; i < Math.ceil(Number(args.carts) / 10); i++) await customer();
for (let i = 0; i < Math.ceil(Number(args.syncs) / 10); i++) await sync();

const { Session } = await import('node:inspector/promises');
const session = args.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
measuring = true;
timingSql = true;
const load0 = loadavg()[0]!;
for (let i = 0; i < Number(args.carts); i++) await customer();
for (let i = 0; i < Number(args.syncs); i++) await sync();
measuring = false;
timingSql = false;
if (session && args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const table = [...rows].map(([route, r]) => {
  const cpu = [...r.cpu].sort((a, b) => a - b);
  return {
    route,
    requests: cpu.length,
    cpu_mean_ms: +(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(2),
    cpu_p50_ms: +pct(cpu, 50).toFixed(2),
    cpu_p95_ms: +pct(cpu, 95).toFixed(2),
    commits_per_request: +(r.takes / cpu.length).toFixed(2),
    // With --sql-top: wall time inside node:sqlite per request (the event loop is held all along).
    ...(args['sql-top'] ? { sqlite_ms_per_request: +(r.sqliteMs / cpu.length).toFixed(2) } : {}),
    statuses: [...r.statuses].map(([s, n]) => `${s}×${n}`).join(' '),
  };
});
console.table(table);
if (args['sql-top'])
  console.table(
    [...sqlTime]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, Number(args['sql-top']))
      .map(([sql, e]) => ({ ms: +e.ms.toFixed(1), n: e.n, mean_ms: +(e.ms / e.n).toFixed(3), sql })),
  );
console.log(JSON.stringify({ loadavg: [+load0.toFixed(2), +loadavg()[0]!.toFixed(2)], rows: table }));
await platform.close();
await database.close();
