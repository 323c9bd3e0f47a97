import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseQuery, type QueryWord } from '../../src/modules/search/normalize.ts';
import { shownTextSnippet, snippet } from '../../src/modules/search/results.ts';

// shownTextSnippet (src/modules/search/results.ts) finds the query's words in the description folded
// into a buffer, without a folded string: always snippet's answer (the folded string's indexOf),
// whatever the text (the fold table's characters and others, which take fold's own path) and words.

const chars = [...'aeilmnorsu  .,’—…éÉèçàÂîôÛüÿ', 'œ', 'ß', '\u0301', '🍁'];
const pieces = ['miel', 'Miel', 'MIEL', 'érable', 'Érable', 'sirop', 'pommes', 'pomme', 'bio', 'd’été', '— '];

test('the snippet of a shown description is snippet’s, for any text and words', () => {
  const text = fc
    .array(fc.oneof(fc.constantFrom(...chars), fc.constantFrom(...pieces)), { maxLength: 120 })
    .map((xs) => xs.join(''));
  const words = fc
    .array(fc.constantFrom(...pieces, 'mie', 'er', 'xyz', 'pom'), { minLength: 1, maxLength: 3 })
    .map((xs) => parseQuery(xs.join(' '), { prefixLast: true }));
  let found = 0;
  fc.assert(
    fc.property(text, words, (t, w) => {
      const expected = snippet(t, w);
      assert.equal(shownTextSnippet(t, w), expected);
      if (expected.startsWith('…')) found++;
    }),
    { numRuns: 4000, seed: 7 },
  );
  // Words found past the first 60 characters (a snippet that starts later) were drawn, not only misses.
  assert.ok(found > 20, `only ${found} snippets started after a matched word`);
});

test('edge cases: empty words, a word longer than the text, a word at the very end', () => {
  const cases: [string, QueryWord[]][] = [
    ['', parseQuery('miel')],
    ['mi', parseQuery('miel')],
    [`${'x '.repeat(80)}Miel`, parseQuery('miel')],
    [`${'x '.repeat(80)}Miel`, []],
    ['Érable', [{ word: '', terms: [''], prefix: false } as QueryWord]],
  ];
  for (const [t, w] of cases) assert.equal(shownTextSnippet(t, w), snippet(t, w));
});
