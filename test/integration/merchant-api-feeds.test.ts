import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildSitemap } from '../../src/http/pages/sitemap.routes.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('partner feeds: sitemap and structured data', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  before(async () => {
    p = await createTestPlatform({ PUBLIC_URL: 'https://comptoir.example' });
    region = await seedMiniRegion(p.context.database.db);
  });
  after(() => p.close());

  test('/sitemap.xml lists home, approved merchants and active products with language alternates', async () => {
    const { db } = p.context.database;
    await db
      .updateTable('products')
      .set({ status: 'archived' })
      .where('id', '=', region.products.velo)
      .execute();
    const res = await p.app.inject({ url: '/sitemap.xml' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/xml/);
    const locs = [...res.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    assert.equal(locs.length, 1 + 2 + 5);
    assert.equal(locs[0], 'https://comptoir.example/fr');
    assert.ok(locs.includes(`https://comptoir.example/fr/m/${region.merchants.erabliere.slug}`));
    assert.ok(locs.includes(`https://comptoir.example/fr/p/${region.products.sirop}`));
    assert.ok(!locs.includes(`https://comptoir.example/fr/p/${region.products.velo}`));
    assert.ok(
      res.body.includes(
        `<xhtml:link rel="alternate" hreflang="en-CA" href="https://comptoir.example/en/p/${region.products.sirop}"/>`,
      ),
    );
    const robots = await p.app.inject({ url: '/robots.txt' });
    assert.match(robots.body, /Sitemap: https:\/\/comptoir\.example\/sitemap\.xml/);
  });

  test('over the per-file limit the sitemap becomes an index of pages that cover every URL once', async () => {
    const { db } = p.context.database;
    const index = (await buildSitemap(db, 'https://c.example', undefined, 3)) as string;
    assert.match(index, /<sitemapindex/);
    const pages = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    assert.deepEqual(pages, [
      'https://c.example/sitemap-1.xml',
      'https://c.example/sitemap-2.xml',
      'https://c.example/sitemap-3.xml',
    ]);
    const all: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const xml = (await buildSitemap(db, 'https://c.example', i, 3)) as string;
      all.push(...[...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]));
    }
    const single = (await buildSitemap(db, 'https://c.example', undefined)) as string;
    assert.deepEqual(
      all,
      [...single.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]),
    );
    assert.equal(await buildSitemap(db, 'https://c.example', 4, 3), undefined);
    const page = await p.app.inject({ url: '/sitemap-1.xml' });
    assert.equal(page.statusCode, 200);
    assert.equal((await p.app.inject({ url: '/sitemap-9.xml' })).statusCode, 404);
  });

  test('product pages carry schema.org Offer availability and availableAtOrFrom', async () => {
    const res = await p.app.inject({ url: `/fr/p/${region.products.sirop}` });
    const m = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(res.body);
    assert.ok(m, 'JSON-LD present');
    const ld = JSON.parse(m[1].replace(/\\u003c/g, '<'));
    const offers = Array.isArray(ld.offers) ? ld.offers : [ld.offers];
    assert.equal(offers[0]['@type'], 'Offer');
    assert.equal(offers[0].availability, 'https://schema.org/InStock');
    assert.ok(offers[0].availableAtOrFrom);
    await p.context.database.db
      .updateTable('inventory_levels')
      .set({ on_hand: 0 })
      .where('product_id', '=', region.products.tire)
      .execute();
    const out = await p.app.inject({ url: `/fr/p/${region.products.tire}` });
    assert.equal(out.statusCode, 200);
    assert.match(out.body, /"availability":"https:\/\/schema.org\/OutOfStock"/);
  });
});
