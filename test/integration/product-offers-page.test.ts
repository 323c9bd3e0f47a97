import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTHERS_PER_PAGE, OTHERS_SHOWN } from '../../src/http/pages/product.routes.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { clearReferenceCache } from '../../src/modules/search/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/** Other merchants selling the mini region's maple syrup GTIN, one store each, further and further north of Chelsea. */
const EXTRA = 60;
const GTIN = '0627843000016';
const CHELSEA = { lat: 45.4936, lng: -75.7884 };

describe('product page of a GTIN many merchants sell', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  /** Product ids of the extra offers, nearest to Chelsea first; the nearest two are sold out. */
  const extra: number[] = [];
  const page = async (url: string) => {
    const res = await p.app.inject({ url, headers: { accept: 'text/html' } });
    return { status: res.statusCode, body: res.body };
  };
  /** Product ids of the other merchants' offers as listed, in page order. */
  const listed = (body: string) => {
    const section = body.slice(body.indexOf('id="others-h"'));
    return [...section.matchAll(/<li class="offer"><h3><a href="\/(?:fr|en)\/p\/(\d+)/g)].map((m) =>
      Number(m[1]),
    );
  };

  before(async () => {
    p = await createTestPlatform();
    const { db } = p.context.database;
    region = await seedMiniRegion(db);
    await db
      .insertInto('municipalities')
      .values({ name: 'Chelsea', ...CHELSEA })
      .execute();
    for (let i = 0; i < EXTRA; i++) {
      const m = await createMerchant(db, {
        name: `Dépanneur ${String(i).padStart(2, '0')}`,
        location: { address: `${i} rue du Nord`, lat: CHELSEA.lat + 0.01 * (i + 1), lng: CHELSEA.lng },
      });
      const row = await db
        .insertInto('products')
        .values({
          merchant_id: m.merchant_id,
          sku: `SIROP-${i}`,
          title_fr: 'Sirop d’érable ambré 540 ml',
          title_en: 'Amber maple syrup 540 ml',
          description_fr: '',
          description_en: '',
          price_cents: 1200 + i,
          gtin: GTIN,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('inventory_levels')
        .values({ product_id: row.id, location_id: m.location_id, on_hand: i < 2 ? 0 : 5, reserved: 0 })
        .execute();
      extra.push(Number(row.id));
    }
    clearReferenceCache(p.context.database);
  });
  after(() => p.close());

  test(`shows the ${OTHERS_SHOWN} nearest offers in stock first, and links to all of them`, async () => {
    const r = await page(`/fr/p/${region.products.sirop}?near=Chelsea`);
    assert.equal(r.status, 200);
    const ids = listed(r.body);
    // Sports Chelsea's offer (0 km, in stock), then the nearest extra offers in stock; the two
    // sold-out ones, nearer than those, come after every offer in stock: not among the first 12.
    assert.deepEqual(ids, [region.products.siropChelsea, ...extra.slice(2, 2 + OTHERS_SHOWN - 1)]);
    assert.match(r.body, /Les 12 offres les plus proches sur 61, en stock d’abord\./);
    // A merchant whose only store carries its name is named once, not "Dépanneur 02 — Dépanneur 02".
    assert.match(r.body, />Dépanneur 02<\/a><\/h3>/);
    assert.doesNotMatch(r.body, /Dépanneur 02 — Dépanneur 02/);
    assert.match(
      r.body,
      new RegExp(
        `<a href="/fr/p/${region.products.sirop}\\?near=Chelsea&amp;offers=all#others-h">Voir les 61 offres des autres commerces</a>`,
      ),
    );
    // The map shows the offers listed (the merchant's own store and the 12), not all 61.
    const markers = r.body.match(/data-markers="([^"]*)"/)?.[1] ?? '';
    assert.equal(markers.split('&quot;lat&quot;').length - 1, 1 + OTHERS_SHOWN);
  });

  test(`?offers=all lists every offer, ${OTHERS_PER_PAGE} a page, with a pager and a way back`, async () => {
    const first = await page(`/fr/p/${region.products.sirop}?near=Chelsea&offers=all`);
    assert.equal(first.status, 200);
    const all = [region.products.siropChelsea, ...extra.slice(2), ...extra.slice(0, 2)];
    assert.deepEqual(listed(first.body), all.slice(0, OTHERS_PER_PAGE));
    assert.match(first.body, /Offres 1 à 50 sur 61, en stock d’abord puis les plus proches\./);
    assert.match(first.body, /<nav class="pager" aria-label="Pagination">/);
    assert.match(
      first.body,
      new RegExp(
        `<a rel="next" href="/fr/p/${region.products.sirop}\\?near=Chelsea&amp;offers=all&amp;page=2#others-h">`,
      ),
    );
    assert.match(first.body, /Page 1 sur 2/);
    assert.match(
      first.body,
      new RegExp(
        `<a href="/fr/p/${region.products.sirop}\\?near=Chelsea#others-h">Revenir aux offres les plus proches</a>`,
      ),
    );
    const second = await page(`/fr/p/${region.products.sirop}?near=Chelsea&offers=all&page=2`);
    assert.deepEqual(listed(second.body), all.slice(OTHERS_PER_PAGE));
    assert.match(second.body, /Offres 51 à 61 sur 61/);
    assert.match(second.body, /rel="prev" href="\/fr\/p\/\d+\?near=Chelsea&amp;offers=all#others-h"/);
    // A page past the last shows the last one.
    const past = await page(`/fr/p/${region.products.sirop}?near=Chelsea&offers=all&page=9`);
    assert.deepEqual(listed(past.body), all.slice(OTHERS_PER_PAGE));
  });

  test('in English, and without a place (distances from the region centre)', async () => {
    const en = await page(`/en/p/${region.products.sirop}`);
    assert.equal(en.status, 200);
    assert.equal(listed(en.body).length, OTHERS_SHOWN);
    assert.match(en.body, /The 12 nearest of 61 offers, in stock first\./);
    assert.match(
      en.body,
      new RegExp(
        `<a href="/en/p/${region.products.sirop}\\?offers=all#others-h">See all 61 offers from other merchants</a>`,
      ),
    );
    const all = await page(`/en/p/${region.products.sirop}?offers=all`);
    assert.equal(listed(all.body).length, OTHERS_PER_PAGE);
    assert.match(all.body, /Offers 1 to 50 of 61, in stock first, then nearest\./);
    assert.match(all.body, /Back to the nearest offers/);
  });

  test('a product without other offers has no summary or link; an unknown offers= value is refused', async () => {
    const r = await page(`/fr/p/${region.products.chaussures}`);
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.body, /offers-range|more-offers/);
    const bad = await page(`/fr/p/${region.products.sirop}?offers=some`);
    assert.equal(bad.status, 400);
  });
});
