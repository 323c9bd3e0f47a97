import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const PW = 'correct horse battery';

type Row = {
  row: number;
  sku: string | null;
  status: string;
  warnings?: { code: string; message: string }[];
};

describe('categories as people write them (word order, small words, plurals, taxonomy paths)', () => {
  let p: TestPlatform;
  let admin: Agent;
  let auth: string;
  let merchantId: number;
  const db = () => p.context.database.db;
  const put = (csv: string) =>
    p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products',
      headers: { authorization: auth, 'content-type': 'text/csv', 'accept-language': 'fr' },
      payload: csv,
    });
  const categoryOf = async (sku: string) =>
    (
      await db()
        .selectFrom('products as p')
        .leftJoin('categories as c', 'c.id', 'p.category_id')
        .select('c.name_fr')
        .where('p.merchant_id', '=', merchantId)
        .where('p.sku', '=', sku)
        .executeTakeFirstOrThrow()
    ).name_fr;
  const categoryId = async (nameFr: string) =>
    (await db().selectFrom('categories').select('id').where('name_fr', '=', nameFr).executeTakeFirstOrThrow())
      .id;

  before(async () => {
    // A fresh region (no demo): the default taxonomy only, then the region admin's own categories.
    p = await createTestPlatform();
    const ra = await createUser(db(), {
      email: 'region@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    admin = new Agent(p.app);
    admin.cookies.set('session', (await sessionCookie(db(), ra.id)).split('=')[1]);
    for (const [name_fr, name_en] of [
      ['Épices du Monde', 'World Spices'],
      ['Thés et Tisanes', 'Teas and Herbal Teas'],
      ['Décorations de Noël', 'Christmas Decorations'],
    ]) {
      const res = await admin.submit('/fr/admin/categories', { name_fr, name_en, slug: '' });
      assert.equal(res.statusCode, 303, res.body);
    }
    const teas = await categoryId('Thés et Tisanes');
    const syn = await admin.submit(
      `/fr/admin/categories/${teas}/synonyms`,
      { synonym: 'Herboristerie' },
      `/fr/admin/categories/${teas}`,
    );
    assert.equal(syn.statusCode, 303, syn.body);
    const m = await createMerchant(db(), {
      name: 'Comptoir des Collines',
      associations: [],
      categories: [],
      location: { address: '12 rue Principale', municipality: 'Aylmer', lat: 45.3956, lng: -75.8436 },
    });
    merchantId = m.merchant_id;
    auth = `Bearer ${m.api_key}`;
  });
  after(() => p.close());

  test('template CSV: any word order, separators, plural, small words, synonym; unknown is a warning', async () => {
    const rows: [string, string][] = [
      ['EP-1', 'monde - épices'],
      ['EP-2', 'EPICE/MONDE'],
      ['EP-3', 'épices de monde'],
      ['TH-1', 'Tisane & thé'],
      ['TH-2', 'Herbal teas and teas'],
      ['TH-3', 'HERBORISTERIE'],
      ['NO-1', 'noël/décoration'],
      ['NO-2', 'Décoration de Noël'],
      ['MA-1', 'Décoration maison'],
      ['MA-2', 'Maison & Déco'],
      ['MA-3', 'decoration/maison'],
      ['GR-1', 'Home & Garden > Decor > Candles'],
      ['UN-1', 'Quincaillerie générale'],
    ];
    const csv = [
      'sku,title_fr,price_cents,category',
      ...rows.map(([sku, category], i) => `${sku},Produit ${i + 1},${1000 + i},"${category}"`),
    ].join('\n');
    const before = Number(
      (
        await db()
          .selectFrom('categories')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const res = await put(csv);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.applied, true);
    assert.equal(body.invalid, 0);
    assert.equal(body.created, rows.length, 'the unknown category does not refuse its row');
    assert.deepEqual(body.unknown_categories, ['Quincaillerie générale']);
    const unknown = body.rows.find((r: Row) => r.sku === 'UN-1');
    assert.equal(unknown.status, 'created');
    assert.deepEqual(
      unknown.warnings.map((w: { code: string }) => w.code),
      ['unknown_category'],
    );
    assert.match(unknown.warnings[0].message, /Quincaillerie générale/);
    assert.equal(
      body.rows.filter((r: Row) => r.warnings?.length).length,
      1,
      'every other row matched without warning',
    );
    const expected: Record<string, string | null> = {
      'EP-1': 'Épices du Monde',
      'EP-2': 'Épices du Monde',
      'EP-3': 'Épices du Monde',
      'TH-1': 'Thés et Tisanes',
      'TH-2': 'Thés et Tisanes',
      'TH-3': 'Thés et Tisanes',
      'NO-1': 'Décorations de Noël',
      'NO-2': 'Décorations de Noël',
      'MA-1': 'Maison et décoration',
      'MA-2': 'Maison et décoration',
      'MA-3': 'Maison et décoration',
      'GR-1': 'Maison et décoration',
      'UN-1': null,
    };
    for (const [sku, name] of Object.entries(expected)) assert.equal(await categoryOf(sku), name, sku);
    // Matching never creates categories.
    assert.equal(
      Number(
        (
          await db()
            .selectFrom('categories')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      before,
    );
  });

  test('Shopify export: taxonomy paths (English, French, ids), Type and Tags, most specific segment first', async () => {
    const header =
      'Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Status';
    const line = (handle: string, sku: string, category: string, type: string, tags: string) =>
      `${handle},Produit ${handle},,Atelier,"${category}","${type}","${tags}",TRUE,Title,Default Title,${sku},3,12.50,active`;
    const csv = [
      header,
      line('bougie', 'SH-1', 'Home & Garden > Decor > Candles', '', ''),
      line(
        'boule',
        'SH-2',
        'Home & Garden > Decor > Seasonal & Holiday Decorations > Décorations de Noël',
        '',
        '',
      ),
      line('curcuma', 'SH-3', 'Alimentation, boissons et tabac > Aliments > Épices du monde', '', ''),
      line('confiture', 'SH-4', 'Alimentation, boissons et tabac > Aliments > Confitures', '', ''),
      line('vase', 'SH-5', 'gid://shopify/TaxonomyCategory/hg-3', '', ''),
      line('infusion', 'SH-6', 'Religious & Ceremonial > Religious Items', 'Tisanes', 'local'),
      line('cannelle', 'SH-7', '', 'Outils', 'bio, épice du monde'),
      line('marteau', 'SH-8', 'Religious & Ceremonial > Religious Items', 'Outils', ''),
    ].join('\n');
    const res = await put(csv);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'shopify_csv');
    assert.equal(body.invalid, 0);
    assert.equal(body.created, 8);
    assert.deepEqual(body.unknown_categories, ['Outils', 'Religious & Ceremonial > Religious Items']);
    const expected: Record<string, string | null> = {
      'SH-1': 'Maison et décoration',
      'SH-2': 'Décorations de Noël',
      'SH-3': 'Épices du Monde',
      'SH-4': 'Épicerie',
      'SH-5': 'Maison et décoration',
      'SH-6': 'Thés et Tisanes',
      'SH-7': 'Épices du Monde',
      'SH-8': null,
    };
    for (const [sku, name] of Object.entries(expected)) assert.equal(await categoryOf(sku), name, sku);

    // Browsing by category finds them (the products appear under the region's category).
    const slug = (
      await db()
        .selectFrom('categories')
        .select('slug')
        .where('name_fr', '=', 'Épices du Monde')
        .executeTakeFirstOrThrow()
    ).slug;
    const found = await p.app.inject({ url: `/api/v1/search?category=${slug}&lat=45.3956&lng=-75.8436` });
    assert.equal(found.statusCode, 200, found.body);
    const skus = (found.json().results as { title: string }[]).map((r) => r.title).sort();
    assert.ok(skus.includes('Produit curcuma'), JSON.stringify(skus));
    assert.ok(skus.includes('Produit cannelle'), JSON.stringify(skus));
  });
});
