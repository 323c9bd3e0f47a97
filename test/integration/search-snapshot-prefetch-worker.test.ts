import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import {
  catalogMemory,
  type FactsSnapshotOptions,
  factsSnapshotPath,
  prefetchFactsSnapshot,
  rebuildSearchIndex,
  useFactsSnapshot,
} from '../../src/modules/search/index.ts';
import { factsPrefetch } from '../../src/serve/facts-prefetch.ts';
import { createPlatform } from '../../src/server.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * A one-process server reads its facts snapshot in a worker thread, which also takes the browse
 * index's arrays kept in it (src/serve/facts-prefetch.ts, snapshot-prefetch.worker.ts; issue 19,
 * item 6); a start without the thread takes them from the file too. The facts then still get the
 * changes logged since the snapshot, and the browse index of the snapshot's facts is patched with
 * them: every answer, with and without words, must equal that of a server that built its index
 * after them (a start from the tables, the file set aside).
 */
const sqliteOnly =
  TEST_DB_KIND !== 'sqlite' && 'SQLite only (PostgreSQL rebuilds from the tables; docs/PERFORMANCE.md)';

const quietLog = (): FactsSnapshotOptions['log'] & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, info: (_o, msg) => lines.push(msg), warn: (_o, msg) => lines.push(msg) };
};

/** Searches a browse index serves (no words) and a few with words, around the mini region. */
const QUERIES = [
  '',
  'sort=price_asc',
  'sort=price_desc',
  'in_stock=1',
  'quebec=1',
  'category=epicerie',
  'category=sports',
  'category=chaussures',
  'category=epicerie&sort=price_asc',
  'q=sirop',
  'q=velo',
];

describe('facts snapshot read by the start worker', { skip: sqliteOnly }, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const opened: Database[] = [];
  const reopen = () => {
    const d = p.testDb.reopen();
    opened.push(d);
    return d;
  };
  const config = () =>
    loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', INSECURE_COOKIES: '1', DATA_DIR: p.testDb.dataDir });

  /** A restarted one-process server: through the worker (`worker`) or as without it. */
  const start = async (worker: boolean) => {
    const database = reopen();
    const path = factsSnapshotPath(database)!;
    if (worker) await prefetchFactsSnapshot(path, factsPrefetch(path));
    const log = quietLog();
    useFactsSnapshot(database, { write: false, log });
    const platform = await createPlatform(config(), { database, lock: false, logger: false });
    const m = await catalogMemory(database);
    return { platform, m, log };
  };

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    const { db } = p.context.database;
    // A GTIN carried by one product at the snapshot: another joins it after (a group of one grows).
    await db
      .updateTable('products')
      .set({ gtin: '0000000000017' })
      .where('id', '=', region.products.chaussures)
      .execute();
    await rebuildSearchIndex(p.context.database);
    // A start that writes the snapshot (from the tables).
    const database = reopen();
    const log = quietLog();
    useFactsSnapshot(database, { write: true, log });
    await catalogMemory(database);
    for (let i = 0; !log.lines.includes('search facts snapshot written'); i++) {
      assert.ok(i < 500, log.lines.join('; '));
      await new Promise((r) => setImmediate(r));
    }
  });
  after(async () => {
    for (const d of opened) await d.close();
    await p.close();
  });

  test('the worker reads the file and its index arrays; a damaged file is still refused', async () => {
    const path = factsSnapshotPath(p.context.database)!;
    const read = await factsPrefetch(path);
    assert.ok(read?.verified, 'checksum checked in the thread');
    assert.ok(read.browse && read.browse.ids.length > 0, 'browse arrays read in the thread');
    assert.equal(await factsPrefetch(`${path}.none`), undefined, 'no file: nothing');

    const damagedPath = `${path}.damaged`;
    // The whole file: its browse index arrays were read into a buffer of their own.
    assert.ok(read.tail && read.browse.ids.buffer === read.tail.buffer, 'index arrays apart from the facts');
    const b = Buffer.concat([read.bytes, read.tail]);
    b[b.length - 5]! ^= 0xff;
    writeFileSync(damagedPath, b);
    const damaged = await factsPrefetch(damagedPath);
    assert.ok(damaged && !damaged.verified && !damaged.browse, 'posted unverified, without arrays');
  });

  test('changes made while down: same answers as a start that builds its index after them', async () => {
    const { db } = p.context.database;
    const pr = region.products;
    // Written directly (the change log's triggers see every writer), while no server runs.
    await db.updateTable('inventory_levels').set({ on_hand: 7 }).where('product_id', '=', pr.velo).execute();
    await db
      .updateTable('products')
      .set({ price_cents: 799, category_id: null })
      .where('id', '=', pr.tire)
      .execute();
    await db.updateTable('products').set({ gtin: '0627843000016' }).where('id', '=', pr.oeufs).execute();
    await db.updateTable('products').set({ gtin: '0000000000017' }).where('id', '=', pr.velo).execute();
    await db.updateTable('products').set({ status: 'archived' }).where('id', '=', pr.siropChelsea).execute();
    const added = await db
      .insertInto('products')
      .values({
        merchant_id: region.merchants.erabliere.merchant_id,
        sku: 'SIROP-NEW',
        title_fr: 'Sirop d’érable foncé',
        title_en: 'Dark maple syrup',
        description_fr: 'Sirop.',
        description_en: 'Syrup.',
        price_cents: 1099,
        tax_class: 'zero_rated',
        gtin: '0627843000016',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('inventory_levels')
      .values({
        product_id: added.id,
        location_id: region.merchants.erabliere.location_id,
        on_hand: 5,
        reserved: 0,
      })
      .execute();
    await rebuildSearchIndex(p.context.database);

    const withWorker = await start(true);
    const without = await start(false);
    // The reference: facts and index built from the tables, after the changes.
    const path = factsSnapshotPath(p.context.database)!;
    renameSync(path, `${path}.aside`);
    const fromTables = await start(false).finally(() => renameSync(`${path}.aside`, path));
    try {
      for (const s of [withWorker, without])
        assert.ok(s.log.lines.includes('search facts loaded from snapshot'));
      // From the snapshot (through the worker or not) the index predates the changes, which were
      // recorded for it (and applied to it); from the tables, it was built after them.
      assert.ok((withWorker.m.changed?.length ?? 0) > 0, 'index from the worker, patched');
      assert.ok((without.m.changed?.length ?? 0) > 0, 'index from the file, patched');
      assert.deepEqual(fromTables.m.changed, []);
      for (const q of QUERIES) {
        const url = `/api/v1/search?${q}&lat=45.4765&lng=-75.7013&radius_km=50`;
        const [a, b, c] = await Promise.all([
          withWorker.platform.app.inject({ url }),
          without.platform.app.inject({ url }),
          fromTables.platform.app.inject({ url }),
        ]);
        assert.equal(c.statusCode, 200, c.body);
        assert.deepEqual(a.json(), c.json(), q);
        assert.deepEqual(b.json(), c.json(), q);
      }
      // The changes are seen (the answers compared are not both stale): the syrup's GTIN group now
      // holds the eggs and the new syrup (the archived one gone), the shoes' group the bike, and
      // the taffy has its new price.
      const all = (
        await withWorker.platform.app.inject({
          url: '/api/v1/search?lat=45.4765&lng=-75.7013&radius_km=50',
        })
      ).json() as { results: { sku: string; price_cents: number; offers_nearby: number }[] };
      const bySku = new Map(all.results.map((r) => [r.sku, r]));
      assert.equal(bySku.get('SIROP-540')?.offers_nearby, 3);
      assert.equal(bySku.get('CH-COURSE-9')?.offers_nearby, 2);
      assert.equal(bySku.get('TIRE-250')?.price_cents, 799);
    } finally {
      await withWorker.platform.close();
      await without.platform.close();
      await fromTables.platform.close();
    }
  });
});
