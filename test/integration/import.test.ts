import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyImport, previewImport, stripHtml } from '../../src/modules/imports/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const TEMPLATE_HEADER =
  'sku,title_fr,title_en,description_fr,description_en,category,price_cents,gtin,brand,quebec_label,tax_class,image_url,location_code,on_hand';

describe('catalogue import', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let auth: string;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    auth = `Bearer ${region.merchants.erabliere.api_key}`;
  });
  after(() => p.close());

  const product = (sku: string, merchantId = region.merchants.erabliere.merchant_id) =>
    p.context.database.db
      .selectFrom('products as p')
      .leftJoin('inventory_levels as i', 'i.product_id', 'p.id')
      .leftJoin('categories as c', 'c.id', 'p.category_id')
      .select([
        'p.id',
        'p.title_fr',
        'p.title_en',
        'p.description_fr',
        'p.price_cents',
        'p.gtin',
        'p.brand',
        'p.quebec_label',
        'p.quebec_label_declared_by',
        'p.tax_class',
        'p.images_json',
        'c.slug as category',
        'i.on_hand',
      ])
      .where('p.merchant_id', '=', merchantId)
      .where('p.sku', '=', sku)
      .executeTakeFirst();

  /** Image URLs queued for a product (fetched in the background by the media module). */
  const queued = async (productId: number | undefined) =>
    (
      await p.context.database.db
        .selectFrom('image_fetches')
        .select('source_url')
        .where('product_id', '=', productId ?? 0)
        .orderBy('position')
        .execute()
    ).map((r) => r.source_url);
  const put = (payload: string | object, opts: { query?: string; type?: string; lang?: string } = {}) =>
    p.app.inject({
      method: 'PUT',
      url: `/api/v1/merchant/products${opts.query ?? ''}`,
      headers: {
        authorization: auth,
        'content-type': opts.type ?? (typeof payload === 'string' ? 'text/csv' : 'application/json'),
        ...(opts.lang ? { 'accept-language': opts.lang } : {}),
      },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  test('our CSV template creates and updates products with stock', async () => {
    const csv = `${TEMPLATE_HEADER}
SIROP-540,Sirop d’érable ambré 540 ml,Amber maple syrup 540 ml,Nouveau texte,New text,epicerie,1399,0627843000016,Érablière du Lac,aliments_du_quebec,zero_rated,https://img.example/sirop.jpg,principal,15
BEURRE-250,"Beurre d’érable, 250 g",Maple butter 250 g,,,epicerie,899,,,,standard,,principal,7
`;
    const res = await put(csv);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'template_csv');
    assert.equal(body.applied, true);
    assert.equal(body.created, 1);
    assert.equal(body.updated, 1);
    assert.deepEqual(
      body.rows.map((r: { row: number; sku: string; status: string }) => [r.row, r.sku, r.status]),
      [
        [2, 'SIROP-540', 'updated'],
        [3, 'BEURRE-250', 'created'],
      ],
    );
    const sirop = await product('SIROP-540');
    assert.equal(sirop?.id, region.products.sirop);
    assert.equal(sirop?.price_cents, 1399);
    assert.equal(sirop?.description_fr, 'Nouveau texte');
    assert.equal(sirop?.on_hand, 15);
    // Same label as before: who declared it (the merchant, in the back-office) is kept.
    assert.equal(sirop?.quebec_label_declared_by, 'merchant');
    // Foreign images are fetched in the background, never stored as links.
    assert.deepEqual(JSON.parse(sirop?.images_json ?? '[]'), []);
    assert.deepEqual(await queued(sirop?.id), ['https://img.example/sirop.jpg']);
    const beurre = await product('BEURRE-250');
    assert.equal(beurre?.title_fr, 'Beurre d’érable, 250 g');
    assert.equal(beurre?.category, 'epicerie');
    assert.equal(beurre?.on_hand, 7);
    // The new product is public right away, and searchable.
    const page = await p.app.inject({ url: `/fr/p/${beurre?.id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Beurre d’érable/);
    const found = await p.app.inject({ url: '/api/v1/search?q=beurre&lat=45.3956&lng=-75.8436' });
    assert.equal(found.statusCode, 200, found.body);
    assert.ok(
      found.json().results.some((r: { sku: string }) => r.sku === 'BEURRE-250'),
      'imported product found by search',
    );
  });

  test('all or nothing by default: one bad row means nothing applies, with row numbers and reasons', async () => {
    const csv = `${TEMPLATE_HEADER}
SIROP-540,Sirop,,,,,1500,,,,,,,
TIRE-250,,Taffy,,,,abc,,,,,,,
OEUFS-12,Œufs,,,,chaussettes,549,12AB,,bio,fancy,javascript:alert(1),entrepot,-3
CH-NEW,Chose,,,,,100,,,,,,,
CH-NEW,Chose encore,,,,,100,,,,,,,
`;
    const res = await put(csv, { lang: 'en' });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.applied, false);
    assert.equal(body.invalid, 3);
    const errs = Object.fromEntries(
      body.rows
        .filter((r: { status: string }) => r.status === 'error')
        .map((r: { row: number; errors: { field: string; code: string }[] }) => [
          r.row,
          r.errors.map((e) => `${e.field}:${e.code}`).sort(),
        ]),
    );
    // An empty title keeps the existing product's title; a price that is not cents is refused.
    assert.deepEqual(errs[3], ['price_cents:price_invalid']);
    assert.deepEqual(errs[4], [
      'gtin:gtin_invalid',
      'image_url:image_url_invalid',
      'on_hand:too_small',
      'quebec_label:invalid_enum',
      'tax_class:invalid_enum',
    ]);
    assert.deepEqual(errs[6], ['sku:duplicate_sku']);
    const dup = body.rows[4].errors[0];
    assert.equal(dup.message, 'SKU already present on row 5.');
    assert.equal((await product('SIROP-540'))?.price_cents, 1399);
    assert.equal(await product('CH-NEW'), undefined);
  });

  test('partial=1 applies the valid rows and reports the others', async () => {
    const res = await put(
      [
        { sku: 'CONF-FRAISE', title_fr: 'Confiture de fraises', price_cents: 650, on_hand: 5 },
        { sku: 'CONF-BLEUET', title_fr: 'Confiture de bleuets', price_cents: -1 },
        { sku: 'CONF-X', title_fr: 'X', price_cents: 100, category: 'inexistante' },
        'not an object',
      ],
      { query: '?partial=1' },
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'json');
    assert.equal(body.applied, true);
    assert.equal(body.created, 2);
    assert.equal(body.invalid, 2);
    assert.equal(body.rows[1].errors[0].code, 'too_small');
    // An unknown category is a warning: the row applies uncategorised.
    assert.equal(body.rows[2].status, 'created');
    assert.match(body.rows[2].warnings[0].message, /^Catégorie inconnue : inexistante\./);
    assert.equal(body.rows[3].errors[0].code, 'row_not_object');
    assert.equal((await product('CONF-FRAISE'))?.on_hand, 5);
    assert.equal(await product('CONF-BLEUET'), undefined);
  });

  test('Shopify product export: columns mapped, HTML stripped, dollars to cents, variants', async () => {
    const csv = `Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Barcode,Image Src,Variant Taxable
tuque-laine,Tuque en laine,"<p>Tricotée <strong>à la main</strong> à Wakefield.</p><script>alert('x')</script><img src=x onerror=alert(1)>",Laines du Pontiac,Accessoires,,TRUE,Taille,Petite,TUQ-S,100,4,24.99,0627843000023,https://cdn.shopify.example/tuque.jpg,TRUE
tuque-laine,,,,,,,,Grande,TUQ-L,120,0,"1,026.50",,,TRUE
tuque-laine,,,,,,,,,,,,,,https://cdn.shopify.example/tuque-2.jpg,
bas-laine,Bas de laine & co,<ul><li>Chauds</li><li>Doux</li></ul>,Laines du Pontiac,,,TRUE,Title,Default Title,,,2,12,,,FALSE
`;
    const res = await put(csv);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'shopify_csv');
    assert.equal(body.created, 3);
    assert.deepEqual(
      body.rows.map((r: { row: number; sku: string }) => [r.row, r.sku]),
      [
        [2, 'TUQ-S'],
        [3, 'TUQ-L'],
        [5, 'bas-laine'],
      ],
    );
    const small = await product('TUQ-S');
    assert.equal(small?.title_fr, 'Tuque en laine', 'a variant of the product, its size an option');
    assert.equal(small?.title_en, '', 'one-language export: English falls back to French on pages');
    assert.equal(small?.description_fr, 'Tricotée à la main à Wakefield.');
    assert.doesNotMatch(small?.description_fr ?? '', /[<>]|alert/);
    assert.equal(small?.price_cents, 2499);
    assert.equal(small?.gtin, '0627843000023');
    assert.equal(small?.brand, 'Laines du Pontiac');
    assert.equal(small?.on_hand, 4);
    assert.deepEqual(await queued(small?.id), [
      'https://cdn.shopify.example/tuque.jpg',
      'https://cdn.shopify.example/tuque-2.jpg',
    ]);
    const large = await product('TUQ-L');
    assert.equal(large?.title_fr, 'Tuque en laine');
    assert.equal(large?.price_cents, 102650);
    assert.equal(large?.on_hand, 0);
    const bas = await product('bas-laine');
    assert.equal(bas?.title_fr, 'Bas de laine & co');
    assert.equal(bas?.description_fr, 'Chauds\nDoux');
    assert.equal(bas?.price_cents, 1200);
    assert.equal(bas?.tax_class, 'zero_rated');
  });

  test('unknown formats and broken bodies are a clear 400', async () => {
    const res = await put('name,price\nx,1\n', { lang: 'en' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    assert.match(res.json().error.message, /^Format not recognised\. Columns found: name, price\./);
  });

  test('previewImport (module API) validates without writing; dry_run=1 over HTTP', async () => {
    const { db } = p.context.database;
    const merchantId = region.merchants.erabliere.merchant_id;
    const input = {
      body: [
        { sku: 'PREV-1', title_fr: 'Aperçu', price_cents: 100 },
        { sku: 'SIROP-540', title_fr: 'Sirop', price_cents: 100 },
        { sku: 'PREV-2', title_fr: 'Aperçu', price_cents: 'cher' },
      ],
      contentType: 'application/json',
    };
    const preview = await previewImport(db, merchantId, input);
    assert.deepEqual(
      preview.rows.map((r) => r.status),
      ['create', 'update', 'error'],
    );
    assert.equal(preview.invalid, 1);
    assert.equal(await product('PREV-1'), undefined);
    const dry = await put(input.body, { query: '?dry_run=1' });
    assert.equal(dry.statusCode, 200);
    assert.equal(dry.json().applied, false);
    assert.equal(await product('PREV-1'), undefined);
    const applied = await applyImport(db, p.context.events, merchantId, input, { partial: true });
    assert.equal(applied.created, 1);
    assert.equal(applied.updated, 1);
  });

  test('import refuses stock below reserved units and announces availability changes', async () => {
    const { db } = p.context.database;
    const events: { product_id: number; available: number }[] = [];
    const off = p.context.events.subscribe('stock', (e) => events.push(e));
    await db
      .updateTable('inventory_levels')
      .set({ on_hand: 10, reserved: 6 })
      .where('product_id', '=', region.products.oeufs)
      .execute();
    const bad = await put([{ sku: 'OEUFS-12', title_fr: 'Œufs', price_cents: 549, on_hand: 5 }]);
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().rows[0].errors[0].code, 'on_hand_below_reserved');
    const ok = await put([{ sku: 'OEUFS-12', title_fr: 'Œufs', price_cents: 549, on_hand: 8 }]);
    assert.equal(ok.statusCode, 200);
    off();
    assert.deepEqual(events, [
      {
        product_id: region.products.oeufs,
        sku: 'OEUFS-12',
        location_id: region.merchants.erabliere.location_id,
        merchant_id: region.merchants.erabliere.merchant_id,
        available: 2,
      },
    ]);
  });

  test('exported CSV imports back unchanged', async () => {
    const csv = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: auth },
    });
    const res = await put(csv.body);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().invalid, 0);
    assert.equal(res.json().created, 0);
  });

  test('stripHtml keeps text only', () => {
    assert.equal(stripHtml('<p>a&nbsp;&lt;b&gt; <b>c</b></p><style>x{}</style>&#233;t&#xE9;'), 'a b c\nété');
  });
});
