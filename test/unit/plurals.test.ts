import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elide, labelColon, t, tp } from '../../src/i18n/index.ts';

test('French plurals: 0 and 1 take the singular, 2 and more the plural', () => {
  assert.equal(tp('fr', 'backoffice.product_count_n', 0), '0 produit');
  assert.equal(tp('fr', 'backoffice.product_count_n', 1), '1 produit');
  assert.equal(tp('fr', 'backoffice.product_count_n', 2), '2 produits');
  // Thousands take a no-break space (never a line break inside the number).
  assert.equal(tp('fr', 'backoffice.product_count_n', 1234), '1\u00a0234 produits');
  assert.equal(tp('fr', 'search.count_n', 1, { km: 25 }), '1 produit à moins de 25 km');
});

test('English plurals: only 1 is singular', () => {
  assert.equal(tp('en', 'backoffice.product_count_n', 0), '0 products');
  assert.equal(tp('en', 'backoffice.product_count_n', 1), '1 product');
  assert.equal(tp('en', 'cart.items_n', 2), '2 items');
  assert.equal(tp('en', 'console.pending_n', 1234), '1,234 businesses awaiting approval');
});

test('every counted message has one and other in both languages', () => {
  for (const key of [
    'search.count_n',
    'directory.count_n',
    'backoffice.product_count_n',
    'cart.items_n',
    'console.pending_n',
  ]) {
    for (const lang of ['fr', 'en'] as const) {
      for (const form of ['one', 'other']) assert.notEqual(t(lang, `${key}.${form}`), `${key}.${form}`);
    }
  }
});

test('French elision of "de"/"que" before a name starting with a vowel', () => {
  assert.equal(t('fr', 'association.members_map', { name: 'APICA' }), 'Carte des membres d’APICA');
  assert.equal(t('fr', 'association.members_map', { name: 'Aylmer' }), 'Carte des membres d’Aylmer');
  assert.equal(t('fr', 'association.members_map', { name: 'Écomusée' }), 'Carte des membres d’Écomusée');
  // Consonants and h are left alone.
  assert.equal(t('fr', 'association.members_map', { name: 'Pontiac' }), 'Carte des membres de Pontiac');
  assert.equal(t('fr', 'association.members_map', { name: 'Hull' }), 'Carte des membres de Hull');
  // English never elides.
  assert.equal(t('en', 'association.members_map', { name: 'APICA' }), 'Map of APICA members');
  assert.equal(elide('Plus que une heure, membres de Outaouais'), 'Plus qu’une heure, membres d’Outaouais');
  assert.equal(elide('le code est valide'), 'le code est valide');
});

test('a label before a colon: narrow no-break space in French, none in English', () => {
  assert.equal(labelColon('fr', 'Membre de'), 'Membre de\u202f:');
  assert.equal(labelColon('en', 'Total'), 'Total:');
});
