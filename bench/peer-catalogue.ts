// Peer comparison, step 1: load a neutral catalogue into Comptoir and measure it.
//
//   npx node bench/peer-catalogue.ts --generate 100000 --out-dir /tmp/neutral    # make a neutral pair
//   npx node bench/peer-catalogue.ts --products FILE --vendors FILE [--queries 200]  # load + query
//   npx node bench/peer-catalogue.ts --help
//
// The neutral catalogue is the pair of files every engine of the comparison loads with its own
// importer (see docs/PERFORMANCE.md, "Peers"); both are then queried with the same queries through
// HTTP on this machine. A tiny sample pair is in bench/data/peer-sample/.
// - products: one JSON object per line: id, slug, sku, name, description, category, vendorId,
//   vendor (the vendor's name), city, lat, lon, price (in units: 12.99 dollars, not cents),
//   currency, stock, stockByLocation ({location: units} or [{location, stock}]);
// - vendors: {id, name, city, lat, lon}, as a JSON array or one object per line.
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npx node bench/peer-catalogue.ts [options]

Loads a neutral catalogue (products JSON lines + vendors) into a fresh Comptoir database, builds
the search index and times searches through HTTP.

  --products FILE   products, one JSON object per line (id, slug, sku, name, description,
                    category, vendorId, vendor, city, lat, lon, price in units, currency,
                    stock, stockByLocation)
  --vendors FILE    vendors {id, name, city, lat, lon}: a JSON array or one object per line
  --queries N       sequential searches to time (default 200)
  --generate N      write a neutral pair of N products instead (products.jsonl, vendors.json)
  --out-dir DIR     where --generate writes (default /tmp/comptoir-neutral)
  --help            this text

DATABASE_URL selects PostgreSQL (default: SQLite in a temporary directory).
Exit codes: 0 ok, 1 failure, 2 bad usage.
`;

export interface NeutralVendor {
  id: string;
  name: string;
  city: string;
  lat: number;
  lon: number;
}

export interface NeutralProduct {
  id: string;
  slug: string;
  sku: string;
  name: string;
  description: string;
  category: string | null;
  vendorId: string;
  vendor: string;
  city: string;
  lat: number;
  lon: number;
  /** In cents (the file gives units). */
  price_cents: number;
  currency: string;
  stock: number;
  stockByLocation: Record<string, number>;
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
function num(v: unknown, what: string, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${where}: ${what} is not a number`);
  return n;
}

/** Vendors file: a JSON array, or one object per line (blank lines skipped). */
export function parseVendors(content: string): NeutralVendor[] {
  const trimmed = content.trim();
  const raw: unknown[] = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as unknown[])
    : trimmed
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .map((l, i) => {
          try {
            return JSON.parse(l) as unknown;
          } catch {
            throw new Error(`vendors line ${i + 1}: not JSON`);
          }
        });
  return raw.map((v, i) => {
    const o = v as Record<string, unknown>;
    const where = `vendor ${i + 1}`;
    if (!text(o.id) || !text(o.name)) throw new Error(`${where}: id and name are required`);
    return {
      id: text(o.id),
      name: text(o.name),
      city: text(o.city),
      lat: num(o.lat, 'lat', where),
      lon: num(o.lon, 'lon', where),
    };
  });
}

/** One products line (1-based `line` for messages). */
export function parseProductLine(line: string, lineNo: number): NeutralProduct {
  const where = `products line ${lineNo}`;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const byLoc: Record<string, number> = {};
  const sbl = o.stockByLocation;
  if (Array.isArray(sbl)) {
    for (const e of sbl as Record<string, unknown>[])
      byLoc[text(e.location ?? e.locationId ?? e.id)] = num(e.stock ?? e.quantity, 'stockByLocation', where);
  } else if (sbl && typeof sbl === 'object') {
    for (const [k, v] of Object.entries(sbl)) byLoc[k] = num(v, 'stockByLocation', where);
  }
  const stock =
    o.stock === undefined || o.stock === null
      ? Object.values(byLoc).reduce((a, b) => a + b, 0)
      : num(o.stock, 'stock', where);
  const sku = text(o.sku) || text(o.slug) || text(o.id);
  if (!sku) throw new Error(`${where}: sku, slug or id is required`);
  if (!text(o.vendorId) && !text(o.vendor)) throw new Error(`${where}: vendorId or vendor is required`);
  return {
    id: text(o.id),
    slug: text(o.slug),
    sku,
    name: text(o.name) || sku,
    description: text(o.description),
    category: text(o.category) || null,
    vendorId: text(o.vendorId),
    vendor: text(o.vendor),
    city: text(o.city),
    lat: o.lat === undefined ? Number.NaN : num(o.lat, 'lat', where),
    lon: o.lon === undefined ? Number.NaN : num(o.lon, 'lon', where),
    price_cents: Math.round(num(o.price, 'price', where) * 100),
    currency: text(o.currency) || 'CAD',
    stock: Math.max(0, Math.trunc(stock)),
    stockByLocation: byLoc,
  };
}

/** Products of a JSON-lines file, one at a time. */
export async function* readProducts(path: string): AsyncGenerator<NeutralProduct> {
  let n = 0;
  for await (const line of createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    n++;
    if (!line.trim()) continue;
    yield parseProductLine(line, n);
  }
}

function options() {
  try {
    return parseArgs({
      options: {
        products: { type: 'string' },
        vendors: { type: 'string' },
        queries: { type: 'string', default: '200' },
        generate: { type: 'string' },
        'out-dir': { type: 'string', default: '/tmp/comptoir-neutral' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const WORDS = [
  'sirop',
  'érable',
  'fromage',
  'chaussures',
  'course',
  'vélo',
  'montagne',
  'savon',
  'artisanal',
  'bière',
  'miel',
  'tuque',
  'laine',
  'bottes',
  'hiver',
  'café',
  'livre',
  'jouet',
  'bois',
  'bougie',
];

async function generate(n: number, dir: string) {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  mkdirSync(dir, { recursive: true });
  const vendorCount = Math.max(1, Math.round(n / 50));
  const vendors: NeutralVendor[] = [];
  for (let v = 0; v < vendorCount; v++)
    vendors.push({
      id: `v${v}`,
      name: `Vendor ${v}`,
      city: 'Gatineau',
      lat: 45.3 + ((v * 7919) % 1000) / 2000,
      lon: -76 + ((v * 104729) % 1000) / 1000,
    });
  const out = createWriteStream(join(dir, 'products.jsonl'));
  for (let i = 0; i < n; i++) {
    const v = vendors[i % vendorCount]!;
    const name = `${WORDS[Math.floor(rnd() * WORDS.length)]} ${WORDS[Math.floor(rnd() * WORDS.length)]} ${i}`;
    const stock = Math.floor(rnd() * 50);
    const line = {
      id: String(i),
      slug: `p-${i}`,
      sku: `SKU-${i}`,
      name,
      description: `${name} — produit de démonstration`,
      category: null,
      vendorId: v.id,
      vendor: v.name,
      city: v.city,
      lat: v.lat,
      lon: v.lon,
      price: Math.round(rnd() * 10000) / 100,
      currency: 'CAD',
      stock,
      stockByLocation: { [v.id]: stock },
    };
    if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise((r) => out.end(r));
  const vf = createWriteStream(join(dir, 'vendors.json'));
  vf.end(JSON.stringify(vendors, null, 1));
  await new Promise<void>((r) => vf.once('finish', () => r()));
  console.log(`wrote ${n} products and ${vendorCount} vendors to ${dir}`);
}

async function main() {
  const values = options();
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (values.generate) {
    const n = Number(values.generate);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`--generate wants a positive integer\n\n${USAGE}`);
      process.exit(2);
    }
    await generate(n, values['out-dir']!);
    return;
  }
  if (!values.products || !values.vendors) {
    process.stderr.write(`Give --products FILE and --vendors FILE (or --generate N)\n\n${USAGE}`);
    process.exit(2);
  }
  await load(values.products, values.vendors, Number(values.queries));
}

async function load(productsPath: string, vendorsPath: string, queries: number) {
  // Loaded here, not at the top: --help and the reader (unit-tested) need none of the platform.
  const { loadConfig } = await import('../src/config.ts');
  const { openDatabase } = await import('../src/db/database.ts');
  const { migrateToLatest } = await import('../src/db/migrate.ts');
  const { slugify } = await import('../src/modules/common/slug.ts');
  const { createMerchant } = await import('../src/modules/onboarding/index.ts');
  const { fold, rebuildSearchIndex } = await import('../src/modules/search/index.ts');
  const { createPlatform } = await import('../src/server.ts');
  const vendorList = parseVendors(readFileSync(vendorsPath, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-peer-'));
  const database = openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: dir });
  await migrateToLatest(database.db as never);
  const started = performance.now();
  // Categories by slug or French/English name (accents and case ignored); unknown ones stay empty.
  const categoryIds = new Map<string, number>();
  for (const c of await database.db
    .selectFrom('categories')
    .select(['id', 'slug', 'name_fr', 'name_en'])
    .execute())
    for (const k of [c.slug, fold(c.name_fr), fold(c.name_en)]) categoryIds.set(k, Number(c.id));
  const vendors = new Map<string, { merchant_id: number; location_id: number }>();
  const byName = new Map<string, string>();
  for (const v of vendorList) {
    const m = await createMerchant(database.db, {
      name: v.name,
      location: { address: v.city || v.name, lat: v.lat, lng: v.lon, code: slugify(`${v.id}-${v.name}`) },
    });
    vendors.set(v.id, { merchant_id: m.merchant_id, location_id: m.location_id });
    byName.set(v.name, v.id);
  }
  const vendorOf = (p: NeutralProduct) => {
    const v = vendors.get(p.vendorId) ?? vendors.get(byName.get(p.vendor) ?? '');
    if (!v)
      throw new Error(
        `product ${p.id || p.sku}: vendor ${p.vendorId || p.vendor} is not in the vendors file`,
      );
    return v;
  };
  let batch: NeutralProduct[] = [];
  let count = 0;
  const flush = async () => {
    if (!batch.length) return;
    const lines = batch;
    batch = [];
    await database.db.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto('products')
        .values(
          lines.map((l) => ({
            merchant_id: vendorOf(l).merchant_id,
            sku: l.sku,
            title_fr: l.name,
            title_en: l.name,
            description_fr: l.description,
            description_en: l.description,
            price_cents: l.price_cents,
            category_id: l.category
              ? (categoryIds.get(slugify(l.category)) ?? categoryIds.get(fold(l.category)) ?? null)
              : null,
          })),
        )
        .returning('id')
        .execute();
      // Each vendor has one location here: the product's stock is its units there.
      await trx
        .insertInto('inventory_levels')
        .values(
          rows.map((r, i) => ({
            product_id: r.id,
            location_id: vendorOf(lines[i]!).location_id,
            on_hand: lines[i]!.stock,
            reserved: 0,
          })),
        )
        .execute();
    });
    count += lines.length;
  };
  for await (const p of readProducts(productsPath)) {
    batch.push(p);
    if (batch.length >= 500) await flush();
  }
  await flush();
  const loaded = performance.now();
  await rebuildSearchIndex(database);
  const indexed = performance.now();
  console.log(
    `loaded ${count} products from ${vendors.size} vendors in ${((loaded - started) / 1000).toFixed(1)} s; index ${((indexed - loaded) / 1000).toFixed(1)} s`,
  );

  // Query phase: the same queries the peer runs, through HTTP.
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    PUBLIC_URL: 'http://127.0.0.1',
  });
  const platform = await createPlatform(config, { database, logger: false });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
  const qs = [
    'sirop érable',
    'chaussures course',
    'velo montagne',
    'savon artisanal',
    'biere',
    'tuque laine',
    'bottes hiver',
    'cafe',
  ];
  const times: number[] = [];
  try {
    for (let i = 0; i < queries; i++) {
      const q = qs[i % qs.length]!;
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&per_page=20`);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
  } finally {
    await platform.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0).toFixed(1);
  console.log(
    `search over HTTP, ${times.length} sequential queries: p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
