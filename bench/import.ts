/**
 * Catalogue import benchmarks through PUT /api/v1/merchant/products (parse, validate, upsert
 * products, variants and stock in one transaction), each into a fresh (non-demo) region:
 * - `template`: 100,000 rows of our CSV template (create, then update prices and stock);
 * - `shopify`: a 100,000-row Shopify product export with variants (≈ 30,000 products of 1–6
 *   variants with Option1/Option2, extra image rows, Status, Type / Product Category / Tags,
 *   French titles), generated deterministically from a fixed seed; then one search for a word of
 *   the file must return results.
 * Also waits for the background search indexing of the imported products and prints that time.
 * Runs on SQLite, or PostgreSQL with DATABASE_URL.
 * Usage: node bench/import.ts [rows] [template|shopify] (default: 100000 rows, both).
 */
import { performance } from 'node:perf_hooks';
import { importIndexingIdle } from '../src/modules/imports/index.ts';
import { Rng } from '../src/tools/demo/generate.ts';
import { seedMiniRegion } from '../test/helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../test/helpers/platform.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const ONLY = process.argv[3];

/** A fresh database and platform with a small non-demo region; `fn` gets the merchant's API key. */
async function withFreshRegion(fn: (p: TestPlatform, auth: string) => Promise<void>) {
  const platform = await createTestPlatform();
  // The benchmark measures the import path: the background image fetcher (which would try the
  // file's cdn.shopify.com URLs over the network) is stopped; its queue is still written.
  await platform.images.stop();
  try {
    const region = await seedMiniRegion(platform.testDb.database.db);
    await fn(platform, `Bearer ${region.merchants.erabliere.api_key}`);
  } finally {
    await platform.close();
  }
}

function templateCsv(priceBase: number): string {
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

const NOUNS = [
  'Tuque',
  'Mitaines',
  'Chandail',
  'Foulard',
  'Bas',
  'Tasse',
  'Bougie',
  'Savon',
  'Sirop d’érable',
  'Confiture',
  'Miel',
  'Tisane',
  'Café',
  'Chocolat',
  'Moutarde',
  'Fromage',
  'Pain',
  'Biscuits',
  'Chaussures de marche',
  'Bottes',
  'Sac à dos',
  'Gourde',
  'Planche à découper',
  'Bol',
  'Carnet',
  'Affiche',
  'Casquette',
  'Tablier',
  'Coussin',
  'Jeu de cartes',
];
const ADJECTIVES = [
  'artisanal',
  'en laine',
  'biologique',
  'du terroir',
  'fait main',
  'en grès',
  'au beurre',
  'à l’ancienne',
  'épicé',
  'doux',
  'fumé',
  'recyclé',
  'en cuir',
  'en érable',
  'boréal',
];
const PLACES = [
  'de Gatineau',
  'd’Aylmer',
  'de Chelsea',
  'de Wakefield',
  'du Pontiac',
  'de Papineau',
  'de la Petite-Nation',
  'des collines',
];
const SIZES = ['TP', 'P', 'M', 'G', 'TG', '2TG'];
const COLOURS = ['Rouge', 'Bleu', 'Vert forêt', 'Noir', 'Crème', 'Gris chiné'];
/** [Product Category, Type, Tags]: some match the region's categories, some are unknown (warnings). */
const CATEGORIES: [string, string, string][] = [
  ['Food, Beverages & Tobacco > Food Items > Condiments & Sauces', 'Épicerie fine', 'local, érable'],
  ['Apparel & Accessories > Shoes', 'Chaussures', 'cuir'],
  ['Sporting Goods > Outdoor Recreation > Camping & Hiking', 'Plein air', 'randonnée, été'],
  ['Home & Garden > Decor > Candles', 'Bougies', 'cadeau'],
  ['', 'Épicerie', 'biologique'],
  ['', 'Vêtements', 'laine, hiver'],
  ['Arts & Entertainment > Hobbies & Creative Arts', '', 'fait main'],
];

function shopifyCsv(): { body: string; products: number; rows: number } {
  // The demo generator's deterministic PRNG (mulberry32): the same file on every run.
  const rng = new Rng(20261204);
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [
    'Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Cost per item,Status',
  ];
  // 1–6 variants, weighted so that with the extra image rows ≈ 30,000 products fill 100,000 rows.
  const VARIANT_WEIGHTS = [20, 20, 20, 15, 15, 10];
  const variantCount = () => rng.weighted(VARIANT_WEIGHTS, 100) + 1;
  let products = 0;
  while (lines.length - 1 < ROWS) {
    const p = products++;
    const handle = `produit-${p}`;
    const title = `${rng.pick(NOUNS)} ${rng.pick(ADJECTIVES)} ${rng.pick(PLACES)} n° ${p}`;
    const [cat, type, tags] = rng.pick(CATEGORIES);
    const s = rng.next();
    const status = s < 0.9 ? 'active' : s < 0.97 ? 'draft' : 'archived';
    const n = variantCount();
    const twoOptions = n > 1 && rng.chance(0.5);
    const price = 500 + rng.int(9500);
    const img = `https://cdn.shopify.com/s/files/1/0001/${handle}`;
    const extraImages = rng.chance(0.2) ? 1 : 0;
    for (let v = 0; v < n && lines.length - 1 < ROWS; v++) {
      const opt1 = n === 1 ? ['Title', 'Default Title'] : ['Taille', twoOptions ? SIZES[v >> 1] : SIZES[v]];
      const opt2 = twoOptions ? ['Couleur', COLOURS[v & 1]] : ['', ''];
      const first = v === 0;
      const cents = price + v * 100;
      lines.push(
        [
          handle,
          first ? q(title) : '',
          first ? q(`<p>${title}, fabriqué dans l’Outaouais par nos artisans.</p>`) : '',
          first ? q(`Atelier ${p % 400}`) : '',
          first ? q(cat) : '',
          first ? q(type) : '',
          first ? q(tags) : '',
          first ? (status === 'active' ? 'TRUE' : 'FALSE') : '',
          first ? opt1[0] : '',
          opt1[1],
          first ? opt2[0] : '',
          opt2[1],
          '',
          '',
          `SH-${p}-${v}`,
          '250',
          'shopify',
          String(rng.int(40)),
          'deny',
          'manual',
          `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
          '',
          'TRUE',
          'TRUE',
          String(6270000000000 + p * 10 + v).padStart(13, '0'),
          first ? `${img}-1.jpg` : '',
          first ? '1' : '',
          '',
          first ? 'FALSE' : '',
          '',
          '',
          '',
          'kg',
          '',
          first ? status : '',
        ].join(','),
      );
    }
    for (let k = 0; k < extraImages && lines.length - 1 < ROWS; k++)
      lines.push(`${handle},,,,,,,,,,,,,,,,,,,,,,,,,${img}-${k + 2}.jpg,${k + 2},,,,,,,,`);
  }
  return { body: `${lines.join('\n')}\n`, products, rows: lines.length - 1 };
}

async function put(platform: TestPlatform, auth: string, label: string, body: string, rows: number) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const res = await platform.app.inject({
    method: 'PUT',
    url: '/api/v1/merchant/products',
    headers: { authorization: auth, 'content-type': 'text/csv' },
    payload: body,
  });
  const ms = performance.now() - t0;
  // CPU time of this process (user + system) during the request: less sensitive than wall time to
  // other work on a shared machine (the database server's own CPU time is not included).
  const cpu = process.cpuUsage(cpu0);
  if (res.statusCode !== 200) throw new Error(`${label}: HTTP ${res.statusCode} ${res.body.slice(0, 500)}`);
  await importIndexingIdle();
  const indexed = performance.now() - t0;
  const out = res.json() as {
    created: number;
    updated: number;
    unchanged?: number;
    invalid: number;
    warnings?: unknown[];
  };
  console.log(
    `${label}: ${rows} rows in ${(ms / 1000).toFixed(2)} s (${Math.round(rows / (ms / 1000))} rows/s); created ${out.created}, updated ${out.updated}, invalid ${out.invalid}; searchable (background indexing done) after ${(indexed / 1000).toFixed(2)} s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; body ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB`,
  );
  return out;
}

console.log(
  `import benchmark on ${process.env.DATABASE_URL ? 'postgres' : 'sqlite'}, node ${process.version}`,
);
if (ONLY !== 'shopify')
  await withFreshRegion(async (platform, auth) => {
    await put(platform, auth, 'template, first import (create)', templateCsv(100), ROWS);
    await put(platform, auth, 'template, second import (update prices and stock)', templateCsv(200), ROWS);
  });
if (ONLY !== 'template')
  await withFreshRegion(async (platform, auth) => {
    const t0 = performance.now();
    const file = shopifyCsv();
    console.log(
      `shopify export generated: ${file.rows} rows, ${file.products} products in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    await put(platform, auth, 'shopify export with variants, first import', file.body, file.rows);
    const t1 = performance.now();
    const res = await platform.app.inject({ url: '/api/v1/search?q=tuque&lat=45.3956&lng=-75.8436' });
    const found = res.json() as { total?: number; results?: unknown[] };
    const hits = found.results?.length ?? 0;
    console.log(
      `search "tuque" right after: HTTP ${res.statusCode}, ${hits} results on the first page${found.total !== undefined ? ` (total ${found.total})` : ''} in ${(performance.now() - t1).toFixed(0)} ms`,
    );
    if (res.statusCode !== 200 || hits === 0) throw new Error('imported products are not searchable');
    await put(platform, auth, 'shopify export, same file again (nothing changes)', file.body, file.rows);
  });
