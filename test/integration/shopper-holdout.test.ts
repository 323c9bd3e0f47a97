// Held-out API checks of issue 14 on a fresh region built through the operators' and merchants'
// code paths (region settings, towns import, merchant creation, the merchant API for stores,
// catalogue and stock; never the demo seed nor the test fixtures): a pickup at a slot and a
// delivery to a full postal code in one cart, the quote equal to the charge to the cent, the
// GST/QST of a registered merchant and of a small supplier with and without platform collection
// (decision record 0005), and bad input refused at its field with nothing reserved.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { issueGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { setRegion } from '../../src/modules/region/index.ts';
import { importTowns } from '../../src/modules/towns/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const TOWNS = `name,lat,lng,postal_prefixes
Aylmer,45.3956,-75.8436,J9H J9J
Hull,45.4289,-75.7136,J8X J8Y J8Z J9A
Chelsea,45.4936,-75.7884,J9B
Maniwaki,46.3764,-75.9711,J9E
`;
const SPLIT = [
  ['00:00', '11:00'],
  ['13:00', '24:00'],
];
const ALL_DAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, SPLIT]));
const TZ = 'America/Toronto';

type Cart = { cart_id: number; token: string };
type Group = {
  merchant: { id: number };
  fulfilment: { method: string; location_id: number; fee_cents: number };
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
};
type Field = { field: string; message: string };

describe(`shopper held-out checks on a fresh region (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  const m = { bakery: { id: 0, key: '', loc: 0 }, farm: { id: 0, key: '', loc: 0 } };
  const product = { bread: 0, honey: 0 };
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    // The region as an operator sets it (`comptoir region set`), then its towns (`comptoir towns import`).
    await setRegion(db(), {
      name: 'Comptoir Pontiac-Outaouais',
      centre: { lat: 45.43, lng: -75.75 },
      bounds: { south: 45.2, west: -76.2, north: 46.6, east: -75.4 },
      timezone: TZ,
      default_radius_km: 40,
    });
    await importTowns(db(), TOWNS);
    // A registered bakery in Hull (pickup, split hours, 30 min preparation) and a small-supplier farm
    // in Aylmer delivering to J9H by postal prefix and to Chelsea by name (`comptoir merchant create`).
    const bakery = await createMerchant(db(), {
      name: 'Boulangerie du Ruisseau',
      gstNumber: '123456789RT0001',
      qstNumber: '1234567890TQ0001',
      taxStatus: 'registered',
      location: {
        address: '8 rue Laval',
        municipality: 'Hull',
        postalCode: 'J8X 3H2',
        lat: 45.4289,
        lng: -75.7136,
        hours: ALL_DAYS,
        pickup: true,
      },
    });
    const farm = await createMerchant(db(), {
      name: 'Ferme des Trois Sœurs',
      taxStatus: 'small_supplier',
      location: {
        address: '900 chemin Vanier',
        municipality: 'Aylmer',
        postalCode: 'J9J 1Z9',
        lat: 45.405,
        lng: -75.86,
        hours: ALL_DAYS,
        pickup: false,
      },
    });
    m.bakery = { id: bakery.merchant_id, key: bakery.api_key, loc: bakery.location_id };
    m.farm = { id: farm.merchant_id, key: farm.api_key, loc: farm.location_id };
    // Stores, catalogue and stock through the merchant API, as a POS would.
    const put = async (key: string, url: string, payload: unknown, status = 200) => {
      const r = await p.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${key}` },
        payload: payload as object,
      });
      assert.equal(r.statusCode, status, r.body);
      return r.json();
    };
    await put(bakery.api_key, `/api/v1/merchant/locations/${bakery.location_code}`, {
      pickup: { enabled: true, preparation_minutes: 30 },
      delivery: { enabled: false, zones: [] },
    });
    await put(farm.api_key, `/api/v1/merchant/locations/${farm.location_code}`, {
      pickup: { enabled: false },
      delivery: {
        enabled: true,
        zones: [
          { postal_prefixes: ['J9H'], fee_cents: 500 },
          { towns: ['Chelsea'], fee_cents: 900, min_order_cents: 5000 },
        ],
      },
    });
    const row = (sku: string, title: string, price_cents: number, code: string) => ({
      sku,
      title_fr: title,
      title_en: title,
      description_fr: '',
      description_en: '',
      price_cents,
      tax_class: 'standard',
      location_code: code,
      on_hand: 10,
    });
    await put(bakery.api_key, '/api/v1/merchant/products', [
      row('PAIN-1', 'Boîte à pain en bois', 1000, bakery.location_code),
    ]);
    await put(farm.api_key, '/api/v1/merchant/products', [
      row('MIEL-1', 'Coffret de bougies en cire', 2000, farm.location_code),
    ]);
    const ids = await db().selectFrom('products').select(['id', 'sku']).execute();
    product.bread = Number(ids.find((x) => x.sku === 'PAIN-1')!.id);
    product.honey = Number(ids.find((x) => x.sku === 'MIEL-1')!.id);
  });
  after(() => p?.close());

  async function cartWithBoth(): Promise<Cart> {
    const c = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as Cart;
    for (const id of [product.bread, product.honey]) {
      const r = await p.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${c.cart_id}/items`,
        headers: { authorization: `Bearer ${c.token}` },
        payload: { product_id: id, quantity: 1 },
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    return c;
  }
  async function slots(c: Cart): Promise<string[]> {
    const v = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${c.cart_id}`,
      headers: { authorization: `Bearer ${c.token}` },
    });
    const g = v.json().groups.find((x: Group) => x.merchant.id === m.bakery.id);
    const pickup = g.fulfilment_options.find((o: { method: string }) => o.method === 'pickup');
    assert.ok(pickup?.slots?.length, v.body);
    return pickup.slots;
  }
  const address = (city: string, postal_code: string) => ({ line1: '27 rue Principale', city, postal_code });
  const fulfilment = (slot: string, addr = address('Gatineau', 'J9H 5E1')) => ({
    [m.bakery.id]: { method: 'pickup', location_id: m.bakery.loc, slot },
    [m.farm.id]: { method: 'delivery', address: addr },
  });
  const quote = (c: Cart, body: unknown, lang = 'fr') =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${c.cart_id}/quote?lang=${lang}`,
      headers: { authorization: `Bearer ${c.token}` },
      payload: body as object,
    });
  const checkout = (c: Cart, body: Record<string, unknown>, lang = 'fr') =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${c.cart_id}/checkout?lang=${lang}`,
      headers: { authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
      payload: {
        customer: { name: 'Noémie Lachance', email: 'noemie@example.org' },
        payment: { method: 'in_store' },
        ...body,
      },
    });
  /** Everything a refused checkout must leave alone: stock levels, reservations, checkouts, orders. */
  const snapshot = async () => ({
    levels: (
      await db()
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .orderBy('product_id')
        .orderBy('location_id')
        .execute()
    ).map((r) => ({ ...r })),
    reservations: Number(
      (
        await db()
          .selectFrom('reservations')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    checkouts: Number(
      (
        await db()
          .selectFrom('checkouts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    orders: Number(
      (
        await db()
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  /**
   * One purchase: quote, then checkout with the quoted total; asserts both agree per merchant and
   * in total, and the expected taxes. Bread 10.00 (registered: GST 0.50, QST 0.9975 -> 1.00); candles
   * 20.00 + delivery 5.00 (taxable: standard goods delivered) = 25.00 for the small supplier.
   */
  async function purchase(farmTaxes: [number, number]) {
    const c = await cartWithBoth();
    const slot = (await slots(c))[1]!;
    const body = { fulfilment: fulfilment(slot) };
    const q = await quote(c, body);
    assert.equal(q.statusCode, 200, q.body);
    const quoted = q.json() as { total_cents: number; groups: Group[] };
    const qb = quoted.groups.find((g) => g.merchant.id === m.bakery.id)!;
    const qf = quoted.groups.find((g) => g.merchant.id === m.farm.id)!;
    assert.deepEqual([qb.gst_cents, qb.qst_cents, qb.total_cents], [50, 100, 1150]);
    assert.deepEqual(qf.fulfilment, { method: 'delivery', location_id: m.farm.loc, fee_cents: 500 });
    assert.deepEqual([qf.gst_cents, qf.qst_cents], farmTaxes);
    assert.equal(qf.total_cents, 2500 + farmTaxes[0] + farmTaxes[1]);
    assert.equal(quoted.total_cents, qb.total_cents + qf.total_cents);

    const res = await checkout(c, { ...body, expected_total_cents: quoted.total_cents });
    assert.equal(res.statusCode, 201, res.body);
    const out = res.json() as {
      checkout_id: number;
      total_cents: number;
      orders: { order_id: number; merchant_id: number; totals: { gst_cents: number; qst_cents: number } }[];
    };
    assert.equal(out.total_cents, quoted.total_cents, 'charged = quoted, to the cent');
    const rows = await db()
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'total_cents', 'delivery_fee_cents', 'location_id', 'pickup_slot_at'])
      .where('checkout_id', '=', out.checkout_id)
      .execute();
    assert.equal(rows.length, 2);
    for (const g of quoted.groups) {
      const o = rows.find((r) => Number(r.merchant_id) === g.merchant.id)!;
      assert.equal(Number(o.total_cents), g.total_cents);
      assert.equal(Number(o.delivery_fee_cents), g.delivery_fee_cents);
      assert.equal(Number(o.location_id), g.fulfilment.location_id);
    }
    const bread = rows.find((r) => Number(r.merchant_id) === m.bakery.id)!;
    assert.equal(new Date(bread.pickup_slot_at as string).toISOString(), slot);
    const farmOrder = out.orders.find((o) => o.merchant_id === m.farm.id)!;
    assert.deepEqual([farmOrder.totals.gst_cents, farmOrder.totals.qst_cents], farmTaxes);
    return out;
  }

  test('registered merchant + small supplier, region not collecting: quote = charge; no tax on the small supplier', async () => {
    await purchase([0, 0]);
  });

  test('region collecting the QST for small suppliers: QST on the small supplier’s order (25.00 × 9.975 % = 2.49), no GST', async () => {
    await setRegion(db(), {
      platform_tax_collection: 'qst',
      platform_legal_name: 'Comptoir Pontiac-Outaouais OBNL',
      platform_qst_number: '1234567890TQ0001',
    });
    await purchase([0, 249]);
  });

  test('region collecting the QST and the GST: both on the small supplier’s order (1.25 and 2.49)', async () => {
    await setRegion(db(), {
      platform_tax_collection: 'qst_gst',
      platform_gst_number: '123456789RT0001',
      platform_qst_number: '1234567890TQ0001',
    });
    await purchase([125, 249]);
    await setRegion(db(), { platform_tax_collection: 'none' });
  });

  test('an address outside every zone, or a postal code no zone knows: 422 at the address, translated; nothing reserved', async () => {
    const c = await cartWithBoth();
    const slot = (await slots(c))[0]!;
    const before = await snapshot();
    for (const [addr, lang, pattern] of [
      [address('Maniwaki', 'J9E 2B1'), 'fr', /zone de livraison|livr/i],
      [address('Nulle-Part', 'K1A 0B1'), 'en', /deliver/i],
    ] as const) {
      for (const call of [quote, checkout]) {
        const res = await call(c, { fulfilment: fulfilment(slot, addr) }, lang);
        assert.equal(res.statusCode, 422, res.body);
        const f = (res.json().error.details.fields as Field[]).find(
          (x) => x.field === `fulfilment.${m.farm.id}.address`,
        );
        assert.ok(f, res.body);
        assert.match(f.message, pattern);
      }
    }
    // Chelsea by name, below its 50.00 minimum: refused naming the minimum.
    const below = await checkout(c, { fulfilment: fulfilment(slot, address('Chelsea', 'J9B 1A1')) });
    assert.equal(below.statusCode, 422, below.body);
    assert.match((below.json().error.details.fields as Field[])[0]!.message, /50,00/);
    // A malformed postal code: 400 at the postal code field itself.
    const malformed = await checkout(c, { fulfilment: fulfilment(slot, address('Gatineau', 'J9H 5E')) });
    assert.equal(malformed.statusCode, 400, malformed.body);
    assert.ok(
      (malformed.json().error.details.fields as Field[]).some(
        (x) => x.field === `fulfilment.${m.farm.id}.address.postal_code`,
      ),
      malformed.body,
    );
    assert.deepEqual(await snapshot(), before);
  });

  test('a slot in the past or outside the pickup windows: 422 at the slot, translated; nothing reserved', async () => {
    const c = await cartWithBoth();
    const offered = await slots(c);
    const before = await snapshot();
    const past = new Date(Date.parse(offered[0]!) - 2 * 24 * 3600_000).toISOString();
    // 12:00 local tomorrow: between the two opening ranges (closed 11:00–13:00).
    const noon = (() => {
      const d = new Date(Date.now() + 24 * 3600_000);
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(d);
      for (const offset of ['-05:00', '-04:00']) {
        const at = new Date(`${day}T12:00:00${offset}`);
        const local = new Intl.DateTimeFormat('en-GB', {
          timeZone: TZ,
          hour: '2-digit',
          minute: '2-digit',
        }).format(at);
        if (local === '12:00') return at.toISOString();
      }
      throw new Error('no noon');
    })();
    for (const [slot, lang] of [
      [past, 'fr'],
      [noon, 'en'],
    ] as const) {
      for (const call of [quote, checkout]) {
        const res = await call(c, { fulfilment: fulfilment(slot) }, lang);
        assert.equal(res.statusCode, 422, `${slot} ${res.body}`);
        const f = (res.json().error.details.fields as Field[]).find(
          (x) => x.field === `fulfilment.${m.bakery.id}.slot`,
        );
        assert.ok(f, res.body);
        assert.match(f.message, lang === 'fr' ? /créneau/i : /slot/i);
      }
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('web checkout: a gift card smaller than the total pays part, the rest in store, the balance left shown and emailed; the spent card is then refused next to its field, nothing reserved', async () => {
    await setParticipation(db(), m.bakery.id, true);
    const card = await issueGiftCard(db(), { paidCents: 1000 });
    const b = new Agent(p.app, '10.9.14.1');
    const home = await b.get('/fr/connexion');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? '';
    const buyBread = async () => {
      const added = await b.post('/fr/panier/ajouter', {
        _csrf: csrf,
        product_id: String(product.bread),
        quantity: '1',
      });
      assert.equal(added.statusCode, 303, added.body);
      const form = await b.get('/fr/paiement');
      assert.equal(form.statusCode, 200);
      const field = (n: string) => new RegExp(`name="${n}" value="([^"]+)"`).exec(form.body)?.[1] ?? '';
      return (lang: 'fr' | 'en') =>
        b.post(lang === 'fr' ? '/fr/paiement' : '/en/checkout', {
          _csrf: field('_csrf'),
          idempotency_key: field('idempotency_key'),
          'customer.name': 'Noémie Lachance',
          'customer.email': 'noemie@example.org',
          [`f_${m.bakery.id}`]: `pickup:${m.bakery.loc}`,
          payment_method: 'gift_card',
          gift_card_code: card.code,
        });
    };
    // 10.00 + GST 0.50 + QST 1.00 = 11.50: the card pays 10.00, 1.50 is due in store.
    const ok = await (await buyBread())('fr');
    assert.equal(ok.statusCode, 303, ok.body);
    const confirmation = await b.get(String(ok.headers.location));
    assert.equal(confirmation.statusCode, 200);
    assert.match(confirmation.body, /Payé par carte-cadeau ?: 10,00\s\$/);
    assert.match(confirmation.body, /Reste à payer \([^)]+\) ?: 1,50\s\$/);
    assert.match(confirmation.body, /Solde restant de la carte-cadeau ?: 0,00\s\$/);
    const order = await db()
      .selectFrom('orders')
      .select(['id', 'total_cents', 'gift_card_cents', 'remainder_method', 'gift_card_balance_after_cents'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [Number(order.total_cents), Number(order.gift_card_cents), order.remainder_method],
      [1150, 1000, 'in_store'],
    );
    assert.equal(Number(order.gift_card_balance_after_cents), 0);
    const mail = await db()
      .selectFrom('outbox')
      .select('text_body')
      .where('kind', '=', 'order_confirmation')
      .where('to_address', '=', 'noemie@example.org')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(mail.text_body, /Payé par carte-cadeau ?: 10,00\s\$/);
    assert.match(mail.text_body, /Solde restant de la carte-cadeau ?: 0,00\s\$/);

    // The same card again, now empty: the form comes back with the message next to the code field.
    const submit = await buyBread();
    const before = await snapshot();
    for (const [lang, re] of [
      ['fr', /n’a plus de solde/],
      ['en', /no balance/],
    ] as const) {
      const refused = await submit(lang);
      assert.equal(refused.statusCode, 422, refused.body);
      assert.match(
        refused.body,
        /id="c-gift_card_code"[^>]*aria-invalid="true"[^>]*aria-describedby="e-gift_card_code"/,
      );
      const msg = /<p class="field-error" id="e-gift_card_code">([^<]*)<\/p>/.exec(refused.body)?.[1] ?? '';
      assert.match(msg, re);
    }
    assert.deepEqual(await snapshot(), before);
  });
});
