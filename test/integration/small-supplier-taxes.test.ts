import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createOperator, createUser } from '../../src/modules/accounts/index.ts';
import { getCartView } from '../../src/modules/cart/index.ts';
import { getOrder } from '../../src/modules/orders/index.ts';
import { receiptLines } from '../../src/modules/orders/receipts.ts';
import { quoteTotal } from '../../src/workflows/checkout/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

/**
 * Small suppliers (decision record 0005): Érablière du Lac is registered, Sports Chelsea declares
 * itself a small supplier in the back-office; one cart holds a line of each.
 */
describe(`small suppliers and platform taxes (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let sportsOwner: Agent;
  let admin: Agent;
  let A: number;
  let B: number;
  const PW = 'correct horse battery staple';
  const db = () => p.context.database.db;
  const merchantRow = (id: number) =>
    db()
      .selectFrom('merchants')
      .select(['tax_status', 'gst_number', 'qst_number', 'legal_name', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const regionRow = () => db().selectFrom('region_settings').selectAll().executeTakeFirst();

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    A = region.merchants.erabliere.merchant_id;
    B = region.merchants.sports.merchant_id;
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await db().updateTable('inventory_levels').set({ on_hand: 20 }).execute();
    for (const [email, merchant_id] of [
      ['owner-a@example.test', A],
      ['owner-b@example.test', B],
    ] as const)
      await createUser(db(), {
        email,
        password: PW,
        verified: true,
        roles: [{ role: 'merchant_owner', merchant_id }],
      });
    owner = new Agent(p.app, '10.0.8.1');
    sportsOwner = new Agent(p.app, '10.0.8.2');
    assert.equal((await owner.login('owner-a@example.test', PW)).statusCode, 303);
    assert.equal((await sportsOwner.login('owner-b@example.test', PW)).statusCode, 303);
    const op = await createOperator(db(), {
      email: 'region@example.org',
      password: PW,
      role: 'region_admin',
    });
    admin = new Agent(p.app, '10.0.8.3');
    const [name, value] = (await sessionCookie(db(), op.user_id)).split('=');
    admin.cookies.set(name, value);
  });
  after(() => p?.close());

  const profile = (changes: Record<string, string>) => ({
    display_name: 'Sports Chelsea',
    legal_name: 'Sports Chelsea',
    description_fr: '',
    description_en: '',
    email: '',
    phone: '',
    website: '',
    gst_number: '',
    qst_number: '',
    ...changes,
  });

  test('back-office: bad or missing numbers refused at the field with nothing changed; spaced numbers accepted; small supplier declared', async () => {
    const before = await merchantRow(A);
    assert.equal(before.tax_status, 'registered', 'existing merchants stay registered');
    const page = await owner.get('/fr/marchand/profil');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<select[^>]*name="tax_status"/);
    assert.match(page.body, /Petit fournisseur non inscrit/);

    const bad = await owner.submit(
      '/fr/marchand/profil',
      profile({
        display_name: 'Érablière du Lac',
        legal_name: 'Autre nom inc.',
        tax_status: 'registered',
        gst_number: '12345 RT 0001',
        qst_number: '1234567890TQ0001',
      }),
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-gst_number-error"[^>]*>Numéro de TPS invalide/);
    assert.deepEqual(await merchantRow(A), before, 'nothing changed');

    const badQst = await owner.submit(
      '/en/merchant/profile',
      profile({
        display_name: 'Érablière du Lac',
        legal_name: 'Autre nom inc.',
        tax_status: 'registered',
        gst_number: '123456789RT0001',
        qst_number: '1234567890 RT 0001',
      }),
    );
    assert.equal(badQst.statusCode, 400);
    assert.match(badQst.body, /id="f-qst_number-error"[^>]*>Invalid QST number/);
    assert.deepEqual(await merchantRow(A), before, 'nothing changed');

    const missing = await owner.submit(
      '/fr/marchand/profil',
      profile({ display_name: 'Érablière du Lac', legal_name: 'Autre nom inc.', tax_status: 'registered' }),
    );
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /id="f-gst_number-error"[^>]*>Un commerce inscrit indique ses numéros/);
    assert.match(missing.body, /id="f-qst_number-error"/);
    assert.deepEqual(await merchantRow(A), before, 'nothing changed');

    const spaced = await owner.submit(
      '/fr/marchand/profil',
      profile({
        display_name: 'Érablière du Lac',
        legal_name: 'Érablière du Lac',
        tax_status: 'registered',
        gst_number: '123456789 RT 0001',
        qst_number: '1234567890 tq 0001',
      }),
    );
    assert.equal(spaced.statusCode, 303);
    const a = await merchantRow(A);
    assert.deepEqual(
      { tax_status: a.tax_status, gst: a.gst_number, qst: a.qst_number },
      { tax_status: 'registered', gst: '123456789RT0001', qst: '1234567890TQ0001' },
    );

    const small = await sportsOwner.submit(
      '/fr/marchand/profil',
      profile({ tax_status: 'small_supplier', gst_number: '123456789RT0001' }),
    );
    assert.equal(small.statusCode, 303);
    const b = await merchantRow(B);
    assert.deepEqual(
      { tax_status: b.tax_status, gst: b.gst_number, qst: b.qst_number },
      { tax_status: 'small_supplier', gst: null, qst: null },
      'a small supplier keeps no registration numbers',
    );
    const shown = await sportsOwner.get('/fr/marchand/profil');
    assert.match(shown.body, /<option value="small_supplier" selected/);
  });

  async function cartWithBoth() {
    const r = await p.app.inject({ method: 'POST', url: '/api/v1/carts' });
    const cart = r.json() as { cart_id: number; token: string };
    for (const [product_id, quantity] of [
      [region.products.tire, 1],
      [region.products.chaussures, 1],
    ])
      assert.equal(
        (
          await p.app.inject({
            method: 'POST',
            url: `/api/v1/carts/${cart.cart_id}/items`,
            headers: { authorization: `Bearer ${cart.token}` },
            payload: { product_id, quantity },
          })
        ).statusCode,
        201,
      );
    return cart;
  }
  const checkoutBody = () => ({
    customer: { name: 'Marie Tremblay', email: 'marie@example.test' },
    fulfilment: {
      [A]: { method: 'pickup', location_id: region.merchants.erabliere.location_id },
      [B]: { method: 'pickup', location_id: region.merchants.sports.location_id },
    },
  });
  type Group = { merchant: { id: number }; gst_cents: number; qst_cents: number; total_cents: number };

  /** Cart API, quote and checkout agree; returns the orders by merchant. */
  async function buy(expect: { a: [number, number]; b: [number, number] }) {
    const cart = await cartWithBoth();
    const view = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${cart.cart_id}`,
      headers: { authorization: `Bearer ${cart.token}` },
    });
    assert.equal(view.statusCode, 200);
    const v = view.json() as { groups: Group[]; gst_cents: number; qst_cents: number; total_cents: number };
    const ga = v.groups.find((g) => g.merchant.id === A)!;
    const gb = v.groups.find((g) => g.merchant.id === B)!;
    assert.deepEqual([ga.gst_cents, ga.qst_cents], expect.a, 'registered merchant’s taxes in the cart');
    assert.deepEqual([gb.gst_cents, gb.qst_cents], expect.b, 'small supplier’s taxes in the cart');
    const total = 699 + expect.a[0] + expect.a[1] + 12999 + expect.b[0] + expect.b[1];
    assert.equal(v.total_cents, total);
    assert.equal(v.gst_cents, expect.a[0] + expect.b[0]);
    assert.equal(v.qst_cents, expect.a[1] + expect.b[1]);
    // The web checkout's quote: the same figure.
    const quoted = await quoteTotal(
      db(),
      await getCartView(db(), cart.cart_id, 'fr'),
      checkoutBody() as never,
    );
    assert.equal(quoted, total);
    // The cart page says why the small supplier's order carries no tax / who collects it.
    const pageRes = await p.app.inject({
      method: 'GET',
      url: '/fr/panier',
      headers: { cookie: `cart_token=${cart.token}` },
    });
    assert.equal(pageRes.statusCode, 200);
    assert.match(pageRes.body, /data-tax-regime=/);

    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout?lang=fr`,
      headers: { authorization: `Bearer ${cart.token}`, 'idempotency-key': randomUUID() },
      payload: { ...checkoutBody(), expected_total_cents: total },
    });
    assert.equal(res.statusCode, 201, res.body);
    const out = res.json() as {
      total_cents: number;
      orders: { order_id: number; merchant_id: number; totals: { gst_cents: number; qst_cents: number } }[];
    };
    assert.equal(out.total_cents, total);
    const oa = out.orders.find((o) => o.merchant_id === A)!;
    const ob = out.orders.find((o) => o.merchant_id === B)!;
    assert.deepEqual([oa.totals.gst_cents, oa.totals.qst_cents], expect.a);
    assert.deepEqual([ob.totals.gst_cents, ob.totals.qst_cents], expect.b);
    return { a: oa.order_id, b: ob.order_id, html: pageRes.body };
  }

  let noTaxOrder = 0;

  test('platform not collecting: the small supplier’s order carries no tax; receipts fr and en say so', async () => {
    // Tire 6.99: GST 0.35 (34.95), QST 0.70 (69.73). Shoes 129.99 from the small supplier: none.
    const o = await buy({ a: [35, 70], b: [0, 0] });
    assert.match(o.html, /data-tax-regime="small_supplier">Petit fournisseur non inscrit : aucune taxe/);
    noTaxOrder = o.b;
    const reg = await getOrder(db(), o.a);
    const fr = receiptLines(reg, 'fr');
    assert.ok(fr.includes('TPS 5 %: 0,35\u00a0$'), fr.join('\n'));
    assert.ok(fr.includes('TVQ 9,975 %: 0,70\u00a0$'));
    assert.ok(fr.includes('Total: 8,04\u00a0$'));

    const small = await getOrder(db(), o.b);
    assert.equal(small.tax_regime, 'small_supplier');
    const sfr = receiptLines(small, 'fr');
    assert.ok(
      sfr.includes(
        'Fournisseur non inscrit aux fichiers de la TPS et de la TVQ (petit fournisseur) : aucune taxe perçue',
      ),
      sfr.join('\n'),
    );
    assert.ok(sfr.includes('Total: 129,99\u00a0$'));
    assert.ok(!sfr.some((l) => /^(TPS|TVQ) /.test(l)), 'no tax amount that could read as charged');
    const sen = receiptLines(small, 'en');
    assert.ok(sen.includes('Supplier not registered for the GST and QST (small supplier): no tax collected'));
    assert.ok(sen.includes('Total: $129.99'));
    assert.ok(sfr.includes('Fournisseur: Sports Chelsea'), 'the supplier is still named');

    // The customer's confirmation email carries the same receipt.
    const mail = await db()
      .selectFrom('outbox')
      .select('text_body')
      .where('kind', '=', 'order_confirmation')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(mail.text_body, /petit fournisseur\) : aucune taxe perçue/);
    assert.match(mail.text_body, /TPS 5 %: 0,35\u00a0\$/);
  });

  async function postRegion(fields: Record<string, string>) {
    const url = '/fr/admin/region';
    const page = await admin.get(url);
    assert.equal(page.statusCode, 200);
    const current: Record<string, string> = {};
    for (const m of page.body.matchAll(/<input id="f-(\w+)" name="\w+" type="(\w+)" value="([^"]*)"/g))
      if (m[2] !== 'file') current[m[1]] = m[3].replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    for (const m of page.body.matchAll(/<textarea\s+id="f-(\w+)"[^>]*>([^<]*)<\/textarea>/g))
      current[m[1]] = m[2];
    const token = csrfFrom(page.body);
    const boundary = '----small-supplier-boundary';
    const parts = Object.entries({ ...current, ...fields, _csrf: token }).map(
      ([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
    );
    return admin.request({
      method: 'POST',
      url,
      payload: `${parts.join('')}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }

  test('region admin: the platform’s numbers are checked at their field, nothing changed when refused', async () => {
    const page = await admin.get('/fr/admin/region');
    assert.match(page.body, /<select[^>]*name="platform_tax_collection"/);
    const before = await regionRow();
    const bad = await postRegion({
      platform_tax_collection: 'qst',
      platform_legal_name: 'Comptoir Estrie inc.',
      platform_qst_number: '98765 TQ 0001',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-platform_qst_number-error"[^>]*>Numéro de TVQ invalide/);
    assert.deepEqual(await regionRow(), before, 'nothing changed');
    const none = await postRegion({
      platform_tax_collection: 'qst_gst',
      platform_qst_number: '9876543210TQ0001',
    });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /id="f-platform_gst_number-error"[^>]*>La plateforme qui perçoit/);
    const unknown = await postRegion({ platform_tax_collection: 'everything' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /id="f-platform_tax_collection-error"/);
    assert.deepEqual(await regionRow(), before, 'nothing changed');

    const ok = await postRegion({
      platform_tax_collection: 'qst',
      platform_legal_name: 'Comptoir Estrie inc.',
      platform_gst_number: '987654321 RT 0001',
      platform_qst_number: '9876543210 TQ 0001',
    });
    assert.equal(ok.statusCode, 303, ok.body);
    const r = await regionRow();
    assert.ok(r);
    assert.deepEqual(
      [r.platform_tax_collection, r.platform_legal_name, r.platform_gst_number, r.platform_qst_number],
      ['qst', 'Comptoir Estrie inc.', '987654321RT0001', '9876543210TQ0001'],
    );
  });

  test('platform collecting the QST: QST on the small supplier’s order, no GST; the receipt names the platform', async () => {
    // Shoes 129.99: QST 12.97 (1296.65 -> 1297), GST not collected (decision record 0005).
    const o = await buy({ a: [35, 70], b: [0, 1297] });
    assert.match(o.html, /Taxes perçues par la plateforme Comptoir Estrie inc\./);
    const small = await getOrder(db(), o.b);
    assert.equal(small.tax_regime, 'platform');
    const fr = receiptLines(small, 'fr');
    assert.ok(fr.includes('TPS : non perçue (fournisseur non inscrit)'), fr.join('\n'));
    assert.ok(fr.includes('TVQ 9,975 %: 12,97\u00a0$'));
    assert.ok(fr.includes('TVQ perçue par la plateforme Comptoir Estrie inc., n° TVQ 9876543210TQ0001'));
    assert.ok(fr.includes('Total: 142,96\u00a0$'));
    const en = receiptLines(small, 'en');
    assert.ok(en.includes('GST: not collected (supplier not registered)'), en.join('\n'));
    assert.ok(en.includes('QST 9.975%: $12.97'));
    assert.ok(en.includes('QST collected by the platform Comptoir Estrie inc., QST no. 9876543210TQ0001'));
    assert.ok(en.includes('Total: $142.96'));
    // The registered merchant's receipt is unchanged by the platform setting.
    const reg = receiptLines(await getOrder(db(), o.a), 'en');
    assert.ok(reg.includes('GST 5%: $0.35') && reg.includes('QST 9.975%: $0.70'), reg.join('\n'));
    // An order placed before the change keeps saying no tax was collected.
    const earlier = receiptLines(await getOrder(db(), noTaxOrder), 'fr');
    assert.ok(earlier.some((l) => l.includes('aucune taxe perçue')));
  });

  test('platform collecting QST and GST: both taxes, the receipt gives both of the platform’s numbers', async () => {
    const ok = await postRegion({ platform_tax_collection: 'qst_gst' });
    assert.equal(ok.statusCode, 303, ok.body);
    // Shoes 129.99: GST 6.50 (649.95 -> 650), QST 12.97.
    const o = await buy({ a: [35, 70], b: [650, 1297] });
    const fr = receiptLines(await getOrder(db(), o.b), 'fr');
    assert.ok(fr.includes('TPS 5 %: 6,50\u00a0$'), fr.join('\n'));
    assert.ok(
      fr.includes(
        'TPS/TVQ perçues par la plateforme Comptoir Estrie inc., n° TPS 987654321RT0001, n° TVQ 9876543210TQ0001',
      ),
    );
    const en = receiptLines(await getOrder(db(), o.b), 'en');
    assert.ok(
      en.includes(
        'GST/QST collected by the platform Comptoir Estrie inc., GST no. 987654321RT0001, QST no. 9876543210TQ0001',
      ),
    );
  });

  test('sign-up: the tax status is optional; a small supplier keeps no numbers; a bad number is refused with nothing created', async () => {
    const muni = await db()
      .insertInto('municipalities')
      .values({ name: 'Wakefield', lat: 45.64, lng: -75.93 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const form = (over: Record<string, string | string[]>) => ({
      businessName: 'Potager de Wakefield',
      neq: '1169876549',
      address: '3 chemin Riverside',
      municipalityId: String(muni.id),
      associations: [String(region.associations.chelsea)],
      ownerName: 'Anne',
      email: 'anne@example.test',
      password: PW,
      ...over,
    });
    const page = await new Agent(p.app).get('/fr/marchand/inscription');
    assert.match(page.body, /<select[^>]*name="taxStatus"/);
    const count = async () =>
      Number(
        (
          await db()
            .selectFrom('merchants')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const n = await count();
    const bad = await new Agent(p.app, '10.0.8.9').submit(
      '/fr/marchand/inscription',
      form({ taxStatus: 'registered', gstNumber: '12 RT 1' }),
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-gstNumber-error"[^>]*>Numéro de TPS invalide/);
    assert.equal(await count(), n, 'nothing created');
    const ok = await new Agent(p.app, '10.0.8.10').submit(
      '/fr/marchand/inscription',
      form({ taxStatus: 'small_supplier', gstNumber: '123456789 RT 0001' }),
    );
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /<h1>Demande reçue<\/h1>/);
    const m = await db()
      .selectFrom('merchants')
      .select(['tax_status', 'gst_number', 'qst_number'])
      .where('neq', '=', '1169876549')
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...m }, { tax_status: 'small_supplier', gst_number: null, qst_number: null });
  });
});
