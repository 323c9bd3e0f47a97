/**
 * The in-process text index (src/modules/search/text-index.ts) answers exactly as SQLite FTS5 over
 * the same documents: random small corpora of documentTerms-shaped texts, random expressions of
 * matchExpr's shapes, the plain list (any column) and the title list, truncated like FTS5's limit,
 * and after documents change (dirty documents matched directly); and the BM25 of every match
 * (`-bm25(search_fts, 4.0, 1.0)`) to the same double.
 */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import fc from 'fast-check';
import { ftsTotals } from '../../src/modules/search/text-index.repository.ts';
import {
  buildTextIndex,
  buildTextIndexFrom,
  parseMatchExpr,
  TextIndex,
  tokensOf,
} from '../../src/modules/search/text-index.ts';

// Short terms sharing prefixes (prefix ranges of several terms), digits, and a long one.
const TERMS = ['a', 'ab', 'abc', 'abd', 'b', 'ba', 'bab', 'c', 'ca', 'cab', '7', '77', '701', 'zzzz'];
const term = fc.constantFrom(...TERMS);
const text = fc.uniqueArray(term, { maxLength: 6 }).map((ts) => ts.join(' '));
const doc = fc.record({ title: text, body: text });
const corpus = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 300 }), d: doc }), {
  selector: (x) => x.id,
  maxLength: 60,
});
const group = fc.record({
  terms: fc.uniqueArray(term, { maxLength: 3 }),
  prefix: fc.option(fc.constantFrom('a', 'ab', 'b', 'ca', '7', '70', 'zz', 'q'), { nil: undefined }),
  // Where the prefix stands among the alternatives (matchExpr puts it last; BM25 sums the
  // phrases in the expression's order, so any place is checked).
  prefixAt: fc.nat(3),
});
/** An expression as matchExpr writes it (at least one alternative per group). */
const expression = fc
  .record({
    groups: fc.array(group, { minLength: 1, maxLength: 3 }),
    mode: fc.constantFrom('all' as const, 'any' as const),
  })
  .map(({ groups, mode }) =>
    groups
      .map((g) => {
        const alts = g.terms.map((t) => `"${t}"`);
        if (g.prefix !== undefined || alts.length === 0)
          alts.splice(Math.min(g.prefixAt, alts.length), 0, `"${g.prefix ?? 'a'}"*`);
        return `(${alts.join(' OR ')})`;
      })
      .join(mode === 'all' ? ' AND ' : ' OR '),
  );

function openIndexDb() {
  const s = new DatabaseSync(':memory:');
  s.exec(`create table search_documents (product_id integer primary key, merchant_id integer, title_terms text, body_terms text);
    create virtual table search_fts using fts5(title_terms, body_terms, tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1)`);
  return s;
}

function put(s: DatabaseSync, id: number, d: { title: string; body: string }) {
  s.prepare('delete from search_fts where rowid = ?').run(id);
  s.prepare('delete from search_documents where product_id = ?').run(id);
  s.prepare('insert into search_documents values (?, 1, ?, ?)').run(id, d.title, d.body);
  s.prepare('insert into search_fts (rowid, title_terms, body_terms) values (?, ?, ?)').run(
    id,
    d.title,
    d.body,
  );
}

function remove(s: DatabaseSync, id: number) {
  s.prepare('delete from search_fts where rowid = ?').run(id);
  s.prepare('delete from search_documents where product_id = ?').run(id);
}

function fts(s: DatabaseSync, expr: string, limit: number): number[] {
  return s
    .prepare('select rowid as id from search_fts where search_fts match ? limit ?')
    .all(expr, limit)
    .map((r) => Number(r.id));
}

function assertSame(s: DatabaseSync, index: TextIndex, expr: string, limit: number) {
  const parsed = parseMatchExpr(expr);
  assert.ok(parsed, expr);
  const lists = index.lists(parsed, limit);
  assert.ok(lists, 'the index answers');
  assert.deepEqual([...lists.plain], fts(s, expr, limit), `plain ${expr}`);
  assert.deepEqual([...lists.title], fts(s, `{title_terms} : (${expr})`, limit), `title ${expr}`);
  assertSameBm25(s, index, expr);
}

/** FTS5's relevance of every match, as ftsMatchesWithBm25 reads it. */
function ftsBm25(s: DatabaseSync, expr: string): [number, number][] {
  return s
    .prepare('select rowid as id, -bm25(search_fts, 4.0, 1.0) as bm from search_fts where search_fts match ?')
    .all(expr)
    .map((r) => [Number(r.id), Number(r.bm)] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/** The index's BM25 of all the matches is FTS5's, to the double (so the same order and Float32 too). */
function assertSameBm25(s: DatabaseSync, index: TextIndex, expr: string) {
  const parsed = parseMatchExpr(expr)!;
  const expected = ftsBm25(s, expr);
  const plain = index.lists(parsed, 100_000)!.plain;
  const totals = ftsTotals(s);
  if (!totals) {
    assert.equal(expected.length, 0);
    return;
  }
  const scores = index.bm25(parsed, plain, totals);
  assert.ok(scores, 'the index ranks');
  assert.deepEqual(
    Array.from(plain, (id, i) => [id, scores[i]]),
    expected,
    `bm25 ${expr}`,
  );
}

test('the index lists equal FTS5 for random corpora and expressions, truncated alike', () => {
  fc.assert(
    fc.property(
      corpus,
      fc.array(expression, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 80 }),
      (docs, exprs, limit) => {
        const s = openIndexDb();
        for (const { id, d } of docs) put(s, id, d);
        const index = new TextIndex();
        index.data = buildTextIndexFrom(s);
        for (const e of exprs) assertSame(s, index, e, limit);
      },
    ),
    { numRuns: 300 },
  );
});

test('changed and removed documents are matched from their current terms', () => {
  const change = fc.record({ id: fc.integer({ min: 1, max: 320 }), d: fc.option(doc, { nil: undefined }) });
  fc.assert(
    fc.property(
      corpus,
      fc.array(change, { maxLength: 20 }),
      fc.array(expression, { minLength: 1, maxLength: 6 }),
      (docs, changes, exprs) => {
        const s = openIndexDb();
        for (const { id, d } of docs) put(s, id, d);
        const index = new TextIndex();
        index.data = buildTextIndexFrom(s);
        for (const { id, d } of changes) {
          if (d) put(s, id, d);
          else remove(s, id);
          const mark = index.markDirty([id]);
          assert.equal(index.usable, false, 'no answer while a changed document is unread');
          const row = s
            .prepare('select title_terms, body_terms from search_documents where product_id = ?')
            .get(id) as { title_terms: string; body_terms: string } | undefined;
          index.setDirty(id, row ?? null, mark);
        }
        assert.equal(index.usable, true);
        for (const e of exprs) assertSame(s, index, e, 1000);
      },
    ),
    { numRuns: 200 },
  );
});

test('BM25 of FTS5 documents of various lengths, repeated and dense terms, many phrases', () => {
  // Longer documents (up to 40 terms), a vocabulary where some terms are in most documents (idf
  // floored at 1e-6) and dense (a bitmap: 1 document in 16 or more), the same term in several
  // groups, and changes on top.
  const vocab = [...TERMS, ...Array.from({ length: 30 }, (_, i) => `w${i}`)];
  const long = fc.uniqueArray(fc.constantFrom(...vocab), { maxLength: 20 }).map((ts) => ts.join(' '));
  const common = fc.subarray(['a', 'ab', 'b'], {}).map((ts) => ts.join(' '));
  const doc2 = fc.record({ title: fc.oneof(text, common), body: fc.oneof(long, common, text) });
  const big = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 400 }), d: doc2 }), {
    selector: (x) => x.id,
    minLength: 20,
    maxLength: 200,
  });
  const repeatedExpr = fc
    .array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 4 })
    .map((ts) => ts.map((t) => `("${t}" OR "${t}"*)`).join(' AND '));
  let withDense = 0;
  fc.assert(
    fc.property(
      big,
      fc.array(fc.record({ id: fc.integer({ min: 1, max: 420 }), d: fc.option(doc2, { nil: undefined }) }), {
        maxLength: 10,
      }),
      fc.array(fc.oneof(expression, repeatedExpr), { minLength: 1, maxLength: 8 }),
      (docs, changes, exprs) => {
        const s = openIndexDb();
        for (const { id, d } of docs) put(s, id, d);
        const index = new TextIndex();
        index.data = buildTextIndexFrom(s);
        if (index.data.denseBits.length > 0) withDense++;
        for (const e of exprs) assertSameBm25(s, index, e);
        for (const { id, d } of changes) {
          if (d) put(s, id, d);
          else remove(s, id);
          const mark = index.markDirty([id]);
          const row = s
            .prepare('select title_terms, body_terms from search_documents where product_id = ?')
            .get(id) as { title_terms: string; body_terms: string } | undefined;
          index.setDirty(id, row ?? null, mark);
        }
        for (const e of exprs) assertSameBm25(s, index, e);
      },
    ),
    { numRuns: 150 },
  );
  // The bitmap path was checked too (a dense term's body flags come from its title list). About
  // 30 of the 150 random corpora have a dense term (30-37 in six runs); 20 or fewer failed once
  // in CI (1 seed in 100 or so): 5 still proves the path ran, and no seed comes near it.
  assert.ok(withDense >= 5, `${withDense} corpora with dense terms`);
});

test('a term repeated in a column is refused (FTS5 counts it twice; the index holds flags)', () => {
  assert.throws(
    () => buildTextIndex(() => [{ product_id: 1, title_terms: 'a b a', body_terms: '' }]),
    /repeated/,
  );
  assert.throws(
    () => buildTextIndex(() => [{ product_id: 1, title_terms: 'a', body_terms: 'b b' }]),
    /repeated/,
  );
  const index = new TextIndex();
  index.data = buildTextIndex(() => [{ product_id: 1, title_terms: 'a', body_terms: 'a' }]);
  index.setDirty(1, { title_terms: 'x', body_terms: 'y y' }, index.markDirty([1]));
  assert.equal(index.broken, true);
});

test('a read older than a later change of the same document is not its terms', () => {
  const index = new TextIndex();
  const first = index.markDirty([5]);
  const second = index.markDirty([5]);
  index.setDirty(5, { title_terms: 'old', body_terms: '' }, first);
  assert.equal(index.usable, false);
  index.setDirty(5, { title_terms: 'new', body_terms: '' }, second);
  assert.deepEqual(index.dirty.get(5), { title: ['new'], body: [] });
});

test('texts FTS5 might tokenise otherwise are refused, not guessed', () => {
  assert.deepEqual(tokensOf('jeu societe  societ 7'), ['jeu', 'societe', 'societ', '7']);
  assert.equal(tokensOf('Société'), undefined);
  assert.equal(tokensOf('a-b'), undefined);
  const s = openIndexDb();
  put(s, 1, { title: 'ok', body: 'caf\u00e9' });
  assert.throws(() => buildTextIndexFrom(s), /tokenise/);
});

test('only matchExpr shapes are parsed (anything else is left to FTS5)', () => {
  assert.deepEqual(parseMatchExpr('("b"* OR "a") AND ("c")'), {
    groups: [{ terms: ['a'], prefix: 'b' }, { terms: ['c'] }],
    mode: 'all',
    phrases: [
      { term: 'b', prefix: true },
      { term: 'a', prefix: false },
      { term: 'c', prefix: false },
    ],
  });
  assert.equal(parseMatchExpr('("a") AND ("b") OR ("c")'), undefined);
  assert.equal(parseMatchExpr('{title_terms} : ("a")'), undefined);
  assert.equal(parseMatchExpr('("A")'), undefined);
  assert.equal(parseMatchExpr('("a" OR "b"* OR "c"*)'), undefined);
});
