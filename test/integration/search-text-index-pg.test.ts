/**
 * The in-process text index on PostgreSQL (src/modules/search/text-index-pg.ts) gives the very lists
 * the tsvector gives (tsMatchLists) for random tsqueries of matchExpr's shapes (terms, prefixes,
 * AND / OR, accents and typos through the search's own words, texts the parser splits), built by its
 * worker thread, then kept current through indexProducts and another instance's `catalog` events,
 * and dropped by a full rebuild. The expression parser runs on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { InProcessEventBus } from '../../src/modules/events/bus.ts';
import {
  attachSearchEvents,
  indexProducts,
  parseQuery,
  rebuildSearchIndex,
} from '../../src/modules/search/index.ts';
import { tsMatchLists } from '../../src/modules/search/search.repository.ts';
import { MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import type { TextIndex } from '../../src/modules/search/text-index.ts';
import { parseTsQueryExpr, tsIndexLists } from '../../src/modules/search/text-index-pg.ts';
import { textIndexBuilt, textIndexOf, textIndexStatus } from '../../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHits, titleOnly } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomCatalogue } from '../helpers/random-catalogue.ts';

const WORDS = [
  'Bottes',
  "bottes d'hiver",
  'Érable',
  'SIROP',
  'Café',
  'cafetière',
  'Fromage',
  'Québec',
  'jeu de société',
  'vélo',
  'Œufs',
  'miel',
  'Miellerie',
  'board game',
  'Bougie',
  'bouteille',
  'épices',
  '2024',
  'lot de 12',
  // Texts the PostgreSQL parser splits ('1e5' and 'x'; '10e10' and 'e').
  '1e5x',
  '10e10e',
  '1e5',
  'v2 2x4',
];
const TEXTS = ['bottes', 'bot', 'Érable sirop', 'caf', 'fromag queb', 'velo', 'oeufs', 'bougie bou'];
const MORE_TEXTS = ['épic', '2024', 'lot 12', 'bottse', 'gam', '1e5x', '1e5', '10e', 'xylophone'];

test('parseTsQueryExpr reads matchExpr shapes only, and leaves terms the parser splits to the database', () => {
  assert.deepEqual(parseTsQueryExpr('(bottes | botte) & (hiver:*)'), {
    mode: 'all',
    groups: [{ terms: ['bottes', 'botte'] }, { terms: [], prefix: 'hiver' }],
    phrases: [
      { term: 'bottes', prefix: false },
      { term: 'botte', prefix: false },
      { term: 'hiver', prefix: true },
    ],
  });
  assert.equal(parseTsQueryExpr('(a) | (b:*)')?.mode, 'any');
  assert.equal(parseTsQueryExpr('(a) | (b) & (c)'), undefined);
  assert.equal(parseTsQueryExpr('(a <-> b)'), undefined);
  assert.equal(parseTsQueryExpr('(a:A)'), undefined);
  assert.equal(parseTsQueryExpr('(1e5x)'), undefined);
  assert.equal(parseTsQueryExpr('(10e10e:*)'), undefined);
  assert.ok(parseTsQueryExpr('(1e5 | e10x | x1e5x)'));
});

describe('text index lists equal the tsvector (PostgreSQL)', () => {
  let t: TestDatabase;
  let other: Database | undefined;
  const catalogue = randomCatalogue({ seed: 11, words: WORDS, sku: 'TP' });
  const { random, title, ids, insertProducts } = catalogue;

  /** Random tsqueries of matchExpr's shapes over the lexemes (and prefixes, and unknown terms). */
  const randomExprs = async (n: number) => {
    const r = await sql<{
      word: string;
    }>`select word from ts_stat('select tsv from search_documents')`.execute(t.database.db);
    const lexemes = r.rows.map((x) => x.word);
    assert.ok(
      lexemes.includes('1e5') && lexemes.includes('10e10'),
      'split texts indexed as the parser splits them',
    );
    const term = () => {
      const x = random();
      const w = lexemes[Math.floor(random() * lexemes.length)]!;
      if (x < 0.3) return `${w.slice(0, 1 + Math.floor(random() * w.length))}:*`;
      if (x < 0.4) return 'zzunknown';
      return w;
    };
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const groups = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const alts = Array.from({ length: 1 + Math.floor(random() * 3) }, term);
        // One prefix a group, as matchExpr writes.
        const prefixes = alts.filter((a) => a.endsWith(':*'));
        const kept = [...alts.filter((a) => !a.endsWith(':*')), ...prefixes.slice(0, 1)];
        return `(${kept.join(' | ')})`;
      });
      out.push(groups.join(random() < 0.5 ? ' & ' : ' | '));
    }
    return out;
  };

  /** The search's own expressions (accents, typos, complete words) for some texts. */
  const searchExprs = async (texts: string[]) => {
    const out: string[] = [];
    for (const text of texts) {
      const words = await prepareWords(t.database, parseQuery(text, { prefixLast: true }));
      if (words.length === 0) continue;
      for (const mode of ['all', 'any'] as const) out.push(matchExpr(t.database, words, mode));
    }
    return out;
  };

  /** Compares the index's lists with tsMatchLists', full and truncated; returns the lists compared. */
  const compare = async (index: TextIndex, exprs: string[]) => {
    let compared = 0;
    let nonEmpty = 0;
    for (const expr of exprs) {
      const parsed = parseTsQueryExpr(expr);
      if (!parsed) continue;
      for (const limit of [MAX_TEXT_HITS, 7]) {
        const lists = index.lists(parsed, limit);
        assert.ok(lists);
        const db = await tsMatchLists(t.database.db, expr, titleOnly(expr), limit);
        assert.deepEqual([...lists.plain], [...db.plain], expr);
        // tsMatchLists' title list is within its plain list (what tieredHits keeps of the index's).
        const plain = new Set(lists.plain);
        assert.deepEqual(
          [...lists.title].filter((id) => plain.has(id)),
          [...db.title].sort((a, b) => a - b),
          `title ${expr}`,
        );
        if (lists.plain.length > 0) nonEmpty++;
      }
      compared++;
    }
    assert.ok(nonEmpty > compared / 2, `${nonEmpty} non-empty of ${compared}`);
    return compared;
  };

  const compareAll = async (index: TextIndex) => {
    const exprs = [...(await searchExprs([...TEXTS, ...MORE_TEXTS])), ...(await randomExprs(150))];
    assert.ok((await compare(index, exprs)) > 150);
  };

  before(async () => {
    t = await createTestDatabase();
    if (t.database.kind !== 'postgres') return;
    await catalogue.seed(t.database, 300);
  });
  after(async () => {
    await other?.close();
    await t.cleanup();
  });

  test('built from the tsvector, kept current on writes and catalog events, dropped by a rebuild', async (c) => {
    if (t.database.kind !== 'postgres') {
      c.skip('PostgreSQL only');
      return;
    }
    const index = await textIndexBuilt(t.database);
    assert.ok(index, JSON.stringify(textIndexStatus(t.database)));
    await compareAll(index);
    // textHits answers from it: the same hits as before it was built (checked through the lists above).
    const hits = await textHits(t.database, matchExpr(t.database, parseQuery('bottes'), 'all'));
    assert.ok(hits.ids.length > 0);
    assert.ok(tsIndexLists(t.database, '(bottes)', MAX_TEXT_HITS));

    // Re-indexed with new texts, archived, and new products (ids past the build's highest).
    const db = t.database.db;
    const changed = ids.slice(0, 40);
    for (const id of changed)
      await db.updateTable('products').set({ title_fr: title() }).where('id', '=', id).execute();
    const archived = ids.slice(40, 60);
    await db.updateTable('products').set({ status: 'archived' }).where('id', 'in', archived).execute();
    const added = await insertProducts(30);
    await indexProducts(t.database, [...changed, ...archived, ...added]);
    assert.equal(textIndexOf(t.database), undefined, 'the database answers while changed documents are read');
    const current = await textIndexBuilt(t.database);
    assert.equal(current, index, 'kept, not rebuilt');
    assert.equal(textIndexStatus(t.database).dirty, 90);
    await compareAll(current);

    // Another instance re-indexes products: its `catalog` event makes them dirty here.
    const bus = new InProcessEventBus();
    other = t.reopen();
    attachSearchEvents(t.database, bus);
    attachSearchEvents(other, bus);
    const again = ids.slice(60, 90);
    for (const id of again)
      await db.updateTable('products').set({ title_en: title() }).where('id', '=', id).execute();
    await db.deleteFrom('products').where('id', 'in', ids.slice(90, 95)).execute();
    await indexProducts(other, [...again, ...ids.slice(90, 95)]);
    await bus.settled();
    const afterEvent = await textIndexBuilt(t.database);
    assert.equal(afterEvent, index, 'kept, not rebuilt');
    assert.equal(textIndexStatus(t.database).dirty, 125);
    await compareAll(afterEvent);

    // A full rebuild drops it; the next text match builds it again.
    await rebuildSearchIndex(t.database);
    assert.equal(textIndexStatus(t.database).state, 'none');
    const rebuilt = await textIndexBuilt(t.database);
    assert.ok(rebuilt && rebuilt !== index);
    assert.equal(textIndexStatus(t.database).dirty, 0);
    await compareAll(rebuilt);
  });

  test('the terms the parser splits are exactly those the expression parser leaves to the database', async (c) => {
    if (t.database.kind !== 'postgres') {
      c.skip('PostgreSQL only');
      return;
    }
    // Random [0-9a-z] texts, digits and 'e' frequent (the parser's number states).
    const texts: string[] = [];
    const alphabet = '0123456789eeeeeabcdfxz';
    for (let i = 0; i < 4000; i++)
      texts.push(
        Array.from(
          { length: 1 + Math.floor(random() * 9) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(''),
      );
    const r = await sql<{ t: string; v: boolean; q: boolean }>`select t,
        to_tsvector('simple', t)::text = '''' || t || ''':1' as v,
        to_tsquery('simple', t || ':*')::text = '''' || t || ''':*' as q
      from unnest(${texts}::text[]) t`.execute(t.database.db);
    let split = 0;
    for (const row of r.rows) {
      const kept = parseTsQueryExpr(`(${row.t})`) !== undefined;
      assert.equal(kept, row.v, row.t);
      assert.equal(kept, row.q, row.t);
      if (!row.v) split++;
    }
    assert.ok(split > 50, `${split} split`);
  });
});
