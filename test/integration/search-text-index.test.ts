/**
 * The in-process text index (src/modules/search/text-index.ts) gives the very lists FTS5 gives for
 * the search's own match expressions (parseQuery, prepareWords, matchExpr: accents, capitals,
 * prefixes, typos), built by its worker thread on the test's SQLite file, and still after products
 * are re-indexed, archived and added through indexProducts. PostgreSQL's is compared with the
 * tsvector in search-text-index-pg.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { indexProducts, parseQuery, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { ftsMatchIds } from '../../src/modules/search/search.repository.ts';
import { MAX_BM25_HITS, MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { parseMatchExpr, type TextIndex } from '../../src/modules/search/text-index.ts';
import { textIndexBuilt, textIndexOf, textIndexStatus } from '../../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHits } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { assertSameBm25 } from '../helpers/text-index-checks.ts';

const WORDS = [
  'Bottes',
  "bottes d'hiver",
  'Érable',
  'SIROP',
  'Café',
  'cafetière',
  'Fromage',
  'fromagerie',
  'Québec',
  'jeu de société',
  'Jeux',
  'vélo',
  'Vélos',
  'Œufs',
  'Chevaux',
  'miel',
  'Miellerie',
  'board game',
  'boucle',
  'Bougie',
  'bouteille',
  'épices',
  'Épicerie fine',
  '2024',
  'lot de 12',
];
const TEXTS = [
  'bottes',
  'botte',
  'bot',
  'erable',
  'Érable sirop',
  'cafe',
  'caf',
  'fromage quebec',
  'fromag queb',
  'jeu societe',
  'jeux',
  'velo',
  'oeufs',
  'cheval',
  'miel',
  'mie',
  'bou',
  'bougie bou',
  'epice',
  'épic',
  '2024',
  'lot 12',
  'bottse',
  'fromgae',
  'board',
  'gam',
  'xylophone quantique',
];

describe('text index lists equal FTS5', () => {
  let t: TestDatabase;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const title = () => `${pick()} ${pick()}`;
  let merchantId = 0;
  const ids: number[] = [];

  const insertProducts = async (n: number) => {
    const db = t.database.db;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = await db
        .insertInto('products')
        .values({
          merchant_id: merchantId,
          sku: `TI-${ids.length + out.length}`,
          title_fr: title(),
          title_en: random() < 0.5 ? title() : '',
          description_fr: `${title()} ${title()}`,
          description_en: random() < 0.3 ? title() : '',
          price_cents: 1000,
          tax_class: 'standard',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      out.push(Number(row.id));
    }
    ids.push(...out);
    return out;
  };

  /** Compares the index's lists with FTS5's for every text, all and any, full and truncated. */
  const compareAll = async (index: TextIndex) => {
    let compared = 0;
    let ranked = 0;
    for (const text of TEXTS) {
      const words = await prepareWords(t.database, parseQuery(text, { prefixLast: true }));
      if (words.length === 0) continue;
      for (const mode of ['all', 'any'] as const) {
        const expr = matchExpr(t.database, words, mode);
        const parsed = parseMatchExpr(expr);
        assert.ok(parsed, expr);
        for (const limit of [MAX_TEXT_HITS, 7]) {
          const lists = index.lists(parsed, limit);
          assert.ok(lists);
          assert.deepEqual([...lists.plain], [...(await ftsMatchIds(t.database.db, expr, limit))], expr);
          assert.deepEqual(
            [...lists.title],
            [...(await ftsMatchIds(t.database.db, `{title_terms} : (${expr})`, limit))],
            `title ${expr}`,
          );
          if (limit === MAX_TEXT_HITS && lists.plain.length <= MAX_BM25_HITS) {
            await assertSameBm25(t.database, index, expr, lists.plain);
            ranked++;
          }
          compared++;
        }
      }
    }
    // The short lists were ranked from the index too (not only the long ones tiered).
    assert.ok(ranked >= 10, `${ranked} lists ranked`);
    return compared;
  };

  before(async () => {
    t = await createTestDatabase();
    const region = await seedMiniRegion(t.database.db);
    merchantId = region.merchants.erabliere.merchant_id;
    await insertProducts(400);
    await rebuildSearchIndex(t.database);
  });
  after(() => t.cleanup());

  test('built in the background, then the same lists as FTS5; kept current through indexProducts', async (c) => {
    if (t.database.kind !== 'sqlite') {
      assert.equal(textIndexOf(t.database), undefined, 'PostgreSQL: the database answers while it is built');
      const hits = await textHits(t.database, matchExpr(t.database, parseQuery('bottes'), 'all'));
      assert.ok(hits.ids.length > 0);
      c.skip('SQLite only');
      return;
    }
    const index = await textIndexBuilt(t.database);
    assert.ok(index, JSON.stringify(textIndexStatus(t.database)));
    assert.ok((await compareAll(index)) > 50);

    // Re-indexed with new texts, archived, and new products (ids past the build's highest).
    const db = t.database.db;
    const changed = ids.slice(0, 40);
    for (const id of changed)
      await db.updateTable('products').set({ title_fr: title() }).where('id', '=', id).execute();
    const archived = ids.slice(40, 60);
    await db.updateTable('products').set({ status: 'archived' }).where('id', 'in', archived).execute();
    const added = await insertProducts(30);
    await indexProducts(t.database, [...changed, ...archived, ...added]);
    // Read in the change's tick (SQLite): the index answers at once, no FTS5 in between.
    assert.equal(textIndexOf(t.database), index, 'changed documents read as the change is learnt of');
    const current = await textIndexBuilt(t.database);
    assert.equal(current, index, 'kept, not rebuilt');
    assert.equal(textIndexStatus(t.database).dirty, 90);
    await compareAll(current);

    // A full rebuild drops it; the next text match builds it again.
    await rebuildSearchIndex(t.database);
    assert.equal(textIndexStatus(t.database).state, 'none');
    const rebuilt = await textIndexBuilt(t.database);
    assert.ok(rebuilt && rebuilt !== index);
    assert.equal(textIndexStatus(t.database).dirty, 0);
    await compareAll(rebuilt);
  });
});
