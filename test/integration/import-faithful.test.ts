import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import {
  buildCategoryIndex,
  matchCategory,
  matchTaxonomyPath,
} from '../../src/modules/imports/category-match.ts';
import { dollarsToCents, mapTemplateHeader } from '../../src/modules/imports/columns.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url), 'utf8');
const PW = 'correct horse battery';

type Row = {
  row: number;
  sku: string | null;
  status: string;
  errors?: { field: string; code: string; message: string }[];
  warnings?: { field: string; code: string; message: string }[];
};

describe('faithful catalogue import (real files, re-imports, stores)', () => {
  let p: TestPlatform;
  let merchantId: number;
  let mainStore: number;
  let auth: string;
  const cat = new Map<string, number>();

  before(async () => {
    p = await createTestPlatform();
    const { db } = p.context.database;
    await db
      .insertInto('region_settings')
      .values({
        id: 1,
        slug: 'outaouais',
        name: 'Comptoir Outaouais',
        center_lat: 45.4765,
        center_lng: -75.7013,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    // The region's default taxonomy may already hold these (same slugs and names).
    await db
      .insertInto('categories')
      .values([
        { slug: 'epicerie', name_fr: 'Épicerie', name_en: 'Grocery', position: 1 },
        {
          slug: 'boulangerie-patisserie',
          name_fr: 'Boulangerie et pâtisserie',
          name_en: 'Bakery and pastry',
          position: 2,
        },
        {
          slug: 'vetements-mode',
          name_fr: 'Vêtements et mode',
          name_en: 'Clothing and fashion',
          position: 3,
        },
      ])
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    for (const c of await db.selectFrom('categories').select(['id', 'slug']).execute()) cat.set(c.slug, c.id);
    const m = await createMerchant(db, {
      name: 'Marché des Collines',
      associations: [],
      categories: [],
      location: { address: '12 rue Principale', municipality: 'Aylmer', lat: 45.3956, lng: -75.8436 },
    });
    merchantId = m.merchant_id;
    mainStore = m.location_id;
    auth = `Bearer ${m.api_key}`;
    await createUser(db, {
      email: 'owner@collines.example',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId }],
    });
  });
  after(() => p.close());

  const db = () => p.context.database.db;
  const put = (payload: string | object, opts: { query?: string; lang?: string } = {}) =>
    p.app.inject({
      method: 'PUT',
      url: `/api/v1/merchant/products${opts.query ?? ''}`,
      headers: {
        authorization: auth,
        'content-type': typeof payload === 'string' ? 'text/csv' : 'application/json',
        'accept-language': opts.lang ?? 'fr',
      },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const product = (sku: string) =>
    db()
      .selectFrom('products as p')
      .leftJoin('categories as c', 'c.id', 'p.category_id')
      .select([
        'p.id',
        'p.title_fr',
        'p.title_en',
        'p.description_fr',
        'p.description_en',
        'p.price_cents',
        'p.gtin',
        'p.brand',
        'p.quebec_label',
        'p.tax_class',
        'p.images_json',
        'p.status',
        'p.updated_at',
        'c.slug as category',
      ])
      .where('p.merchant_id', '=', merchantId)
      .where('p.sku', '=', sku)
      .executeTakeFirst();
  const images = async (sku: string) =>
    (JSON.parse((await product(sku))?.images_json ?? '[]') as { url: string }[]).map((i) => i.url);
  /** Image URLs waiting to be fetched for a product (the media module's queue), in row order. */
  const queued = async (sku: string) =>
    (
      await db()
        .selectFrom('image_fetches as f')
        .innerJoin('products as p', 'p.id', 'f.product_id')
        .select('f.source_url')
        .where('p.merchant_id', '=', merchantId)
        .where('p.sku', '=', sku)
        .orderBy('f.position')
        .execute()
    ).map((r) => r.source_url);
  const stock = async (sku: string, locationId: number) =>
    (
      await db()
        .selectFrom('inventory_levels as i')
        .innerJoin('products as p', 'p.id', 'i.product_id')
        .select('i.on_hand')
        .where('p.sku', '=', sku)
        .where('p.merchant_id', '=', merchantId)
        .where('i.location_id', '=', locationId)
        .executeTakeFirst()
    )?.on_hand;
  const snapshot = () =>
    db().selectFrom('products').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();

  test('Shopify export: drafts and unpublished products are not on sale, every image kept, French title only, categories from Product Category / Type', async () => {
    const res = await put(fixture('shopify-products.csv'));
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'shopify_csv');
    assert.equal(body.invalid, 0);
    assert.equal(body.created, 6);
    // Spreadsheet row numbers (header = row 1); the image-only row 3 is not a product.
    assert.deepEqual(
      body.rows.map((r: Row) => [r.row, r.sku]),
      [
        [2, 'PAIN-LEV'],
        [4, 'TUQ-S-GRIS'],
        [5, 'TUQ-L-GRIS'],
        [6, 'CONF-BLEU'],
        [7, 'SAV-AVO'],
        [8, 'SIROP-AMB'],
      ],
    );

    const pain = await product('PAIN-LEV');
    assert.equal(pain?.title_fr, 'Pain au levain');
    assert.equal(pain?.title_en, '', 'one-language export: no copied English title');
    assert.equal(pain?.description_fr, 'Farine biologique du Pontiac, levain de 10 ans.');
    assert.equal(pain?.price_cents, 750);
    assert.equal(pain?.tax_class, 'zero_rated');
    assert.equal(pain?.status, 'active');
    assert.equal(pain?.category, 'boulangerie-patisserie', 'Google taxonomy path "… > Bakery"');
    // Foreign images are never stored as links: they are queued, in order, to be fetched.
    assert.deepEqual(await images('PAIN-LEV'), []);
    assert.deepEqual(await queued('PAIN-LEV'), [
      'https://cdn.shopify.com/s/files/1/0001/pain-levain.jpg',
      'https://cdn.shopify.com/s/files/1/0001/pain-levain-tranche.jpg',
    ]);
    assert.equal(await stock('PAIN-LEV', mainStore), 12);

    // The rows of a Handle are the variants of one product, with their options.
    const small = await product('TUQ-S-GRIS');
    assert.equal(small?.title_fr, 'Tuque en laine');
    assert.equal(small?.category, 'vetements-mode', 'Apparel & Accessories → the clothing category');
    assert.equal(small?.price_cents, 2499);
    const large = await product('TUQ-L-GRIS');
    assert.equal(large?.title_fr, 'Tuque en laine');
    const grouping = await db()
      .selectFrom('products')
      .select(['sku', 'parent_id', 'options_json'])
      .where('merchant_id', '=', merchantId)
      .where('sku', 'in', ['TUQ-S-GRIS', 'TUQ-L-GRIS'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      grouping.map((g) => [g.sku, g.parent_id, g.options_json]),
      [
        ['TUQ-S-GRIS', null, '[{"name":"Taille","value":"Petite"},{"name":"Couleur","value":"Gris"}]'],
        ['TUQ-L-GRIS', small?.id, '[{"name":"Taille","value":"Grande"},{"name":"Couleur","value":"Gris"}]'],
      ],
    );
    assert.equal(large?.price_cents, 102650);
    assert.equal(large?.gtin, null);
    assert.deepEqual(
      body.rows[2].warnings.map((w: { code: string }) => w.code),
      ['gtin_ignored'],
    );

    const draft = await product('CONF-BLEU');
    assert.equal(draft?.status, 'archived', 'Shopify draft: not on sale');
    assert.equal(draft?.category, 'epicerie', 'Type "EPICERIE"');
    const unpublished = await product('SAV-AVO');
    assert.equal(unpublished?.status, 'archived', 'Published FALSE: not on sale');
    assert.equal(unpublished?.description_fr, 'Savon doux à l’avoine colloïdale, fait à Gatineau.');
    assert.equal(unpublished?.category, null);
    const savRow = body.rows.find((r: Row) => r.sku === 'SAV-AVO');
    assert.equal(savRow.status, 'created');
    assert.equal(savRow.warnings[0].code, 'unknown_category');
    assert.match(savRow.warnings[0].message, /Catégorie inconnue : Savon \| Soins du corps/);
    assert.deepEqual(body.unknown_categories, ['Savon', 'Soins du corps']);
    assert.equal((await product('SIROP-AMB'))?.category, 'epicerie', 'Type "Épicerie"');
    assert.equal((await product('SIROP-AMB'))?.price_cents, 1399, '"13,99"');

    assert.equal((await p.app.inject({ url: `/fr/p/${draft?.id}` })).statusCode, 404);
    assert.equal((await p.app.inject({ url: `/fr/p/${unpublished?.id}` })).statusCode, 404);
    const en = await p.app.inject({ url: `/en/p/${pain?.id}` });
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Pain au levain/, 'English pages fall back to the French title');

    // The same export again: nothing changes.
    const before = await snapshot();
    const again = await put(fixture('shopify-products.csv'));
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual([again.json().created, again.json().updated, again.json().unchanged], [0, 0, 6]);
    assert.deepEqual(await snapshot(), before);
  });

  test('French template: French column names, prices in dollars, categories by name; a bad price is a row error with the spreadsheet row number', async () => {
    const file = fixture('modele-fr.csv');
    const refused = await put(file, { lang: 'en' });
    assert.equal(refused.statusCode, 422, refused.body);
    const body = refused.json();
    assert.equal(body.format, 'template_csv');
    assert.equal(body.applied, false);
    const bad = body.rows.filter((r: Row) => r.status === 'error');
    assert.deepEqual(
      bad.map((r: Row) => [r.row, r.sku, r.errors?.map((e) => `${e.field}:${e.code}`)]),
      [[7, 'SAVON-2', ['price:price_invalid']]],
    );
    assert.match(bad[0].errors[0].message, /cents, e\.g\. 1299.*dollars, e\.g\. 12,99 \$/);
    assert.equal(await product('MIEL-500'), undefined, 'all or nothing: nothing written');
    const fr = await put(file, { query: '?dry_run=1' });
    assert.match(
      fr.json().rows[5].errors[0].message,
      /^Prix invalide \(douze dollars\) : indiquez un prix en cents, p\. ex\. 1299/,
    );

    const res = await put(file, { query: '?partial=1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().created, 5);
    assert.deepEqual(res.json().unknown_categories, ['Bougies et chandelles']);
    const miel = await product('MIEL-500');
    assert.equal(miel?.title_fr, 'Miel de trèfle 500 g');
    assert.equal(miel?.description_fr, 'Miel non pasteurisé de Chelsea.');
    assert.equal(miel?.price_cents, 1299, '"12,99 $"');
    assert.equal(miel?.category, 'epicerie', '"Épicerie"');
    assert.equal(miel?.gtin, '0627843002010');
    assert.equal(miel?.brand, 'Rucher des Collines');
    assert.equal(miel?.quebec_label, 'aliments_du_quebec', '"Aliments du Québec"');
    assert.equal(
      (
        await db()
          .selectFrom('products')
          .select('quebec_label_declared_by')
          .where('id', '=', miel?.id as number)
          .executeTakeFirstOrThrow()
      ).quebec_label_declared_by,
      'import',
    );
    assert.equal(miel?.tax_class, 'zero_rated', '"détaxé"');
    assert.deepEqual(await queued('MIEL-500'), ['https://img.example/miel.jpg']);
    assert.equal(await stock('MIEL-500', mainStore), 8, 'no magasin column value: the default store');
    const cafe = await product('CAFE-340');
    assert.deepEqual(
      [cafe?.price_cents, cafe?.category, cafe?.title_en],
      [1299, 'epicerie', 'Roasted coffee 340 g'],
    );
    const the = await product('THE-100');
    assert.deepEqual([the?.price_cents, the?.category, the?.tax_class], [450, 'epicerie', 'standard']);
    const bisc = await product('BISC-12');
    assert.deepEqual([bisc?.price_cents, bisc?.category], [725, 'epicerie'], '"Grocery", "7,25"');
    const chand = await product('CHAND-1');
    assert.deepEqual([chand?.price_cents, chand?.category], [2400, null]);
    const chandRow = res.json().rows.find((r: Row) => r.sku === 'CHAND-1');
    assert.equal(chandRow.status, 'created');
    assert.equal(chandRow.warnings[0].code, 'unknown_category');
  });

  test('re-import never destroys: back-office enrichments and status survive the same file; clear_empty=1 clears on request', async () => {
    const the = await product('THE-100');
    const media = '/media/1/the-labrador.webp';
    // What the merchant adds in the back-office after the first import.
    await db()
      .updateTable('products')
      .set({
        title_en: 'Labrador tea',
        description_en: 'Wild Labrador tea.',
        quebec_label: 'produit_du_quebec',
        images_json: JSON.stringify([{ url: media, width: 1200, height: 900 }]),
      })
      .where('id', '=', the?.id as number)
      .execute();
    await db()
      .updateTable('products')
      .set({ category_id: cat.get('vetements-mode') as number })
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', 'CHAND-1')
      .execute();
    await db()
      .updateTable('products')
      .set({ status: 'archived' })
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', 'CAFE-340')
      .execute();
    const before = await snapshot();

    const res = await put(fixture('modele-fr.csv'), { query: '?partial=1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().created, res.json().updated, res.json().unchanged], [0, 0, 5]);
    assert.deepEqual(await snapshot(), before, 'nothing the merchant added changed');

    // An absent column leaves its field alone; the status changes only through a status column.
    const price = await put('code,prix\nTHE-100,"5,00 $"\n');
    assert.equal(price.statusCode, 200, price.body);
    const after1 = await product('THE-100');
    assert.deepEqual(
      [after1?.price_cents, after1?.title_fr, after1?.title_en, after1?.quebec_label, after1?.category],
      [500, 'Thé du Labrador', 'Labrador tea', 'produit_du_quebec', 'epicerie'],
    );
    assert.deepEqual(await images('THE-100'), [media]);
    const status = await put('sku,status\nCAFE-340,active\nBISC-12,brouillon\n');
    assert.equal(status.statusCode, 200, status.body);
    assert.equal((await product('CAFE-340'))?.status, 'active');
    assert.equal((await product('BISC-12'))?.status, 'archived');
    const bogus = await put('sku,status\nCAFE-340,maybe\n', { lang: 'en' });
    assert.equal(bogus.statusCode, 422);
    assert.equal(bogus.json().rows[0].errors[0].field, 'status');
    assert.equal((await product('CAFE-340'))?.status, 'active');

    // clear_empty=1: empty cells clear the enrichments.
    const cleared = await put(
      'sku,title_fr,title_en,description_en,image_url,quebec_label,category\nTHE-100,Thé du Labrador,,,,,\n',
      {
        query: '?clear_empty=1',
      },
    );
    assert.equal(cleared.statusCode, 200, cleared.body);
    const after2 = await product('THE-100');
    assert.deepEqual(
      [after2?.title_en, after2?.description_en, after2?.quebec_label, after2?.category, after2?.images_json],
      ['', '', null, null, '[]'],
    );
  });

  test('round trip: the export re-imports with zero errors and zero changes (own /media/ images kept)', async () => {
    await db()
      .updateTable('products')
      .set({ images_json: JSON.stringify([{ url: '/media/1/miel.webp', width: 800, height: 600 }]) })
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', 'MIEL-500')
      .execute();
    const csv = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: auth },
    });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.body.split('\r\n')[0], /,status$/);
    const before = await snapshot();
    const levels = await db().selectFrom('inventory_levels').selectAll().orderBy('product_id').execute();
    const res = await put(csv.body);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.invalid, body.created, body.updated], [0, 0, 0]);
    assert.equal(body.unchanged, before.length);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(
      await db().selectFrom('inventory_levels').selectAll().orderBy('product_id').execute(),
      levels,
    );
  });

  test('stores: a second store never breaks stock calls without location_code; the default and the codes are managed in the back-office', async () => {
    const owner = new Agent(p.app);
    await owner.login('owner@collines.example', PW);
    const form = {
      name: 'Entrepôt',
      address_line: '80 chemin Vanier',
      municipality: 'Aylmer',
      lat: '45.40',
      lng: '-75.85',
      delivery_radius_km: '0',
      delivery_fee: '0',
    };
    const created = await owner.submit('/fr/marchand/magasins/nouveau', { ...form, code: 'entrepot' });
    assert.equal(created.statusCode, 303, created.body);
    const second = await db()
      .selectFrom('locations')
      .select(['id', 'code', 'is_default'])
      .where('merchant_id', '=', merchantId)
      .where('code', '=', 'entrepot')
      .executeTakeFirstOrThrow();
    assert.equal(second.is_default, 0);
    const list = await owner.get('/fr/marchand/magasins');
    assert.match(list.body, /data-location-code="true">principal</);
    assert.match(list.body, /data-location-code="true">entrepot</);
    assert.equal(list.body.match(/data-default-location/g)?.length, 1);

    const inventory = (rows: object) =>
      p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/inventory',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: JSON.stringify(rows),
      });
    const r1 = await inventory([{ sku: 'MIEL-500', on_hand: 9 }]);
    assert.equal(r1.statusCode, 200, r1.body);
    assert.equal(await stock('MIEL-500', mainStore), 9, 'the default store (the first one)');
    const imp = await put('sku,on_hand\nCAFE-340,4\n');
    assert.equal(imp.statusCode, 200, imp.body);
    assert.equal(await stock('CAFE-340', mainStore), 4);

    // The second store becomes the default.
    const made = await owner.submit(`/fr/marchand/magasins/${second.id}`, {
      ...form,
      code: 'entrepot',
      is_default: '1',
    });
    assert.equal(made.statusCode, 303, made.body);
    const r2 = await inventory([{ sku: 'MIEL-500', on_hand: 3 }]);
    assert.equal(r2.statusCode, 200, r2.body);
    assert.equal(await stock('MIEL-500', second.id), 3);
    assert.equal(await stock('MIEL-500', mainStore), 9);
    const profile = await p.app.inject({ url: '/api/v1/merchant', headers: { authorization: auth } });
    assert.deepEqual(
      profile.json().locations.map((l: { code: string; is_default: boolean }) => [l.code, l.is_default]),
      [
        ['principal', false],
        ['entrepot', true],
      ],
    );
    const flags = await db()
      .selectFrom('locations')
      .select(['id', 'is_default'])
      .where('merchant_id', '=', merchantId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      flags.map((f) => f.is_default),
      [0, 1],
    );

    // Codes: unique per merchant and well-formed; a refused form changes nothing.
    const locs = () =>
      db().selectFrom('locations').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
    const snap = await locs();
    const taken = await owner.submit(`/fr/marchand/magasins/${second.id}`, {
      ...form,
      name: 'Renommé',
      code: 'principal',
    });
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /Le code principal est déjà utilisé par un autre de vos magasins/);
    const spaces = await owner.submit(`/fr/marchand/magasins/${second.id}`, {
      ...form,
      code: 'code avec espaces',
    });
    assert.equal(spaces.statusCode, 400);
    assert.match(spaces.body, /Code invalide/);
    assert.deepEqual(await locs(), snap);
    const renamed = await owner.submit(`/fr/marchand/magasins/${second.id}`, {
      ...form,
      code: 'depot-vanier',
      is_default: '1',
    });
    assert.equal(renamed.statusCode, 303, renamed.body);
    const r3 = await inventory([{ sku: 'MIEL-500', location_code: 'depot-vanier', on_hand: 2 }]);
    assert.equal(r3.statusCode, 200, r3.body);
    assert.equal(await stock('MIEL-500', second.id), 2);

    // Several stores: the export has one stock column per store code, and still re-imports unchanged.
    const csv = await p.app.inject({
      url: '/api/v1/merchant/products.csv',
      headers: { authorization: auth },
    });
    assert.equal(csv.body.match(/\r\nMIEL-500,/g)?.length, 1);
    assert.match(csv.body.split('\r\n')[0], /,on_hand_depot-vanier,/);
    const before = await snapshot();
    const levels = await db()
      .selectFrom('inventory_levels')
      .selectAll()
      .orderBy('product_id')
      .orderBy('location_id')
      .execute();
    const again = await put(csv.body);
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual([again.json().invalid, again.json().created, again.json().updated], [0, 0, 0]);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(
      await db()
        .selectFrom('inventory_levels')
        .selectAll()
        .orderBy('product_id')
        .orderBy('location_id')
        .execute(),
      levels,
    );
    // The same SKU twice for one store is still a duplicate.
    const dup = await put('sku,location_code,on_hand\nMIEL-500,principal,1\nMIEL-500,principal,2\n', {
      lang: 'en',
    });
    assert.equal(dup.statusCode, 422);
    assert.equal(dup.json().rows[1].errors[0].code, 'duplicate_sku');
  });

  test('pure helpers: dollars, French headers, category names', () => {
    for (const [text, cents] of [
      ['12,99 $', 1299],
      ['12.99', 1299],
      ['$12.99', 1299],
      ['12,99', 1299],
      ['12', 1200],
      ['1 299,50 $', 129950],
      ['1,299.50', 129950],
      ['1.299,50', 129950],
      ['1,299', 129900],
      ['12,5', 1250],
    ] as const)
      assert.equal(dollarsToCents(text), cents, text);
    for (const bad of ['douze', '-3', '', '1.2.3', '12,99,5'])
      assert.equal(dollarsToCents(bad), undefined, bad);
    assert.deepEqual(
      [...(mapTemplateHeader(['Code', 'Titre', 'Catégorie', 'Prix', 'Étiquette Québec', 'Quantité']) ?? [])],
      [
        [0, 'sku'],
        [1, 'title_fr'],
        [2, 'category'],
        [3, 'price'],
        [4, 'quebec_label'],
        [5, 'on_hand'],
      ],
    );
    assert.equal(mapTemplateHeader(['name', 'price']), undefined);
    const index = buildCategoryIndex(
      [
        { id: 1, slug: 'epicerie', name_fr: 'Épicerie', name_en: 'Grocery' },
        { id: 2, slug: 'vetements-mode', name_fr: 'Vêtements et mode', name_en: 'Clothing and fashion' },
        {
          id: 3,
          slug: 'boulangerie-patisserie',
          name_fr: 'Boulangerie et pâtisserie',
          name_en: 'Bakery and pastry',
        },
      ],
      [{ slug: 'vetements', category_id: 2 }],
    );
    for (const cell of ['Épicerie', 'EPICERIE', ' epicerie ', 'Grocery', 'épiceries'])
      assert.equal(matchCategory(index, cell), 1, cell);
    assert.equal(matchCategory(index, 'Vêtements'), 2);
    assert.equal(matchCategory(index, 'vetements'), 2, 'alias slug');
    assert.equal(matchCategory(index, 'Quincaillerie'), undefined);
    assert.equal(matchTaxonomyPath(index, 'Food, Beverages & Tobacco > Food Items > Bakery'), 3);
    assert.equal(matchTaxonomyPath(index, 'Apparel & Accessories > Clothing Accessories > Hats'), 2);
    assert.equal(matchTaxonomyPath(index, 'Hardware > Tools'), undefined);
  });
});
