import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import {
  clearReferenceCache,
  reference,
  referenceRefresh,
  setReferencePageSize,
} from '../../src/modules/search/reference.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

// Expired reference data is reloaded in the background, in pages, while the old data is served
// (a whole reload held the event loop ~0.9 s every 30 s on the 1M region).
describe('search reference data: background reload in pages', () => {
  let p: TestPlatform;
  let pageSize: number;
  before(async () => {
    p = await createTestPlatform();
    await seedMiniRegion(p.context.database.db);
    // One row per page: every merchant and location is read by a page of its own.
    pageSize = setReferencePageSize(1);
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
  });
  after(async () => {
    mock.timers.reset();
    setReferencePageSize(pageSize);
    await p.close();
  });

  test('pages read every approved merchant and location; past 30 s the old data is served until the new one is in place', async () => {
    const { database } = p.context;
    const { db } = database;
    clearReferenceCache(database);
    const first = await reference(database);
    const approved = await db
      .selectFrom('merchants')
      .select(['id'])
      .where('status', '=', 'approved')
      .orderBy('id')
      .execute();
    const locs = await db
      .selectFrom('locations as l')
      .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
      .select('l.id')
      .where('m.status', '=', 'approved')
      .orderBy('l.id')
      .execute();
    assert.ok(approved.length >= 2 && locs.length >= 2, 'the mini region spans several pages');
    assert.deepEqual(
      first.merchants.map((m) => m.id),
      approved.map((m) => Number(m.id)),
    );
    assert.deepEqual(
      first.locations.map((l) => l.id),
      locs.map((l) => Number(l.id)),
    );
    assert.deepEqual(
      first.locations.map((l) => l.index),
      first.locations.map((_, i) => i),
    );

    const [renamed, other] = first.merchants;
    await db
      .updateTable('merchants')
      .set({ display_name: 'Fromagerie Renommée' })
      .where('id', '=', renamed!.id)
      .execute();
    assert.equal(await reference(database), first, 'within 30 s: the cached data');
    assert.equal(referenceRefresh(database), undefined);

    mock.timers.tick(30_001);
    assert.equal(await reference(database), first, 'expired: still served while reloading');
    const refresh = referenceRefresh(database);
    assert.ok(refresh, 'a background reload started');
    assert.equal(await reference(database), first, 'one reload at a time, old data meanwhile');
    await refresh;
    assert.equal(referenceRefresh(database), undefined);

    const fresh = await reference(database);
    assert.notEqual(fresh, first);
    assert.equal(fresh.merchantById.get(renamed!.id)?.name, 'Fromagerie Renommée');
    assert.ok(fresh.merchantById.get(renamed!.id)?.tokens.includes('renommee'));
    assert.equal(fresh.merchantById.get(other!.id), first.merchantById.get(other!.id), 'unchanged: reused');
    assert.deepEqual(
      fresh.locations.map((l) => l.id),
      first.locations.map((l) => l.id),
    );
  });

  test('a cache cleared during a background reload wins over that reload', async () => {
    const { database } = p.context;
    const { db } = database;
    const previous = await reference(database);
    mock.timers.tick(30_001);
    await reference(database);
    const refresh = referenceRefresh(database);
    assert.ok(refresh);
    const id = previous.merchants[0]!.id;
    await db
      .updateTable('merchants')
      .set({ display_name: 'Après effacement' })
      .where('id', '=', id)
      .execute();
    clearReferenceCache(database);
    const cleared = await reference(database);
    assert.equal(cleared.merchantById.get(id)?.name, 'Après effacement', 'cleared: reloaded at once');
    await refresh;
    assert.equal(await reference(database), cleared, 'the older background reload did not replace it');
  });
});
