/**
 * The text index's dirty documents (src/modules/search/text-index.ts), kept by term and as a bitmap
 * as they are marked and read: after each wave of changes (documents changed again, removed, added
 * past the build's highest id), the lists and BM25 of the built index plus its dirty documents are
 * those of an index built afresh from the documents as they are now.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildTextIndex,
  type FtsTotals,
  parseMatchExpr,
  TextIndex,
} from '../../src/modules/search/text-index.ts';

const TERMS = ['a', 'ab', 'abc', 'abd', 'b', 'ba', 'bab', 'c', 'ca', 'cab', '7', '77', '701', 'zzzz'];
const term = fc.constantFrom(...TERMS);
const text = fc.uniqueArray(term, { maxLength: 6 }).map((ts) => ts.join(' '));
const doc = fc.record({ title: text, body: text });
const expression = fc
  .record({
    groups: fc.array(
      fc.record({
        terms: fc.uniqueArray(term, { maxLength: 3 }),
        prefix: fc.option(fc.constantFrom('a', 'ab', 'b', 'ca', '7', 'zz', 'q'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    mode: fc.constantFrom('all' as const, 'any' as const),
  })
  .map(({ groups, mode }) =>
    groups
      .map((g) => {
        const alts = g.terms.map((t) => `"${t}"`);
        if (g.prefix !== undefined || alts.length === 0) alts.push(`"${g.prefix ?? 'a'}"*`);
        return `(${alts.join(' OR ')})`;
      })
      .join(mode === 'all' ? ' AND ' : ' OR '),
  );
const change = fc.record({ id: fc.integer({ min: 1, max: 200 }), d: fc.option(doc, { nil: undefined }) });

type Docs = Map<number, { title: string; body: string }>;
const rowsOf = (docs: Docs) => () =>
  [...docs]
    .sort((a, b) => a[0] - b[0])
    .map(([id, d]) => ({ product_id: id, title_terms: d.title, body_terms: d.body }));
const totals: FtsTotals = { rows: 500, tokens: 3000, ln: Math.log };

test('after waves of changes, the dirty index answers as one built afresh', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 150 }), d: doc }), {
        selector: (x) => x.id,
        maxLength: 50,
      }),
      fc.array(fc.array(change, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
      fc.array(expression, { minLength: 1, maxLength: 5 }),
      (initial, waves, exprs) => {
        const docs: Docs = new Map(initial.map(({ id, d }) => [id, d]));
        const index = new TextIndex();
        index.data = buildTextIndex(rowsOf(docs));
        for (const wave of waves) {
          for (const { id, d } of wave) {
            if (d) docs.set(id, d);
            else docs.delete(id);
          }
          // One change per wave, its ids read together (a document may come twice).
          const ids = wave.map((c) => c.id);
          const mark = index.markDirty(ids);
          for (const id of ids) {
            const d = docs.get(id);
            index.setDirty(id, d ? { title_terms: d.title, body_terms: d.body } : null, mark);
          }
          const fresh = new TextIndex();
          fresh.data = buildTextIndex(rowsOf(docs));
          for (const e of exprs) {
            const parsed = parseMatchExpr(e)!;
            for (const limit of [1000, 3]) {
              const got = index.lists(parsed, limit);
              const want = fresh.lists(parsed, limit);
              assert.ok(got && want);
              assert.deepEqual([...got.plain], [...want.plain], `plain ${e}`);
              assert.deepEqual([...got.title], [...want.title], `title ${e}`);
            }
            const plain = fresh.lists(parsed, 1000)!.plain;
            if (plain.length === 0) continue;
            assert.deepEqual(
              [...index.bm25(parsed, plain, totals)!],
              [...fresh.bm25(parsed, plain, totals)!],
              `bm25 ${e}`,
            );
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

// Many terms (up to 1,364, strings of a to d): enough for the dirty terms to be sorted, then changed
// past their sort (terms added and removed between searches), then sorted again.
const wideTerm = fc
  .array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 5 })
  .map((cs) => cs.join(''));
const wideText = fc.uniqueArray(wideTerm, { maxLength: 30 }).map((ts) => ts.join(' '));
const wideDoc = fc.record({ title: wideText, body: wideText });
const widePrefix = fc
  .array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 3 })
  .map((cs) => cs.join(''));

test('with many changed documents, the terms starting with a prefix are those a linear scan finds', () => {
  const words = (s: string) => (s === '' ? [] : s.split(' '));
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 300 }), d: wideDoc }), {
        selector: (x) => x.id,
        maxLength: 40,
      }),
      fc.array(
        fc.array(
          fc.record({ id: fc.integer({ min: 1, max: 400 }), d: fc.option(wideDoc, { nil: undefined }) }),
          {
            maxLength: 40,
          },
        ),
        { minLength: 1, maxLength: 6 },
      ),
      fc.array(widePrefix, { minLength: 1, maxLength: 8 }),
      (initial, waves, prefixes) => {
        const docs: Docs = new Map(initial.map(({ id, d }) => [id, d]));
        const ids = () => [...docs].sort((a, b) => a[0] - b[0]);
        const baseTerms = new Set(initial.flatMap(({ d }) => [...words(d.title), ...words(d.body)]));
        const changed = new Set<number>();
        const index = new TextIndex();
        index.data = buildTextIndex(rowsOf(docs));
        for (const wave of waves) {
          // Changed one at a time, a prefix search after each (some of them): the sorted terms
          // fall behind the changes between their sorts.
          wave.forEach(({ id, d }, k) => {
            if (d) docs.set(id, d);
            else docs.delete(id);
            changed.add(id);
            const mark = index.markDirty([id]);
            index.setDirty(id, d ? { title_terms: d.title, body_terms: d.body } : null, mark);
            if (k % 5 === 4) index.groupMayMatch({ terms: [], prefix: prefixes[k % prefixes.length]! });
          });
          const fresh = new TextIndex();
          fresh.data = buildTextIndex(rowsOf(docs));
          for (const p of prefixes) {
            // Linear scans: the documents holding a term starting with p now (any column, title);
            // the terms the built index or a changed document holds.
            const starts = (s: string) => words(s).some((t) => t.startsWith(p));
            const now = ids()
              .filter(([, d]) => starts(d.title) || starts(d.body))
              .map(([id]) => id);
            const inTitle = ids()
              .filter(([, d]) => starts(d.title))
              .map(([id]) => id);
            const held =
              [...baseTerms].some((t) => t.startsWith(p)) ||
              [...changed].some((id) => {
                const d = docs.get(id);
                return d !== undefined && (starts(d.title) || starts(d.body));
              });
            assert.equal(index.groupMayMatch({ terms: [], prefix: p }), held, `may match ${p}*`);
            const parsed = parseMatchExpr(`("${p}" OR "${p}"*)`)!;
            const got = index.lists(parsed, 1000)!;
            assert.deepEqual([...got.plain], now, `plain ${p}*`);
            assert.deepEqual([...got.title], inTitle, `title ${p}*`);
            if (got.plain.length > 0)
              assert.deepEqual(
                [...index.bm25(parsed, got.plain, totals)!],
                [...fresh.bm25(parsed, got.plain, totals)!],
                `bm25 ${p}*`,
              );
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
