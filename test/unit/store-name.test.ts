import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeName, storeSuffix } from '../../src/http/pages/store-name.ts';

test('a store carrying its merchant’s name is named once, whatever its case, accents or spacing', () => {
  assert.equal(storeName('Poterie Caron', 'Poterie Caron'), 'Poterie Caron');
  assert.equal(storeName('Poterie Caron', ' poterie  caron '), 'Poterie Caron');
  assert.equal(storeName('Érablière du Lac', 'Erabliere du lac'), 'Érablière du Lac');
  assert.equal(storeSuffix('Poterie Caron', 'POTERIE CARON'), '');
});

test('a store named after its merchant and a place keeps only the place', () => {
  assert.equal(storeName('Poterie Caron', 'Poterie Caron — Gatineau'), 'Poterie Caron — Gatineau');
  assert.equal(storeName('Poterie Caron', 'Poterie Caron - Aylmer'), 'Poterie Caron — Aylmer');
  assert.equal(storeName('Poterie Caron', 'Poterie Caron: Hull'), 'Poterie Caron — Hull');
  assert.equal(storeName('Poterie Caron', 'poterie caron Chelsea'), 'Poterie Caron — Chelsea');
  assert.equal(storeName('Poterie Caron', 'Poterie Caron —'), 'Poterie Caron');
});

test('a store with its own name is shown beside its merchant', () => {
  assert.equal(storeName('Fromagerie Moreau', 'Kiosque du marché'), 'Fromagerie Moreau — Kiosque du marché');
  // A longer word is another name, not the merchant's followed by a place.
  assert.equal(storeName('Poterie Caron', 'Poterie Caronne'), 'Poterie Caron — Poterie Caronne');
  assert.equal(storeName('Poterie Caron', 'Poterie'), 'Poterie Caron — Poterie');
});
