import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import {
  catalogMemory,
  type FactsSnapshotOptions,
  factsSnapshotPath,
  rebuildSearchIndex,
  useFactsSnapshot,
} from '../../src/modules/search/index.ts';
import { pruneFactLog } from '../../src/modules/search/memory.repository.ts';
import { availableAt, type CatalogMemory } from '../../src/modules/search/memory.ts';
import { createPlatform } from '../../src/server.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * A server keeps its catalogue facts in a snapshot file between starts (memory.ts, snapshot.ts;
 * issue 19, item 6). Each "restart" below is a new connection to the same database (a new memory),
 * loading from the snapshot; its facts must equal the facts read from the tables, whatever was
 * written through the platform while it was down, and a damaged file must be rebuilt.
 */
const sqliteOnly =
  TEST_DB_KIND !== 'sqlite' && 'SQLite only (PostgreSQL rebuilds from the tables; docs/PERFORMANCE.md)';

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
  return { log, lines, next, has: (msg: string) => lines.some((l) => l.msg === msg) };
}

/** Everything a search reads of the facts, per product id up to `maxId`, at the region's locations. */
function factsOf(m: CatalogMemory, maxId: number, locations: number[]) {
  const out: unknown[] = [];
  for (let id = 1; id <= maxId; id++) {
    const q = m.quebec[id] ?? 0;
    out.push([
      id,
      m.merchant[id] ?? 0,
      m.category[id] ?? 0,
      m.price[id] ?? 0,
      q ? m.quebecLabels[q - 1] : null,
      m.gtin[id] ?? 0,
      locations.map((l) => availableAt(m, id, l)),
    ]);
  }
  return out;
}

describe('catalogue facts snapshot', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let maxId = 0;
  let locations: number[] = [];
  const opened: Database[] = [];
  const reopen = () => {
    const d = p.testDb.reopen();
    opened.push(d);
    return d;
  };
  /** The facts as read from the tables (a memory without snapshot). */
  const fromTables = async () => factsOf(await catalogMemory(reopen()), maxId, locations);
  /** A restarted server: a new memory loading from the snapshot (and writing it). */
  const restart = async () => {
    const database = reopen();
    const t = testLog();
    useFactsSnapshot(database, { write: true, log: t.log });
    const written = t.next('search facts snapshot written');
    const m = await catalogMemory(database);
    return { database, m, t, written };
  };

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    await rebuildSearchIndex(p.context.database);
    const { db } = p.context.database;
    maxId = Number(
      (
        await db
          .selectFrom('products')
          .select((e) => e.fn.max('id').as('n'))
          .executeTakeFirst()
      )?.n,
    );
    locations = (await db.selectFrom('locations').select('id').execute()).map((r) => Number(r.id));
  });
  after(async () => {
    for (const d of opened) await d.close();
    await p.close();
  });

  test('PostgreSQL: no snapshot is used or written (the facts come from the tables)', {
    skip: TEST_DB_KIND !== 'postgres' && 'PostgreSQL only',
  }, async () => {
    const database = reopen();
    const t = testLog();
    useFactsSnapshot(database, { write: true, log: t.log });
    assert.deepEqual(factsOf(await catalogMemory(database), maxId, locations), await fromTables());
    assert.equal(t.lines.length, 0);
  });

  test('a valid snapshot is used: same facts and same search results as from the tables', {
    skip: sqliteOnly,
  }, async () => {
    const first = await restart();
    assert.equal(first.t.has('search facts loaded from snapshot'), false, 'no snapshot yet');
    await first.written;
    const path = factsSnapshotPath(first.database)!;
    assert.ok(existsSync(path));

    const second = await restart();
    assert.ok(second.t.has('search facts loaded from snapshot'), JSON.stringify(second.t.lines));
    const loaded = second.t.lines.find((l) => l.msg === 'search facts loaded from snapshot')!;
    assert.equal(loaded.obj.changed, 0);
    assert.deepEqual(factsOf(second.m, maxId, locations), await fromTables());

    // Search answers through a platform whose memory came from the snapshot equal the first platform's.
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INSECURE_COOKIES: '1',
      DATA_DIR: p.testDb.dataDir,
    });
    const database = reopen();
    const t = testLog();
    useFactsSnapshot(database, { write: false, log: t.log });
    const b = await createPlatform(config, { database, lock: false, logger: false });
    try {
      for (const q of [
        'q=sirop',
        'q=velo&in_stock=1',
        'q=chaussures',
        'sort=price_asc',
        'q=sirop&sort=price_desc',
      ]) {
        const url = `/api/v1/search?${q}&lat=45.4765&lng=-75.7013&radius_km=50`;
        const [a, bb] = await Promise.all([p.app.inject({ url }), b.app.inject({ url })]);
        assert.equal(a.statusCode, 200, a.body);
        assert.deepEqual(bb.json(), a.json(), q);
      }
      assert.ok(t.has('search facts loaded from snapshot'));
    } finally {
      await b.close();
    }
  });

  test('stock and a product changed through the platform while down: applied on start, snapshot rewritten', {
    skip: sqliteOnly,
  }, async () => {
    const ready = await restart();
    if (!ready.t.has('search facts loaded from snapshot')) await ready.written;
    const key = region.merchants.sports.api_key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    // While no snapshot server runs: a stock sync and a catalogue import, through the API.
    const stock = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers,
      payload: JSON.stringify([{ sku: 'VELO-MT', on_hand: 7 }]),
    });
    assert.equal(stock.statusCode, 200, stock.body);
    const products = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products',
      headers,
      payload: JSON.stringify([
        { sku: 'CH-COURSE-9', title_fr: 'Chaussures de course pour femme', price_cents: 9999 },
      ]),
    });
    assert.equal(products.statusCode, 200, products.body);

    const after = await restart();
    const loaded = after.t.lines.find((l) => l.msg === 'search facts loaded from snapshot');
    assert.ok(loaded, JSON.stringify(after.t.lines));
    assert.equal(loaded.obj.changed, 2);
    const facts = factsOf(after.m, maxId, locations);
    assert.deepEqual(facts, await fromTables());
    const velo = region.products.velo;
    assert.equal(
      locations.reduce((s, l) => s + availableAt(after.m, velo, l), 0),
      7,
      'the new stock, not the snapshot’s 0',
    );
    assert.equal(after.m.price[region.products.chaussures], 9999);
    await after.written;

    // The rewritten snapshot holds the changes: the next start has nothing to apply.
    const again = await restart();
    assert.equal(again.t.lines.find((l) => l.msg === 'search facts loaded from snapshot')?.obj.changed, 0);
    assert.deepEqual(factsOf(again.m, maxId, locations), facts);
  });

  test('a truncated or damaged file is ignored with a log line and rebuilt', {
    skip: sqliteOnly,
  }, async () => {
    const ready = await restart();
    if (!ready.t.has('search facts loaded from snapshot')) await ready.written;
    const path = factsSnapshotPath(ready.database)!;
    const whole = readFileSync(path);
    for (const damage of [
      () => truncateSync(path, whole.length - 100),
      () => {
        const b = Buffer.from(whole);
        b[b.length - 5]! ^= 0xff; // one byte near the end, in the arrays
        writeFileSync(path, b);
      },
    ]) {
      damage();
      const r = await restart();
      const warn = r.t.lines.find((l) => l.level === 'warn');
      assert.equal(warn?.msg, 'search facts snapshot ignored: rebuilding it from the tables');
      assert.match(String((warn.obj.err as Error).message), /checksum|bytes/);
      assert.equal(r.t.has('search facts loaded from snapshot'), false);
      assert.deepEqual(factsOf(r.m, maxId, locations), await fromTables());
      await r.written;
      const next = await restart();
      assert.ok(next.t.has('search facts loaded from snapshot'), 'the rebuilt file is used');
    }
  });

  test('a snapshot the database did not record last (an older file put back) is refused', {
    skip: sqliteOnly,
  }, async () => {
    const ready = await restart();
    if (!ready.t.has('search facts loaded from snapshot')) await ready.written;
    const path = factsSnapshotPath(ready.database)!;
    copyFileSync(path, `${path}.old`);
    // A change, then a start that writes a newer snapshot and empties the log up to it.
    const stock = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: {
        authorization: `Bearer ${region.merchants.sports.api_key}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify([{ sku: 'VELO-MT', on_hand: 2 }]),
    });
    assert.equal(stock.statusCode, 200, stock.body);
    await (await restart()).written;
    copyFileSync(`${path}.old`, path);
    const r = await restart();
    assert.ok(
      r.t.lines.some((l) => l.msg === 'search facts snapshot ignored: the database recorded another one'),
    );
    assert.deepEqual(factsOf(r.m, maxId, locations), await fromTables());
    assert.equal(
      locations.reduce((s, l) => s + availableAt(r.m, region.products.velo, l), 0),
      2,
    );
  });

  test('an oversized change log is pruned: the snapshot is dropped and the next start reads the tables', {
    skip: sqliteOnly,
  }, async () => {
    const ready = await restart();
    if (!ready.t.has('search facts loaded from snapshot')) await ready.written;
    const { db } = p.context.database;
    assert.equal(await pruneFactLog(db, 1_000), false, 'a small log is kept');
    // Two stock writes through the API: two products logged since the snapshot.
    for (const on_hand of [4, 5]) {
      const r = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/inventory',
        headers: {
          authorization: `Bearer ${region.merchants.sports.api_key}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify([{ sku: 'VELO-MT', on_hand }]),
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    assert.equal(await pruneFactLog(db, 1), true, 'past the bound the log is pruned');
    const left = await sql<{ n: number }>`select (select count(*) from search_fact_changes)
      + (select count(*) from search_fact_snapshot) as n`.execute(db);
    assert.equal(Number(left.rows[0].n), 0);
    const r = await restart();
    assert.ok(r.t.has('search facts snapshot ignored: the database recorded another one'));
    assert.deepEqual(factsOf(r.m, maxId, locations), await fromTables());
    assert.equal(
      locations.reduce((sum, l) => sum + availableAt(r.m, region.products.velo, l), 0),
      5,
    );
    await r.written;
  });
});
