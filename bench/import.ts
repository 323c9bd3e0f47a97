/**
 * Catalogue import benchmark: 100,000 rows of our CSV template through
 * PUT /api/v1/merchant/products (parse, validate, upsert products and stock in one transaction).
 * Then waits for the background search indexing of the imported products and prints that time too.
 * Runs on SQLite, or PostgreSQL with DATABASE_URL. Usage: node bench/import.ts [rows]
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { importIndexingIdle } from '../src/modules/imports/index.ts';
import { createPlatform } from '../src/server.ts';
import { createTestDatabase } from '../test/helpers/db.ts';
import { seedMiniRegion } from '../test/helpers/fixtures.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const testDb = await createTestDatabase();
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATA_DIR: testDb.dataDir,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const platform = await createPlatform(config, { database: testDb.database, lock: false, logger: false });
const region = await seedMiniRegion(testDb.database.db);
const auth = `Bearer ${region.merchants.erabliere.api_key}`;

function csv(priceBase: number): string {
  const lines = [
    'sku,title_fr,title_en,description_fr,description_en,category,price_cents,gtin,brand,quebec_label,tax_class,image_url,location_code,on_hand',
  ];
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      `BENCH-${i},"Produit ${i}, format ${i % 7}",Product ${i},Description du produit ${i} fabriqué localement.,Locally made product ${i}.,epicerie,${priceBase + (i % 5000)},${String(6270000000000 + i).padStart(13, '0')},Marque ${i % 50},${i % 3 ? '' : 'aliments_du_quebec'},standard,https://img.example/${i}.jpg,principal,${i % 40}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function run(label: string, body: string) {
  const t0 = performance.now();
  const res = await platform.app.inject({
    method: 'PUT',
    url: '/api/v1/merchant/products',
    headers: { authorization: auth, 'content-type': 'text/csv' },
    payload: body,
  });
  const ms = performance.now() - t0;
  await importIndexingIdle();
  const indexed = performance.now() - t0;
  const out = res.json() as { created: number; updated: number; invalid: number };
  if (res.statusCode !== 200) throw new Error(`${label}: HTTP ${res.statusCode}`);
  console.log(
    `${label}: ${ROWS} rows in ${(ms / 1000).toFixed(2)} s (${Math.round(ROWS / (ms / 1000))} rows/s); created ${out.created}, updated ${out.updated}, invalid ${out.invalid}; searchable (background indexing done) after ${(indexed / 1000).toFixed(2)} s; body ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB`,
  );
}

console.log(`import benchmark on ${testDb.database.kind}, node ${process.version}`);
await run('first import (create)', csv(100));
await run('second import (update prices and stock)', csv(200));
await platform.close();
await testDb.cleanup();
