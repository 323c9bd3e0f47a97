import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { createCampaign, createPromoCode } from '../../src/modules/campaigns/index.ts';
import { fsaOf, normalizePostalCode } from '../../src/modules/geocoding/index.ts';
import { setLocationFulfilment } from '../../src/modules/merchants/index.ts';
import { importTowns } from '../../src/modules/towns/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const TOWNS = `name,lat,lng,postal_prefixes
Aylmer,45.3956,-75.8436,J9H J9J
Hull,45.4289,-75.7136,J8X J8Y J8Z J9A
Chelsea,45.4936,-75.7884,J9B
Maniwaki,46.3764,-75.9711,J9E
`;
const PW = 'un mot de passe assez long 42';

type Cart = { cart_id: number; token: string };

describe('delivery zones and one price everywhere', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let erab: number;
  let sports: number;
  let store2: number;
  let std: number;
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await importTowns(db(), TOWNS);
    erab = region.merchants.erabliere.merchant_id;
    sports = region.merchants.sports.merchant_id;
    // A standard-rated product (the delivery fee is then taxed) with stock at the first store only.
    std = (
      await db()
        .insertInto('products')
        .values({
          merchant_id: erab,
          sku: 'DQ-STD',
          title_fr: 'Panier cadeau',
          title_en: 'Gift basket',
          description_fr: 'Panier.',
          description_en: 'Basket.',
          category_id: null,
          price_cents: 2000,
          tax_class: 'standard',
          quebec_label: null,
          quebec_label_declared_by: null,
          gtin: null,
          brand: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await db()
      .insertInto('inventory_levels')
      .values({
        product_id: std,
        location_id: region.merchants.erabliere.location_id,
        on_hand: 50,
        reserved: 0,
      })
      .execute();
    const campaign = await createCampaign(db(), {
      title_fr: 'Achat local',
      title_en: 'Buy local',
      starts_at: new Date(Date.now() - 86_400_000).toISOString(),
      ends_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    await createPromoCode(db(), campaign.id, { code: 'LOCAL10', kind: 'percent', value: 10 });
  });
  after(() => p?.close());

  const api = (method: 'GET' | 'PUT', url: string, payload?: unknown) =>
    p.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  async function newCart(): Promise<Cart> {
    return (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json();
  }
  async function add(cart: Cart, product_id: number, quantity: number, location_id?: number) {
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: { authorization: `Bearer ${cart.token}` },
      payload: { product_id, quantity, ...(location_id ? { location_id } : {}) },
    });
    assert.equal(r.statusCode, 201, r.body);
  }
  const quote = (cart: Cart, payload: unknown, lang = 'fr') =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/quote?lang=${lang}`,
      headers: { authorization: `Bearer ${cart.token}` },
      payload: payload as object,
    });
  const pay = (cart: Cart, payload: Record<string, unknown>) =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { authorization: `Bearer ${cart.token}`, 'idempotency-key': randomUUID() },
      payload: { customer: { name: 'Marie Tremblay', email: 'marie@example.test' }, ...payload },
    });
  const levels = async () =>
    (
      await db()
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .orderBy('product_id')
        .orderBy('location_id')
        .execute()
    ).map((r) => ({ ...r }));
  const address = (city: string, postal_code: string) => ({ line1: '12 rue des Érables', city, postal_code });

  test('Canadian postal codes: with or without a space, any case, normalised; FSA taken from them', () => {
    assert.equal(normalizePostalCode('j9h5e1'), 'J9H 5E1');
    assert.equal(normalizePostalCode(' J9H  5E1 '), 'J9H 5E1');
    assert.equal(normalizePostalCode('D9H 5E1'), undefined); // no D in Canadian codes
    assert.equal(normalizePostalCode('J9H 5E'), undefined);
    assert.equal(fsaOf('j9h 5e1'), 'J9H');
    assert.equal(fsaOf('J9H'), 'J9H');
    assert.equal(fsaOf('Aylmer'), undefined);
  });

  test('GEOCODER_URL is validated at boot', () => {
    assert.throws(() => loadConfig({ GEOCODER_URL: 'not a url' }), ConfigError);
    assert.throws(() => loadConfig({ GEOCODER_URL: 'ftp://geo.example' }), ConfigError);
    assert.equal(loadConfig({ GEOCODER_URL: 'https://geo.example' }).GEOCODER_URL, 'https://geo.example');
  });

  test('PUT /api/v1/merchant/locations/{code} sets pickup and delivery zones; GET /api/v1/merchant lists them; bad input is a field error, nothing changed', async () => {
    const code = region.merchants.erabliere.location_code;
    const body = {
      pickup: { enabled: true, preparation_minutes: 45 },
      delivery: {
        enabled: true,
        zones: [
          { towns: ['Aylmer'], postal_prefixes: ['j9h'], fee_cents: 400 },
          { towns: ['Hull'], fee_cents: 599, min_order_cents: 3000 },
        ],
      },
    };
    const ok = await api('PUT', `/api/v1/merchant/locations/${code}`, body);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().delivery.zones[0].postal_prefixes, ['J9H']);
    const before = await db()
      .selectFrom('locations')
      .selectAll()
      .where('id', '=', region.merchants.erabliere.location_id)
      .executeTakeFirstOrThrow();
    assert.equal(before.preparation_minutes, 45);
    assert.equal(before.pickup, 1);
    const bad = await api('PUT', `/api/v1/merchant/locations/${code}`, {
      pickup: { enabled: false },
      delivery: { enabled: true, zones: [{ postal_prefixes: ['J9H', 'XYZ'], fee_cents: 100 }] },
    });
    assert.equal(bad.statusCode, 400);
    const fields = bad.json().error.details.fields as { field: string; message: string }[];
    assert.deepEqual(
      fields.map((f) => f.field),
      ['delivery.zones.0.postal_prefixes.1'],
    );
    assert.match(fields[0]!.message, /Préfixe postal invalide/);
    const noArea = await api('PUT', `/api/v1/merchant/locations/${code}?lang=en`, {
      pickup: { enabled: true },
      delivery: { enabled: true, zones: [{ fee_cents: 100 }] },
    });
    assert.equal(noArea.statusCode, 400);
    assert.equal(noArea.json().error.details.fields[0].field, 'delivery.zones.0.towns');
    const after = await db()
      .selectFrom('locations')
      .selectAll()
      .where('id', '=', region.merchants.erabliere.location_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...after }, { ...before });
    assert.equal((await api('PUT', '/api/v1/merchant/locations/nope', body)).statusCode, 404);
    const profile = await api('GET', '/api/v1/merchant');
    assert.equal(profile.statusCode, 200);
    const loc = profile.json().locations.find((l: { code: string }) => l.code === code);
    assert.deepEqual(loc.fulfilment, {
      pickup: { enabled: true, preparation_minutes: 45 },
      delivery: {
        enabled: true,
        radius_km: null,
        zones: [
          { towns: ['Aylmer'], postal_prefixes: ['J9H'], fee_cents: 400 },
          { towns: ['Hull'], postal_prefixes: [], fee_cents: 599, min_order_cents: 3000 },
        ],
      },
    });
  });

  test('quote == charged to the cent: pickup + delivery in one cart with a promo code; the fee is the zone’s, by postal code with or without a space', async () => {
    const cart = await newCart();
    await add(cart, std, 2);
    await add(cart, region.products.chaussures, 1);
    const fulfilment = {
      [erab]: { method: 'delivery', address: address('Gatineau', 'j9h5e1') },
      [sports]: { method: 'pickup', location_id: region.merchants.sports.location_id },
    };
    const q = await quote(cart, { fulfilment, promo_code: 'local10' });
    assert.equal(q.statusCode, 200, q.body);
    const quoted = q.json();
    const g = quoted.groups.find((x: { merchant: { id: number } }) => x.merchant.id === erab);
    assert.deepEqual(g.fulfilment, {
      method: 'delivery',
      location_id: region.merchants.erabliere.location_id,
      fee_cents: 400,
    });
    // 2 × 20.00 − 10 % = 36.00, + 4.00 fee (taxed: standard goods delivered) = 40.00 taxable.
    assert.equal(g.subtotal_cents, 4000);
    assert.equal(g.discount_cents, 400);
    assert.equal(g.delivery_fee_cents, 400);
    assert.equal(g.gst_cents, 200);
    assert.equal(g.qst_cents, 399);
    assert.equal(g.total_cents, 4000 - 400 + 400 + 200 + 399);
    // The same address spelled "J9H 5E1" and the town in capitals: the same fee.
    const spaced = await quote(cart, {
      fulfilment: { ...fulfilment, [erab]: { method: 'delivery', address: address('AYLMER', 'J9H 5E1') } },
      promo_code: 'LOCAL10',
    });
    assert.equal(spaced.json().total_cents, quoted.total_cents);
    const before = await levels();
    assert.deepEqual(await levels(), before, 'a quote reserves nothing');
    const paid = await pay(cart, {
      fulfilment,
      promo_code: 'LOCAL10',
      expected_total_cents: quoted.total_cents,
    });
    assert.equal(paid.statusCode, 201, paid.body);
    assert.equal(paid.json().total_cents, quoted.total_cents);
    const orders = await db()
      .selectFrom('orders')
      .select(['merchant_id', 'total_cents', 'delivery_fee_cents', 'location_id', 'delivery_address_json'])
      .where('checkout_id', '=', paid.json().checkout_id)
      .execute();
    for (const qg of quoted.groups) {
      const o = orders.find((x) => x.merchant_id === qg.merchant.id);
      assert.ok(o);
      assert.equal(o.total_cents, qg.total_cents);
      assert.equal(o.delivery_fee_cents, qg.delivery_fee_cents);
      assert.equal(o.location_id, qg.fulfilment.location_id);
    }
    const delivered = orders.find((o) => o.merchant_id === erab);
    assert.equal(JSON.parse(delivered?.delivery_address_json ?? '{}').postal_code, 'J9H 5E1');
  });

  test('outside every zone: 422 at the address (translated), nothing reserved; below a zone’s minimum: 422 naming it', async () => {
    const cart = await newCart();
    await add(cart, std, 1);
    const far = { [erab]: { method: 'delivery', address: address('Maniwaki', 'J9E 2B1') } };
    const before = await levels();
    const q = await quote(cart, { fulfilment: far }, 'en');
    assert.equal(q.statusCode, 422);
    assert.equal(q.json().error.details.fields[0].field, `fulfilment.${erab}.address`);
    assert.match(q.json().error.details.fields[0].message, /outside the merchant’s delivery area/);
    const c = await pay(cart, { fulfilment: far });
    assert.equal(c.statusCode, 422);
    assert.equal(c.json().error.details.fields[0].field, `fulfilment.${erab}.address`);
    // Hull: zone minimum 30.00, the cart holds 20.00.
    const hull = { [erab]: { method: 'delivery', address: address('Hull', 'J8X 1A1') } };
    const below = await pay(cart, { fulfilment: hull });
    assert.equal(below.statusCode, 422);
    assert.match(below.json().error.details.fields[0].message, /au moins 30,00/);
    assert.equal((await quote(cart, { fulfilment: hull })).statusCode, 422);
    assert.deepEqual(await levels(), before);
    assert.equal(
      Number(
        (
          await db()
            .selectFrom('checkouts')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('cart_id', '=', cart.cart_id)
            .executeTakeFirstOrThrow()
        ).n,
      ),
      0,
    );
    // A malformed postal code is a 400 at its own field; coordinates are not accepted.
    const badCode = await pay(cart, {
      fulfilment: { [erab]: { method: 'delivery', address: address('Aylmer', '12345') } },
    });
    assert.equal(badCode.statusCode, 400);
    assert.equal(badCode.json().error.details.fields[0].field, `fulfilment.${erab}.address.postal_code`);
  });

  test('the delivering store holds the stock: the fee and the reservation come from the same store', async () => {
    // A second store delivering to Hull cheaper, with stock; the line was added at the first store.
    const row = await db()
      .insertInto('locations')
      .values({
        merchant_id: erab,
        code: 'hull',
        name: 'Érablière — Hull',
        address_line: '5 rue Laval',
        municipality: 'Hull',
        postal_code: 'J8X 3G1',
        lat: 45.4289,
        lng: -75.7136,
        pickup: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    store2 = row.id;
    await db()
      .insertInto('inventory_levels')
      .values({ product_id: std, location_id: store2, on_hand: 5, reserved: 0 })
      .execute();
    await setLocationFulfilment(db(), erab, store2, {
      pickup: { enabled: false },
      delivery: { enabled: true, zones: [{ towns: ['Hull'], fee_cents: 250 }] },
    });
    const cart = await newCart();
    await add(cart, std, 2, region.merchants.erabliere.location_id);
    const fulfilment = { [erab]: { method: 'delivery', address: address('Hull', 'J8X 1A1') } };
    const q = (await quote(cart, { fulfilment })).json();
    assert.deepEqual(q.groups[0].fulfilment, { method: 'delivery', location_id: store2, fee_cents: 250 });
    const paid = await pay(cart, { fulfilment, expected_total_cents: q.total_cents });
    assert.equal(paid.statusCode, 201, paid.body);
    const lines = await db()
      .selectFrom('order_lines')
      .select(['location_id', 'quantity'])
      .where('order_id', '=', paid.json().orders[0].order_id)
      .execute();
    assert.deepEqual(
      lines.map((l) => ({ ...l })),
      [{ location_id: store2, quantity: 2 }],
    );
    const lvl = await db()
      .selectFrom('inventory_levels')
      .select('reserved')
      .where('product_id', '=', std)
      .where('location_id', '=', store2)
      .executeTakeFirstOrThrow();
    assert.equal(lvl.reserved, 2);
  });

  test('a radius-only zone needs a geocoder: without one it is not offered; with one (a fake Nominatim) the address within the radius gets its fee', async () => {
    const hits: string[] = [];
    const server: Server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      res.end(JSON.stringify(/Chelsea/.test(q) ? [{ lat: '45.4936', lon: '-75.7884' }] : []));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const geo = await createTestPlatform({
      GEOCODER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      for (const platform of [p, geo]) {
        const r = platform === p ? region : await seedMiniRegion(platform.context.database.db);
        await platform.context.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
        await setLocationFulfilment(
          platform.context.database.db,
          r.merchants.sports.merchant_id,
          r.merchants.sports.location_id,
          {
            pickup: { enabled: true },
            delivery: { enabled: true, radius_km: 5, zones: [{ fee_cents: 700 }] },
          },
        );
        const cart = (await platform.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as Cart;
        await platform.app.inject({
          method: 'POST',
          url: `/api/v1/carts/${cart.cart_id}/items`,
          headers: { authorization: `Bearer ${cart.token}` },
          payload: { product_id: r.products.chaussures, quantity: 1 },
        });
        const res = await platform.app.inject({
          method: 'POST',
          url: `/api/v1/carts/${cart.cart_id}/quote`,
          headers: { authorization: `Bearer ${cart.token}` },
          payload: {
            fulfilment: {
              [r.merchants.sports.merchant_id]: {
                method: 'delivery',
                address: address('Chelsea', 'J9B 1A1'),
              },
            },
          },
        });
        if (platform === p) assert.equal(res.statusCode, 422);
        else {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(res.json().groups[0].delivery_fee_cents, 700);
        }
      }
      assert.equal(hits.length, 1);
      assert.match(hits[0]!, /^\/search\?q=.*Chelsea.*&format=json/);
    } finally {
      await geo.close();
      await new Promise((r) => server.close(r));
    }
  });

  test('search: full postal codes resolve (with or without a space) through the towns’ prefixes; an unknown place says so', async () => {
    for (const near of ['J9H 5E1', 'j9h5e1', 'J9H']) {
      const r = await p.app.inject({ method: 'GET', url: `/api/v1/search?near=${encodeURIComponent(near)}` });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().point.source, 'near', near);
      assert.equal(r.json().point.lat, 45.3956);
    }
    const unknown = await p.app.inject({ method: 'GET', url: '/fr/recherche?near=Zzyzx' });
    assert.equal(unknown.statusCode, 200);
    assert.match(unknown.body, /Lieu « Zzyzx » introuvable/);
    const known = await p.app.inject({ method: 'GET', url: '/fr/recherche?near=J9H%205E1' });
    assert.doesNotMatch(known.body, /introuvable/);
  });

  test('back-office store page: the zone editor saves rows through the same function; a bad prefix is shown next to its field, nothing saved', async () => {
    await createUser(db(), {
      email: 'owner-dq@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: erab }],
    });
    const owner = new Agent(p.app);
    await owner.login('owner-dq@example.test', PW);
    const loc = region.merchants.erabliere.location_id;
    const page = await owner.get(`/fr/marchand/magasins/${loc}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="f-zone_0_towns">Villes \(zone 1\)/);
    const fields = {
      name: 'Érablière du Lac',
      address_line: '123 rue Principale',
      municipality: 'Aylmer',
      postal_code: 'J9H 3L5',
      lat: '45.3956',
      lng: '-75.8436',
      pickup: '1',
      delivery_enabled: '1',
      zone_0_towns: 'Aylmer, Chelsea',
      zone_0_prefixes: 'J9H J9J',
      zone_0_fee: '3,50',
      zone_1_towns: '',
      zone_2_towns: 'Hull',
      zone_2_fee: '6',
      zone_2_min: '25',
    };
    const before = await db()
      .selectFrom('locations')
      .selectAll()
      .where('id', '=', loc)
      .executeTakeFirstOrThrow();
    const bad = await owner.submit(`/fr/marchand/magasins/${loc}`, { ...fields, zone_2_prefixes: 'J8X QQQ' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-zone_2_prefixes"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /id="f-zone_2_prefixes-error"[^>]*>Préfixe postal invalide/);
    assert.deepEqual(
      { ...(await db().selectFrom('locations').selectAll().where('id', '=', loc).executeTakeFirstOrThrow()) },
      { ...before },
    );
    const ok = await owner.submit(`/fr/marchand/magasins/${loc}`, fields);
    assert.equal(ok.statusCode, 303, ok.body);
    const profile = await api('GET', '/api/v1/merchant');
    const saved = profile.json().locations.find((l: { id: number }) => l.id === loc);
    assert.deepEqual(saved.fulfilment.delivery.zones, [
      { towns: ['Aylmer', 'Chelsea'], postal_prefixes: ['J9H', 'J9J'], fee_cents: 350 },
      { towns: ['Hull'], postal_prefixes: [], fee_cents: 600, min_order_cents: 2500 },
    ]);
  });
});
