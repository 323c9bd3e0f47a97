import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allKeys,
  formatDate,
  formatMoney,
  hasMessage,
  langFromAcceptLanguage,
  roundedDownCount,
  t,
} from '../../src/i18n/index.ts';

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

test('dates and times: French writes the hour without a leading zero, "5 h 57"', () => {
  assert.equal(formatDate('2026-12-04T10:57:00Z', 'fr'), '4 décembre 2026 à 5 h 57');
  assert.equal(formatDate('2026-12-04T20:05:00Z', 'fr'), '4 décembre 2026 à 15 h 05');
  assert.equal(formatDate('2026-07-01T04:05:00Z', 'fr'), '1 juillet 2026 à 0 h 05');
  assert.equal(formatDate('2026-12-04T08:57:00Z', 'fr', 'UTC'), '4 décembre 2026 à 8 h 57');
  assert.match(formatDate('2026-12-04T10:57:00Z', 'en'), /^December 4, 2026 at 5:57\sa\.m\.$/);
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

test('a lower bound keeps two significant digits, rounded down, and small counts as they are', () => {
  assert.deepEqual(
    [0, 7, 99, 100, 958, 999, 1000, 1234, 12345, 987654].map(roundedDownCount),
    [0, 7, 99, 100, 950, 990, 1000, 1200, 12000, 980000],
  );
  for (let n = 1; n < 200_000; n += 37) {
    const r = roundedDownCount(n);
    assert.ok(r <= n && r > n * 0.9 - 1, `${n} → ${r}`);
  }
});
