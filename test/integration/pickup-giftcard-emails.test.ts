import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { zonedTimeToUtc } from '../../src/modules/common/zoned-time.ts';
import { issueGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { pickupSlots } from '../../src/modules/orders/pickup-slots.ts';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const TZ = 'America/Toronto';
// Every day open in two ranges (split hours): slots exist whenever the test runs.
const SPLIT = [
  ['00:00', '12:00'],
  ['13:00', '24:00'],
];
const ALL_DAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, SPLIT]));

describe('pickup slots: pure computation', () => {
  test('split hours, preparation time, alignment, several days, in the region time zone, UTC out', () => {
    // Thursday 3 December 2026, 11:10 in Gatineau (16:10 UTC); preparation 60 min -> from 12:10.
    const slots = pickupSlots(
      {
        hours: {
          thu: [
            ['09:00', '12:00'],
            ['13:00', '17:00'],
          ],
          fri: [['09:00', '10:00']],
        },
        preparation_minutes: 60,
        slot_minutes: 30,
        days_ahead: 2,
      },
      TZ,
      new Date('2026-12-03T16:10:00Z'),
    );
    assert.deepEqual(slots, [
      '2026-12-03T18:00:00.000Z', // 13:00 local: the morning range has nothing left after 12:10
      '2026-12-03T18:30:00.000Z',
      '2026-12-03T19:00:00.000Z',
      '2026-12-03T19:30:00.000Z',
      '2026-12-03T20:00:00.000Z',
      '2026-12-03T20:30:00.000Z',
      '2026-12-03T21:00:00.000Z',
      '2026-12-03T21:30:00.000Z', // 16:30-17:00 is the last whole slot
      '2026-12-04T14:00:00.000Z', // Friday 09:00 local
      '2026-12-04T14:30:00.000Z',
    ]);
  });

  test('daylight saving: local opening times map to the right UTC instants on both sides', () => {
    // 1 March 2026 is EST (UTC-5); 15 March is EDT (UTC-4).
    assert.equal(new Date(zonedTimeToUtc(2026, 3, 1, 9 * 60, TZ)).toISOString(), '2026-03-01T14:00:00.000Z');
    assert.equal(new Date(zonedTimeToUtc(2026, 3, 15, 9 * 60, TZ)).toISOString(), '2026-03-15T13:00:00.000Z');
  });
});

describe(`pickup slots, gift cards paying part, emails (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform({ PUBLIC_URL: 'https://comptoir.example' });
    r = await seedMiniRegion(p.context.database.db);
    await db()
      .updateTable('locations')
      .set({
        hours_json: JSON.stringify(ALL_DAYS),
        pickup_slot_minutes: 30,
        pickup_days_ahead: 2,
        preparation_minutes: 45,
      })
      .where('id', '=', r.merchants.erabliere.location_id)
      .execute();
    await setParticipation(db(), r.merchants.erabliere.merchant_id, true);
  });
  after(() => p.close());

  async function cartWith(items: [number, number][]) {
    const c = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      cart_id: number;
      token: string;
    };
    for (const [productId, quantity] of items) {
      const add = await p.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${c.cart_id}/items`,
        headers: { authorization: `Bearer ${c.token}` },
        payload: { product_id: productId, quantity },
      });
      assert.equal(add.statusCode, 201, add.body);
    }
    return c;
  }
  const cartView = async (c: { cart_id: number; token: string }) =>
    (
      await p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${c.cart_id}`,
        headers: { authorization: `Bearer ${c.token}` },
      })
    ).json();
  const checkout = (
    c: { cart_id: number; token: string },
    fulfilment: Record<string, unknown>,
    payment: Record<string, unknown> = { method: 'in_store' },
    lang = 'fr',
  ) =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${c.cart_id}/checkout?lang=${lang}`,
      headers: { authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
      payload: { customer: { name: 'Léa Gagnon', email: 'lea@example.org' }, fulfilment, payment },
    });
  const reserved = async (productId: number) =>
    (
      await db()
        .selectFrom('inventory_levels')
        .select('reserved')
        .where('product_id', '=', productId)
        .executeTakeFirstOrThrow()
    ).reserved;
  const orderCount = async () =>
    Number(
      (
        await db()
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('the cart lists each pickup store’s slots: future, after the preparation time, aligned, within the ranges', async () => {
    const c = await cartWith([[r.products.sirop, 1]]);
    const before = Date.now();
    const view = await cartView(c);
    const opt = view.groups[0].fulfilment_options.find((o: { method: string }) => o.method === 'pickup');
    assert.ok(opt.slots.length > 10, JSON.stringify(opt));
    for (const s of opt.slots as string[]) {
      assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:(00|30):00\.000Z$/);
      assert.ok(Date.parse(s) >= before + 45 * 60_000 - 1000, s);
      const local = new Intl.DateTimeFormat('en-CA', {
        timeZone: TZ,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(s));
      assert.ok(!(local >= '12:00' && local < '13:00'), `slot in the midday closure: ${local}`);
    }
    assert.ok(Date.parse(opt.slots.at(-1)) - before < 2 * 24 * 3600_000, 'two days ahead at most');
  });

  test('a chosen slot is stored, shown by the order API, the emails and the tracking page', async () => {
    const c = await cartWith([[r.products.sirop, 1]]);
    const slot = (await cartView(c)).groups[0].fulfilment_options[0].slots[1] as string;
    const m = r.merchants.erabliere;
    const res = await checkout(c, {
      [m.merchant_id]: { method: 'pickup', location_id: m.location_id, slot },
    });
    assert.equal(res.statusCode, 201, res.body);
    const o = res.json().orders[0];
    const row = await db()
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', o.order_id)
      .executeTakeFirstOrThrow();
    assert.equal(new Date(row.pickup_slot_at as string).toISOString(), slot);
    const api = await p.app.inject({
      method: 'GET',
      url: `/api/v1/orders/${o.order_id}?token=${o.access_token}`,
    });
    assert.equal(api.statusCode, 200, api.body);
    assert.equal(new Date(api.json().fulfilment.slot).toISOString(), slot);
    const local = new Intl.DateTimeFormat('fr-CA', {
      timeZone: TZ,
      hour: 'numeric',
      minute: '2-digit',
    }).format(new Date(slot));
    const mail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_confirmation')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(mail.text_body, /Créneau de cueillette : |Créneau de cueillette: /);
    assert.ok(mail.text_body.includes(local), mail.text_body);
    assert.match(mail.text_body, /https:\/\/comptoir\.example\/fr\/commandes\//);
    const page = await p.app.inject({
      method: 'GET',
      url: `/fr/commandes/${o.order_id}?token=${o.access_token}`,
    });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(local), 'tracking page shows the slot in local time');
  });

  for (const [name, slotOf] of [
    [
      'in the past',
      () => new Date(Date.now() - 24 * 3600_000).toISOString().replace(/:\d\d:\d\d\.\d+Z$/, ':00:00.000Z'),
    ],
    ['not aligned', (slots: string[]) => new Date(Date.parse(slots[0]) + 10 * 60_000).toISOString()],
    [
      'outside the opening ranges',
      () => {
        const d = new Date(Date.now() + 24 * 3600_000);
        const [y, mo, da] = new Intl.DateTimeFormat('en-CA', { timeZone: TZ })
          .format(d)
          .split('-')
          .map(Number);
        return new Date(zonedTimeToUtc(y, mo, da, 12 * 60 + 30, TZ)).toISOString();
      },
    ],
    [
      'after the offered days',
      (slots: string[]) => new Date(Date.parse(slots.at(-1) as string) + 7 * 24 * 3600_000).toISOString(),
    ],
  ] as const)
    test(`a slot ${name}: 422 at fulfilment.<merchant>.slot, translated, nothing reserved`, async () => {
      const c = await cartWith([[r.products.oeufs, 1]]);
      const slots = (await cartView(c)).groups[0].fulfilment_options[0].slots as string[];
      const m = r.merchants.erabliere;
      const before = [await reserved(r.products.oeufs), await orderCount()];
      for (const lang of ['fr', 'en']) {
        const res = await checkout(
          c,
          { [m.merchant_id]: { method: 'pickup', location_id: m.location_id, slot: slotOf(slots) } },
          { method: 'in_store' },
          lang,
        );
        assert.equal(res.statusCode, 422, res.body);
        const f = res
          .json()
          .error.details.fields.find(
            (x: { field: string }) => x.field === `fulfilment.${m.merchant_id}.slot`,
          );
        assert.ok(f, res.body);
        assert.match(f.message, lang === 'fr' ? /créneau/i : /slot/i);
      }
      assert.deepEqual([await reserved(r.products.oeufs), await orderCount()], before);
    });

  test('a malformed slot: 400 at the slot field', async () => {
    const c = await cartWith([[r.products.oeufs, 1]]);
    const m = r.merchants.erabliere;
    const res = await checkout(c, {
      [m.merchant_id]: { method: 'pickup', location_id: m.location_id, slot: 'demain midi' },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(
      res
        .json()
        .error.details.fields.some((x: { field: string }) => x.field === `fulfilment.${m.merchant_id}.slot`),
      res.body,
    );
  });

  test('a gift card smaller than the total pays its whole balance; the rest is due in store', async () => {
    const card = await issueGiftCard(db(), { paidCents: 1000 });
    // 2 × 12,99 $ syrup (zero-rated) = 25,98 $.
    const c = await cartWith([[r.products.sirop, 2]]);
    const m = r.merchants.erabliere;
    const res = await checkout(
      c,
      { [m.merchant_id]: { method: 'pickup', location_id: m.location_id } },
      { method: 'gift_card', code: card.code },
    );
    assert.equal(res.statusCode, 201, res.body);
    const o = res.json().orders[0];
    const row = await db()
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', o.order_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [
        row.total_cents,
        row.gift_card_cents,
        row.gift_card_balance_after_cents,
        row.remainder_method,
        row.payment_status,
      ],
      [2598, 1000, 0, 'in_store', 'due'],
    );
    const g = await db()
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.equal(g.paid_balance_cents, 0);
    const api = (
      await p.app.inject({ method: 'GET', url: `/api/v1/orders/${o.order_id}?token=${o.access_token}` })
    ).json();
    assert.deepEqual(api.payment, {
      method: 'gift_card',
      status: 'due',
      gift_card_cents: 1000,
      remainder_cents: 1598,
      remainder_method: 'in_store',
      gift_card_balance_after_cents: 0,
    });
    const mail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_confirmation')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(mail.text_body, /Payé par carte-cadeau ?: 10,00\s\$/);
    assert.match(
      mail.text_body,
      /Reste à payer \(Payer au magasin\) ?: 15,98\s\$|Reste à payer \([^)]+\) ?: 15,98\s\$/,
    );
    assert.match(mail.text_body, /Solde restant de la carte-cadeau ?: 0,00\s\$/);
  });

  test('a card covering the total: order paid, the card keeps the difference', async () => {
    const card = await issueGiftCard(db(), { paidCents: 5000 });
    const c = await cartWith([[r.products.sirop, 1]]);
    const m = r.merchants.erabliere;
    const res = await checkout(
      c,
      { [m.merchant_id]: { method: 'pickup', location_id: m.location_id } },
      { method: 'gift_card', code: card.code },
    );
    assert.equal(res.statusCode, 201, res.body);
    const row = await db()
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', res.json().orders[0].order_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [row.gift_card_cents, row.gift_card_balance_after_cents, row.remainder_method, row.payment_status],
      [1299, 5000 - 1299, null, 'paid'],
    );
  });

  test('multi-merchant: the card goes to accepting merchants in cart order, the others pay everything in store', async () => {
    const card = await issueGiftCard(db(), { paidCents: 2000 });
    // Sports Chelsea does not accept the card; the Érablière does.
    const c = await cartWith([
      [r.products.sirop, 2],
      [r.products.siropChelsea, 1],
    ]);
    const e = r.merchants.erabliere;
    const s = r.merchants.sports;
    const res = await checkout(
      c,
      {
        [e.merchant_id]: { method: 'pickup', location_id: e.location_id },
        [s.merchant_id]: { method: 'pickup', location_id: s.location_id },
      },
      { method: 'gift_card', code: card.code },
    );
    assert.equal(res.statusCode, 201, res.body);
    const rows = await db()
      .selectFrom('orders')
      .selectAll()
      .where('checkout_id', '=', res.json().checkout_id)
      .orderBy('merchant_id')
      .execute();
    const byMerchant = Object.fromEntries(rows.map((o) => [o.merchant_id, o]));
    assert.deepEqual(
      [byMerchant[e.merchant_id].gift_card_cents, byMerchant[e.merchant_id].remainder_method],
      [2000, 'in_store'],
    );
    assert.deepEqual(
      [byMerchant[s.merchant_id].gift_card_cents, byMerchant[s.merchant_id].remainder_method],
      [0, 'in_store'],
    );
  });

  test('a card with no balance: 422 at payment.code, translated, nothing reserved', async () => {
    const card = await issueGiftCard(db(), { paidCents: 1000 });
    await db().updateTable('gift_cards').set({ paid_balance_cents: 0 }).where('id', '=', card.id).execute();
    const c = await cartWith([[r.products.oeufs, 2]]);
    const m = r.merchants.erabliere;
    const before = [await reserved(r.products.oeufs), await orderCount()];
    for (const [lang, re] of [
      ['fr', /n’a plus de solde/],
      ['en', /no balance/],
    ] as const) {
      const res = await checkout(
        c,
        { [m.merchant_id]: { method: 'pickup', location_id: m.location_id } },
        { method: 'gift_card', code: card.code },
        lang,
      );
      assert.equal(res.statusCode, 422, res.body);
      const f = res.json().error.details.fields.find((x: { field: string }) => x.field === 'payment.code');
      assert.match(f.message, re);
    }
    assert.deepEqual([await reserved(r.products.oeufs), await orderCount()], before);
  });

  async function ownerAgent(merchantId: number, email: string) {
    const u = await createUser(db(), {
      email,
      password: 'correct horse battery staple 42',
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId }],
    });
    const a = new Agent(p.app);
    a.cookies.set('session', (await sessionCookie(db(), u.id)).slice('session='.length));
    return a;
  }

  test('back-office: the order shows its slot; today’s pickups are listed by slot; "ready" emails address, hours and slot', async () => {
    const m = r.merchants.erabliere;
    const owner = await ownerAgent(m.merchant_id, 'proprio-erabliere@example.test');
    // A slot today in the region's time zone, if the day still has one (else the section says none).
    const c = await cartWith([[r.products.oeufs, 1]]);
    const slots = (await cartView(c)).groups[0].fulfilment_options[0].slots as string[];
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
    const slot =
      slots.find((x) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(x)) === today) ??
      slots[0];
    const isToday = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(slot)) === today;
    const res = await checkout(
      c,
      { [m.merchant_id]: { method: 'pickup', location_id: m.location_id, slot } },
      { method: 'in_store' },
      'en',
    );
    assert.equal(res.statusCode, 201, res.body);
    const orderId = res.json().orders[0].order_id as number;
    const detail = await owner.get(`/fr/marchand/commandes/${orderId}`);
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, new RegExp(`data-slot="${slot}"`));
    const list = await owner.get('/fr/marchand/commandes');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Cueillettes d’aujourd’hui/);
    if (isToday) {
      const section = list.body.slice(
        list.body.indexOf('todays-pickups'),
        list.body.indexOf('</section>', list.body.indexOf('todays-pickups')),
      );
      assert.match(section, new RegExp(`data-slot="${slot}"[\\s\\S]*data-order="${orderId}"`));
      // Sorted by slot.
      const listed = [...section.matchAll(/data-slot="([^"]+)"/g)].map((x) => x[1]);
      assert.deepEqual(listed, [...listed].sort());
    }
    for (const to of ['accepted', 'ready']) {
      const r2 = await owner.submit(
        `/fr/marchand/commandes/${orderId}/transitions`,
        { to },
        `/fr/marchand/commandes/${orderId}`,
      );
      assert.equal(r2.statusCode, 303, r2.body);
    }
    const mail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'order_status')
      .where('to_address', '=', 'lea@example.org')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(mail.subject, /ready/i);
    assert.match(mail.text_body, /Where: Érablière du Lac.*123 rue Principale, Aylmer/);
    assert.match(mail.text_body, /Opening hours:\n {2}Monday: 00:00–12:00, 13:00–24:00/);
    const local = new Intl.DateTimeFormat('en-CA', {
      timeZone: TZ,
      hour: 'numeric',
      minute: '2-digit',
    }).format(new Date(slot));
    assert.match(mail.text_body, new RegExp(`Pickup slot: .*${local.replace(/\./g, '\\.')}`));
    assert.match(mail.text_body, /https:\/\/comptoir\.example\/en\/orders\/\d+\?token=/);
  });

  test('a store with neither pickup nor delivery: "contact the merchant" on the product page, 422 from the cart API, a dashboard warning', async () => {
    const m = r.merchants.sports;
    await db()
      .updateTable('locations')
      .set({ pickup: 0, delivery_radius_km: 0, delivery_zones_json: null, phone: '819 555-0199' })
      .where('id', '=', m.location_id)
      .execute();
    await db()
      .updateTable('merchants')
      .set({ email: 'info@sports-chelsea.example' })
      .where('id', '=', m.merchant_id)
      .execute();
    try {
      const page = await p.app.inject({ method: 'GET', url: `/fr/p/${r.products.chaussures}` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /ni cueillette ni livraison : contactez le commerçant/);
      assert.match(page.body, /href="tel:8195550199"/);
      assert.match(page.body, /mailto:info@sports-chelsea\.example/);
      assert.doesNotMatch(page.body, /class="add-to-cart"/);
      const c = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json();
      for (const [lang, re] of [
        ['fr', /contactez le commerçant/],
        ['en', /contact the merchant/],
      ] as const) {
        const add = await p.app.inject({
          method: 'POST',
          url: `/api/v1/carts/${c.cart_id}/items?lang=${lang}`,
          headers: { authorization: `Bearer ${c.token}` },
          payload: { product_id: r.products.chaussures, quantity: 1 },
        });
        assert.equal(add.statusCode, 422, add.body);
        const f = add.json().error.details.fields[0];
        assert.equal(f.field, 'location_id');
        assert.match(f.message, re);
      }
      const items = await db()
        .selectFrom('cart_items')
        .selectAll()
        .where('cart_id', '=', c.cart_id)
        .execute();
      assert.equal(items.length, 0);
      const owner = await ownerAgent(m.merchant_id, 'proprio-sports@example.test');
      const dash = await owner.get('/fr/marchand');
      assert.equal(dash.statusCode, 200);
      assert.match(dash.body, /data-warning="no-fulfilment"/);
      assert.match(dash.body, /ne peuvent pas être achetés en ligne/);
    } finally {
      await db().updateTable('locations').set({ pickup: 1 }).where('id', '=', m.location_id).execute();
    }
  });

  test('product page: the shopper’s point is kept, stores nearest first, the nearest with stock is the default', async () => {
    const m = r.merchants.erabliere;
    // A second store of the Érablière, in Chelsea, with syrup in stock.
    const loc = await db()
      .insertInto('locations')
      .values({
        merchant_id: m.merchant_id,
        code: 'CHELSEA',
        name: 'Kiosque Chelsea',
        address_line: '1 chemin Scott',
        municipality: 'Chelsea',
        lat: 45.5,
        lng: -75.79,
        hours_json: JSON.stringify(ALL_DAYS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('inventory_levels')
      .values({ product_id: r.products.sirop, location_id: loc.id, on_hand: 5, reserved: 0 })
      .execute();
    // Near Chelsea: the kiosk first and the default; near Aylmer: the main store.
    const chelsea = await p.app.inject({
      method: 'GET',
      url: `/fr/p/${r.products.sirop}?lat=45.5&lng=-75.79`,
    });
    assert.equal(chelsea.statusCode, 200);
    assert.match(chelsea.body, new RegExp(`data-default-location="${loc.id}"`));
    const order = [...chelsea.body.matchAll(/<li class="offer" data-location="(\d+)"/g)].map((x) =>
      Number(x[1]),
    );
    assert.deepEqual(order, [loc.id, m.location_id]);
    assert.match(chelsea.body, /href="\/fr\/m\/[^"?]+\?lat=45\.5&amp;lng=-75\.79"/);
    const aylmer = await p.app.inject({
      method: 'GET',
      url: `/fr/p/${r.products.sirop}?lat=45.3956&lng=-75.8436`,
    });
    assert.match(aylmer.body, new RegExp(`data-default-location="${m.location_id}"`));
    const order2 = [...aylmer.body.matchAll(/<li class="offer" data-location="(\d+)"/g)].map((x) =>
      Number(x[1]),
    );
    assert.deepEqual(order2, [m.location_id, loc.id]);
    // The other merchant's offer of the same GTIN links with the point.
    assert.match(
      aylmer.body,
      new RegExp(`href="/fr/p/${r.products.siropChelsea}\\?lat=45\\.3956&amp;lng=-75\\.8436"`),
    );
    // The merchant page orders its stores from the point, and its product links keep it.
    const mp = await p.app.inject({
      method: 'GET',
      url: `/fr/m/${(await db().selectFrom('merchants').select('slug').where('id', '=', m.merchant_id).executeTakeFirstOrThrow()).slug}?lat=45.5&lng=-75.79`,
    });
    assert.equal(mp.statusCode, 200);
    const stores = mp.body.slice(mp.body.indexOf('class="locations"'));
    assert.ok(
      stores.indexOf('Kiosque Chelsea') < stores.indexOf('123 rue Principale'),
      'nearest store first',
    );
    assert.match(mp.body, new RegExp(`href="/fr/p/${r.products.sirop}\\?lat=45\\.5&amp;lng=-75\\.79"`));
    // Search results link to products with the shopper's point.
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
    const sr = await p.app.inject({ method: 'GET', url: '/fr/recherche?q=sirop&near=Aylmer' });
    assert.equal(sr.statusCode, 200);
    assert.match(sr.body, /class="result-title" href="\/fr\/p\/\d+\?near=Aylmer"/);
    const sr2 = await p.app.inject({ method: 'GET', url: '/fr/recherche?q=sirop&lat=45.5&lng=-75.79' });
    assert.match(sr2.body, /class="result-title" href="\/fr\/p\/\d+\?lat=45\.5&amp;lng=-75\.79"/);
  });

  test('a merchant owner is emailed with an absolute link when a region admin approves the merchant', async () => {
    const pending = await db()
      .insertInto('merchants')
      .values({
        slug: 'fromagerie-test',
        display_name: 'Fromagerie Test',
        legal_name: 'Fromagerie Test inc.',
        status: 'pending',
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    await createUser(db(), {
      email: 'fromager@example.test',
      password: 'correct horse battery staple 42',
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: pending.id }],
    });
    const admin = await createUser(db(), {
      email: 'region@example.test',
      password: 'correct horse battery staple 42',
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    const a = new Agent(p.app);
    a.cookies.set('session', (await sessionCookie(db(), admin.id)).slice('session='.length));
    const res = await a.submit(
      `/fr/admin/commerces/${pending.id}/status`,
      { status: 'approved' },
      '/fr/admin/commerces',
    );
    assert.equal(res.statusCode, 303, res.body);
    const mail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', 'fromager@example.test')
      .where('kind', '=', 'merchant_approved')
      .executeTakeFirstOrThrow();
    assert.match(mail.subject, /Fromagerie Test est approuvé/);
    assert.match(mail.text_body, /https:\/\/comptoir\.example\/fr\/marchand/);
  });

  test('web checkout without JavaScript: a slot select per pickup store; the slot and the gift card split reach the confirmation page', async () => {
    const m = r.merchants.erabliere;
    const b = new Agent(p.app);
    const login = await b.get('/fr/connexion');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
    const added = await b.post('/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: String(r.products.sirop),
      quantity: '2',
    });
    assert.equal(added.statusCode, 303, added.body);
    const cartPage = await b.get('/fr/panier');
    assert.match(
      cartPage.body,
      /Prochains créneaux de cueillette\s?:\s*<time datetime="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z">/,
    );
    const form = await b.get('/fr/paiement');
    assert.equal(form.statusCode, 200);
    const name = `f_${m.merchant_id}_slot_${m.location_id}`;
    const select = new RegExp(`<select id="c-${name}" name="${name}">([\\s\\S]*?)</select>`).exec(
      form.body,
    )?.[1];
    assert.ok(select, 'a slot select for the store');
    const values = [...select.matchAll(/<option value(?:="([^"]*)")?[ >]/g)].map((x) => x[1] ?? '');
    assert.equal(values[0], '', 'first choice: as soon as possible');
    const slot = values[2];
    const field = (n: string) => new RegExp(`name="${n}" value="([^"]+)"`).exec(form.body)?.[1] ?? '';
    const base = {
      _csrf: field('_csrf'),
      'customer.name': 'Luc Gagnon',
      'customer.email': 'luc@example.test',
      [`f_${m.merchant_id}`]: `pickup:${m.location_id}`,
    };
    const bad = await b.post('/fr/paiement', {
      ...base,
      idempotency_key: randomUUID(),
      [name]: new Date(Date.parse(slot) + 5 * 60_000).toISOString(),
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="e-fulfilment-\d+-slot"[^>]*>Ce créneau de cueillette n’est pas offert/);
    const card = await issueGiftCard(db(), { paidCents: 1500 });
    const ok = await b.post('/fr/paiement', {
      ...base,
      idempotency_key: field('idempotency_key'),
      [name]: slot,
      payment_method: 'gift_card',
      gift_card_code: card.code,
    });
    assert.equal(ok.statusCode, 303, ok.body);
    const confirmation = await b.get(String(ok.headers.location));
    assert.equal(confirmation.statusCode, 200);
    const local = new Intl.DateTimeFormat('fr-CA', {
      timeZone: TZ,
      hour: 'numeric',
      minute: '2-digit',
    }).format(new Date(slot));
    assert.ok(confirmation.body.includes(local), 'the slot in local time');
    assert.match(confirmation.body, /Payé par carte-cadeau: 15,00\s\$/);
    assert.match(confirmation.body, /Reste à payer \([^)]+\): 10,98\s\$/);
    assert.match(confirmation.body, /Solde restant de la carte-cadeau: 0,00\s\$/);
  });
});
