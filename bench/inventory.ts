/**
 * Inventory and real-time benchmark (npm run bench:inventory; DATABASE_URL=postgres://... for PostgreSQL).
 *
 * Starts a real server (`comptoir serve`, a child process on a loopback port) on a fresh database
 * with one merchant holding 10,000 SKUs, then measures through HTTP:
 *   1. a bulk sync of 10,000 SKU levels in one PUT /api/v1/merchant/inventory (every level changes);
 *   2. single-SKU updates, sequential (p50/p95);
 *   3. with N open SSE clients (default 1,000) on GET /api/v1/stream watching the updated product:
 *      the delay from sending a single-SKU update to each client's receipt of the `stock` event.
 * The SSE clients run in this (benchmark) process, so client-side parsing is included in the delay.
 *
 *   npx node bench/inventory.ts [--skus 10000] [--clients 1000] [--updates 100]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { InProcessEventBus } from '../src/modules/events/index.ts';
import { applyImport } from '../src/modules/imports/index.ts';
import { createTestDatabase } from '../test/helpers/db.ts';
import { seedMiniRegion } from '../test/helpers/fixtures.ts';

const { values } = parseArgs({
  options: {
    skus: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '100' },
    singles: { type: 'string', default: '300' },
  },
});
const SKUS = Number(values.skus);
const CLIENTS = Number(values.clients);
const UPDATES = Number(values.updates);
const SINGLES = Number(values.singles);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (ms: number) => `${ms.toFixed(1)} ms`;

const testDb = await createTestDatabase();
const region = await seedMiniRegion(testDb.database.db);
const merchant = region.merchants.erabliere;
const rows = Array.from({ length: SKUS }, (_, i) => ({
  sku: `INV-${i}`,
  title_fr: `Produit ${i}`,
  price_cents: 100 + i,
  category: 'epicerie',
  on_hand: 50,
}));
const seeded = await applyImport(testDb.database.db, new InProcessEventBus(), merchant.merchant_id, {
  body: rows,
});
if (seeded.created !== SKUS) throw new Error('seeding failed');
const target = await testDb.database.db
  .selectFrom('products')
  .select('id')
  .where('sku', '=', 'INV-0')
  .where('merchant_id', '=', merchant.merchant_id)
  .executeTakeFirstOrThrow();
await testDb.database.close();

const server: ChildProcess = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--json'], {
  env: {
    ...process.env,
    ...testDb.childEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout?.on('data', (c) => {
    out += c;
    const m = /"url":"([^"]+)"/.exec(out);
    if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
  });
  server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function put(body: unknown): Promise<{ status: number; ms: number }> {
  const data = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/api/v1/merchant/inventory`,
      {
        method: 'PUT',
        agent,
        headers: {
          authorization: `Bearer ${merchant.api_key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

console.log(
  `inventory benchmark on ${process.env.DATABASE_URL ? 'postgres' : 'sqlite'}; node ${process.version}; ${cpus().length} CPU; load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// 1. Bulk sync.
const bulk: number[] = [];
for (let run = 0; run < 5; run++) {
  const r = await put(rows.map((x, i) => ({ sku: x.sku, on_hand: 10 + ((i + run) % 90) })));
  if (r.status !== 200) throw new Error(`bulk sync HTTP ${r.status}`);
  bulk.push(r.ms);
}
console.log(
  `bulk sync of ${SKUS} SKU levels (all changed), 5 runs: ${bulk.map(f).join(', ')}; median ${f(pct(bulk, 50))}`,
);

// 2. Single-SKU updates.
const single: number[] = [];
for (let i = 0; i < SINGLES; i++) {
  const r = await put([{ sku: `INV-${i % SKUS}`, on_hand: 100 + (i % 7) }]);
  if (r.status !== 200) throw new Error(`single update HTTP ${r.status}`);
  single.push(r.ms);
}
console.log(`single-SKU update, ${SINGLES} sequential: p50 ${f(pct(single, 50))}, p95 ${f(pct(single, 95))}`);

// 3. SSE fan-out.
const received = new Map<number, number[]>(); // available value -> receipt times
const sockets: http.ClientRequest[] = [];
let connected = 0;
await new Promise<void>((resolve, reject) => {
  for (let c = 0; c < CLIENTS; c++) {
    const req = http.get(
      `${base}/api/v1/stream?products=${target.id}`,
      // Distinct client addresses (the app trusts X-Forwarded-For like behind its proxy): the stream's
      // per-IP connection rate limit applies to each simulated visitor, not to the benchmark host.
      { agent: false, headers: { 'x-forwarded-for': `10.${c >> 16}.${(c >> 8) & 255}.${c & 255}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE HTTP ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          buf += chunk;
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (block.includes('connected') && ++connected === CLIENTS) resolve();
            const m = /^data: (.*)$/m.exec(block);
            if (m) {
              const { available } = JSON.parse(m[1]) as { available: number };
              let list = received.get(available);
              if (!list) {
                list = [];
                received.set(available, list);
              }
              list.push(now);
            }
            i = buf.indexOf('\n\n');
          }
        });
      },
    );
    req.on('error', reject);
    sockets.push(req);
  }
});
const metrics = await (await fetch(`${base}/metrics`)).text();
console.log(
  `${CLIENTS} SSE clients connected (${/comptoir_sse_clients (\d+)/.exec(metrics)?.[1]} on the server's gauge)`,
);

const delays: number[] = [];
const lastDelays: number[] = [];
const putTimes: number[] = [];
let missing = 0;
for (let u = 0; u < UPDATES; u++) {
  const available = 1000 + u;
  const t0 = performance.now();
  const r = await put([{ sku: 'INV-0', on_hand: available }]);
  putTimes.push(r.ms);
  const deadline = performance.now() + 5000;
  while ((received.get(available)?.length ?? 0) < CLIENTS && performance.now() < deadline)
    await new Promise((res) => setTimeout(res, 2));
  const times = received.get(available) ?? [];
  missing += CLIENTS - times.length;
  for (const t of times) delays.push(t - t0);
  if (times.length) lastDelays.push(Math.max(...times) - t0);
  await new Promise((res) => setTimeout(res, 20));
}
console.log(
  `API update -> SSE event at each of ${CLIENTS} clients, ${UPDATES} updates (${delays.length} deliveries, ${missing} missing): p50 ${f(pct(delays, 50))}, p95 ${f(pct(delays, 95))}, p99 ${f(pct(delays, 99))}; last client p50 ${f(pct(lastDelays, 50))}; the PUT itself p50 ${f(pct(putTimes, 50))}`,
);

for (const s of sockets) s.destroy();
agent.destroy();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await testDb.cleanup();
