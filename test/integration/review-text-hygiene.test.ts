/**
 * Regressions for the outside review (2026-12), items 7, 8, 11 and 12: concurrent login lockout,
 * NUL bytes in uploads, non-http(s) merchant websites, and text hygiene (file encodings and
 * separators, invisible/bidi/control characters, strict quantities, the lang cookie, sign-up timing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, passwordHashing } from '../../src/modules/accounts/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom } from '../helpers/session.ts';

const PW = 'correct horse battery';
const HEADER_SC =
  'sku;title_fr;title_en;description_fr;description_en;category;price_cents;gtin;brand;quebec_label;tax_class;image_url;location_code;on_hand';

/** Windows-1252 bytes of a string (every character used here is in that code page). */
function cp1252(s: string): Buffer {
  const extra: Record<string, number> = { '’': 0x92, '€': 0x80, '—': 0x97, '…': 0x85 };
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x100) out.push(c);
    else if (extra[ch] !== undefined) out.push(extra[ch]);
    else throw new Error(`not in cp1252: ${ch}`);
  }
  return Buffer.from(out);
}

function multipartBody(
  fields: Record<string, string>,
  file: { filename: string; type: string; data: Buffer },
) {
  const boundary = `----hygiene${Date.now()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('outside review: lockout, NUL, URLs and text hygiene', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let A: number;
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    A = region.merchants.erabliere.merchant_id;
    await createUser(db, {
      email: 'owner@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: A }],
    });
    owner = new Agent(p.app, '10.1.0.1');
    assert.equal((await owner.login('owner@example.test', PW)).statusCode, 303);
  });
  after(() => p.close());
  const db = () => p.context.database.db;
  const productBySku = (sku: string) =>
    db()
      .selectFrom('products')
      .select(['title_fr', 'title_en', 'description_fr', 'price_cents'])
      .where('merchant_id', '=', A)
      .where('sku', '=', sku)
      .executeTakeFirst();
  const countProducts = async () =>
    Number(
      (
        await db()
          .selectFrom('products')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  async function upload(file: { filename: string; type: string; data: Buffer }) {
    const token = csrfFrom((await owner.get('/fr/marchand/importation')).body);
    const { payload, contentType } = multipartBody({ _csrf: token }, file);
    return owner.request({
      method: 'POST',
      url: '/fr/marchand/importation/apercu',
      payload,
      headers: { 'content-type': contentType },
    });
  }
  const putCsv = (data: Buffer, type = 'text/csv') =>
    p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products',
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}`, 'content-type': type },
      payload: data,
    });

  // ------------------------------------------------------------------ item 7
  test('item 7: 25 parallel wrong passwords get at most 5 password checks; the right one is then refused', async () => {
    await createUser(db(), { email: 'lock@example.test', password: PW, verified: true });
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        new Agent(p.app, `10.7.${Math.floor(i / 200)}.${(i % 200) + 1}`).login(
          'lock@example.test',
          `wrong password number ${i}`,
        ),
      ),
    );
    const statuses = results.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 401).length, 5, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 20);
    const checked = await db()
      .selectFrom('login_failures')
      .select('id')
      .where('email', '=', 'lock@example.test')
      .execute();
    assert.equal(checked.length, 5, 'one row per password actually checked');
    const right = await new Agent(p.app, '10.7.9.9').login('lock@example.test', PW);
    assert.equal(right.statusCode, 429);
    assert.match(right.body, /Trop de tentatives pour ce compte/);
    assert.doesNotMatch(String(right.headers['set-cookie'] ?? ''), /session=/);
    assert.equal(
      (
        await db()
          .selectFrom('login_failures')
          .select('id')
          .where('email', '=', 'lock@example.test')
          .execute()
      ).length,
      5,
      'a refused attempt is not counted again',
    );
    // Once the window has passed (rows removed), the right password works and clears the count.
    await db().deleteFrom('login_failures').where('email', '=', 'lock@example.test').execute();
    assert.equal((await new Agent(p.app, '10.7.9.10').login('lock@example.test', PW)).statusCode, 303);
    assert.equal(
      (
        await db()
          .selectFrom('login_failures')
          .select('id')
          .where('email', '=', 'lock@example.test')
          .execute()
      ).length,
      0,
    );
  });

  // ------------------------------------------------------------------ item 8
  test('item 8: a NUL byte in an uploaded CSV or JSON import is refused with a message, nothing imported', async () => {
    const before = await countProducts();
    const csv = Buffer.from(
      'sku,title_fr,title_en,description_fr,description_en,category,price_cents,gtin,brand,quebec_label,tax_class,image_url,location_code,on_hand\nNUL-1,Pain\u0000 blanc,White bread,,,epicerie,399,,,,standard,,principal,3\n',
    );
    const res = await upload({ filename: 'c.csv', type: 'text/csv', data: csv });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Le fichier contient des caractères nuls/);
    const json = Buffer.from(JSON.stringify([{ sku: 'NUL-2', title_fr: 'Pain\u0000', price_cents: 100 }]));
    const res2 = await upload({ filename: 'c.json', type: 'application/json', data: json });
    assert.equal(res2.statusCode, 400);
    assert.match(res2.body, /caractères nuls/);
    const api = await putCsv(csv);
    assert.equal(api.statusCode, 400, api.body);
    assert.equal(await countProducts(), before);
    assert.equal(await productBySku('NUL-1'), undefined);
  });

  // ------------------------------------------------------------------ item 11
  test('item 11: only http(s) websites are accepted (sign-up, back-office, CLI) and old rows are not published', async () => {
    const bad = [
      'javascript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
    ];
    for (const website of bad) {
      await assert.rejects(
        createMerchant(db(), {
          name: 'Boutique piégée',
          website,
          location: { address: '1 rue Principale', lat: 45.4, lng: -75.7 },
        }),
        (e: { issues?: { field: string; message: string }[] }) =>
          e.issues?.some((i) => i.field === 'website' && i.message === 'text.url_http_only') === true,
      );
    }
    const form = {
      display_name: 'Érablière du Lac',
      legal_name: 'Érablière du Lac inc.',
      description_fr: 'Sirop.',
      description_en: 'Syrup.',
      phone: '819 555-0100',
    };
    const before = await db()
      .selectFrom('merchants')
      .select('website')
      .where('id', '=', A)
      .executeTakeFirstOrThrow();
    const prof = await owner.submit('/fr/marchand/profil', { ...form, website: 'javascript:alert(1)' });
    assert.equal(prof.statusCode, 400);
    assert.match(prof.body, /doit commencer par http:\/\/ ou https:\/\//);
    const afterRow = await db()
      .selectFrom('merchants')
      .select('website')
      .where('id', '=', A)
      .executeTakeFirstOrThrow();
    assert.deepEqual(afterRow, before);
    const signup = await new Agent(p.app, '10.11.0.1').submit('/fr/marchand/inscription', {
      businessName: 'Boulangerie Piège',
      neq: '1169876549',
      address: '12 rue du Ruisseau',
      municipalityId: '1',
      associations: [String(region.associations.aylmer)],
      ownerName: 'Louise',
      email: 'piege@example.test',
      password: PW,
      website: 'javascript:alert(1)',
    });
    assert.equal(signup.statusCode, 400);
    assert.match(signup.body, /doit commencer par http:\/\/ ou https:\/\//);
    assert.equal(
      await db()
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'piege@example.test')
        .executeTakeFirst(),
      undefined,
    );
    // A row saved before the rule: the open data leaves the link out.
    await db().updateTable('merchants').set({ website: 'javascript:alert(1)' }).where('id', '=', A).execute();
    const csv = await p.app.inject({ url: '/api/v1/open-data/merchants.csv' });
    const geo = await p.app.inject({ url: '/api/v1/open-data/merchants.geojson' });
    assert.equal(csv.statusCode, 200);
    assert.equal(geo.statusCode, 200);
    assert.match(csv.body, /Érablière/);
    assert.doesNotMatch(csv.body, /javascript:/i);
    assert.doesNotMatch(geo.body, /javascript:/i);
    const feature = geo
      .json()
      .features.find(
        (f: { properties: { slug: string } }) => f.properties.slug === region.merchants.erabliere.slug,
      );
    assert.equal(feature?.properties.website, null);
    await db()
      .updateTable('merchants')
      .set({ website: 'https://erabliere.example' })
      .where('id', '=', A)
      .execute();
    const ok = await p.app.inject({ url: '/api/v1/open-data/merchants.csv' });
    assert.match(ok.body, /https:\/\/erabliere\.example/);
  });

  // ------------------------------------------------------------------ item 12a
  test('item 12a: a ;-separated Windows-1252 file (French Excel) is decoded with its accents, via upload and API', async () => {
    const text = `${HEADER_SC}\r\nEPI-1;Épicerie fine — crème brûlée;Fine grocery;Crème brûlée à 12,99 $ l’unité;;epicerie;1299;;;;standard;;principal;4\r\n`;
    const bytes = cp1252(text);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'really not UTF-8');
    const prev = await upload({ filename: 'excel.csv', type: 'text/csv', data: bytes });
    assert.equal(prev.statusCode, 200, prev.body.slice(0, 300));
    assert.match(prev.body, /data-preview="1\/0"/);
    const fileId = /name="file_id" value="([0-9a-f]{32})"/.exec(prev.body)?.[1] as string;
    const applied = await owner.post('/fr/marchand/importation/appliquer', {
      _csrf: csrfFrom(prev.body),
      file_id: fileId,
    });
    assert.equal(applied.statusCode, 200);
    assert.deepEqual(
      { ...(await productBySku('EPI-1')) },
      {
        title_fr: 'Épicerie fine — crème brûlée',
        title_en: 'Fine grocery',
        description_fr: 'Crème brûlée à 12,99 $ l’unité',
        price_cents: 1299,
      },
    );
    // The same through the POS API, and UTF-16 LE with its BOM.
    const api = await putCsv(cp1252(text.replace('EPI-1', 'EPI-2')));
    assert.equal(api.statusCode, 200, api.body);
    assert.equal((await productBySku('EPI-2'))?.title_fr, 'Épicerie fine — crème brûlée');
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(text.replace('EPI-1', 'EPI-3').replaceAll(';', '\t'), 'utf16le'),
    ]);
    const api16 = await putCsv(utf16);
    assert.equal(api16.statusCode, 200, api16.body);
    assert.equal((await productBySku('EPI-3'))?.description_fr, 'Crème brûlée à 12,99 $ l’unité');
  });

  // ------------------------------------------------------------------ item 12b
  test('item 12b: bidi overrides, control characters and invisible-only names are refused at each boundary', async () => {
    const rlo = 'Sirop \u202Egnp.exe';
    const invisible = '\u200B\u200C\u2060';
    // Back-office product title.
    const before = await countProducts();
    for (const title of [rlo, invisible, 'Ligne 1\nLigne 2']) {
      const res = await owner.submit('/fr/marchand/produits/nouveau', {
        sku: 'BIDI-1',
        title_fr: title,
        title_en: '',
        description_fr: '',
        description_en: '',
        price: '1,00',
        category_id: '',
        brand: '',
        gtin: '',
        tax_class: 'standard',
        quebec_label: '',
        status: 'active',
      });
      assert.equal(res.statusCode, 400, title);
      assert.match(res.body, /id="f-title_fr-error"/);
    }
    const bo = await owner.submit('/fr/marchand/produits/nouveau', {
      sku: 'BIDI-1',
      title_fr: rlo,
      price: '1,00',
      tax_class: 'standard',
      status: 'active',
    });
    assert.match(bo.body, /inversent le sens d’affichage/);
    // Import rows.
    const imp = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products?lang=en',
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: [
        { sku: 'BIDI-2', title_fr: rlo, price_cents: 100 },
        { sku: 'BIDI-3', title_fr: invisible, price_cents: 100 },
      ],
    });
    assert.equal(imp.statusCode, 422, imp.body);
    const rows = imp.json().rows as { errors: { field: string; code: string; message: string }[] }[];
    assert.deepEqual(
      rows.map((r) => r.errors.map((e) => [e.field, e.code])),
      [[['title_fr', 'bidi_override']], [['title_fr', 'invisible_only']]],
    );
    assert.match(rows[0].errors[0].message, /reverse the display direction/);
    assert.equal(await countProducts(), before);
    // Merchant sign-up (business and owner names) and the CLI's merchant name.
    const signup = await new Agent(p.app, '10.12.0.1').submit('/fr/marchand/inscription', {
      businessName: `Boulangerie ${'\u202E'}xe.`,
      neq: '1169876548',
      address: '12 rue du Ruisseau',
      municipalityId: '1',
      associations: [String(region.associations.aylmer)],
      ownerName: invisible,
      email: 'bidi@example.test',
      password: PW,
    });
    assert.equal(signup.statusCode, 400);
    assert.match(signup.body, /id="f-businessName-error"/);
    assert.match(
      signup.body,
      /id="f-ownerName-error"[^>]*>Ce texte ne contient que des caractères invisibles/,
    );
    await assert.rejects(
      createMerchant(db(), {
        name: invisible,
        location: { address: '1 rue Principale', lat: 45.4, lng: -75.7 },
      }),
      (e: { issues?: { field: string; message: string }[] }) =>
        e.issues?.some((i) => i.field === 'name' && i.message === 'text.invisible_only') === true,
    );
    // Customer account sign-up and profile.
    const acc = await new Agent(p.app, '10.12.0.2').submit('/fr/inscription', {
      name: 'Marie\u0007',
      email: 'marie-bidi@example.test',
      password: PW,
    });
    assert.equal(acc.statusCode, 400);
    assert.match(acc.body, /caractères de contrôle/);
    assert.equal(
      await db()
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'marie-bidi@example.test')
        .executeTakeFirst(),
      undefined,
    );
    const nameBefore = await db()
      .selectFrom('users')
      .select('name')
      .where('email', '=', 'owner@example.test')
      .executeTakeFirstOrThrow();
    const prof = await owner.submit('/fr/compte', { name: rlo, locale: 'fr' });
    assert.equal(prof.statusCode, 400);
    assert.deepEqual(
      await db()
        .selectFrom('users')
        .select('name')
        .where('email', '=', 'owner@example.test')
        .executeTakeFirstOrThrow(),
      nameBefore,
    );
    // Checkout customer name.
    const cart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      cart_id: number;
      token: string;
    };
    const auth = { authorization: `Bearer ${cart.token}` };
    const add = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: auth,
      payload: { product_id: region.products.sirop, quantity: 1 },
    });
    assert.equal(add.statusCode, 201, add.body);
    const level = () =>
      db()
        .selectFrom('inventory_levels')
        .select(['on_hand', 'reserved'])
        .where('product_id', '=', region.products.sirop)
        .execute();
    const stock = await level();
    const co = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout?lang=en`,
      headers: { ...auth, 'idempotency-key': 'hygiene-1' },
      payload: {
        customer: { name: invisible, email: 'marie@example.test' },
        fulfilment: {
          [A]: { method: 'pickup', location_id: region.merchants.erabliere.location_id },
        },
      },
    });
    assert.equal(co.statusCode, 400, co.body);
    assert.deepEqual(
      co.json().error.details.fields.map((f: { field: string }) => f.field),
      ['customer.name'],
    );
    assert.deepEqual(await level(), stock);
    assert.equal((await db().selectFrom('orders').select('id').execute()).length, 0);
  });

  // ------------------------------------------------------------------ item 12c
  test('item 12c: quantities must be integers (JSON numbers, or digits in forms), never coerced', async () => {
    const cart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      cart_id: number;
      token: string;
    };
    const auth = { authorization: `Bearer ${cart.token}` };
    const add = (quantity: unknown) =>
      p.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${cart.cart_id}/items`,
        headers: auth,
        payload: { product_id: region.products.sirop, quantity },
      });
    for (const q of [true, [1], '0x10', '3', 1.5, null, '1e2'])
      assert.equal((await add(q)).statusCode, 400, JSON.stringify(q));
    const items = () =>
      db().selectFrom('cart_items').select(['id', 'quantity']).where('cart_id', '=', cart.cart_id).execute();
    assert.deepEqual(await items(), []);
    const ok = await add(2);
    assert.equal(ok.statusCode, 201);
    const [item] = await items();
    for (const q of [true, [1], '0x10', '2'])
      assert.equal(
        (
          await p.app.inject({
            method: 'PATCH',
            url: `/api/v1/carts/${cart.cart_id}/items/${item.id}`,
            headers: auth,
            payload: { quantity: q },
          })
        ).statusCode,
        400,
        JSON.stringify(q),
      );
    assert.deepEqual(
      (await items()).map((i) => i.quantity),
      [2],
    );
    // Forms: decimal digits only.
    const b = new Agent(p.app, '10.12.1.1');
    const csrf = csrfFrom((await b.get('/fr/connexion')).body);
    for (const q of ['0x10', '1e1', 'true', ' ', '-1'])
      assert.equal(
        (
          await b.post('/fr/panier/ajouter', {
            _csrf: csrf,
            product_id: String(region.products.sirop),
            quantity: q,
          })
        ).statusCode,
        400,
        q,
      );
    const good = await b.post('/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: String(region.products.sirop),
      quantity: '2',
    });
    assert.equal(good.statusCode, 303);
  });

  // ------------------------------------------------------------------ item 12e
  test('item 12e: sign-up hashes the password whether or not the address exists (same work, same answer)', async () => {
    const signup = (email: string, ip: string) =>
      new Agent(p.app, ip).submit('/fr/inscription', { name: 'Jeanne', email, password: PW });
    let n = passwordHashing.count;
    const fresh = await signup('jeanne@example.test', '10.13.0.1');
    assert.equal(fresh.statusCode, 200);
    assert.equal(passwordHashing.count - n, 1, 'a new address: one hash');
    n = passwordHashing.count;
    const taken = await signup('jeanne@example.test', '10.13.0.2');
    assert.equal(taken.statusCode, 200);
    assert.equal(passwordHashing.count - n, 1, 'an existing address: one hash too');
    const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(strip(taken.body), strip(fresh.body), 'the same page');
    assert.equal(
      (await db().selectFrom('users').select('id').where('email', '=', 'jeanne@example.test').execute())
        .length,
      1,
    );
  });
});

describe('outside review: the lang cookie is Secure outside development (item 12d)', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform({ INSECURE_COOKIES: '0' });
  });
  after(() => p.close());

  test('lang is Secure, HttpOnly, SameSite=Lax like the other cookies', async () => {
    const res = await p.app.inject({ url: '/en/login' });
    const cookies = [res.headers['set-cookie']].flat().map(String);
    const lang = cookies.find((c) => c.startsWith('lang='));
    assert.ok(lang, cookies.join(' | '));
    assert.match(lang, /^lang=en; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });
});
