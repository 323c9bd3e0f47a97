/**
 * PostgreSQL's text hits take SQLite's shape (text-match.ts textHits): a list of more than
 * MAX_BM25_HITS matches is two tiers, title matches first then the others, ascending ids within
 * each, with the very ids and tiers SQLite FTS5 gives for the same catalogue and query; a shorter
 * list is ranked by ts_rank, over the same products; past a limit, the lowest ids are kept, as in
 * FTS5's index order. The same catalogue is loaded into both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { parseQuery, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { ftsMatchIds, tsMatchLists } from '../../src/modules/search/search.repository.ts';
import { MAX_BM25_HITS } from '../../src/modules/search/search.types.ts';
import { matchExpr, prepareWords, textHits, titleOnly } from '../../src/modules/search/text-match.ts';
import { openKind, pgReachable } from '../helpers/database-kinds.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { seededRandom } from '../helpers/random-catalogue.ts';

const NOUNS = ['sirop', 'fromage', 'bottes', 'savon', 'miel', 'tuque', 'casque', 'bougie'];
const QUALIFIERS = ['érable', 'laine', 'artisanal', 'bio', 'local', 'hiver', 'cuir', 'lavande'];
/** More than MAX_BM25_HITS products: "produit" (in every description) and its prefixes are tiered. */
const PRODUCTS = MAX_BM25_HITS + 700;

/** The same deterministic catalogue on any database: titles and descriptions drawn from a seed. */
async function seed(database: Database) {
  const db = database.db;
  await seedMiniRegion(db);
  const merchant = await db.selectFrom('merchants').select('id').orderBy('id').executeTakeFirstOrThrow();
  const random = seededRandom(11);
  const pick = (xs: string[]) => xs[Math.floor(random() * xs.length)]!;
  const rows = [];
  for (let i = 0; i < PRODUCTS; i++) {
    // "produit" in the title of about a third: the title tier of a common word is a real subset.
    const title = `${pick(NOUNS)} ${pick(QUALIFIERS)}${random() < 0.35 ? ' produit' : ''}`;
    rows.push({
      merchant_id: merchant.id,
      sku: `PT-${i}`,
      title_fr: title,
      title_en: random() < 0.2 ? `${pick(NOUNS)} product` : '',
      description_fr: `Produit ${pick(QUALIFIERS)} : ${pick(NOUNS)} ${pick(QUALIFIERS)}.`,
      price_cents: 1000 + i,
    });
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('products')
      .values(rows.slice(i, i + 500))
      .execute();
  await rebuildSearchIndex(database);
}

/** Texts whose lists are long (tiered), short (ranked), relaxed (any word) or empty. */
const TEXTS = [
  'produit',
  'produits',
  'prod',
  'pro',
  'produit sirop',
  'sirop',
  'savon lavande',
  'miel bio produit',
  'product',
  'xylophone',
];

describe('PostgreSQL text hits in SQLite’s tiers', async () => {
  const skip = !(await pgReachable()) && 'PostgreSQL not reachable';
  let a: TestDatabase;
  let b: TestDatabase;
  const saved = process.env.COMPTOIR_TEXT_INDEX;
  before(async () => {
    if (skip) return;
    // SQLite's reference is FTS5 itself (the in-process text index gives its very lists, tested
    // in search-text-index.test.ts); no index thread to wait for.
    process.env.COMPTOIR_TEXT_INDEX = '0';
    a = await openKind('sqlite');
    b = await openKind('postgres');
    await Promise.all([seed(a.database), seed(b.database)]);
  });
  after(async () => {
    if (saved === undefined) delete process.env.COMPTOIR_TEXT_INDEX;
    else process.env.COMPTOIR_TEXT_INDEX = saved;
    await a?.cleanup();
    await b?.cleanup();
  });

  /** Both databases' hits of a text (`mode`: every word, or any). */
  const hitsOf = async (text: string, mode: 'all' | 'any') =>
    Promise.all(
      [a, b].map(async (t) => {
        const words = await prepareWords(t.database, parseQuery(text, { prefixLast: true }));
        return textHits(t.database, matchExpr(t.database, words, mode));
      }),
    );

  test('a long list: the same ids and tiers as SQLite, in the same order', { skip }, async () => {
    let tiered = 0;
    for (const text of TEXTS)
      for (const mode of ['all', 'any'] as const) {
        const [x, y] = await hitsOf(text, mode);
        const label = `${text} (${mode})`;
        assert.equal(y.tiered === true, x.tiered === true, label);
        if (!x.tiered) continue;
        tiered++;
        assert.ok(x.ids.length > MAX_BM25_HITS, label);
        assert.deepEqual(Array.from(y.ids), Array.from(x.ids), label);
        assert.deepEqual(Array.from(y.bm), Array.from(x.bm), label);
        // Both tiers are there: title matches (2) first, then the others (1).
        const titles = Array.from(y.bm).filter((v) => v === 2).length;
        assert.ok(titles > 0 && titles < y.ids.length, `${label}: ${titles} title matches`);
      }
    assert.ok(tiered >= 4, `${tiered} tiered lists`);
  });

  test('a short list: the same products as SQLite, ranked by ts_rank', { skip }, async () => {
    let ranked = 0;
    for (const text of TEXTS)
      for (const mode of ['all', 'any'] as const) {
        const [x, y] = await hitsOf(text, mode);
        if (x.tiered) continue;
        if (x.ids.length > 0) ranked++;
        assert.equal(y.tiered, undefined, text);
        assert.deepEqual(Array.from(y.ids).sort(), Array.from(x.ids).sort(), `${text} (${mode})`);
        // Best first: ts_rank descending, then ascending ids.
        for (let i = 1; i < y.ids.length; i++)
          assert.ok(y.bm[i - 1]! > y.bm[i]! || (y.bm[i - 1] === y.bm[i] && y.ids[i - 1]! < y.ids[i]!), text);
      }
    assert.ok(ranked >= 4, `${ranked} ranked lists`);
  });

  test('past a limit, the lowest ids (FTS5’s index order), and the title list among them', {
    skip,
  }, async () => {
    for (const text of ['produit', 'pro', 'sirop']) {
      const [ws, wp] = await Promise.all(
        [a, b].map((t) => prepareWords(t.database, parseQuery(text, { prefixLast: true }))),
      );
      const sqliteExpr = matchExpr(a.database, ws!, 'all');
      const pgExpr = matchExpr(b.database, wp!, 'all');
      for (const limit of [1, 37, 1000]) {
        const plain = await ftsMatchIds(a.database.db, sqliteExpr, limit);
        const title = await ftsMatchIds(a.database.db, `{title_terms} : (${sqliteExpr})`, 1_000_000);
        const lists = await tsMatchLists(b.database.db, pgExpr, titleOnly(pgExpr), limit);
        const inPlain = new Set(plain);
        assert.deepEqual(Array.from(lists.plain).sort(), Array.from(plain).sort(), `${text} ${limit}`);
        assert.deepEqual(
          Array.from(lists.title).sort(),
          Array.from(title)
            .filter((id) => inPlain.has(id))
            .sort(),
          `${text} ${limit} (title)`,
        );
      }
    }
  });
});

test('titleOnly labels every lexeme of an expression with the title weight', () => {
  assert.equal(titleOnly('(sirop | sirops) & (erab:*)'), '(sirop:A | sirops:A) & (erab:*A)');
  assert.equal(titleOnly('(lot) & (12 | 12:*)'), '(lot:A) & (12:A | 12:*A)');
});
