// Peer comparison, step 1: load a neutral catalogue (JSON lines) into Comptoir and measure it.
//
//   npx node bench/peer-catalogue.ts --generate 100000 --out /tmp/catalogue.jsonl   # make a neutral file
//   npx node bench/peer-catalogue.ts --file /tmp/catalogue.jsonl [--queries 200]    # load + query
//
// Each line: {"slug","title","description","price","stock","vendor":{"name","lat","lng"}} (price in
// dollars). The same file is loaded into the other engine with its own importer; both are then
// queried with the same queries through HTTP on this machine (see docs/PERFORMANCE.md, "Peers").
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { slugify } from '../src/modules/common/slug.ts';
import { createMerchant } from '../src/modules/merchants/index.ts';
import { rebuildSearchIndex } from '../src/modules/search/index.ts';
import { createPlatform } from '../src/server.ts';

const { values } = parseArgs({
  options: {
    generate: { type: 'string' },
    out: { type: 'string', default: '/tmp/comptoir-neutral-catalogue.jsonl' },
    file: { type: 'string' },
    queries: { type: 'string', default: '200' },
  },
});

interface Line {
  slug: string;
  title: string;
  description: string;
  price: number;
  stock: number;
  vendor: { name: string; lat: number; lng: number };
}

if (values.generate) {
  const n = Number(values.generate);
  const words = [
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
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out = createWriteStream(values.out!);
  const vendors = Math.max(1, Math.round(n / 50));
  for (let i = 0; i < n; i++) {
    const v = i % vendors;
    const title = `${words[Math.floor(rnd() * words.length)]} ${words[Math.floor(rnd() * words.length)]} ${i}`;
    const line: Line = {
      slug: `p-${i}`,
      title,
      description: `${title} — produit de démonstration`,
      price: Math.round(rnd() * 10000) / 100,
      stock: Math.floor(rnd() * 50),
      vendor: {
        name: `Vendor ${v}`,
        lat: 45.3 + ((v * 7919) % 1000) / 2000,
        lng: -76 + ((v * 104729) % 1000) / 1000,
      },
    };
    out.write(`${JSON.stringify(line)}\n`);
  }
  await new Promise((r) => out.end(r));
  console.log(`wrote ${n} lines to ${values.out}`);
  process.exit(0);
}

if (!values.file) {
  console.error('Give --generate N or --file FILE');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'comptoir-peer-'));
const database = openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: dir });
await migrateToLatest(database.db as never);
const started = performance.now();
const vendors = new Map<string, { merchant_id: number; location_id: number }>();
let batch: Line[] = [];
let count = 0;
const flush = async () => {
  if (!batch.length) return;
  await database.db.transaction().execute(async (trx) => {
    const rows = await trx
      .insertInto('products')
      .values(
        batch.map((l) => ({
          merchant_id: vendors.get(l.vendor.name)!.merchant_id,
          sku: l.slug,
          title_fr: l.title,
          title_en: l.title,
          description_fr: l.description,
          description_en: l.description,
          price_cents: Math.round(l.price * 100),
        })),
      )
      .returning('id')
      .execute();
    await trx
      .insertInto('inventory_levels')
      .values(
        rows.map((r, i) => ({
          product_id: r.id,
          location_id: vendors.get(batch[i].vendor.name)!.location_id,
          on_hand: batch[i].stock,
          reserved: 0,
        })),
      )
      .execute();
  });
  count += batch.length;
  batch = [];
};
for await (const text of createInterface({ input: createReadStream(values.file) })) {
  if (!text.trim()) continue;
  const l = JSON.parse(text) as Line;
  if (!vendors.has(l.vendor.name)) {
    await flush();
    const m = await createMerchant(database.db, {
      name: l.vendor.name,
      location: {
        address: l.vendor.name,
        lat: l.vendor.lat,
        lng: l.vendor.lng,
        code: slugify(l.vendor.name),
      },
    });
    vendors.set(l.vendor.name, { merchant_id: m.merchant_id, location_id: m.location_id });
  }
  batch.push(l);
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
for (let i = 0; i < Number(values.queries); i++) {
  const q = qs[i % qs.length];
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&per_page=20`);
  await res.arrayBuffer();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1);
console.log(
  `search over HTTP, ${times.length} sequential queries: p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`,
);
await platform.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
