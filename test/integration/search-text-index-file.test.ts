/**
 * The text index file (src/modules/search/text-index-file.ts): written by a full rebuild (what
 * `comptoir seed` leaves behind) and by the process that writes the facts snapshot after its build,
 * loaded by a server's start instead of a build. Each "process" below is a new connection to the
 * same database (a new text index state). Loaded, it gives the very lists of a built index and of
 * FTS5, with the products changed since its mark (the change log, migrations 072/073) matched as
 * dirty documents; a damaged file or one the database did not record is refused and built again;
 * a facts snapshot written later keeps the log the file needs; pruning the log drops both records.
 * On PostgreSQL there is no file and nothing changes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import {
  catalogMemory,
  type FactsSnapshotOptions,
  indexProducts,
  rebuildSearchIndex,
  useFactsSnapshot,
} from '../../src/modules/search/index.ts';
import { pruneFactLog, reserveTextSnapshot } from '../../src/modules/search/memory.repository.ts';
import { forgetCatalogMemory } from '../../src/modules/search/memory.ts';
import { MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { parseMatchExpr, type TextIndex } from '../../src/modules/search/text-index.ts';
import {
  loadTextIndexFile,
  readTextIndexFile,
  TextIndexFileError,
  textIndexPath,
  useTextIndexFile,
  writeTextIndexAfterRebuild,
} from '../../src/modules/search/text-index-file.ts';
import {
  buildTextIndexNow,
  textIndexBuilt,
  textIndexOf,
  textIndexStatus,
} from '../../src/modules/search/text-index-state.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { randomCatalogue } from '../helpers/random-catalogue.ts';
import {
  assertListsLikeFts,
  assertSameTextIndexArrays,
  matchExpressions,
} from '../helpers/text-index-checks.ts';

const sqliteOnly = TEST_DB_KIND !== 'sqlite' && 'SQLite only (PostgreSQL has no text index file)';

const WORDS = [
  'Bottes',
  'Érable',
  'SIROP',
  'Café',
  'cafetière',
  'Fromage',
  'Québec',
  'vélo',
  'miel',
  'Bougie',
];
const WORDS2 = ['jeu de société', 'Œufs', 'épices', 'lot de 12', 'bouteille', 'board game', '2024'];
const TEXTS = [
  'bottes',
  'bot',
  'erable sirop',
  'cafe',
  'caf',
  'fromage quebec',
  'velo',
  'miel',
  'bou',
  'jeu',
  'oeufs',
  'lot 12',
  'zzz',
];

/** A log that records its lines and lets a test await one. */
function testLog() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const waiters: { msg: string; resolve: () => void }[] = [];
  const push = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, msg, obj: obj as Record<string, unknown> });
    for (const w of waiters.filter((x) => x.msg === msg)) w.resolve();
  };
  const log: FactsSnapshotOptions['log'] = { info: push('info'), warn: push('warn') };
  const next = (msg: string) => new Promise<void>((resolve) => waiters.push({ msg, resolve }));
  const line = (msg: string) => lines.find((l) => l.msg === msg);
  return { log, lines, next, line };
}

describe('text index file', () => {
  let t: TestDatabase;
  // English titles and descriptions' second half drawn from WORDS2.
  const catalogue = randomCatalogue({
    seed: 11,
    words: WORDS,
    sku: 'TF',
    texts: ({ random, title }) => ({
      title_fr: title(),
      title_en: random() < 0.5 ? title(WORDS2) : '',
      description_fr: `${title()} ${title(WORDS2)}`,
      description_en: '',
    }),
  });
  const { title, ids, insertProducts } = catalogue;
  const opened: Database[] = [];
  /** Another process: a new connection, so a new text index state. */
  const reopen = () => {
    const d = t.reopen();
    opened.push(d);
    return d;
  };

  /** The expressions the search writes for TEXTS ('all' and 'any'). */
  const expressions = async (database: Database) => [...new Set(await matchExpressions(database, TEXTS))];

  /** The index's lists equal FTS5's for every expression (full and truncated); returns how many. */
  const sameAsFts = async (database: Database, index: TextIndex) => {
    let n = 0;
    let ranked = 0;
    for (const expr of await expressions(database)) {
      const lists = await assertListsLikeFts(database, index, expr, [MAX_TEXT_HITS, 5], { rankEmpty: true });
      n += lists.compared;
      ranked += lists.ranked;
    }
    assert.ok(ranked >= 5, `${ranked} lists ranked`);
    return n;
  };

  /** A server process's start: loads the file (or builds, and writes it when `write`). */
  const start = async (write: boolean) => {
    const database = reopen();
    const l = testLog();
    const written = l.next('search text index file written');
    await useTextIndexFile(database, { write, log: l.log, retryMs: 20, waitMs: 200 });
    return { database, l, written, index: await textIndexBuilt(database) };
  };

  before(async () => {
    t = await createTestDatabase();
    await catalogue.seed(t.database, 300);
  });
  after(async () => {
    for (const d of opened) await d.close();
    await t.cleanup();
  });

  test('PostgreSQL: no file is written or read', {
    skip: TEST_DB_KIND !== 'postgres' && 'PostgreSQL only',
  }, async () => {
    assert.equal(textIndexPath(t.database), undefined);
    assert.equal(await writeTextIndexAfterRebuild(t.database), undefined);
    const l = testLog();
    await useTextIndexFile(t.database, { write: true, log: l.log });
    assert.equal(l.lines.length, 0);
    assert.equal(textIndexStatus(t.database).state, 'none');
  });

  test('a rebuild leaves a file; read back it gives the built index’s arrays and lists', {
    skip: sqliteOnly,
  }, async () => {
    const path = textIndexPath(t.database)!;
    assert.ok(existsSync(path), 'written by rebuildSearchIndex');
    const file = await readTextIndexFile(path);
    assert.ok(file);
    const built = buildTextIndexNow(reopen())!;
    const b = built.data!;
    assertSameTextIndexArrays(file.data, b);
    assert.equal(file.data.maxId, b.maxId);
    assert.equal(file.data.docs, b.docs);

    const s = await start(false);
    assert.ok(s.l.line('search text index loaded from file'), JSON.stringify(s.l.lines));
    assert.equal(s.l.line('search text index loaded from file')!.obj.changed, 0);
    assert.ok(s.index);
    assert.ok((await sameAsFts(s.database, s.index)) > 20);
    for (const expr of await expressions(s.database)) {
      const parsed = parseMatchExpr(expr)!;
      assert.deepEqual(s.index.lists(parsed, MAX_TEXT_HITS), built.lists(parsed, MAX_TEXT_HITS), expr);
    }
  });

  test('products changed after the mark are dirty on load; a facts snapshot written later keeps them', {
    skip: sqliteOnly,
  }, async () => {
    await rebuildSearchIndex(t.database);
    const db = t.database.db;
    const changed = ids.slice(0, 25);
    for (const id of changed)
      await db
        .updateTable('products')
        .set({ title_en: title(WORDS2) })
        .where('id', '=', id)
        .execute();
    const archived = ids.slice(25, 35);
    await db.updateTable('products').set({ status: 'archived' }).where('id', 'in', archived).execute();
    const added = await insertProducts(15);
    await indexProducts(t.database, [...changed, ...archived, ...added]);

    // A server start writing its facts snapshot empties the log up to its mark, not past the file's.
    const facts = reopen();
    const fl = testLog();
    const factsWritten = fl.next('search facts snapshot written');
    useFactsSnapshot(facts, { write: true, log: fl.log });
    await catalogMemory(facts);
    await factsWritten;
    assert.equal(fl.line('search facts snapshot written')!.obj.recorded, true);

    const s = await start(false);
    const loaded = s.l.line('search text index loaded from file');
    assert.ok(loaded, JSON.stringify(s.l.lines));
    assert.equal(loaded.obj.changed, 50, 'title changes, archives and additions');
    assert.ok(s.index);
    assert.equal(textIndexStatus(s.database).dirty, 50);
    assert.ok((await sameAsFts(s.database, s.index)) > 20);
  });

  test('a damaged or truncated file is refused, built again and written by the writer', {
    skip: sqliteOnly,
  }, async () => {
    const path = textIndexPath(t.database)!;
    for (const damage of [
      (whole: Buffer) => truncateSync(path, whole.length - 50),
      (whole: Buffer) => {
        const b = Buffer.from(whole);
        b[b.length - 9]! ^= 0x10;
        writeFileSync(path, b);
      },
      // A file of the previous format (no body flags, no document lengths), checksum valid: its
      // postings would be misread, so it is refused by its version.
      (whole: Buffer) => {
        const b = Buffer.from(whole);
        const at = b.indexOf('{"v":2,');
        assert.equal(at, 16);
        b.write('{"v":1,', at, 'latin1');
        b.writeUInt32LE(crc32(b.subarray(16)), 12);
        writeFileSync(path, b);
      },
    ]) {
      // The file the last writer recorded, damaged.
      damage(readFileSync(path));
      await assert.rejects(() => readTextIndexFile(path), TextIndexFileError);
      // A process that does not write: refused, waits (FTS5 answers), then builds its own.
      const reader = await start(false);
      assert.equal(reader.l.line('search text index file ignored: rebuilding it')?.level, 'warn');
      assert.ok(reader.l.line('search text index file did not come: building it here'));
      assert.ok(reader.index);
      await sameAsFts(reader.database, reader.index);
      // The writer builds and writes it; the next start loads it.
      const writer = await start(true);
      await writer.written;
      assert.ok(writer.index);
      await sameAsFts(writer.database, writer.index);
      const next = await start(false);
      assert.ok(next.l.line('search text index loaded from file'), JSON.stringify(next.l.lines));
    }
  });

  test('a file the database did not record is refused; a missing file is awaited', {
    skip: sqliteOnly,
  }, async () => {
    const path = textIndexPath(t.database)!;
    const old = readFileSync(path);
    // A build that reserved another file (its own id and mark): this one no longer counts.
    await reserveTextSnapshot(t.database.db, 'another');
    const r = await start(false);
    assert.ok(
      r.l.line('search text index file not the one the database recorded'),
      JSON.stringify(r.l.lines),
    );
    writeFileSync(path, old);

    // No file: a non-writer waits for the writer's, and loads it when it comes.
    rmSync(path);
    const database = reopen();
    const l = testLog();
    const loaded = l.next('search text index loaded from file');
    const waiting = useTextIndexFile(database, { write: false, log: l.log, retryMs: 20, waitMs: 60_000 });
    assert.equal(textIndexStatus(database).state, 'building', 'no index yet: FTS5 answers');
    const w = await start(true);
    await w.written;
    await loaded;
    await waiting;
    const index = await textIndexBuilt(database);
    assert.ok(index);
    await sameAsFts(database, index);
  });

  test('an index dropped at run time comes back from the file, not from a build', {
    skip: sqliteOnly,
  }, async () => {
    const w = await start(true);
    assert.ok(w.l.line('search text index loaded from file'), JSON.stringify(w.l.lines));
    // A full rebuild elsewhere writes a new file; this process learns of it (the catalogue reset).
    await rebuildSearchIndex(t.database);
    forgetCatalogMemory(w.database);
    assert.equal(textIndexStatus(w.database).state, 'none');
    assert.equal(textIndexOf(w.database), undefined, 'FTS5 answers while the file loads');
    const index = await textIndexBuilt(w.database);
    assert.ok(index);
    assert.equal(w.l.lines.filter((l) => l.msg === 'search text index loaded from file').length, 2);
    assert.equal(textIndexStatus(w.database).buildMs, undefined, 'never built in this process');
    await sameAsFts(w.database, index);
  });

  test('pruning the change log drops both records: the file is then refused', {
    skip: sqliteOnly,
  }, async () => {
    const db = t.database.db;
    await db.updateTable('products').set({ title_en: 'miel' }).where('id', '=', ids[0]!).execute();
    await indexProducts(t.database, [ids[0]!]);
    assert.equal(await pruneFactLog(db, 0), true);
    const left = await sql<{ n: number }>`select (select count(*) from search_fact_changes)
      + (select count(*) from search_fact_snapshot) + (select count(*) from search_text_snapshot) as n`.execute(
      db,
    );
    assert.equal(Number(left.rows[0]!.n), 0);
    const r = await loadTextIndexFile(reopen(), testLog().log);
    assert.equal(r, 'invalid');
  });
});
