/**
 * The text index stored in PostgreSQL (migration 074, text-index-pg.worker.ts): built and stored
 * by one instance, loaded by another on the same schema (a second platform), which re-reads only
 * the documents changed since the stored snapshot; its lists and BM25 scores equal a fresh build's
 * and the tsvector's after writes. Two instances starting together: one builds, the other waits
 * for the lock and loads. A damaged store, or a full rebuild since, is built again and replaced;
 * storing empties the change log of what the stored snapshot saw. PostgreSQL only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { indexProducts, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { tsMatchLists } from '../../src/modules/search/search.repository.ts';
import { MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import type { TextIndex, TextIndexData } from '../../src/modules/search/text-index.ts';
import { parseTsQueryExpr } from '../../src/modules/search/text-index-pg.ts';
import {
  setTextIndexLog,
  textIndexBuilt,
  textIndexStatus,
  textIndexWorkerExited,
} from '../../src/modules/search/text-index-state.ts';
import { titleOnly } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomCatalogue } from '../helpers/random-catalogue.ts';
import { assertSameTextIndexArrays } from '../helpers/text-index-checks.ts';

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
  'miel',
  'Miellerie',
  'board game',
  'Bougie',
  'bouteille',
  '2024',
  'lot de 12',
  '1e5x',
];

describe('text index stored in PostgreSQL', () => {
  let t: TestDatabase;
  const instances: Database[] = [];
  const catalogue = randomCatalogue({ seed: 74, words: WORDS, sku: 'TS' });
  const { random, title, ids, insertProducts } = catalogue;
  const pgOnly = (c: { skip: (m: string) => void }) => {
    if (t.database.kind === 'postgres') return true;
    c.skip('PostgreSQL only');
    return false;
  };

  /** A second platform on the same schema (another instance). */
  const instance = () => {
    const d = t.reopen();
    instances.push(d);
    return d;
  };
  const indexOf = async (d: Database) => {
    const index = await textIndexBuilt(d);
    assert.ok(index, JSON.stringify(textIndexStatus(d)));
    // Stored (when built) after its server has it.
    await textIndexWorkerExited(d);
    return index;
  };
  const stored = async () =>
    (
      await sql<{
        index_id: string;
        bytes: string;
      }>`select index_id, bytes from search_text_index_stored`.execute(t.database.db)
    ).rows;
  const logRows = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from search_text_changes`.execute(t.database.db))
        .rows[0]!.n,
    );

  /** Random tsqueries of matchExpr's shapes over the lexemes (prefixes, unknown terms, AND / OR). */
  const randomExprs = async (n: number) => {
    const r = await sql<{
      word: string;
    }>`select word from ts_stat('select tsv from search_documents')`.execute(t.database.db);
    const lexemes = r.rows.map((x) => x.word);
    const term = () => {
      const x = random();
      const w = lexemes[Math.floor(random() * lexemes.length)]!;
      if (x < 0.3) return `${w.slice(0, 1 + Math.floor(random() * w.length))}:*`;
      if (x < 0.4) return 'zzunknown';
      return w;
    };
    return Array.from({ length: n }, () => {
      const groups = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const alts = Array.from({ length: 1 + Math.floor(random() * 3) }, term);
        const prefixes = alts.filter((a) => a.endsWith(':*'));
        return `(${[...alts.filter((a) => !a.endsWith(':*')), ...prefixes.slice(0, 1)].join(' | ')})`;
      });
      return groups.join(random() < 0.5 ? ' & ' : ' | ');
    });
  };

  /** Lists (full and truncated) and BM25 of `index` equal `fresh`'s, and the lists the tsvector's. */
  const compare = async (index: TextIndex, fresh: TextIndex) => {
    const totals = { rows: 400, tokens: 9000, ln: Math.log };
    let nonEmpty = 0;
    const exprs = await randomExprs(200);
    for (const expr of exprs) {
      const parsed = parseTsQueryExpr(expr);
      if (!parsed) continue;
      for (const limit of [MAX_TEXT_HITS, 7]) {
        const got = index.lists(parsed, limit);
        const want = fresh.lists(parsed, limit);
        assert.ok(got && want);
        assert.deepEqual([...got.plain], [...want.plain], expr);
        assert.deepEqual([...got.title], [...want.title], `title ${expr}`);
        const db = await tsMatchLists(t.database.db, expr, titleOnly(expr), limit);
        assert.deepEqual([...got.plain], [...db.plain], `tsvector ${expr}`);
        if (limit === MAX_TEXT_HITS && got.plain.length > 0) {
          nonEmpty++;
          assert.deepEqual(
            [...index.bm25(parsed, got.plain, totals)!],
            [...fresh.bm25(parsed, want.plain, totals)!],
            `bm25 ${expr}`,
          );
        }
      }
    }
    assert.ok(nonEmpty > exprs.length / 2, `${nonEmpty} non-empty of ${exprs.length}`);
  };

  /** The same index, byte for byte. */
  const sameArrays = (a: TextIndexData, b: TextIndexData) => {
    assertSameTextIndexArrays(a, b);
    assert.equal(a.maxId, b.maxId);
    assert.equal(a.docs, b.docs);
  };

  before(async () => {
    t = await createTestDatabase();
    if (t.database.kind !== 'postgres') return;
    await catalogue.seed(t.database, 300);
  });
  after(async () => {
    for (const d of instances) await d.close();
    await t.cleanup();
  });

  test('built and stored once; another instance loads it, with the changes since, as a fresh build', async (c) => {
    if (!pgOnly(c)) return;
    const built = await indexOf(t.database);
    assert.equal(textIndexStatus(t.database).from, 'built');
    assert.equal((await stored()).length, 1);
    assert.equal(await logRows(), 0, 'the log emptied of what the stored index saw');

    // Another instance, nothing changed: the stored arrays, byte for byte.
    const second = instance();
    const loaded = await indexOf(second);
    assert.equal(textIndexStatus(second).from, 'stored');
    assert.equal(textIndexStatus(second).dirty, 0);
    sameArrays(loaded.data!, built.data!);

    // Re-indexed with new texts, archived, deleted and new products (ids past the stored highest).
    const db = t.database.db;
    const changed = ids.slice(0, 40);
    for (const id of changed)
      await db.updateTable('products').set({ title_fr: title() }).where('id', '=', id).execute();
    const archived = ids.slice(40, 60);
    await db.updateTable('products').set({ status: 'archived' }).where('id', 'in', archived).execute();
    await db.deleteFrom('products').where('id', 'in', ids.slice(60, 65)).execute();
    const added = await insertProducts(30);
    await indexProducts(t.database, [...changed, ...archived, ...ids.slice(60, 65), ...added]);
    assert.equal(await logRows(), 40 * 2 + 20 + 5 + 30, 'deleted and inserted: logged by statement');

    // A third instance loads the stored index and re-reads the 95 changed documents.
    const third = instance();
    const current = await indexOf(third);
    assert.equal(textIndexStatus(third).from, 'stored');
    assert.equal(textIndexStatus(third).dirty, 95);

    // A fresh build to compare with: the store cleared, a fourth instance builds.
    await sql`delete from search_text_index_stored`.execute(db);
    const fourth = instance();
    const fresh = await indexOf(fourth);
    assert.equal(textIndexStatus(fourth).from, 'built');
    assert.equal(textIndexStatus(fourth).dirty, 0);
    await compare(current, fresh);
    // The first instance, kept current by its own writes, too.
    await compare(await indexOf(t.database), fresh);
  });

  test('two instances starting together: one builds and stores, the other waits and loads', async (c) => {
    if (!pgOnly(c)) return;
    await sql`delete from search_text_index_stored`.execute(t.database.db);
    const a = instance();
    const b = instance();
    const [ia, ib] = await Promise.all([indexOf(a), indexOf(b)]);
    await Promise.all([textIndexWorkerExited(a), textIndexWorkerExited(b)]);
    const from = [textIndexStatus(a).from, textIndexStatus(b).from].sort();
    assert.deepEqual(from, ['built', 'stored']);
    sameArrays(ia.data!, ib.data!);
    assert.equal((await stored()).length, 1);
  });

  test('a damaged store, or a full rebuild since it, is built again and replaced', async (c) => {
    if (!pgOnly(c)) return;
    const [before] = await stored();
    assert.ok(before);
    // One byte changed in the middle of the arrays: the checksum refuses it.
    await sql`update search_text_index_parts set bytes = set_byte(bytes, length(bytes) / 2,
      (get_byte(bytes, length(bytes) / 2) + 1) % 256) where part = 0`.execute(t.database.db);
    // The server's log says why the stored one was not used (never a silent fallback).
    const warned: { obj: object; msg: string }[] = [];
    const log = { warn: (obj: object, msg: string) => warned.push({ obj, msg }) };
    const a = instance();
    setTextIndexLog(a, log);
    await indexOf(a);
    assert.equal(textIndexStatus(a).from, 'built');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.msg, /stored in the database not loaded/);
    assert.match(String((warned[0]!.obj as { reason?: unknown }).reason), /\w/);
    const [replaced] = await stored();
    assert.notEqual(replaced!.index_id, before.index_id);
    const b = instance();
    setTextIndexLog(b, log);
    const loaded = await indexOf(b);
    assert.equal(textIndexStatus(b).from, 'stored');
    assert.equal(warned.length, 1, 'a sound stored index loads without a warning');

    // A full rebuild (truncate, then every document again): logged as "everything changed".
    await rebuildSearchIndex(t.database);
    const d = instance();
    const rebuilt = await indexOf(d);
    assert.equal(textIndexStatus(d).from, 'built');
    assert.equal(await logRows(), 0);
    assert.notEqual((await stored())[0]!.index_id, replaced!.index_id);
    sameArrays(rebuilt.data!, loaded.data!);
  });
});
