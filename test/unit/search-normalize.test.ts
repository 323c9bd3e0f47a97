import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  documentTerms,
  editsOne,
  fold,
  parseQuery,
  STOP_WORDS,
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

test('"thé" (tea) and "dé" written with their accent are words, not the stop words "the" and "de"', () => {
  const tea = documentTerms('THÉ vert biologique', 'Thé noir en feuilles, dé à coudre').split(' ');
  assert.ok(tea.includes('the'), 'thé is indexed under its folded form');
  assert.ok(tea.includes('de'), 'dé is indexed');
  assert.ok(
    !documentTerms('The best maple syrup of the region', 'sirop de la ferme').split(' ').includes('the'),
  );
  assert.ok(!documentTerms('Sirop de la ferme').split(' ').includes('de'));
  // Decomposed accents (e + U+0301), as some keyboards and files write them.
  assert.ok(documentTerms('the\u0301 glacé').split(' ').includes('the'));
  assert.deepEqual(
    parseQuery('thé').map((w) => w.word),
    ['the'],
  );
  assert.deepEqual(
    parseQuery('Thé vert de la ferme').map((w) => w.word),
    ['the', 'vert', 'ferme'],
  );
  assert.deepEqual(
    parseQuery('dé à coudre').map((w) => w.word),
    ['de', 'coudre'],
  );
  assert.deepEqual(parseQuery('the'), []);
  assert.deepEqual(parseQuery('de la'), []);
  // Inside a longer word the accent changes nothing: "dés" of "désert" is not a word of its own.
  assert.deepEqual(
    parseQuery('désert thés').map((w) => w.word),
    ['desert', 'thes'],
  );
});

test('documentTerms: texts without an accented "thé"/"dé" give the same terms as before', () => {
  const before = (text: string) => {
    const set = new Set<string>();
    for (const w of words(text)) if (!STOP_WORDS.has(w)) for (const t of termsOf(w)) set.add(t);
    return [...set].join(' ');
  };
  const standalone = /(?<![\p{L}\p{N}\p{M}])(th|d)é(s?)(?![\p{L}\p{N}\p{M}])/iu;
  const alphabet = fc.constantFrom(..."thdesaTHDÉéèà \u0301'’-.,1œ".split(''), 'thé', 'dé', 'the', 'de ');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
      const text = parts.join('');
      const now = documentTerms(text).split(' ').filter(Boolean);
      const old = before(text).split(' ').filter(Boolean);
      if (standalone.test(text.normalize('NFC'))) for (const t of old) assert.ok(now.includes(t), text);
      else assert.deepEqual(now, old, text);
    }),
    { numRuns: 3000 },
  );
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
