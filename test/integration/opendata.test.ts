import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe(`open data (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    r = await seedMiniRegion(db);
    // A hostile name that a spreadsheet would run as a formula, and a merchant in two associations.
    const evil = await createMerchant(db, {
      name: '=HYPERLINK("http://evil.example","x")',
      associations: ['aylmer', 'chelsea'],
      website: 'https://evil.example',
      location: { address: '+1 rue Test', municipality: 'Aylmer', lat: 45.39, lng: -75.84 },
    } as never);
    const pending = await createMerchant(db, {
      name: 'Pas encore approuvé',
      location: { address: '1 rue X', municipality: 'Aylmer', lat: 45.39, lng: -75.84 },
    } as never);
    await db
      .updateTable('merchants')
      .set({ status: 'pending' })
      .where('id', '=', pending.merchant_id)
      .execute();
    void evil;
  });
  after(() => p.close());

  test('GeoJSON: approved merchants, public fields, coordinates as [lng, lat]', async () => {
    const res = await p.app.inject({ url: '/api/v1/open-data/merchants.geojson' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/geo\+json/);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const fc = res.json();
    assert.equal(fc.type, 'FeatureCollection');
    const names = fc.features.map((f: { properties: { name: string } }) => f.properties.name).sort();
    assert.deepEqual(names, ['=HYPERLINK("http://evil.example","x")', 'Sports Chelsea', 'Érablière du Lac']);
    const e = fc.features.find(
      (f: { properties: { slug: string } }) => f.properties.slug === r.merchants.erabliere.slug,
    );
    assert.deepEqual(e.geometry, { type: 'Point', coordinates: [-75.8436, 45.3956] });
    assert.deepEqual(e.properties.categories, ['epicerie']);
    assert.deepEqual(e.properties.associations, ['aylmer']);
    assert.equal(e.properties.website, 'https://erabliere.example');
    assert.equal(e.properties.address, '123 rue Principale');
    const body = res.body;
    for (const secret of ['1171234567', '123456789RT0001', 'api_key', 'email'])
      assert.ok(!body.includes(secret), secret);
    const two = fc.features.find((f: { properties: { name: string } }) => f.properties.name.startsWith('='));
    assert.deepEqual(two.properties.associations, ['aylmer', 'chelsea']);
  });

  test('CSV: same records, formula cells neutralised, filter by association', async () => {
    const res = await p.app.inject({ url: '/api/v1/open-data/merchants.csv' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    const rows = parse(res.body, { columns: true, bom: true }) as Record<string, string>[];
    assert.equal(rows.length, 3);
    const evil = rows.find((x) => x.name.includes('HYPERLINK'))!;
    assert.equal(evil.name, `'=HYPERLINK("http://evil.example","x")`);
    assert.equal(evil.address, `'+1 rue Test`);
    assert.equal(evil.associations, 'aylmer;chelsea');
    for (const row of rows) for (const v of Object.values(row)) assert.ok(!/^[=+@\t\r]/.test(v), v);
    const e = rows.find((x) => x.slug === r.merchants.erabliere.slug)!;
    assert.equal(Number(e.lat), 45.3956);
    assert.equal(e.categories, 'epicerie');
    const chelsea = parse(
      (await p.app.inject({ url: '/api/v1/open-data/merchants.csv?association=chelsea' })).body,
      {
        columns: true,
        bom: true,
      },
    ) as Record<string, string>[];
    assert.deepEqual(
      chelsea.map((x) => x.slug).sort(),
      [rows.find((x) => x.name.includes('HYPER'))!.slug, 'sports-chelsea'].sort(),
    );
  });
});
