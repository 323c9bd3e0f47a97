/**
 * In-process cost of the consumer pages of the mixed load (home, search page, merchant page,
 * product page): one platform on a data directory, each page injected alone (app.inject, with
 * `accept-encoding: br, gzip` as the load's clients send), CPU of the whole process around it
 * (compression threads included). Same sample of pages in every run (fixed seed), so two trees
 * can be compared page for page; `--dump DIR` writes each page's HTML (tokens and nonces masked)
 * to compare their output.
 *
 *   npx node bench/pages.ts --data COPY_OF_1M [--rounds 3] [--per-route 60] [--routes home,search,…]
 *     [--dump DIR] [--lang fr]
 *
 * `--profile FILE.cpuprofile`: a V8 CPU profile of the measured part only. `--url PATH` (repeatable):
 * those pages instead of the sample.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'per-route': { type: 'string', default: '60' },
    routes: { type: 'string', default: 'home,search,search-api,merchant,product,product-many' },
    dump: { type: 'string' },
    lang: { type: 'string', default: 'fr' },
    profile: { type: 'string' },
    url: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help || !args.data) {
  console.log(
    'npx node bench/pages.ts --data DIR [--rounds 3] [--per-route 60] [--routes home,search,search-api,merchant,product,product-many] [--url PATH]… [--dump DIR] [--profile FILE]',
  );
  process.exit(args.help ? 0 : 2);
}

const { benchConfig, inProcessPlatform, seededRandom } = await import('./in-process.ts');
const { metrics } = await import('../src/lib/metrics.ts');
/** Database queries run so far in this process (the query duration histogram's count). */
const queriesSoFar = () =>
  Number(/comptoir_db_query_duration_seconds_count (\d+)/.exec(metrics.render())?.[1] ?? Number.NaN);

const { random, pick } = seededRandom();

const config = await benchConfig(args.data);
const { database, platform } = await inProcessPlatform(config);
const { db } = database;
const lang = args.lang === 'en' ? 'en' : 'fr';

// The sample: the same pages in every run and tree (seeded picks over ordered id lists).
const maxId = Number(
  (
    await db
      .selectFrom('products')
      .select((eb) => eb.fn.max('id').as('m'))
      .executeTakeFirstOrThrow()
  ).m,
);
const perRoute = Number(args['per-route']);
const productIds: number[] = [];
while (productIds.length < perRoute) {
  const ids = Array.from({ length: perRoute * 4 }, () => 1 + Math.floor(random() * maxId));
  // As the load's product pages: active products in stock at a pickup store of an approved merchant.
  const rows = await db
    .selectFrom('products as p')
    .innerJoin('inventory_levels as il', 'il.product_id', 'p.id')
    .innerJoin('locations as l', 'l.id', 'il.location_id')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .select('p.id')
    .distinct()
    .where('p.id', 'in', ids)
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'approved')
    .where('l.pickup', '=', 1)
    .whereRef('il.on_hand', '>', 'il.reserved')
    .orderBy('p.id')
    .execute();
  productIds.push(...rows.map((r) => Number(r.id)).slice(0, perRoute - productIds.length));
}
// Products whose GTIN many merchants sell (> 50 offers): their pages list every offer.
const many = await db
  .selectFrom('products as p')
  .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
  .select(['p.gtin', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('p.id').as('id')])
  .where('p.gtin', 'is not', null)
  .where('p.status', '=', 'active')
  .where('m.status', '=', 'approved')
  .groupBy('p.gtin')
  .having((eb) => eb.fn.countAll(), '>', 50)
  .orderBy('p.gtin')
  .limit(400)
  .execute();
const manyIds = Array.from({ length: Math.min(perRoute, many.length) }, () => Number(pick(many).id));
const slugs = (
  await db.selectFrom('merchants').select('slug').where('status', '=', 'approved').orderBy('id').execute()
).map((m) => m.slug);
const munis = await db
  .selectFrom('municipalities')
  .select(['lat', 'lng', 'spread_km'])
  .orderBy('id')
  .execute();
const { readFileSync } = await import('node:fs');
const vocabulary = JSON.parse(
  readFileSync(new URL('../src/tools/demo/vocabulary.json', import.meta.url), 'utf8'),
) as { queries: [string, number][] };
const point = () => {
  const m = pick(munis);
  const spread = Math.max(1, m.spread_km);
  const lat = m.lat + ((random() - 0.5) * 2 * spread) / 111.32;
  const lng = m.lng + ((random() - 0.5) * 2 * spread) / (111.32 * Math.cos((m.lat * Math.PI) / 180));
  return `lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}`;
};
const searchPath = lang === 'fr' ? 'recherche' : 'search';
const samples: Record<string, string[]> = {
  home: Array.from({ length: perRoute }, () => `/${lang}`),
  search: Array.from(
    { length: perRoute },
    () =>
      `/${lang}/${searchPath}?q=${encodeURIComponent(pick(vocabulary.queries)[0])}&${point()}&radius_km=10`,
  ),
  // Not a page: the search API of the same queries, for what the pages' shared parts (compression) cost it.
  'search-api': Array.from(
    { length: perRoute },
    () =>
      `/api/v1/search?q=${encodeURIComponent(pick(vocabulary.queries)[0])}&${point()}&radius_km=10&per_page=20`,
  ),
  merchant: Array.from({ length: perRoute }, () => `/${lang}/m/${pick(slugs)}`),
  product: productIds.map((id) => `/${lang}/p/${id}`),
  'product-many': manyIds.map((id) => `/${lang}/p/${id}?${point()}`),
};
// `--url PATH` (repeatable): those pages instead of the sample, each --per-route times.
if (args.url?.length) for (const r of Object.keys(samples)) delete samples[r];
for (const url of args.url ?? []) samples[url] = Array.from({ length: perRoute }, () => url);
const routes = args.url?.length ? args.url : args.routes.split(',').filter((r) => samples[r]);

const mask = (s: string) =>
  s.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="…"').replace(/nonce="[^"]*"/g, 'nonce="…"');
const decode = (raw: Buffer, enc: string | undefined) =>
  enc === 'br' ? brotliDecompressSync(raw) : enc === 'gzip' ? gunzipSync(raw) : raw;

const inject = (url: string) =>
  platform.app.inject({
    method: 'GET',
    url,
    headers: { accept: 'text/html', 'accept-encoding': 'br, gzip', 'accept-language': 'fr-CA,fr;q=0.9' },
  });

// Warm-up: every page once (caches, JIT), checking each answers 200.
for (const r of routes)
  for (const url of samples[r]!) {
    const res = await inject(url);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
  }

if (args.dump) {
  mkdirSync(args.dump, { recursive: true });
  for (const r of routes)
    for (const [i, url] of samples[r]!.entries()) {
      const res = await inject(url);
      const body = decode(res.rawPayload, res.headers['content-encoding'] as string | undefined);
      writeFileSync(join(args.dump, `${r}-${String(i).padStart(3, '0')}.html`), mask(body.toString('utf8')));
    }
}

const { Session } = await import('node:inspector/promises');
const session = args.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const rows: Record<string, unknown>[] = [];
for (const r of routes) {
  const cpu: number[] = [];
  const wall: number[] = [];
  const sizes: number[] = [];
  const q0 = queriesSoFar();
  for (let round = 0; round < Number(args.rounds); round++)
    for (const url of samples[r]!) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await inject(url);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      sizes.push(res.rawPayload.length);
    }
  const queries = (queriesSoFar() - q0) / cpu.length;
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  rows.push({
    route: r,
    pages: cpu.length,
    cpu_mean_ms: +mean(cpu).toFixed(2),
    cpu_p50_ms: +pct(cpu, 50).toFixed(2),
    cpu_p95_ms: +pct(cpu, 95).toFixed(2),
    wall_mean_ms: +mean(wall).toFixed(2),
    wall_p95_ms: +pct(wall, 95).toFixed(2),
    bytes_sent_mean: Math.round(mean(sizes)),
    queries_per_page: +queries.toFixed(1),
  });
}
if (session && args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
}
console.table(rows);
console.log(JSON.stringify({ loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)), rows }));
await platform.close();
await database.close();
