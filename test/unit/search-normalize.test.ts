import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  documentTerms,
  editsOne,
  fold,
  parseQuery,
  termsOf,
  words,
} from '../../src/modules/search/normalize.ts';

test('fold: case, accents, ligatures, apostrophes', () => {
  assert.equal(fold('ÉRABLE'), 'erable');
  assert.equal(fold('Œufs'), 'oeufs');
  assert.equal(fold('Cæsar'), 'caesar');
  assert.equal(fold('d’érable'), "d'erable");
  assert.equal(fold('Crème brûlée à l’ÉTÉ'), "creme brulee a l'ete");
});

test('words: elisions dropped, punctuation splits', () => {
  assert.deepEqual(
    words("Sirop d'érable (l’ambré), 540ml"),
    ['sirop', 'erable', 'l', 'ambre', '540ml'].filter((w) => w !== 'l'),
  );
  assert.deepEqual(words("qu'il jusqu'à"), ['il', 'a']);
});

test('singular and plural share a term, irregular plurals included', () => {
  const shares = (a: string, b: string) => termsOf(a).some((t) => termsOf(b).includes(t));
  for (const [a, b] of [
    ['chaussure', 'chaussures'],
    ['velo', 'velos'],
    ['bijou', 'bijoux'],
    ['cheval', 'chevaux'],
    ['travail', 'travaux'],
    ['jeu', 'jeux'],
    ['chou', 'choux'],
    ['oeil', 'yeux'],
    ['shoe', 'shoes'],
    ['manteau', 'manteaux'],
  ])
    assert.ok(shares(a, b), `${a} / ${b}`);
});

test('documentTerms drops stop words and keeps folded words and stems', () => {
  const terms = documentTerms('Chaussures de course pour femme').split(' ');
  assert.ok(terms.includes('chaussures'));
  assert.ok(terms.includes('chaussur'));
  assert.ok(!terms.includes('de'));
  assert.ok(!terms.includes('pour'));
});

test('parseQuery: only [a-z0-9] words reach the database, at most 8, last one as prefix', () => {
  const q = parseQuery(`"sirop" OR 1=1; --' ${'x'.repeat(5000)} AND NEAR(*)`, { prefixLast: true });
  assert.ok(q.length <= 8);
  for (const w of q) {
    assert.match(w.word, /^[a-z0-9]{1,40}$/);
    for (const t of w.terms) assert.match(t, /^[a-z0-9]+$/);
  }
  assert.equal(q.at(-1)?.prefix, true);
  assert.deepEqual(parseQuery('de la pour'), []);
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      for (const w of parseQuery(s, { prefixLast: true })) {
        assert.match(w.word, /^[a-z0-9]+$/);
        for (const t of w.terms) assert.match(t, /^[a-z0-9]+$/);
      }
    }),
    { numRuns: 500 },
  );
});

test('editsOne covers deletion, insertion, substitution and transposition', () => {
  const e = new Set(editsOne('chausures'));
  assert.ok(e.has('chaussures'));
  assert.ok(e.has('chausure'));
  assert.ok(e.has('chausurse'));
  assert.ok(e.has('chausuras'));
  assert.ok(!e.has('chausures'));
});
