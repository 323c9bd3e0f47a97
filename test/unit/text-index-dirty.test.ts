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
