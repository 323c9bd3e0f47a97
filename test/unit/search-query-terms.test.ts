import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { vocabulary } from '../../bench/realistic-queries.ts';
import { queryTerms, singular, termsOf, words } from '../../src/modules/search/normalize.ts';

// termsOf and queryTerms share one stemming per word (normalize.ts wordTerms): they must give what
// their definitions give, computed here with the stemmers directly, for the demo vocabulary's words,
// its typos and prefixes, and random words.
const snowball = createRequire(import.meta.url)('snowball-stemmers') as {
  newStemmer(lang: string): { stem(word: string): string };
};
const fr = snowball.newStemmer('french');
const en = snowball.newStemmer('english');

function definition(word: string) {
  const s = singular(word);
  const plain = /^\d+$/.test(s) || s.length <= 2;
  const all = [...new Set(plain ? [word, s] : [word, s, fr.stem(s), en.stem(s)])].filter((t) => t.length > 0);
  if (plain) return { all, query: all };
  const stems = [...new Set([fr.stem(s), en.stem(s)])].filter((t) => t.length > 0);
  return { all, query: stems.length ? stems : all };
}

const check = (word: string) => {
  // Twice: the first call computes, the second reads the cache.
  for (let k = 0; k < 2; k++)
    assert.deepEqual({ all: termsOf(word), query: queryTerms(word) }, definition(word), word);
};

test('query terms and indexed terms of the vocabulary words, their prefixes and typos are their definitions', () => {
  const texts = [
    ...vocabulary.queries.map((q) => q[0]),
    ...vocabulary.qualifiers,
    ...vocabulary.brands,
    ...vocabulary.categories.flatMap((c) => c.types.flatMap((t) => t.filter((x): x is string => !!x))),
  ];
  const seen = new Set<string>();
  for (const text of texts)
    for (const w of words(text)) {
      for (let n = 1; n <= w.length; n++) seen.add(w.slice(0, n));
      for (let k = 0; k + 1 < w.length; k++) seen.add(w.slice(0, k) + w[k + 1] + w[k] + w.slice(k + 2));
      seen.add(`${w}s`);
    }
  for (const irregular of ['yeux', 'chevaux', 'bijoux', 'travaux']) seen.add(irregular);
  assert.ok(seen.size > 2000, `${seen.size} words`);
  for (const w of seen) check(w);
});

test('query terms and indexed terms of random words are their definitions', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9]{1,14}$/), (w) => check(w)),
    { numRuns: 2000 },
  );
});
