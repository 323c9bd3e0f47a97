import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allKeys, formatMoney, hasMessage, langFromAcceptLanguage, t } from '../../src/i18n/index.ts';

test('every message exists in French and in English', () => {
  const missingEn = allKeys('fr').filter((k) => !hasMessage('en', k));
  const missingFr = allKeys('en').filter((k) => !hasMessage('fr', k));
  assert.deepEqual(missingEn, [], 'keys missing in English');
  assert.deepEqual(missingFr, [], 'keys missing in French');
});

test('money follows fr-CA and en-CA conventions with no-break spaces', () => {
  assert.equal(formatMoney(123450, 'fr'), '1\u00a0234,50\u00a0$');
  assert.equal(formatMoney(123450, 'en'), '$1,234.50');
  assert.equal(formatMoney(1250, 'fr'), '12,50\u00a0$');
  assert.equal(formatMoney(0, 'en'), '$0.00');
});

test('French is the default language; English only when preferred', () => {
  assert.equal(langFromAcceptLanguage(undefined), 'fr');
  assert.equal(langFromAcceptLanguage('en-CA,en;q=0.9,fr;q=0.8'), 'en');
  assert.equal(langFromAcceptLanguage('fr-CA,en;q=0.9'), 'fr');
  assert.equal(langFromAcceptLanguage('de-DE,en;q=0.5,fr;q=0.9'), 'fr');
  assert.equal(langFromAcceptLanguage('es'), 'fr');
});

test('messages interpolate parameters and fall back to the key', () => {
  assert.equal(t('fr', 'stock.in', { count: 5 }), 'En stock (5)');
  assert.equal(t('en', 'stock.low', { count: 2 }), 'Only 2 left');
  assert.equal(t('en', 'no.such.key'), 'no.such.key');
});
