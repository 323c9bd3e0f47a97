/**
 * The text index (src/modules/search/text-index.ts) under product writes, its changed documents
 * read once per change for it and the text-hit cache (changedDocumentTerms, SQLite): writes landing
 * while the index is built, a search right after a write, many writes at once (and more than are
 * read in the change's tick), each compared with FTS5's lists and BM25.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { changedDocumentTerms } from '../../src/modules/search/hit-cache.repository.ts';
import { indexProducts, parseQuery, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { buildTextIndexFrom, parseMatchExpr, TextIndex } from '../../src/modules/search/text-index.ts';
import {
  adoptTextIndex,
  markTextIndexDirty,
  textIndexBuilt,
  textIndexOf,
  textIndexStatus,
} from '../../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHits } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { frenchTexts, randomCatalogue } from '../helpers/random-catalogue.ts';
import { assertListsLikeFts, matchExpressions } from '../helpers/text-index-checks.ts';

const WORDS = [
  'Bottes',
  'Érable',
  'sirop',
  'Café',
  'Fromage',
  'miel',
  'Miellerie',
  'bougie',
  'vélo',
  'lot de 12',
];
const TEXTS = [
  'bottes',
  'erable sirop',
  'caf',
  'fromage',
  'miel',
  'mie',
  'bou',
  'velo',
  'lot 12',
  'zanzibar',
  'zanz',
];

describe('text index under product writes', () => {
  let t: TestDatabase;
  const catalogue = randomCatalogue({ seed: 11, words: WORDS, sku: 'TW', texts: frenchTexts });
  const { pick, title, ids, insertProducts } = catalogue;
  const sqlite = () => t.database.kind === 'sqlite';
  const retitle = async (list: number[], text: () => string) => {
    for (const id of list)
      await t.database.db.updateTable('products').set({ title_fr: text() }).where('id', '=', id).execute();
  };

  /** The index's lists (and short lists' BM25) equal FTS5's for every text, all and any. */
  const compareAll = async (index: TextIndex) => {
    let ranked = 0;
    for (const expr of await matchExpressions(t.database, TEXTS)) {
      const lists = await assertListsLikeFts(t.database, index, expr, [MAX_TEXT_HITS], { rankEmpty: false });
      ranked += lists.ranked;
    }
    assert.ok(ranked >= 5, `${ranked} lists ranked`);
  };

  before(async () => {
    t = await createTestDatabase();
    await catalogue.seed(t.database, 300);
  });
  after(() => t.cleanup());

  test('writes landing while the index is built are in it when it is ready', async (c) => {
    if (!sqlite()) return c.skip('SQLite: its build is started by textIndexOf, dirty marks read at once');
    // The build read the documents before the writes (its arrays made first, set after them), as a
    // worker whose read began earlier: the dirty documents must speak for the written ones.
    const early = buildTextIndexFrom(t.database.sqlite!);
    const index = new TextIndex();
    let ready = () => {};
    adoptTextIndex(t.database, index, new Promise<void>((resolve) => (ready = resolve)));
    const changed = ids.slice(0, 30);
    await retitle(changed, () => `zanzibar ${pick()}`);
    const added = await insertProducts(10);
    await indexProducts(t.database, [...changed, ...added]);
    assert.equal(index.data, undefined, 'still building');
    assert.equal(index.dirty.size, 40);
    assert.equal(index.unread, 0, 'read in the change tick, during the build');
    index.data = early;
    ready();
    assert.equal(await textIndexBuilt(t.database), index);
    await compareAll(index);

    // A real background build, the writes racing it (before or after its read: either way).
    await rebuildSearchIndex(t.database);
    assert.equal(textIndexOf(t.database), undefined);
    assert.equal(textIndexStatus(t.database).state, 'building');
    await retitle(ids.slice(30, 40), () => `zanzibar ${pick()}`);
    await indexProducts(t.database, ids.slice(30, 40));
    const built = await textIndexBuilt(t.database);
    assert.ok(built, JSON.stringify(textIndexStatus(t.database)));
    await compareAll(built);
  });

  test('a search right after a write finds the new text (the index answers at once on SQLite)', async () => {
    const expr = matchExpr(t.database, await prepareWords(t.database, parseQuery('quokka')), 'all');
    await textIndexBuilt(t.database);
    assert.equal((await textHits(t.database, expr)).ids.length, 0, 'no quokka yet (cached)');
    const [id] = ids.slice(50, 51);
    await retitle([id!], () => 'quokka bottes');
    await indexProducts(t.database, [id!]);
    if (sqlite()) {
      const index = textIndexOf(t.database);
      assert.ok(index, 'usable in the tick of the write: no read awaited');
      assert.deepEqual([...index.lists(parseMatchExpr(expr)!, MAX_TEXT_HITS)!.plain], [id]);
    }
    assert.deepEqual([...(await textHits(t.database, expr)).ids], [id]);
  });

  test('many writes at once, and more than are read in the change tick, equal FTS5', async (c) => {
    if (!sqlite()) return c.skip('SQLite: FTS5 compared (PostgreSQL: search-text-index-pg.test.ts)');
    const before = await textIndexBuilt(t.database);
    assert.ok(before);
    const batch = ids.slice(60, 260);
    await retitle(batch, () => `${title()} zanzibar`);
    await indexProducts(t.database, batch);
    assert.equal(textIndexOf(t.database), before, 'read at once, still the same index');
    await compareAll(before);
    // A loaded file's changes since its mark can be many: past the tick's read, read in chunks
    // (the index waits meanwhile, FTS5 answers); ids without a document are not indexed.
    const many = [...ids, ...Array.from({ length: 2_500 }, (_, i) => 10_000_000 + i)];
    markTextIndexDirty(t.database, many);
    assert.equal(textIndexOf(t.database), undefined, 'waits for the chunked read');
    const after = await textIndexBuilt(t.database);
    assert.equal(after, before);
    await compareAll(after!);
  });

  test('one read per change: the hooks of a change share its rows, a later change reads again', async (c) => {
    if (!sqlite()) return c.skip('SQLite: the rows are read on its raw handle');
    const raw = t.database.sqlite!;
    const change = ids.slice(0, 3);
    const first = changedDocumentTerms(raw, change);
    assert.equal(changedDocumentTerms(raw, change), first, 'same change, same tick: the same rows');
    assert.deepEqual(
      first.map((r) => Number(r.product_id)).sort((a, b) => a - b),
      [...change].sort((a, b) => a - b),
    );
    assert.notEqual(changedDocumentTerms(raw, [...change]), first, 'another change: read');
    await Promise.resolve();
    await retitle([change[0]!], () => 'ornithorynque');
    await indexProducts(t.database, [change[0]!]);
    const again = changedDocumentTerms(raw, change);
    assert.notEqual(again, first, 'the tick has ended: read again');
    assert.match(again.find((r) => Number(r.product_id) === change[0])!.title_terms, /ornithorynque/);
  });
});
