import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { approvedMerchantIds } from '../../src/modules/merchants/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('home page under load: cheaper showcase (issue 19)', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
  });
  after(async () => {
    mock.timers.reset();
    await p.close();
  });

  test('approved merchants among more than 1,000 ids are the same as among a few', async () => {
    const { db } = p.context.database;
    const erabliere = region.merchants.erabliere.merchant_id;
    const sports = region.merchants.sports.merchant_id;
    // One of the two not approved: it must be left out by both ways of asking.
    await db.updateTable('merchants').set({ status: 'suspended' }).where('id', '=', sports).execute();
    try {
      const few = await approvedMerchantIds(db, [erabliere, sports, 999_999]);
      // The home page's association counts ask about every membership (~17,000 on the 1M region).
      const many = [erabliere, sports, erabliere, ...Array.from({ length: 1500 }, (_, i) => 100_000 + i)];
      const fromMany = await approvedMerchantIds(db, many);
      assert.deepEqual(few, [erabliere]);
      assert.deepEqual(fromMany, [erabliere]);
    } finally {
      await db.updateTable('merchants').set({ status: 'approved' }).where('id', '=', sports).execute();
    }
  });

  test('after 30 s the showcase is refreshed behind the answer: the previous one meanwhile, then the new one', async () => {
    const { db } = p.context.database;
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const home = async () => (await p.app.inject({ url: '/fr', headers: { accept: 'text/html' } })).body;
    const first = await home();
    assert.match(first, /APICA — Achetez Aylmer/);
    await db
      .insertInto('associations')
      .values({
        slug: 'wakefield',
        name: 'Commerçants de Wakefield',
        short_name: 'Wakefield',
        primary_color: '#1d4f91',
        accent_color: '#ffffff',
        municipalities_json: '["Wakefield"]',
        center_lat: 45.64,
        center_lng: -75.93,
      })
      .execute();
    // Within its 30 s the showcase is shared as it was read.
    assert.doesNotMatch(await home(), /Commerçants de Wakefield/);
    mock.timers.tick(31_000);
    // Expired: this visitor does not wait for the new reads.
    assert.doesNotMatch(await home(), /Commerçants de Wakefield/);
    // The refresh runs one read per turn of the event loop; it is in place after a few turns.
    let body = '';
    for (let turn = 0; turn < 100 && !body.includes('Commerçants de Wakefield'); turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      body = await home();
    }
    assert.match(body, /Commerçants de Wakefield/);
    assert.match(body, /APICA — Achetez Aylmer/);
    mock.timers.reset();
  });
});
