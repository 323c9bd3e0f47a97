import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseProductLine, parseVendors, readProducts } from '../../bench/peer-catalogue.ts';

const DIR = join(import.meta.dirname, '../../bench/data/peer-sample');
const SCRIPT = join(import.meta.dirname, '../../bench/peer-catalogue.ts');

test('the neutral products file is read as written: prices in units become cents, stock per location', async () => {
  const products = [];
  for await (const p of readProducts(join(DIR, 'products.jsonl'))) products.push(p);
  assert.equal(products.length, 3); // the blank line is skipped
  assert.deepEqual(products[0], {
    id: '1',
    slug: 'sirop-erable-ambre-540',
    sku: 'SE-540',
    name: 'Sirop d’érable ambré 540 ml',
    description: 'Sirop pur, récolte 2026, de Val-des-Monts.',
    category: 'epicerie',
    vendorId: 'v1',
    vendor: 'Érablière du Ruisseau',
    city: 'Val-des-Monts',
    lat: 45.65,
    lon: -75.67,
    price_cents: 1299,
    currency: 'CAD',
    stock: 14,
    stockByLocation: { v1: 14 },
  });
  // A price given as text, zero stock.
  assert.equal(products[1]!.price_cents, 750);
  assert.equal(products[1]!.stock, 0);
  // No vendorId (the vendor's name instead), stock only per location (an array): summed.
  assert.equal(products[2]!.vendorId, '');
  assert.equal(products[2]!.vendor, 'Fromagerie Les Collines');
  assert.deepEqual(products[2]!.stockByLocation, { v2: 3, atelier: 2 });
  assert.equal(products[2]!.stock, 5);
  assert.equal(products[2]!.price_cents, 3500);
});

test('vendors are read from a JSON array or from one object per line, alike', () => {
  const array = parseVendors(readFileSync(join(DIR, 'vendors.json'), 'utf8'));
  const lines = parseVendors(readFileSync(join(DIR, 'vendors.jsonl'), 'utf8'));
  assert.deepEqual(array, lines);
  assert.deepEqual(array[0], {
    id: 'v1',
    name: 'Érablière du Ruisseau',
    city: 'Val-des-Monts',
    lat: 45.65,
    lon: -75.67,
  });
  assert.equal(array.length, 2);
});

test('a bad line names its line number', () => {
  assert.throws(
    () => parseProductLine('{"id":"9","sku":"X","vendorId":"v1","price":"abc"}', 7),
    /line 7: price/,
  );
  assert.throws(() => parseProductLine('not json', 3), /line 3: not JSON/);
  assert.throws(() => parseVendors('[{"id":"v1","name":"A","lat":"north","lon":1}]'), /vendor 1: lat/);
});

test('--help prints the usage and exits 0; an unknown option exits 2 with the usage', () => {
  const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: npx node bench\/peer-catalogue\.ts/);
  assert.match(help.stdout, /--products FILE/);
  const bad = spawnSync(process.execPath, [SCRIPT, '--nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--nope'/);
  assert.match(bad.stderr, /Usage:/);
  assert.equal(bad.stdout, '');
});
