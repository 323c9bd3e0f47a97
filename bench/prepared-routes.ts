/**
 * In-process CPU of the merchant page (GET /fr/m/:slug) and the merchant stock sync (PUT
 * /api/v1/merchant/inventory, API key checked at each request), as the mixed load sends them
 * (bench/mixed-load.ts fixtures), and with `--sql` the statements each route runs (by SQL text):
 * which queries are worth preparing (src/db/prepared.ts). It writes stock: run it on a copy.
 *
 *   npx node bench/prepared-routes.ts --data COPY_OF_1M [--pages 400] [--syncs 200] [--sql] [--profile FILE] [--dump FILE]
 *
 * `--dump FILE` writes each measured answer's URL, status and SHA-256 of its body (fixed seed: two
 * trees compare answer for answer; with `--syncs 0` the stock does not move between runs).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { InjectOptions } from 'fastify';

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    data: { type: 'string' },
    pages: { type: 'string', default: '400' },
    syncs: { type: 'string', default: '200' },
    sql: { type: 'boolean', default: false },
    profile: { type: 'string' },
    dump: { type: 'string' },
  },
});
if (args.help || !args.data) {
  console.log('npx node bench/prepared-routes.ts --data DIR [--pages 400] [--syncs 200] [--sql]');
  process.exit(args.help ? 0 : 2);
}

// --sql: count every node:sqlite statement by its SQL text, per route (measured part only).
let route = '';
let counting = false;
const statements = new Map<string, Map<string, number>>();
if (args.sql) {
  const { StatementSync } = await import('node:sqlite');
  for (const m of ['all', 'run', 'get', 'iterate'] as const) {
    const orig = StatementSync.prototype[m] as (...a: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[m] = function (
      this: { sourceSQL: string },
      ...a: unknown[]
    ) {
      if (counting) {
        const per = statements.get(route) ?? new Map<string, number>();
        statements.set(route, per);
        const k = this.sourceSQL.replace(/\s+/g, ' ').slice(0, 200);
        per.set(k, (per.get(k) ?? 0) + 1);
      }
      return orig.apply(this, a);
    };
  }
}

const { loadFixtures } = await import('./mixed-load.ts');
const { benchConfig, inProcessPlatform, seededRandom, BROWSER_HEADERS } = await import('./in-process.ts');

const config = await benchConfig(args.data, { insecureCookies: true });
const fx = await loadFixtures({ DATA_DIR: args.data }, { keys: 20 });
const { database, platform } = await inProcessPlatform(config);

const { random, pick } = seededRandom();
const common = BROWSER_HEADERS;

const cpu = new Map<string, number[]>();
const statuses = new Map<string, Map<number, number>>();
const dumped: string[] = [];
let measuring = false;
async function timed(name: string, opts: InjectOptions) {
  route = name;
  const c0 = process.cpuUsage();
  const res = await platform.app.inject(opts);
  const c = process.cpuUsage(c0);
  if (measuring) {
    const xs = cpu.get(name) ?? [];
    cpu.set(name, xs);
    xs.push((c.user + c.system) / 1000);
    const s = statuses.get(name) ?? new Map<number, number>();
    statuses.set(name, s);
    s.set(res.statusCode, (s.get(res.statusCode) ?? 0) + 1);
    if (args.dump)
      dumped.push(
        `${opts.url} ${res.statusCode} ${createHash('sha256').update(res.rawPayload).digest('hex')}`,
      );
  }
}
const page = () =>
  timed('GET /fr/m/:slug (merchant page)', {
    method: 'GET',
    url: `/fr/m/${pick(fx.merchantSlugs)}`,
    headers: { ...common, accept: 'text/html' },
  });
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

const pages = Number(args.pages);
const syncs = Number(args.syncs);
// Warm-up (JIT, caches), not counted; then pages and syncs interleaved.
for (let i = 0; i < pages / 10; i++) await page();
for (let i = 0; i < syncs / 10; i++) await sync();
const { Session } = await import('node:inspector/promises');
const session = args.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
measuring = true;
counting = true;
const load0 = loadavg()[0] ?? 0;
for (let i = 0; i < Math.max(pages, syncs); i++) {
  if (i < pages) await page();
  if (i < syncs) await sync();
}
measuring = false;
counting = false;
if (session && args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
}
if (args.dump) writeFileSync(args.dump, `${dumped.join('\n')}\n`);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const table = [...cpu].map(([name, xs]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    route: name,
    requests: s.length,
    cpu_mean_ms: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(3),
    cpu_p50_ms: +pct(s, 50).toFixed(3),
    statuses: [...(statuses.get(name) ?? [])].map(([k, n]) => `${k}×${n}`).join(' '),
  };
});
console.table(table);
if (args.sql)
  for (const [name, per] of statements) {
    console.log(`\n${name}: statements per request`);
    const n = cpu.get(name)?.length ?? 1;
    for (const [k, c] of [...per].sort((a, b) => b[1] - a[1])) console.log((c / n).toFixed(2).padStart(6), k);
  }
console.log(JSON.stringify({ loadavg: [+load0.toFixed(2), +(loadavg()[0] ?? 0).toFixed(2)], rows: table }));
await platform.close();
await database.close();
