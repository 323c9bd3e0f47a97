import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { AppError } from '../../src/lib/errors.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { authenticateApiKey, generateApiKey } from '../../src/modules/merchants/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom } from '../helpers/session.ts';

const PW = 'correct horse battery';

/** A multipart/form-data body with text fields and one file. */
function multipartBody(
  fields: Record<string, string>,
  file?: { name: string; filename: string; type: string; data: Buffer },
) {
  const boundary = `----comptoir${Date.now()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('merchant back-office', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let A: number;
  let B: number;
  // The app's log lines (JSON), for the failures that must reach it.
  const logs: string[] = [];
  before(async () => {
    p = await createTestPlatform({ WEBHOOKS_ALLOW_PRIVATE: '1' }, { logs });
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    A = region.merchants.erabliere.merchant_id;
    B = region.merchants.sports.merchant_id;
    await createUser(db, {
      email: 'owner-a@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: A }],
    });
    await createUser(db, {
      email: 'owner-b@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: B }],
    });
    await createUser(db, { email: 'client@example.test', password: PW, verified: true });
    owner = new Agent(p.app);
    const r = await owner.login('owner-a@example.test', PW);
    assert.equal(r.headers.location, '/fr/marchand');
  });
  after(() => p.close());
  const db = () => p.context.database.db;

  async function upload(
    agent: Agent,
    url: string,
    formPage: string,
    file: { name: string; filename: string; type: string; data: Buffer },
  ) {
    const token = csrfFrom((await agent.get(formPage)).body);
    const { payload, contentType } = multipartBody({ _csrf: token }, file);
    return agent.request({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
  }

  test('dashboard: orders today, active products and the low-stock list; anonymous and customers are kept out', async () => {
    const res = await owner.get('/fr/marchand');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Tableau de bord/);
    assert.match(res.body, /data-stat="orders-today">0</);
    assert.match(res.body, /data-stat="products">3</);
    assert.match(res.body, /Tire d’érable/, 'on hand 1: low stock');
    assert.doesNotMatch(res.body, /Œufs frais/, '30 in stock: not low');
    const en = await owner.get('/en/merchant');
    assert.match(en.body, /Orders today/);
    assert.match(en.body, /Maple taffy/);
    assert.equal((await new Agent(p.app).get('/fr/marchand')).statusCode, 303);
    const client = new Agent(p.app);
    await client.login('client@example.test', PW);
    assert.equal((await client.get('/fr/marchand/produits')).statusCode, 403);
  });

  test('products: create with fr/en text, price in dollars, tax class and a Québec label declared by the merchant', async () => {
    const res = await owner.submit('/fr/marchand/produits/nouveau', {
      sku: 'BEURRE-250',
      title_fr: 'Beurre d’érable',
      title_en: 'Maple butter',
      description_fr: 'Onctueux.',
      description_en: 'Creamy.',
      price: '12,50',
      category_id: '',
      brand: '',
      gtin: '',
      tax_class: 'zero_rated',
      quebec_label: 'aliments_du_quebec',
      status: 'active',
    });
    assert.equal(res.statusCode, 303);
    const pr = await db()
      .selectFrom('products')
      .selectAll()
      .where('sku', '=', 'BEURRE-250')
      .executeTakeFirstOrThrow();
    assert.equal(pr.merchant_id, A);
    assert.equal(pr.price_cents, 1250);
    assert.equal(pr.title_en, 'Maple butter');
    assert.equal(pr.tax_class, 'zero_rated');
    assert.equal(pr.quebec_label, 'aliments_du_quebec');
    assert.equal(pr.quebec_label_declared_by, 'merchant');
    assert.equal(pr.quebec_label_verified, 0);
    assert.equal(res.headers.location, `/fr/marchand/produits/${pr.id}?done=saved`);
    const indexed = await db()
      .selectFrom('search_documents')
      .select('product_id')
      .where('product_id', '=', pr.id)
      .executeTakeFirst();
    assert.ok(indexed, 'the new product is in the search index');
    const page = await owner.get(res.headers.location as string);
    assert.match(page.body, /Produit enregistré/);
    assert.match(page.body, /value="12.50"/);
  });

  test('product form errors are shown next to their fields; duplicate SKUs are refused', async () => {
    const res = await owner.submit(
      '/en/merchant/products/nouveau',
      {
        sku: 'SIROP-540',
        title_fr: '',
        price: 'abc',
        tax_class: 'standard',
      },
      '/en/merchant/products/nouveau',
    );
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="f-price"[^>]*aria-invalid="true"[^>]*aria-describedby="f-price-error"/);
    assert.match(res.body, /id="f-price-error"[^>]*>Invalid price/);
    assert.match(res.body, /id="f-title_fr-error"/);
    assert.match(res.body, /id="f-sku-error"[^>]*>You already have a product with this SKU/);
  });

  test('product list: search, status and stock filters', async () => {
    const all = await owner.get('/fr/marchand/produits');
    assert.match(all.body, /4\u00a0?\s?produits/);
    const q = await owner.get('/fr/marchand/produits?q=sirop');
    assert.match(q.body, /1\u00a0?\s?produit\b/);
    assert.match(q.body, /Sirop d’érable ambré/);
    const low = await owner.get('/fr/marchand/produits?stock=low');
    assert.match(low.body, /Tire d’érable/);
    assert.doesNotMatch(low.body, /Œufs frais/);
    assert.doesNotMatch(all.body, /Vélo de montagne/, 'never another merchant’s products');
  });

  test('stock edit on the product page goes through the inventory module and publishes a stock event', async () => {
    const events: { product_id: number; available: number; merchant_id: number }[] = [];
    const off = p.context.events.subscribe('stock', (e) => events.push(e));
    const loc = region.merchants.erabliere.location_id;
    const pid = region.products.tire;
    const res = await owner.submit(
      `/fr/marchand/produits/${pid}/stock`,
      { [`on_hand_${loc}`]: '9' },
      `/fr/marchand/produits/${pid}`,
    );
    off();
    assert.equal(res.statusCode, 303);
    const lvl = await db()
      .selectFrom('inventory_levels')
      .select('on_hand')
      .where('product_id', '=', pid)
      .where('location_id', '=', loc)
      .executeTakeFirstOrThrow();
    assert.equal(lvl.on_hand, 9);
    assert.deepEqual(
      events.map((e) => ({ product_id: e.product_id, available: e.available, merchant_id: e.merchant_id })),
      [{ product_id: pid, available: 9, merchant_id: A }],
    );
    const bad = await owner.submit(
      `/fr/marchand/produits/${pid}/stock`,
      { [`on_hand_${loc}`]: '-2' },
      `/fr/marchand/produits/${pid}`,
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /aria-invalid="true"/);
  });

  test('inventory grid: inline edit of several cells at once', async () => {
    const loc = region.merchants.erabliere.location_id;
    const page = await owner.get('/en/merchant/inventory');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`name="q_${region.products.oeufs}_${loc}"[^>]*value="30"`));
    const res = await owner.submit(
      '/en/merchant/inventory',
      { [`q_${region.products.oeufs}_${loc}`]: '25', [`q_${region.products.sirop}_${loc}`]: '12' },
      '/en/merchant/inventory',
    );
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /saved=1/, 'only the changed cell is written');
    const lvl = await db()
      .selectFrom('inventory_levels')
      .select('on_hand')
      .where('product_id', '=', region.products.oeufs)
      .executeTakeFirstOrThrow();
    assert.equal(lvl.on_hand, 25);
  });

  test('images: re-encoded to 400 and 800 px WebP; non-images, tiny images are refused', async () => {
    const pid = region.products.sirop;
    const png = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#c80' } })
      .png()
      .toBuffer();
    const res = await upload(owner, `/fr/marchand/produits/${pid}/images`, `/fr/marchand/produits/${pid}`, {
      name: 'image',
      filename: 'sirop.png',
      type: 'image/png',
      data: png,
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const pr = await db()
      .selectFrom('products')
      .select('images_json')
      .where('id', '=', pid)
      .executeTakeFirstOrThrow();
    const [img] = JSON.parse(pr.images_json) as {
      url: string;
      width: number;
      height: number;
      sizes: Record<string, string>;
    }[];
    assert.equal(img.width, 800);
    assert.equal(img.height, 600);
    assert.match(img.sizes['400'], /^\/media\/p\/\d+\/[0-9a-f]{24}-400\.webp$/);
    const served = await p.app.inject({ url: img.url });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/webp');
    const meta = await sharp(served.rawPayload).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 800);
    const small = await sharp((await p.app.inject({ url: img.sizes['400'] })).rawPayload).metadata();
    assert.equal(small.width, 400);

    const fake = await upload(owner, `/fr/marchand/produits/${pid}/images`, `/fr/marchand/produits/${pid}`, {
      name: 'image',
      filename: 'evil.png',
      type: 'image/png',
      data: Buffer.from('<svg onload="alert(1)"></svg>'),
    });
    assert.equal(fake.statusCode, 400);
    assert.match(fake.body, /JPEG, PNG ou WebP seulement/);
    const tiny = await upload(owner, `/fr/marchand/produits/${pid}/images`, `/fr/marchand/produits/${pid}`, {
      name: 'image',
      filename: 'tiny.jpg',
      type: 'image/jpeg',
      data: await sharp({ create: { width: 50, height: 50, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer(),
    });
    assert.equal(tiny.statusCode, 400);
    assert.match(tiny.body, /Dimensions invalides/);

    const del = await owner.submit(
      `/fr/marchand/produits/${pid}/images/0/supprimer`,
      {},
      `/fr/marchand/produits/${pid}`,
    );
    assert.equal(del.statusCode, 303);
    const file = join(p.context.config.dataDir, img.url.replace(/^\//, ''));
    assert.equal(existsSync(file), false, 'files are removed with the image');
  });

  test('profile and store hours, pickup and delivery', async () => {
    const prof = await owner.submit('/fr/marchand/profil', {
      display_name: 'Érablière du Lac',
      legal_name: 'Érablière du Lac inc.',
      description_fr: 'Sirop.',
      description_en: 'Syrup.',
      email: '',
      phone: '819 555-0100',
      website: '',
      gst_number: 'bad',
      qst_number: '',
    });
    assert.equal(prof.statusCode, 400);
    assert.match(prof.body, /id="f-gst_number-error"/);
    const ok = await owner.submit('/fr/marchand/profil', {
      display_name: 'Érablière du Lac',
      legal_name: 'Érablière du Lac inc.',
      description_fr: 'Sirop.',
      description_en: 'Syrup.',
      phone: '819 555-0100',
      gst_number: '123456789RT0001',
    });
    assert.equal(ok.statusCode, 303);
    const m = await db()
      .selectFrom('merchants')
      .select(['legal_name', 'phone'])
      .where('id', '=', A)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...m }, { legal_name: 'Érablière du Lac inc.', phone: '819 555-0100' });

    const loc = region.merchants.erabliere.location_id;
    const fields = {
      name: 'Érablière — boutique',
      address_line: '123 rue Principale',
      municipality: 'Aylmer',
      postal_code: 'J9H 3L5',
      lat: '45.3956',
      lng: '-75.8436',
      open_mon: '09:00',
      close_mon: '17:00',
      open_sat: '10:00',
      close_sat: '16:00',
      delivery_enabled: '1',
      radius_km: '15',
      zone_0_towns: 'Aylmer',
      zone_0_fee: '7,50',
    };
    const bad = await owner.submit(`/fr/marchand/magasins/${loc}`, {
      ...fields,
      open_tue: '18:00',
      close_tue: '09:00',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-open_tue-error"/);
    const saved = await owner.submit(`/fr/marchand/magasins/${loc}`, fields);
    assert.equal(saved.statusCode, 303);
    const l = await db().selectFrom('locations').selectAll().where('id', '=', loc).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(l.hours_json), { mon: [['09:00', '17:00']], sat: [['10:00', '16:00']] });
    assert.equal(l.pickup, 0, 'unchecked box = no pickup');
    assert.equal(l.delivery_radius_km, 15);
    assert.equal(l.delivery_fee_cents, 750);
  });

  test('API keys: the password is asked again, then the key is shown once, stored hashed, revocable', async () => {
    const count = async () =>
      Number(
        (
          await db()
            .selectFrom('api_keys')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('merchant_id', '=', A)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const wrong = await owner.submit('/fr/marchand/cles-api', {
      name: 'Caisse 1',
      current_password: 'not it',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="f-current_password-error"[^>]*>[^<]*Le mot de passe actuel est incorrect/);
    assert.doesNotMatch(wrong.body, /data-api-key/);
    const missing = await owner.submit('/fr/marchand/cles-api', { name: 'Caisse 1' });
    assert.equal(missing.statusCode, 400);
    assert.equal(await count(), before, 'no key without the password');
    const res = await owner.submit('/fr/marchand/cles-api', { name: 'Caisse 1', current_password: PW });
    assert.equal(res.statusCode, 200);
    const key = /data-api-key="true">(ck_[\w-]+)</.exec(res.body)?.[1] as string;
    assert.ok(key);
    const row = await db()
      .selectFrom('api_keys')
      .selectAll()
      .where('name', '=', 'Caisse 1')
      .executeTakeFirstOrThrow();
    assert.equal(row.key_hash, createHash('sha256').update(key).digest('hex'));
    assert.equal(row.merchant_id, A);
    assert.equal((await authenticateApiKey(db(), key)).merchantId, A);
    const again = await owner.get('/fr/marchand/cles-api');
    assert.ok(!again.body.includes(key), 'never shown again');
    const rev = await owner.submit(`/fr/marchand/cles-api/${row.id}/revoquer`, {}, '/fr/marchand/cles-api');
    assert.equal(rev.statusCode, 303);
    await assert.rejects(authenticateApiKey(db(), key), (e: AppError) => e.code === 'unauthorized');
  });

  test('webhooks page creates (secret shown once) and deletes through the webhooks module', async () => {
    const refused = await owner.submit('/en/merchant/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['order.created'],
      current_password: 'not it',
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /The current password is incorrect/);
    const res = await owner.submit('/en/merchant/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['order.created', 'inventory.low'],
      current_password: PW,
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(res.body, /data-webhook-secret="true">whsec_/);
    const hook = await db()
      .selectFrom('webhooks')
      .selectAll()
      .where('merchant_id', '=', A)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(hook.events_json), ['order.created', 'inventory.low']);
    const bad = await owner.submit('/en/merchant/webhooks', {
      url: 'not a url',
      events: ['order.created'],
      current_password: PW,
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-url-error"/);
    const del = await owner.submit(`/en/merchant/webhooks/${hook.id}/supprimer`, {}, '/en/merchant/webhooks');
    assert.equal(del.statusCode, 303);
    assert.equal(
      (await db().selectFrom('webhooks').select('id').where('merchant_id', '=', A).execute()).length,
      0,
    );
  });

  test('catalogue import: CSV upload, preview with per-row errors, then apply', async () => {
    const csv = [
      'sku,title_fr,title_en,description_fr,description_en,category,price_cents,gtin,brand,quebec_label,tax_class,image_url,location_code,on_hand',
      'CONF-FRAISE,Confiture de fraises,Strawberry jam,,,epicerie,799,,,,zero_rated,,principal,8',
      'BAD-ROW,,No French title,,,,-5,,,,standard,,principal,2',
    ].join('\n');
    const prev = await upload(owner, '/fr/marchand/importation/apercu', '/fr/marchand/importation', {
      name: 'file',
      filename: 'catalogue.csv',
      type: 'text/csv',
      data: Buffer.from(csv),
    });
    assert.equal(prev.statusCode, 200, prev.body.slice(0, 400));
    assert.match(prev.body, /data-preview="1\/1"/);
    // Row numbers as the spreadsheet shows them (header = row 1).
    assert.match(prev.body, /<tr data-row="3">/);
    assert.equal(
      await db().selectFrom('products').select('id').where('sku', '=', 'CONF-FRAISE').executeTakeFirst(),
      undefined,
      'preview writes nothing',
    );
    const fileId = /name="file_id" value="([0-9a-f]{32})"/.exec(prev.body)?.[1] as string;
    const token = csrfFrom(prev.body);
    const strict = await owner.post('/fr/marchand/importation/appliquer', { _csrf: token, file_id: fileId });
    assert.equal(strict.statusCode, 400, 'any invalid row: nothing applied without "partial"');
    const applied = await owner.post('/fr/marchand/importation/appliquer', {
      _csrf: token,
      file_id: fileId,
      partial: '1',
    });
    assert.equal(applied.statusCode, 200);
    assert.match(applied.body, /1 produit créé/);
    const pr = await db()
      .selectFrom('products')
      .select(['merchant_id', 'price_cents'])
      .where('sku', '=', 'CONF-FRAISE')
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...pr }, { merchant_id: A, price_cents: 799 });
    // Imported from the back-office, the product is searchable at once.
    const found = await p.app.inject({ url: '/api/v1/search?q=confiture%20fraises&radius_km=100' });
    assert.equal(found.statusCode, 200);
    assert.ok(
      found.json().results.some((r: { sku: string }) => r.sku === 'CONF-FRAISE'),
      'the imported product is in the search index',
    );
    // Another merchant cannot apply A's uploaded file.
    const b = new Agent(p.app);
    await b.login('owner-b@example.test', PW);
    const steal = await b.submit(
      '/fr/marchand/importation/appliquer',
      { file_id: fileId },
      '/fr/marchand/importation',
    );
    assert.equal(steal.statusCode, 404);
  });

  test('an uploaded import that cannot be read (not merely gone) is a 404 and a warning in the log', async () => {
    const fileId = 'ab'.repeat(16);
    // A directory where the upload should be: reading it fails with EISDIR, not ENOENT.
    const path = join(p.context.config.dataDir, 'imports', String(A), `${fileId}.csv`);
    mkdirSync(path, { recursive: true });
    const from = logs.length;
    try {
      const r = await owner.submit(
        '/fr/marchand/importation/appliquer',
        { file_id: fileId },
        '/fr/marchand/importation',
      );
      assert.equal(r.statusCode, 404);
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
    const lines = logs
      .slice(from)
      .map((l) => JSON.parse(l) as { level: number; msg: string; fileId?: string; err?: { code?: string } })
      .filter((l) => l.msg === 'stored import file could not be read');
    assert.equal(lines.length, 1, 'only the unreadable name is logged, not the absent ones');
    assert.equal(lines[0]?.level, 40);
    assert.equal(lines[0]?.fileId, fileId);
    assert.equal(lines[0]?.err?.code, 'EISDIR');
  });

  test('staff: invited by email, joins with the link once, cannot manage staff or API keys', async () => {
    const inv = await owner.submit('/fr/marchand/equipe', { email: 'Emile@Example.test' });
    assert.equal(inv.statusCode, 200);
    assert.match(inv.body, /Invitation envoyée à emile@example\.test/);
    const mail = await db()
      .selectFrom('outbox')
      .select('text_body')
      .where('to_address', '=', 'emile@example.test')
      .where('kind', '=', 'staff_invitation')
      .executeTakeFirstOrThrow();
    const link = /(\/fr\/marchand\/invitation\?token=[\w-]+)/.exec(mail.text_body)?.[1] as string;
    const staff = new Agent(p.app);
    const page = await staff.get(link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Érablière du Lac/);
    const token = new URL(link, 'http://x').searchParams.get('token') as string;
    const weak = await staff.submit(
      '/fr/marchand/invitation',
      { token, name: 'Émile', password: 'short' },
      link,
    );
    assert.equal(weak.statusCode, 400);
    const ok = await staff.submit('/fr/marchand/invitation', { token, name: 'Émile', password: PW }, link);
    assert.equal(ok.statusCode, 303);
    assert.equal((await new Agent(p.app).get(link)).statusCode, 404, 'single use');

    await staff.login('emile@example.test', PW);
    assert.equal((await staff.get('/fr/marchand')).statusCode, 200);
    assert.equal((await staff.get('/fr/marchand/produits')).statusCode, 200);
    assert.doesNotMatch(
      (await staff.get('/fr/marchand')).body,
      /href="\/fr\/marchand\/cles-api"/,
      'menu hides owner pages',
    );
    assert.equal((await staff.get('/fr/marchand/equipe')).statusCode, 403);
    assert.equal((await staff.get('/fr/marchand/cles-api')).statusCode, 403);
    assert.equal((await staff.get('/fr/marchand/webhooks')).statusCode, 403);
    const csrf = csrfFrom((await staff.get('/fr/marchand/produits')).body);
    assert.equal((await staff.post('/fr/marchand/cles-api', { _csrf: csrf, name: 'x' })).statusCode, 403);
    assert.equal(
      (await staff.post('/fr/marchand/equipe', { _csrf: csrf, email: 'friend@example.test' })).statusCode,
      403,
    );
    const keys = await db().selectFrom('api_keys').select('id').where('name', '=', 'x').execute();
    assert.equal(keys.length, 0);

    // The owner removes the staff member; access ends at once.
    const u = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'emile@example.test')
      .executeTakeFirstOrThrow();
    const rm = await owner.submit(`/fr/marchand/equipe/${u.id}/retirer`, {}, '/fr/marchand/equipe');
    assert.equal(rm.statusCode, 303);
    assert.equal((await staff.get('/fr/marchand')).statusCode, 403);
  });

  test('every back-office route refuses another merchant’s ids with 404', async () => {
    const bProduct = region.products.velo;
    const bLoc = region.merchants.sports.location_id;
    const bKey = generateApiKey();
    const k = await db()
      .insertInto('api_keys')
      .values({ merchant_id: B, name: 'B key', prefix: bKey.prefix, key_hash: bKey.hash })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hook = await db()
      .insertInto('webhooks')
      .values({
        merchant_id: B,
        url: 'https://b.example/hook',
        events_json: '["order.created"]',
        secret: 'whsec_b',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const bOwner = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'owner-b@example.test')
      .executeTakeFirstOrThrow();
    const bStaff = await createUser(db(), {
      email: 'staff-b@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: B }],
    });
    const before = await db()
      .selectFrom('products')
      .selectAll()
      .where('id', '=', bProduct)
      .executeTakeFirstOrThrow();

    for (const url of [
      `/fr/marchand/produits/${bProduct}`,
      `/en/merchant/products/${bProduct}`,
      `/fr/marchand/magasins/${bLoc}`,
    ])
      assert.equal((await owner.get(url)).statusCode, 404, url);

    const token = csrfFrom((await owner.get('/fr/marchand/produits')).body);
    const posts: [string, Record<string, string>][] = [
      [
        `/fr/marchand/produits/${bProduct}`,
        { sku: 'HACK', title_fr: 'Piraté', price: '1', tax_class: 'standard' },
      ],
      [`/fr/marchand/produits/${bProduct}/stock`, { [`on_hand_${bLoc}`]: '99' }],
      [`/fr/marchand/produits/${bProduct}/images/0/supprimer`, {}],
      ['/fr/marchand/inventaire', { [`q_${bProduct}_${bLoc}`]: '99' }],
      [`/fr/marchand/inventaire`, { [`q_${region.products.sirop}_${bLoc}`]: '99' }],
      [
        `/fr/marchand/magasins/${bLoc}`,
        { name: 'x', address_line: 'xxx', municipality: 'x', lat: '45', lng: '-75' },
      ],
      [`/fr/marchand/cles-api/${k.id}/revoquer`, {}],
      [`/fr/marchand/webhooks/${hook.id}/supprimer`, {}],
      [`/fr/marchand/equipe/${bStaff.id}/retirer`, {}],
      [`/fr/marchand/equipe/${bOwner.id}/retirer`, {}],
    ];
    for (const [url, fields] of posts) {
      const res = await owner.post(url, { _csrf: token, ...fields });
      assert.equal(res.statusCode, 404, `${url} → ${res.statusCode}`);
    }
    const after = await db()
      .selectFrom('products')
      .selectAll()
      .where('id', '=', bProduct)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...after }, { ...before });
    const lvl = await db()
      .selectFrom('inventory_levels')
      .select('on_hand')
      .where('product_id', '=', bProduct)
      .executeTakeFirstOrThrow();
    assert.equal(lvl.on_hand, 0);
    const key = await db()
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', k.id)
      .executeTakeFirstOrThrow();
    assert.equal(key.revoked_at, null);
    assert.ok(await db().selectFrom('webhooks').select('id').where('id', '=', hook.id).executeTakeFirst());
    assert.ok(
      await db().selectFrom('user_roles').select('id').where('user_id', '=', bStaff.id).executeTakeFirst(),
    );
  });
});
