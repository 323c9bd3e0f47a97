// Issue 16, item 7: counted messages through Intl.PluralRules, French elision and typography,
// English forms, and a language switch that keeps the page and what was typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alternatePath } from '../../src/http/pages/page-context.ts';
import { formatMoney, labelColon, t, tp } from '../../src/i18n/index.ts';

test('counted messages follow Intl.PluralRules in both languages', () => {
  assert.equal(tp('fr', 'backoffice.product_count_n', 1), '1 produit');
  assert.equal(tp('fr', 'backoffice.product_count_n', 2), '2 produits');
  assert.equal(tp('en', 'backoffice.product_count_n', 1), '1 product');
  assert.equal(tp('en', 'backoffice.product_count_n', 2), '2 products');
  // The import summary: the number created decides the form.
  assert.equal(
    tp('fr', 'backoffice.import_done_n', 1, { updated: 3 }),
    'Importation terminée : 1 produit créé, 3 mis à jour.',
  );
  assert.equal(
    tp('fr', 'backoffice.import_done_n', 12, { updated: 0 }),
    'Importation terminée : 12 produits créés, 0 mis à jour.',
  );
  assert.equal(
    tp('en', 'backoffice.import_done_n', 1, { updated: 2 }),
    'Import done: 1 product created, 2 updated.',
  );
  assert.equal(
    tp('en', 'backoffice.import_done_n', 0, { updated: 2 }),
    'Import done: 0 products created, 2 updated.',
  );
});

test('French elision and colon; English colon and money', () => {
  assert.equal(t('fr', 'association.members_map', { name: 'APICA' }), 'Carte des membres d’APICA');
  assert.equal(`${labelColon('fr', t('fr', 'merchant.associations'))} APICA`, 'Membre de\u202f: APICA');
  assert.equal(`${labelColon('en', t('en', 'merchant.associations'))} APICA`, 'Member of: APICA');
  assert.equal(`${labelColon('en', 'Total')} ${formatMoney(3329, 'en')}`, 'Total: $33.29');
  assert.equal(`${labelColon('fr', 'Total')} ${formatMoney(3329, 'fr')}`, 'Total\u202f: 33,29\u00a0$');
});

test('the language switch keeps the page and its query string', () => {
  assert.equal(
    alternatePath('/fr/recherche?q=sirop+d%27%C3%A9rable&near=Aylmer&radius_km=10', 'en'),
    '/en/search?q=sirop+d%27%C3%A9rable&near=Aylmer&radius_km=10',
  );
  assert.equal(alternatePath('/en/cart', 'fr'), '/fr/panier');
  assert.equal(alternatePath('/fr/p/12?store=3', 'en'), '/en/p/12?store=3');
});

test('the campaign page and the search page have their texts in both languages', () => {
  for (const key of [
    'campaign.places',
    'campaign.map',
    'search.filters_drawer',
    'search.view_list',
    'search.view_map',
  ])
    for (const lang of ['fr', 'en'] as const) assert.notEqual(t(lang, key), key, `${lang} ${key}`);
});
