import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fold } from '../../src/modules/search/normalize.ts';
import { foldShown } from '../../src/modules/search/results.ts';

// foldShown (src/modules/search/results.ts) folds the descriptions shown by a table of characters:
// always fold's result, whatever the text (the table's characters, and any other, such as œ, ß,
// Greek's final sigma, combining marks or astral characters, which go through fold itself).

test('every character below U+3000 alone folds as fold does', () => {
  for (let c = 0; c < 0x3000; c++) {
    const s = String.fromCharCode(c);
    assert.equal(foldShown(s), fold(s), `U+${c.toString(16)}`);
  }
});

test('any text folds as fold does', () => {
  const chars = [
    ...'aAzZ09 .,;:!?\'"`´’‘ʼ—–-…éÉèÈêÊëçÇàÂîÏôÖùÛüÿŸİıǅ',
    ...'œŒæÆß',
    'Σ',
    'σ',
    '\u0301',
    '\u0327',
    '🍁',
    '\u3042',
    '\uac00',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (xs) => {
      const s = xs.join('');
      assert.equal(foldShown(s), fold(s));
    }),
    { numRuns: 3000 },
  );
  // Longer than the fold buffer's first size and than one fromCharCode call.
  const long = 'Érable — sirop d’été. '.repeat(800);
  assert.equal(foldShown(long), fold(long));
});
