import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import * as migration036 from '../../src/db/migrations/036_order_promo.ts';
import type { DB } from '../../src/db/schema.ts';
import { createOperator } from '../../src/modules/accounts/index.ts';
import {
  allocateProportionally,
  createCampaign,
  createPromoCode,
} from '../../src/modules/campaigns/index.ts';
import { issueGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { campaignFigures } from '../../src/modules/impact/index.ts';
import { transitionOrder } from '../../src/modules/orders/index.ts';
import { checkout } from '../../src/workflows/checkout/index.ts';
import { checkoutDeps } from '../../src/workflows/deps.ts';
import { createTestDatabase, TEST_DB_KIND } from '../helpers/db.ts';
import { approveMerchants, cartWith, checkoutBody, checkoutCart } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const day = 86400_000;
const running = () => ({
  starts_at: new Date(Date.now() - day).toISOString(),
  ends_at: new Date(Date.now() + 30 * day).toISOString(),
});
const NBSP = '\u00a0';

type Cart = { cart_id: number; token: string };

describe(`promo codes at checkout (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let db: Kysely<DB>;
  let campaignId: number;
  // Products of this suite (own stock, so no other test's checkout changes what these expect).
  const pr = { std: 0, zr: 0, shoe: 0 };
  let erab: number;
  let sports: number;

  async function product(
    merchant: { merchant_id: number; location_id: number },
    sku: string,
    price_cents: number,
    tax_class: 'standard' | 'zero_rated',
  ) {
    const cat = await db.selectFrom('categories').select('id').orderBy('id').executeTakeFirstOrThrow();
    const row = await db
      .insertInto('products')
      .values({
        merchant_id: merchant.merchant_id,
        sku,
        title_fr: `Produit ${sku}`,
        title_en: `Product ${sku}`,
        description_fr: 'Essai.',
        description_en: 'Test.',
        category_id: cat.id,
        price_cents,
        tax_class,
        quebec_label: null,
        quebec_label_declared_by: null,
        gtin: null,
        brand: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('inventory_levels')
      .values({ product_id: row.id, location_id: merchant.location_id, on_hand: 500, reserved: 0 })
      .execute();
    return row.id;
  }

  before(async () => {
    p = await createTestPlatform();
    db = p.context.database.db;
    r = await seedMiniRegion(db);
    await approveMerchants(db, r);
    await db
      .updateTable('merchants')
      .set({ email: 'commandes@erabliere.example' })
      .where('id', '=', r.merchants.erabliere.merchant_id)
      .execute();
    await db
      .updateTable('merchants')
      .set({ email: 'ventes@sports-chelsea.example' })
      .where('id', '=', r.merchants.sports.merchant_id)
      .execute();
    erab = r.merchants.erabliere.merchant_id;
    sports = r.merchants.sports.merchant_id;
    pr.std = await product(r.merchants.erabliere, 'PROMO-STD', 2000, 'standard');
    pr.zr = await product(r.merchants.erabliere, 'PROMO-ZR', 1000, 'zero_rated');
    pr.shoe = await product(r.merchants.sports, 'PROMO-SHOE', 12999, 'standard');
    campaignId = (
      await createCampaign(db, {
        title_fr: 'Achat local Outaouais',
        title_en: 'Buy local Outaouais',
        ...running(),
      })
    ).id;
    await createPromoCode(db, campaignId, { code: 'LOCAL10', kind: 'percent', value: 10 });
    await createPromoCode(db, campaignId, {
      code: 'RABAIS2999',
      kind: 'amount',
      value: 2999,
      merchant_id: sports,
    });
    await createPromoCode(db, campaignId, {
      code: 'MIN50',
      kind: 'amount',
      value: 500,
      min_subtotal_cents: 5000,
    });
    await createPromoCode(db, campaignId, { code: 'ONCE', kind: 'percent', value: 20, max_uses: 1 });
    await createPromoCode(db, campaignId, { code: 'ONCEB', kind: 'percent', value: 20, max_uses: 1 });
    await createPromoCode(db, campaignId, { code: 'RETRY5', kind: 'percent', value: 5, max_uses: 5 });
    await createPromoCode(db, campaignId, { code: 'PAGE15', kind: 'percent', value: 15 });
    const ended = await createCampaign(db, {
      title_fr: 'Finie',
      title_en: 'Over',
      starts_at: new Date(Date.now() - 10 * day).toISOString(),
      ends_at: new Date(Date.now() - day).toISOString(),
    });
    await createPromoCode(db, ended.id, { code: 'OLD5', kind: 'percent', value: 5 });
  });
  after(() => p?.close());

  const newCart = (lines: [number, number][]): Promise<Cart> => cartWith(p.app, lines);
  const pickup = (...ids: number[]) =>
    Object.fromEntries(
      ids.map((id) => [
        id,
        {
          method: 'pickup',
          location_id: id === erab ? r.merchants.erabliere.location_id : r.merchants.sports.location_id,
        },
      ]),
    );
  const body = checkoutBody;
  const post = (c: Cart, payload: unknown, key = randomUUID(), lang = 'fr') =>
    checkoutCart(p.app, c, payload, { idempotencyKey: key, lang });
  const uses = async (code: string) =>
    (await db.selectFrom('promo_codes').select('uses').where('code', '=', code).executeTakeFirstOrThrow())
      .uses;
  const level = (productId: number) =>
    db
      .selectFrom('inventory_levels')
      .select(['on_hand', 'reserved'])
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
  const checkoutsOf = (c: Cart) =>
    db.selectFrom('checkouts').select(['id', 'status']).where('cart_id', '=', c.cart_id).execute();

  test('largest-remainder allocation: exact sum, never above a part, ties to the earlier part', () => {
    assert.deepEqual(allocateProportionally(100, [100, 100, 100]), [34, 33, 33]);
    assert.deepEqual(allocateProportionally(100, [1, 1, 1]), [1, 1, 1]); // never more than the parts
    assert.deepEqual(allocateProportionally(300, [2000, 1000]), [200, 100]);
    assert.deepEqual(allocateProportionally(10, [3, 3, 3, 1]), [3, 3, 3, 1]);
    assert.deepEqual(allocateProportionally(50, [0, 7]), [0, 7]); // capped at the total of the parts
    assert.deepEqual(allocateProportionally(7, [999, 1, 1]), [7, 0, 0]);
    for (let i = 0; i < 200; i++) {
      const w = Array.from({ length: 1 + (i % 7) }, (_, k) => ((i * 7919 + k * 104729) % 5000) + (k % 3));
      const total = (i * 31337) % 9000;
      const a = allocateProportionally(total, w);
      assert.equal(
        a.reduce((s, x) => s + x, 0),
        Math.min(
          total,
          w.reduce((s, x) => s + x, 0),
        ),
      );
      for (const [k, x] of a.entries()) assert.ok(x >= 0 && x <= w[k], `${x} within 0..${w[k]}`);
    }
  });

  test('percent code, campaign-wide, 2 merchants: each discounted, spread over lines, taxes on the discounted base (en)', async () => {
    const c = await newCart([
      [pr.std, 1],
      [pr.zr, 1],
      [pr.shoe, 1],
    ]);
    // The cart API previews exactly what the checkout will charge.
    const preview = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${c.cart_id}?promo_code=%20local10%20`,
      headers: { authorization: `Bearer ${c.token}` },
    });
    assert.equal(preview.statusCode, 200, preview.body);
    const pv = preview.json();
    assert.equal(pv.discount_cents, 1600);
    assert.deepEqual(pv.promo, { code: 'LOCAL10', discount_cents: 1600 });
    const before = await uses('LOCAL10');
    const res = await post(c, body(pickup(erab, sports), { promo_code: 'local10' }), randomUUID(), 'en');
    assert.equal(res.statusCode, 201, res.body);
    const out = res.json();
    const byMerchant = (id: number) => out.orders.find((o: { merchant_id: number }) => o.merchant_id === id);
    // Érablière: 20.00 (standard) + 10.00 (zero-rated) = 30.00; 10% = 3.00 spread 2.00 / 1.00.
    // Taxable 20.00 − 2.00 = 18.00: GST 0.90, QST 1.7955 -> 1.80; the zero-rated line stays untaxed.
    assert.deepEqual(byMerchant(erab).totals, {
      subtotal_cents: 3000,
      discount_cents: 300,
      delivery_fee_cents: 0,
      gst_cents: 90,
      qst_cents: 180,
      total_cents: 2970,
    });
    // Sports Chelsea: 129.99, 10% = 12.999 -> 13.00; taxable 116.99: GST 5.8495 -> 5.85, QST 11.6698 -> 11.67.
    assert.deepEqual(byMerchant(sports).totals, {
      subtotal_cents: 12999,
      discount_cents: 1300,
      delivery_fee_cents: 0,
      gst_cents: 585,
      qst_cents: 1167,
      total_cents: 13451,
    });
    assert.equal(out.total_cents, 2970 + 13451);
    assert.deepEqual(out.promo, { code: 'LOCAL10', discount_cents: 1600 });
    assert.equal(pv.total_cents, out.total_cents);
    assert.equal(await uses('LOCAL10'), before + 1);
    // Stored: order discount and code, each line's share.
    const o = await db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', byMerchant(erab).order_id)
      .executeTakeFirstOrThrow();
    assert.equal(o.discount_cents, 300);
    assert.equal(o.taxable_cents, 1800);
    assert.ok(o.promo_code_id);
    const lines = await db
      .selectFrom('order_lines')
      .select(['sku', 'line_total_cents', 'discount_cents'])
      .where('order_id', '=', o.id)
      .orderBy('sku')
      .execute();
    assert.deepEqual(
      lines.map((l) => ({ ...l })),
      [
        { sku: 'PROMO-STD', line_total_cents: 2000, discount_cents: 200 },
        { sku: 'PROMO-ZR', line_total_cents: 1000, discount_cents: 100 },
      ],
    );
    // The order API shows the discount; the English receipt email has the discount line before the taxes.
    const api = await p.app.inject({
      method: 'GET',
      url: `/api/v1/orders/${o.id}`,
      headers: { authorization: `Bearer ${byMerchant(erab).access_token}` },
    });
    assert.equal(api.json().totals.discount_cents, 300);
    assert.equal(api.json().promo_code, 'LOCAL10');
    const mail = await db
      .selectFrom('outbox')
      .select('text_body')
      .where('kind', '=', 'order_confirmation')
      .where('subject', 'like', `%${out.checkout_id}%`)
      .executeTakeFirstOrThrow();
    const text = mail.text_body;
    assert.match(
      text,
      /Subtotal: \$30\.00\nDiscount LOCAL10: -\$3\.00\nSubtotal after discount: \$27\.00\nGST 5%: \$0\.90\nQST 9\.975%: \$1\.80\nTotal: \$29\.70/,
    );
    assert.match(text, /Discount LOCAL10: -\$13\.00\nSubtotal after discount: \$116\.99\nGST 5%: \$5\.85/);
    assert.match(text, /Purchase total: \$164\.21/);
  });

  test('amount code for one merchant in a 2-merchant cart: only that merchant discounted; Revenu Québec’s worked example in exact cents (fr)', async () => {
    const c = await newCart([
      [pr.std, 1],
      [pr.shoe, 1],
    ]);
    const res = await post(c, body(pickup(erab, sports), { promo_code: 'RABAIS2999' }));
    assert.equal(res.statusCode, 201, res.body);
    const out = res.json();
    const e = out.orders.find((o: { merchant_id: number }) => o.merchant_id === erab);
    const s = out.orders.find((o: { merchant_id: number }) => o.merchant_id === sports);
    // Not covered: no discount, no discount field, taxes as without a code (20.00 -> 1.00 + 1.995 -> 2.00).
    assert.deepEqual(e.totals, {
      subtotal_cents: 2000,
      delivery_fee_cents: 0,
      gst_cents: 100,
      qst_cents: 200,
      total_cents: 2300,
    });
    // 129.99 − 29.99 = 100.00 taxable -> GST 5.00, QST 9.98, total 114.98 (Revenu Québec's worked example).
    assert.deepEqual(s.totals, {
      subtotal_cents: 12999,
      discount_cents: 2999,
      delivery_fee_cents: 0,
      gst_cents: 500,
      qst_cents: 998,
      total_cents: 11498,
    });
    const rows = await db
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'promo_code_id', 'discount_cents'])
      .where('checkout_id', '=', out.checkout_id)
      .execute();
    assert.equal(rows.find((x) => x.merchant_id === erab)?.promo_code_id, null);
    assert.ok(rows.find((x) => x.merchant_id === sports)?.promo_code_id);
    // French receipt (email and order page): discount before the taxes.
    const mail = await db
      .selectFrom('outbox')
      .select('text_body')
      .where('kind', '=', 'order_confirmation')
      .where('subject', 'like', `%${out.checkout_id}%`)
      .executeTakeFirstOrThrow();
    assert.match(mail.text_body, new RegExp(`Rabais RABAIS2999: -29,99${NBSP}\\$`));
    assert.match(mail.text_body, new RegExp(`Sous-total après rabais: 100,00${NBSP}\\$`));
    assert.match(mail.text_body, new RegExp(`TPS 5 %: 5,00${NBSP}\\$`));
    assert.match(mail.text_body, new RegExp(`TVQ 9,975 %: 9,98${NBSP}\\$`));
    assert.match(mail.text_body, new RegExp(`Total: 114,98${NBSP}\\$`));
    const page = await p.app.inject({
      method: 'GET',
      url: `/fr/commandes/${s.order_id}?token=${encodeURIComponent(s.access_token)}`,
    });
    assert.equal(page.statusCode, 200);
    const at = page.body.indexOf('Rabais RABAIS2999');
    assert.ok(at > 0 && at < page.body.indexOf('TPS 5 %'), 'discount line before the taxes');
    const merchantMail = await db
      .selectFrom('outbox')
      .select('text_body')
      .where('kind', '=', 'merchant_new_order')
      .where('subject', 'like', `%${s.order_id}%`)
      .executeTakeFirstOrThrow();
    assert.match(merchantMail.text_body, /Rabais RABAIS2999/);
  });

  test('gift card pays the discounted total, nothing more', async () => {
    await setParticipation(db, erab, true);
    const card = await issueGiftCard(db, { paidCents: 5000 });
    const c = await newCart([[pr.std, 1]]);
    const res = await post(
      c,
      body(pickup(erab), { promo_code: 'LOCAL10', payment: { method: 'gift_card', code: card.code } }),
    );
    assert.equal(res.statusCode, 201, res.body);
    // 20.00 − 2.00 = 18.00 + GST 0.90 + QST 1.80 = 20.70.
    assert.equal(res.json().total_cents, 2070);
    const row = await db
      .selectFrom('gift_cards')
      .select('paid_balance_cents')
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.paid_balance_cents, 5000 - 2070);
  });

  test('unknown, expired and below-minimum codes: a translated error at promo_code, nothing reserved or counted, attempt logged', async () => {
    const c = await newCart([[pr.std, 1]]);
    const lvl = await level(pr.std);
    const usesBefore = await uses('MIN50');
    for (const [code, fr] of [
      ['NOPE', 'Code promo inconnu.'],
      ['old5', 'Ce code promo n’est pas valide en ce moment.'],
      ['MIN50', `Ce code promo demande un achat d’au moins 50.00 $.`],
    ]) {
      const res = await post(c, body(pickup(erab), { promo_code: code }));
      assert.equal(res.statusCode, 400, `${code}: ${res.body}`);
      const fields = res.json().error.details.fields;
      assert.deepEqual(
        fields.map((f: { field: string; message: string }) => [f.field, f.message]),
        [['promo_code', fr]],
      );
    }
    const en = await post(c, body(pickup(erab), { promo_code: 'NOPE' }), randomUUID(), 'en');
    assert.equal(en.json().error.details.fields[0].message, 'Unknown promo code.');
    // Reported together with the other field errors.
    const both = await post(c, body({}, { promo_code: 'NOPE' }));
    assert.deepEqual(
      both
        .json()
        .error.details.fields.map((f: { field: string }) => f.field)
        .sort(),
      [`fulfilment.${erab}`, 'promo_code'],
    );
    assert.deepEqual(await level(pr.std), lvl);
    assert.equal((await checkoutsOf(c)).length, 0);
    assert.equal(await uses('MIN50'), usesBefore);
    // The same key can then be used without the code (a refusal is not stored as the key's answer).
    const key = randomUUID();
    assert.equal((await post(c, body(pickup(erab), { promo_code: 'NOPE' }), key)).statusCode, 400);
    assert.equal((await post(c, body(pickup(erab)), key)).statusCode, 201);
    // Refused attempts are logged (event promo_code_refused with the reason).
    const logged: unknown[] = [];
    const deps = {
      ...checkoutDeps(p.context),
      log: { error: () => {}, warn: (obj: unknown) => logged.push(obj) },
    };
    const c2 = await newCart([[pr.std, 1]]);
    await assert.rejects(
      checkout(
        deps,
        c2.cart_id,
        randomUUID(),
        { ...body(pickup(erab)), promo_code: 'GUESS1' } as never,
        'fr',
      ),
      (e: { issues?: { field: string }[] }) => e.issues?.[0]?.field === 'promo_code',
    );
    assert.deepEqual(logged, [
      { event: 'promo_code_refused', code: 'GUESS1', reason: 'promo.unknown', cart_id: c2.cart_id },
    ]);
  });

  test('max_uses = 1 and 10 concurrent checkouts: exactly one gets the discount, the others a clear error, no stock held', async () => {
    const carts: Cart[] = [];
    for (let i = 0; i < 10; i++) carts.push(await newCart([[pr.std, 1]]));
    const lvl = await level(pr.std);
    const results = await Promise.all(carts.map((c) => post(c, body(pickup(erab), { promo_code: 'ONCE' }))));
    const ok = results.filter((x) => x.statusCode === 201);
    const refused = results.filter((x) => x.statusCode !== 201);
    assert.equal(ok.length, 1, results.map((x) => `${x.statusCode} ${x.body}`).join('\n'));
    assert.equal(ok[0].json().promo.discount_cents, 400);
    for (const x of refused) {
      assert.equal(x.statusCode, 400, x.body);
      const f = x.json().error.details.fields;
      assert.deepEqual(
        f.map((i: { field: string; message: string }) => [i.field, i.message]),
        [['promo_code', 'Ce code promo a atteint sa limite d’utilisation.']],
      );
    }
    assert.equal(await uses('ONCE'), 1);
    const after = await level(pr.std);
    assert.equal(after.reserved, lvl.reserved + 1, 'only the winner holds stock');
    const held = await db
      .selectFrom('reservations')
      .select('id')
      .where('product_id', '=', pr.std)
      .where('status', '=', 'held')
      .execute();
    assert.equal(held.length, 0);
    const discounted = await db
      .selectFrom('orders as o')
      .innerJoin('promo_codes as pc', 'pc.id', 'o.promo_code_id')
      .select('o.id')
      .where('pc.code', '=', 'ONCE')
      .execute();
    assert.equal(discounted.length, 1);
  });

  test('max_uses = 1, all 10 checkouts past validation and holding stock when they confirm: one wins, nine undone', async () => {
    // Every checkout waits at the payment step until all ten got there, so all ten validated the
    // code and reserved stock: only the conditional UPDATE in the confirm transaction decides.
    const base = checkoutDeps(p.context);
    let arrived = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const fallback = setTimeout(() => open(), 10_000);
    const deps = {
      ...base,
      payments: (id: string) => {
        const m = base.payments(id);
        return {
          ...m,
          authorize: async (...args: Parameters<typeof m.authorize>) => {
            if (++arrived === 10) open();
            await gate;
            return m.authorize(...args);
          },
        };
      },
    };
    const carts: Cart[] = [];
    for (let i = 0; i < 10; i++) carts.push(await newCart([[pr.zr, 1]]));
    const lvl = await level(pr.zr);
    const results = await Promise.allSettled(
      carts.map((c) =>
        checkout(
          deps,
          c.cart_id,
          randomUUID(),
          { ...body(pickup(erab)), payment: { method: 'in_store' }, promo_code: 'ONCEB' } as never,
          'fr',
        ),
      ),
    );
    clearTimeout(fallback);
    assert.equal(arrived, 10);
    const ok = results.filter((x) => x.status === 'fulfilled');
    assert.equal(ok.length, 1);
    assert.equal((ok[0] as PromiseFulfilledResult<{ status: number }>).value.status, 201);
    for (const x of results.filter((y) => y.status === 'rejected'))
      assert.deepEqual((x as PromiseRejectedResult).reason.issues, [
        { field: 'promo_code', message: 'promo.exhausted' },
      ]);
    assert.equal(await uses('ONCEB'), 1);
    assert.equal((await level(pr.zr)).reserved, lvl.reserved + 1, 'the nine losers gave their stock back');
    const statuses = await db
      .selectFrom('checkouts')
      .select('status')
      .where(
        'cart_id',
        'in',
        carts.map((c) => c.cart_id),
      )
      .execute();
    assert.deepEqual(statuses.map((x) => x.status).sort(), ['confirmed', ...Array(9).fill('failed')]);
  });

  test('idempotent retries (double click, replay, retry after a lost response) never count the code twice', async () => {
    const c = await newCart([[pr.std, 2]]);
    const key = randomUUID();
    const payload = body(pickup(erab), { promo_code: 'RETRY5' });
    const [a, b] = await Promise.all([post(c, payload, key), post(c, payload, key)]);
    assert.equal(a.statusCode, 201, a.body);
    assert.deepEqual(b.json(), a.json());
    assert.deepEqual((await post(c, payload, key)).json(), a.json());
    assert.equal(await uses('RETRY5'), 1);
    // The stored answer lost (as after a crash between commit and reply): rebuilt from the orders.
    await db.deleteFrom('idempotency_keys').where('key', '=', key).execute();
    const again = await post(c, payload, key);
    assert.equal(again.statusCode, 201, again.body);
    assert.deepEqual(again.json(), a.json());
    assert.deepEqual(a.json().promo, { code: 'RETRY5', discount_cents: 200 });
    assert.equal(await uses('RETRY5'), 1);
    const orders = await db
      .selectFrom('orders')
      .select('id')
      .where('checkout_id', '=', a.json().checkout_id)
      .execute();
    assert.equal(orders.length, 1);
  });

  test('checkout page: promo field works without JavaScript, error next to the field, summary shows the discount', async () => {
    const c = await newCart([
      [pr.std, 1],
      [pr.shoe, 1],
    ]);
    const agent = new Agent(p.app, '10.9.0.1');
    agent.cookies.set('cart_token', c.token);
    const form = {
      'customer.name': 'Luc Fortin',
      'customer.email': 'luc@example.test',
      [`f_${erab}`]: `pickup:${r.merchants.erabliere.location_id}`,
      [`f_${sports}`]: `pickup:${r.merchants.sports.location_id}`,
      payment_method: 'in_store',
    };
    const page = await agent.get('/fr/paiement');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<input id="c-promo_code" name="promo_code"/);
    const lvl = await level(pr.std);
    // "Apply" with an unknown code: the form again, the message right after the field.
    const bad = await agent.submit('/fr/paiement', { ...form, promo_code: 'NOPE', apply_promo: '1' });
    assert.equal(bad.statusCode, 400);
    const input = bad.body.indexOf('id="c-promo_code"');
    const msg = bad.body.indexOf('<p class="field-error" id="e-promo_code">Code promo inconnu.</p>');
    assert.ok(input > 0 && msg > input, 'error after the field');
    assert.match(
      bad.body,
      /id="c-promo_code" name="promo_code" type="text" value="NOPE"[^>]*aria-invalid="true"/,
    );
    assert.match(bad.body, /value="Luc Fortin"/);
    // "Apply" with a good code: the summary shows each discount and the discounted total.
    const good = await agent.submit('/fr/paiement', { ...form, promo_code: 'page15', apply_promo: '1' });
    assert.equal(good.statusCode, 200, good.body);
    // 15%: 20.00 -> 3.00 off (17.00 + 0.85 + 1.70 = 19.55); 129.99 -> 19.50 off (110.49 + 5.52 + 11.02 = 127.03).
    assert.match(good.body, new RegExp(`Code PAGE15 appliqué : rabais de 22,50${NBSP}\\$ avant taxes\\.`));
    assert.match(
      good.body,
      new RegExp(`Rabais \\(PAGE15\\)</dt><dd class="discount"><span class="money">-3,00${NBSP}\\$`),
    );
    assert.match(
      good.body,
      new RegExp(`Rabais \\(PAGE15\\)</dt><dd class="discount"><span class="money">-19,50${NBSP}\\$`),
    );
    assert.match(good.body, new RegExp(`Total\u202f: <strong><span class="money">146,58${NBSP}\\$`));
    assert.deepEqual(await level(pr.std), lvl, 'applying reserves nothing');
    assert.equal(await uses('PAGE15'), 0, 'applying counts nothing');
    // Placing the order with a bad code: error next to the field, nothing reserved.
    const refused = await agent.submit('/fr/paiement', { ...form, promo_code: 'OLD5' });
    assert.equal(refused.statusCode, 400);
    assert.match(
      refused.body,
      /<p class="field-error" id="e-promo_code">Ce code promo n’est pas valide en ce moment\.<\/p>/,
    );
    assert.deepEqual(await level(pr.std), lvl);
    assert.equal((await checkoutsOf(c)).length, 0);
    // Placing it with the good code.
    const placed = await agent.submit('/fr/paiement', { ...form, promo_code: 'PAGE15' });
    assert.equal(placed.statusCode, 303, placed.body);
    assert.match(String(placed.headers.location), /^\/fr\/paiement\/confirmation\/\d+\?s=/);
    const orders = await db
      .selectFrom('orders')
      .select(['merchant_id', 'discount_cents', 'total_cents'])
      .where('checkout_id', '=', Number(/confirmation\/(\d+)/.exec(String(placed.headers.location))?.[1]))
      .execute();
    const of = (id: number) => orders.find((o) => o.merchant_id === id);
    assert.deepEqual([of(erab)?.discount_cents, of(erab)?.total_cents], [300, 1955]);
    assert.deepEqual([of(sports)?.discount_cents, of(sports)?.total_cents], [1950, 12703]);
    assert.equal(await uses('PAGE15'), 1);
  });

  test('campaign figures: orders, sales and discounts with the campaign’s codes; cancelled orders left out; shown to the owner', async () => {
    const rows = await db
      .selectFrom('orders as o')
      .innerJoin('promo_codes as pc', 'pc.id', 'o.promo_code_id')
      .select(['o.id', 'o.total_cents', 'o.discount_cents'])
      .where('pc.campaign_id', '=', campaignId)
      .where('o.status', '<>', 'cancelled')
      .execute();
    assert.ok(rows.length >= 6);
    const f = await campaignFigures(db, campaignId);
    assert.ok(f);
    assert.equal(f.promo_orders, rows.length);
    assert.equal(
      f.promo_sales_cents,
      rows.reduce((s, o) => s + o.total_cents, 0),
    );
    assert.equal(
      f.promo_discount_cents,
      rows.reduce((s, o) => s + o.discount_cents, 0),
    );
    await transitionOrder(db, p.context.events, { orderId: rows[0].id, to: 'cancelled', actor: 'system' });
    const f2 = await campaignFigures(db, campaignId);
    assert.equal(f2?.promo_orders, rows.length - 1);
    assert.equal(f2?.promo_discount_cents, (f.promo_discount_cents ?? 0) - rows[0].discount_cents);
    const admin = await createOperator(db, {
      email: 'region-promo@example.org',
      password: 'correct horse battery staple',
      role: 'region_admin',
    });
    const agent = new Agent(p.app, '10.9.0.2');
    const [name, value] = (await sessionCookie(db, admin.user_id)).split('=');
    agent.cookies.set(name, value);
    const page = await agent.get(`/fr/admin/campaigns/${campaignId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`data-figure="promo_orders">${rows.length - 1}<`));
    assert.match(page.body, /Rabais accordés/);
  });
});

describe(`migration 036 on existing orders (${TEST_DB_KIND})`, () => {
  test('down then up keeps orders and lines, the cascade and the indexes; the new checks hold', async () => {
    const t = await createTestDatabase();
    try {
      const db = t.database.db;
      const r = await seedMiniRegion(db);
      const cart = await db
        .insertInto('carts')
        .values({ token_hash: 'x'.repeat(64) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ck = await db
        .insertInto('checkouts')
        .values({
          cart_id: cart.id,
          idempotency_key: 'k',
          status: 'confirmed',
          payment_method: 'in_store',
          customer_json: '{}',
          total_cents: 1149,
          expires_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const order = (extra: Record<string, number>) => ({
        checkout_id: ck.id,
        merchant_id: r.merchants.erabliere.merchant_id,
        customer_name: 'A',
        customer_email: 'a@example.test',
        fulfilment_method: 'pickup' as const,
        location_id: r.merchants.erabliere.location_id,
        subtotal_cents: 1000,
        taxable_cents: 1000,
        gst_cents: 50,
        qst_cents: 99,
        total_cents: 1149,
        payment_method: 'in_store',
        access_token_hash: 's',
        ...extra,
      });
      const o = await db.insertInto('orders').values(order({})).returning('id').executeTakeFirstOrThrow();
      await db
        .insertInto('order_lines')
        .values({
          order_id: o.id,
          product_id: r.products.tire,
          location_id: r.merchants.erabliere.location_id,
          sku: 'TIRE-250',
          title: 'Tire',
          tax_class: 'standard',
          quantity: 1,
          unit_price_cents: 1000,
          line_total_cents: 1000,
        })
        .execute();
      await migration036.down(db as never);
      await migration036.up(db as never);
      const back = await db.selectFrom('orders').selectAll().where('id', '=', o.id).executeTakeFirstOrThrow();
      assert.equal(back.total_cents, 1149);
      assert.equal(back.discount_cents, 0);
      // total = subtotal − discount + fee + taxes, and a discount within 0..subtotal.
      await db
        .insertInto('orders')
        .values(order({ discount_cents: 100, total_cents: 1049 }))
        .execute();
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order({ discount_cents: 100 }))
          .execute(),
      );
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order({ discount_cents: 2000, total_cents: 1149 - 2000 }))
          .execute(),
      );
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order({ discount_cents: -1, total_cents: 1150 }))
          .execute(),
      );
      // The lines still belong to the orders table (cascade on delete).
      await db.deleteFrom('orders').where('id', '=', o.id).execute();
      const lines = await db.selectFrom('order_lines').select('id').where('order_id', '=', o.id).execute();
      assert.equal(lines.length, 0);
      if (t.database.kind === 'sqlite') {
        const ix = t.database
          .sqlite!.prepare(
            "select name from sqlite_master where type = 'index' and tbl_name = 'orders' order by name",
          )
          .all()
          .map((x) => (x as { name: string }).name);
        assert.deepEqual(ix, [
          'orders_checkout',
          'orders_merchant_status',
          'orders_promo_code',
          'orders_user',
        ]);
        assert.equal(
          (t.database.sqlite!.prepare('pragma foreign_keys').get() as { foreign_keys: number }).foreign_keys,
          1,
        );
      }
    } finally {
      await t.cleanup();
    }
  });
});
