// Search's delivery filter and badge, and the merchant page, follow the stores' delivery zones
// (towns, postal prefixes, radius) for the shopper's place, not merely "delivery is on" (issue 14).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setLocationFulfilment } from '../../src/modules/merchants/index.ts';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { importTowns } from '../../src/modules/towns/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const TOWNS = `name,lat,lng,postal_prefixes
Aylmer,45.3956,-75.8436,J9H J9J
Hull,45.4289,-75.7136,J8X J8Y J8Z J9A
Chelsea,45.4936,-75.7884,J9B
`;

type Result = { merchant: { slug: string }; location: { delivers: boolean } };

describe(`delivery filter and badge by delivery zones (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let erabSlug: string;
  let sportsSlug: string;
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await importTowns(db(), TOWNS);
    const e = region.merchants.erabliere;
    const s = region.merchants.sports;
    // The Érablière (in Aylmer) delivers to Hull by name and to the J9B prefix (Chelsea), no radius:
    // not to Aylmer, where it stands.
    await setLocationFulfilment(db(), e.merchant_id, e.location_id, {
      pickup: { enabled: true },
      delivery: {
        enabled: true,
        zones: [
          { towns: ['Hull'], fee_cents: 400 },
          { postal_prefixes: ['J9B'], fee_cents: 600 },
        ],
      },
    });
    // Sports Chelsea delivers within 3 km of its store only (a radius zone).
    await setLocationFulfilment(db(), s.merchant_id, s.location_id, {
      pickup: { enabled: true },
      delivery: { enabled: true, radius_km: 3, zones: [{ fee_cents: 500 }] },
    });
    const slugs = await db().selectFrom('merchants').select(['id', 'slug']).execute();
    erabSlug = slugs.find((m) => Number(m.id) === e.merchant_id)!.slug;
    sportsSlug = slugs.find((m) => Number(m.id) === s.merchant_id)!.slug;
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(() => p?.close());

  async function search(
    query: string,
  ): Promise<{ results: Result[]; facets: Record<string, { value: string; count: number }[]> }> {
    const r = await p.app.inject({ method: 'GET', url: `/api/v1/search?radius_km=40&${query}` });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  }
  const slugs = (rs: Result[]) => [...new Set(rs.map((r) => r.merchant.slug))].sort();
  const deliveryCount = (f: Record<string, { value: string; count: number }[]>) =>
    f.fulfilment?.find((v) => v.value === 'delivery')?.count ?? 0;

  test('with words: only stores whose zones cover the place, by town name, postal code, or radius', async () => {
    // Eggs are the Érablière's, shoes Sports Chelsea's.
    const find = async (q: string, place: string, delivery = true) =>
      (await search(`q=${q}&${place}${delivery ? '&fulfilment=delivery' : ''}`)).results;
    // Hull: the Érablière's town zone; Sports Chelsea is ~9 km away, beyond its 3 km radius.
    const eggsHull = await find('oeufs', 'near=Hull');
    assert.deepEqual(slugs(eggsHull), [erabSlug]);
    assert.ok(eggsHull.every((r) => r.location.delivers));
    assert.deepEqual(await find('chaussures', 'near=Hull'), []);
    // A full postal code in J9B: the Érablière's prefix zone, and Sports Chelsea's radius (the point
    // is Chelsea's centre).
    const j9b = `near=${encodeURIComponent('J9B 1A1')}`;
    assert.deepEqual(slugs(await find('oeufs', j9b)), [erabSlug]);
    assert.deepEqual(slugs(await find('chaussures', j9b)), [sportsSlug]);
    // Aylmer: neither delivers there (the Érablière's old radius column is not its reach any more).
    assert.deepEqual(await find('oeufs', 'near=Aylmer'), []);
    assert.deepEqual(await find('chaussures', 'near=Aylmer'), []);
    // Without the filter both are listed, the badge false, the facet at 0.
    const all = await search('q=sirop&near=Aylmer');
    assert.ok(all.results.length > 0);
    assert.ok(all.results.every((r) => r.location.delivers === false));
    assert.equal(deliveryCount(all.facets), 0);
    const eggs = await find('oeufs', 'near=Aylmer', false);
    assert.deepEqual(slugs(eggs), [erabSlug]);
    assert.equal(eggs[0]!.location.delivers, false);
    // Bare coordinates in Hull: the nearest town is Hull.
    assert.deepEqual(slugs(await find('oeufs', 'lat=45.431&lng=-75.716')), [erabSlug]);
    assert.deepEqual(await find('chaussures', 'lat=45.431&lng=-75.716'), []);
  });

  test('without words (browse): the same filter, facet count and badge', async () => {
    const hull = await search('near=Hull&fulfilment=delivery');
    assert.ok(hull.results.length > 0);
    assert.deepEqual(slugs(hull.results), [erabSlug]);
    assert.ok(hull.results.every((r) => r.location.delivers));
    const all = await search('near=Hull');
    const erabCount = all.results.filter((r) => r.merchant.slug === erabSlug).length;
    assert.equal(deliveryCount(all.facets), erabCount);
    assert.ok(all.results.filter((r) => r.merchant.slug === sportsSlug).every((r) => !r.location.delivers));
    const aylmer = await search('near=Aylmer&fulfilment=delivery');
    assert.deepEqual(aylmer.results, []);
  });

  test('search page: the badge shows on stores delivering to the place only', async () => {
    const hull = await p.app.inject({ method: 'GET', url: '/fr/recherche?q=oeufs&near=Hull&radius_km=40' });
    assert.equal(hull.statusCode, 200);
    assert.match(hull.body, /Livraison chez vous/);
    const aylmer = await p.app.inject({ method: 'GET', url: '/en/search?q=oeufs&near=Aylmer&radius_km=40' });
    assert.equal(aylmer.statusCode, 200);
    assert.match(aylmer.body, /class="result-title"/);
    assert.doesNotMatch(aylmer.body, /Delivers to you/);
  });

  test('merchant page: the zones in words, and whether the store delivers to the shopper’s place', async () => {
    const plain = await p.app.inject({ method: 'GET', url: `/fr/m/${erabSlug}` });
    assert.equal(plain.statusCode, 200);
    assert.match(plain.body, /Livraison : Hull : 4,00\s\$; J9B : 6,00\s\$/);
    assert.doesNotMatch(plain.body, /ivre (pas )?à/);
    const hull = await p.app.inject({ method: 'GET', url: `/fr/m/${erabSlug}?near=Hull` });
    assert.match(hull.body, /Livre à Hull/);
    const j9b = await p.app.inject({ method: 'GET', url: `/fr/m/${erabSlug}?near=J9B%201A1` });
    assert.match(j9b.body, /Livre à J9B/);
    const aylmer = await p.app.inject({ method: 'GET', url: `/en/m/${erabSlug}?near=Aylmer` });
    assert.match(aylmer.body, /Delivery: Hull: \$4\.00; J9B: \$6\.00/);
    assert.match(aylmer.body, /Does not deliver to Aylmer/);
    // The radius store: delivers to Chelsea, not to Hull.
    const chelsea = await p.app.inject({ method: 'GET', url: `/fr/m/${sportsSlug}?near=Chelsea` });
    assert.match(chelsea.body, /Livre à Chelsea/);
    const far = await p.app.inject({ method: 'GET', url: `/fr/m/${sportsSlug}?near=Hull` });
    assert.match(far.body, /Ne livre pas à Hull/);
    // The product page says the same for each store offering the product.
    const eggs = await p.app.inject({ method: 'GET', url: `/fr/p/${region.products.oeufs}?near=Hull` });
    assert.equal(eggs.statusCode, 200);
    assert.match(eggs.body, /Livraison : Hull : 4,00\s\$; J9B : 6,00\s\$/);
    assert.match(eggs.body, /Livre à Hull/);
    const eggsAylmer = await p.app.inject({
      method: 'GET',
      url: `/en/p/${region.products.oeufs}?near=Aylmer`,
    });
    assert.match(eggsAylmer.body, /Does not deliver to Aylmer/);
    const noPlace = await p.app.inject({ method: 'GET', url: `/fr/p/${region.products.oeufs}` });
    assert.doesNotMatch(noPlace.body, /ivre (pas )?à/);
  });
});
