import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { variantsOfProducts } from '../../src/modules/catalog/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url), 'utf8');

type Row = { row: number; sku: string | null; status: string; errors?: { field: string; code: string }[] };

describe('product variants in imports and exports', () => {
  let p: TestPlatform;
  let merchantId: number;
  let mainStore: number;
  let mainCode: string;
  let auth: string;

  before(async () => {
    p = await createTestPlatform();
    const { db } = p.context.database;
    const m = await createMerchant(db, {
      name: 'Atelier Ruisseau',
      associations: [],
      categories: [],
      location: { address: '5 rue Laval', municipality: 'Gatineau', lat: 45.43, lng: -75.71 },
    });
    merchantId = m.merchant_id;
    mainStore = m.location_id;
    auth = `Bearer ${m.api_key}`;
    mainCode = m.location_code;
  });
  after(() => p.close());

  const db = () => p.context.database.db;
  const put = (payload: string, query = '') =>
    p.app.inject({
      method: 'PUT',
      url: `/api/v1/merchant/products${query}`,
      headers: { authorization: auth, 'content-type': 'text/csv', 'accept-language': 'fr' },
      payload,
    });
  const row = (sku: string) =>
    db()
      .selectFrom('products')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', sku)
      .executeTakeFirstOrThrow();
  const stock = async (sku: string) =>
    (
      await db()
        .selectFrom('inventory_levels as i')
        .innerJoin('products as p', 'p.id', 'i.product_id')
        .select('i.on_hand')
        .where('p.merchant_id', '=', merchantId)
        .where('p.sku', '=', sku)
        .where('i.location_id', '=', mainStore)
        .executeTakeFirst()
    )?.on_hand;
  const snapshot = () =>
    db().selectFrom('products').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
  const levels = () =>
    db()
      .selectFrom('inventory_levels')
      .select(['product_id', 'location_id', 'on_hand', 'reserved'])
      .orderBy('product_id')
      .orderBy('location_id')
      .execute();
  const variants = async (sku: string) => {
    const id = (await row(sku)).id;
    return (await variantsOfProducts(db(), [id])).get(id) ?? [];
  };

  test('Shopify export: the rows of a Handle are one product with its variants; Default Title stays single; drafts are not on sale', async () => {
    const res = await put(fixture('shopify-variants.csv'));
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'shopify_csv');
    assert.deepEqual(
      body.rows.map((r: Row) => [r.row, r.sku, r.status]),
      [
        [2, 'TS-OUT-S', 'created'],
        [3, 'TS-OUT-M', 'created'],
        [4, 'TS-OUT-L', 'created'],
        [7, 'TASSE-GAT', 'created'],
        [8, 'CASQ-1', 'created'],
      ],
    );
    // Two products on sale: the T-shirt (3 variants) and the mug; the draft cap is not on sale.
    const visible = await db()
      .selectFrom('products')
      .select('sku')
      .where('merchant_id', '=', merchantId)
      .where('parent_id', 'is', null)
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      visible.map((v) => v.sku),
      ['TS-OUT-S', 'TASSE-GAT'],
    );
    assert.equal((await row('CASQ-1')).status, 'archived');

    const tshirt = await row('TS-OUT-S');
    assert.equal(tshirt.handle, 't-shirt-outaouais');
    assert.equal(tshirt.title_fr, 'T-shirt Outaouais');
    const list = await variants('TS-OUT-S');
    assert.deepEqual(
      list.map((v) => [v.sku, v.price_cents, v.gtin, v.options]),
      [
        ['TS-OUT-S', 2800, '0627843002010', [{ name: 'Taille', value: 'S' }]],
        ['TS-OUT-M', 2800, '0627843002027', [{ name: 'Taille', value: 'M' }]],
        ['TS-OUT-L', 3000, '0627843002034', [{ name: 'Taille', value: 'L' }]],
      ],
    );
    for (const v of list) assert.equal(v.product_id, tshirt.id);
    const medium = await row('TS-OUT-M');
    assert.equal(medium.parent_id, tshirt.id);
    assert.equal(medium.title_fr, 'T-shirt Outaouais', 'a variant carries its product title');
    assert.equal(medium.handle, null);
    assert.deepEqual([await stock('TS-OUT-S'), await stock('TS-OUT-M'), await stock('TS-OUT-L')], [5, 8, 2]);
    // Every image of the handle is queued for the product row only, in position order.
    const queued = await db()
      .selectFrom('image_fetches')
      .select(['product_id', 'source_url'])
      .where(
        'product_id',
        'in',
        list.map((v) => v.variant_id),
      )
      .orderBy('position')
      .execute();
    assert.deepEqual(
      queued.map((q) => [q.product_id, q.source_url.replace(/^.*\//, '')]),
      [
        [tshirt.id, 'tshirt-face.jpg'],
        [tshirt.id, 'tshirt-dos.jpg'],
        [tshirt.id, 'tshirt-porte.jpg'],
      ],
    );
    // A single-variant product has no parent and no options: as before variants existed.
    const mug = await row('TASSE-GAT');
    assert.deepEqual([mug.parent_id, mug.options_json], [null, null]);
    assert.deepEqual(
      (await variants('TASSE-GAT')).map((v) => [v.sku, v.options]),
      [['TASSE-GAT', []]],
    );

    const api = await p.app.inject({ url: `/api/v1/products/${tshirt.id}` });
    assert.equal(api.statusCode, 200, api.body);
    const shown = api.json();
    if (shown.variants) assert.equal(shown.variants.length, 3);

    // The same file again changes nothing.
    const before = await snapshot();
    const again = await put(fixture('shopify-variants.csv'));
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual([again.json().created, again.json().updated, again.json().unchanged], [0, 0, 5]);
    assert.deepEqual(await snapshot(), before);
  });

  test('template with handle and option columns, French names: new products, a variant added to an existing product, re-import unchanged', async () => {
    const csv = [
      'code,titre,prix,groupe,nom option 1,valeur option 1,nom option 2,valeur option 2,quantité,statut',
      'BAS-S-GRIS,Bas de laine,"14,00 $",bas-laine,Taille,S,Couleur,Gris,4,actif',
      'BAS-M-GRIS,,"14,00 $",bas-laine,,M,,Gris,6,actif',
      'BAS-M-BLEU,,"15,50 $",bas-laine,,M,,Bleu,0,actif',
      // Attached to the T-shirt imported from Shopify (its handle).
      'TS-OUT-XL,,"32,00 $",t-shirt-outaouais,Taille,XL,,,1,actif',
      // Without a handle: a product of its own, as always.
      'SAC-1,Sac en toile,"12,00 $",,,,,,3,actif',
    ].join('\n');
    const res = await put(csv);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().format, 'template_csv');
    assert.equal(res.json().created, 5);
    const bas = await row('BAS-S-GRIS');
    assert.deepEqual([bas.parent_id, bas.handle], [null, 'bas-laine']);
    assert.deepEqual(
      (await variants('BAS-S-GRIS')).map((v) => [
        v.sku,
        v.price_cents,
        v.options.map((o) => `${o.name}=${o.value}`),
      ]),
      [
        ['BAS-S-GRIS', 1400, ['Taille=S', 'Couleur=Gris']],
        ['BAS-M-GRIS', 1400, ['Taille=M', 'Couleur=Gris']],
        ['BAS-M-BLEU', 1550, ['Taille=M', 'Couleur=Bleu']],
      ],
    );
    assert.equal((await row('BAS-M-BLEU')).title_fr, 'Bas de laine');
    assert.equal(await stock('BAS-M-GRIS'), 6);
    const tshirt = await row('TS-OUT-S');
    const xl = await row('TS-OUT-XL');
    assert.equal(xl.parent_id, tshirt.id);
    assert.equal(xl.title_fr, 'T-shirt Outaouais');
    assert.equal((await variants('TS-OUT-S')).length, 4);
    const sac = await row('SAC-1');
    assert.deepEqual([sac.parent_id, sac.handle, sac.options_json], [null, null, null]);

    const before = await snapshot();
    const again = await put(csv);
    assert.deepEqual([again.json().created, again.json().updated, again.json().invalid], [0, 0, 0]);
    assert.deepEqual(await snapshot(), before);

    // A file without a handle column (a price update) leaves the grouping alone.
    const price = await put('code,prix\nBAS-M-BLEU,"16,00 $"\n');
    assert.equal(price.json().updated, 1, price.body);
    const blue = await row('BAS-M-BLEU');
    assert.deepEqual([blue.price_cents, blue.parent_id], [1600, bas.id]);
  });

  test('a row moved to another handle gets the new product; a new product row without a title is refused', async () => {
    const moved = await put('sku,handle,option1_name,option1_value\nBAS-M-BLEU,SAC-1,Couleur,Bleu\n');
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().updated, 1);
    const blue = await row('BAS-M-BLEU');
    assert.equal(blue.parent_id, (await row('SAC-1')).id);
    assert.equal(blue.title_fr, 'Sac en toile');
    assert.equal(blue.options_json, JSON.stringify([{ name: 'Couleur', value: 'Bleu' }]));

    // A product row that becomes a variant hands its own variants to its new product.
    const nested = await put('sku,handle\nBAS-S-GRIS,SAC-1\n');
    assert.equal(nested.json().updated, 1, nested.body);
    const sacId = (await row('SAC-1')).id;
    assert.deepEqual(
      [(await row('BAS-S-GRIS')).parent_id, (await row('BAS-M-GRIS')).parent_id],
      [sacId, sacId],
    );

    // JSON rows take the same keys.
    const json = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: JSON.stringify([
        { sku: 'SAC-2', price_cents: 1300, handle: 'SAC-1', option1_name: 'Couleur', option1_value: 'Écru' },
      ]),
    });
    assert.equal(json.statusCode, 200, json.body);
    const ecru = await row('SAC-2');
    assert.deepEqual([ecru.parent_id, ecru.title_fr], [(await row('SAC-1')).id, 'Sac en toile']);

    const refused = await put(
      'sku,price_cents,handle,option1_value\nNEW-1,1000,nouveau,Rouge\nNEW-2,1000,nouveau,Vert\n',
    );
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(
      refused.json().rows.map((r: Row) => [r.sku, r.errors?.[0]?.field]),
      [
        ['NEW-1', 'title_fr'],
        ['NEW-2', 'title_fr'],
      ],
    );
  });

  test('export: one row per variant with handle and options, one stock column per store; it re-imports with zero changes', async () => {
    const res = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: auth },
    });
    assert.equal(res.statusCode, 200);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    const header = lines[0].split(',');
    assert.ok(header.includes(`on_hand_${mainCode}`), lines[0]);
    assert.ok(!header.includes('location_code'));
    assert.deepEqual(header.slice(-8), [
      'handle',
      'option1_name',
      'option1_value',
      'option2_name',
      'option2_value',
      'option3_name',
      'option3_value',
      'status',
    ]);
    const skus = lines.slice(1).map((l) => l.split(',')[0]);
    assert.equal(new Set(skus).size, skus.length, 'one row per variant');
    assert.equal(skus.length, (await snapshot()).length);
    const medium = lines.find((l) => l.startsWith('TS-OUT-M,')) as string;
    assert.match(medium, /,8,t-shirt-outaouais,Taille,M,,,,,active$/);
    // Variants follow their product row.
    assert.deepEqual(
      skus.filter((s) => s.startsWith('TS-OUT')),
      ['TS-OUT-S', 'TS-OUT-M', 'TS-OUT-L', 'TS-OUT-XL'],
    );
    assert.equal(skus.indexOf('TS-OUT-M'), skus.indexOf('TS-OUT-S') + 1);

    const before = await snapshot();
    const stockBefore = await levels();
    const again = await put(res.body);
    assert.equal(again.statusCode, 200, again.body);
    const body = again.json();
    assert.deepEqual([body.invalid, body.created, body.updated], [0, 0, 0], JSON.stringify(body.rows));
    assert.equal(body.unchanged, before.length);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(await levels(), stockBefore);
  });
});
