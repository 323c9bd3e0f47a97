/**
 * TextIndex.groupMayMatch (src/modules/search/text-index.ts), which lets a search of several words
 * leave out a word no document holds (text-match.ts wordsThatMayMatch): after waves of document
 * changes, a group it calls unmatchable matches nothing in an index built afresh, an OR of groups
 * gives the same lists and the same BM25 doubles without such groups, and an AND with one is empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildTextIndex,
  type FtsTotals,
  parseMatchExpr,
  type TermGroup,
  TextIndex,
} from '../../src/modules/search/text-index.ts';

// Documents use the first terms; queries also the last ones, which no document ever holds.
const DOC_TERMS = ['a', 'ab', 'abc', 'b', 'ba', 'c', 'ca', '7', '77'];
const QUERY_TERMS = [...DOC_TERMS, 'q', 'qa', 'xy', '70'];
const text = fc.uniqueArray(fc.constantFrom(...DOC_TERMS), { maxLength: 5 }).map((ts) => ts.join(' '));
const doc = fc.record({ title: text, body: text });
const group = fc
  .record({
    terms: fc.uniqueArray(fc.constantFrom(...QUERY_TERMS), { maxLength: 2 }),
    prefix: fc.option(fc.constantFrom('a', 'ab', 'c', '7', 'q', 'x', 'zz'), { nil: undefined }),
  })
  .filter((g) => g.terms.length > 0 || g.prefix !== undefined);
const change = fc.record({ id: fc.integer({ min: 1, max: 120 }), d: fc.option(doc, { nil: undefined }) });

/** A group as matchExpr writes it (SQLite). */
const written = (g: TermGroup) =>
  `(${[...g.terms.map((t) => `"${t}"`), ...(g.prefix ? [`"${g.prefix}"*`] : [])].join(' OR ')})`;
const expr = (groups: TermGroup[], mode: 'all' | 'any') =>
  parseMatchExpr(groups.map(written).join(mode === 'all' ? ' AND ' : ' OR '))!;

type Docs = Map<number, { title: string; body: string }>;
const rowsOf = (docs: Docs) => () =>
  [...docs]
    .sort((a, b) => a[0] - b[0])
    .map(([id, d]) => ({ product_id: id, title_terms: d.title, body_terms: d.body }));
const totals: FtsTotals = { rows: 400, tokens: 2000, ln: Math.log };

test('a group no document can match is left out of an OR without changing its lists or BM25', () => {
  let dropped = 0;
  let kept = 0;
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 100 }), d: doc }), {
        selector: (x) => x.id,
        maxLength: 40,
      }),
      fc.array(fc.array(change, { maxLength: 8 }), { maxLength: 3 }),
      fc.array(fc.array(group, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
      (initial, waves, queries) => {
        const docs: Docs = new Map(initial.map(({ id, d }) => [id, d]));
        const index = new TextIndex();
        index.data = buildTextIndex(rowsOf(docs));
        const check = () => {
          const fresh = new TextIndex();
          fresh.data = buildTextIndex(rowsOf(docs));
          for (const groups of queries) {
            const may = groups.map((g) => index.groupMayMatch(g));
            for (let i = 0; i < groups.length; i++) {
              if (may[i]) continue;
              dropped++;
              const alone = fresh.lists(expr([groups[i]!], 'all'), 1000)!;
              assert.equal(alone.plain.length, 0, `${written(groups[i]!)} matches a document`);
              assert.equal(index.lists(expr(groups, 'all'), 1000)!.plain.length, 0, 'AND with it');
            }
            const left = groups.filter((_, i) => may[i]);
            if (left.length === groups.length || left.length === 0) continue;
            kept++;
            const full = expr(groups, 'any');
            const without = expr(left, 'any');
            const a = index.lists(full, 1000)!;
            const b = index.lists(without, 1000)!;
            assert.deepEqual([...b.plain], [...a.plain], 'plain');
            assert.deepEqual([...b.title], [...a.title], 'title');
            assert.deepEqual([...b.plain], [...fresh.lists(full, 1000)!.plain], 'as built afresh');
            if (a.plain.length === 0) continue;
            // The same doubles (deepStrictEqual compares numbers with Object.is).
            assert.deepStrictEqual(index.bm25(without, b.plain, totals), index.bm25(full, a.plain, totals));
          }
        };
        check();
        for (const wave of waves) {
          for (const { id, d } of wave) {
            if (d) docs.set(id, d);
            else docs.delete(id);
          }
          const ids = wave.map((c) => c.id);
          const mark = index.markDirty(ids);
          for (const id of ids) {
            const d = docs.get(id);
            index.setDirty(id, d ? { title_terms: d.title, body_terms: d.body } : null, mark);
          }
          check();
        }
      },
    ),
    { numRuns: 300 },
  );
  // Both cases came up (the property is not vacuous).
  assert.ok(dropped > 100 && kept > 50, `${dropped} groups dropped, ${kept} ORs compared`);
});

test('a changed document holding a term no base document holds makes its group matchable', () => {
  const index = new TextIndex();
  index.data = buildTextIndex(() => [{ product_id: 1, title_terms: 'miel', body_terms: 'pot' }]);
  const levain: TermGroup = { terms: ['levain'] };
  const levPrefix: TermGroup = { terms: [], prefix: 'lev' };
  assert.equal(index.groupMayMatch(levain), false);
  assert.equal(index.groupMayMatch(levPrefix), false);
  assert.equal(index.groupMayMatch({ terms: ['miel'] }), true);
  assert.equal(index.groupMayMatch({ terms: [], prefix: 'mi' }), true);
  const mark = index.markDirty([2]);
  index.setDirty(2, { title_terms: 'pain levain', body_terms: '' }, mark);
  assert.equal(index.groupMayMatch(levain), true);
  assert.equal(index.groupMayMatch(levPrefix), true);
  // Removed again: no document holds it.
  const again = index.markDirty([2]);
  index.setDirty(2, null, again);
  assert.equal(index.groupMayMatch(levain), false);
});
