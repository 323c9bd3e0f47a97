import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDistanceNumber } from '../../src/i18n/index.ts';

// Pages format distances with a kept formatter instead of toLocaleString, which builds one per call:
// the text must be the same.
test('formatDistanceNumber writes what toLocaleString wrote, in both languages', () => {
  for (const km of [0, 0.04, 0.05, 0.35, 1, 1.25, 9.95, 12.345, 999.9, 1234.56, 25000])
    for (const [lang, locale] of [
      ['fr', 'fr-CA'],
      ['en', 'en-CA'],
    ] as const)
      assert.equal(
        formatDistanceNumber(km, lang),
        km.toLocaleString(locale, { maximumFractionDigits: 1 }),
        `${km} ${lang}`,
      );
  assert.equal(formatDistanceNumber(1234.56, 'fr'), '1\u00a0234,6');
  assert.equal(formatDistanceNumber(1234.56, 'en'), '1,234.6');
});
