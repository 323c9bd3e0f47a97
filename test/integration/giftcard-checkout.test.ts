import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type ApiCart, checkoutCart, cartWith as newCartWith, pickupAt } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/** The gift card through the real checkout API (the buying module calls redeemGiftCard). */
describe(`gift card at checkout (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    r = await seedMiniRegion(p.context.database.db);
    await setParticipation(p.context.database.db, r.merchants.erabliere.merchant_id, true);
  });
  after(() => p.close());

  const cartWith = (productId: number, quantity: number) => newCartWith(p.app, [[productId, quantity]]);
  const checkout = (c: ApiCart, code: string) =>
    checkoutCart(p.app, c, {
      customer: { name: 'Léa Gagnon', email: 'lea@example.org' },
      fulfilment: pickupAt(r.merchants.erabliere),
      payment: { method: 'gift_card', code },
    });

  test('five checkouts at once on one card: only what the balance covers is paid, nothing more', async () => {
    const db = p.context.database.db;
    const card = await issueGiftCard(db, { paidCents: 6000 });
    // Syrup is zero-rated: each cart totals 2 × 12,99 $ = 25,98 $; 60 $ covers two of them and
    // 8,04 $ of a third (the rest due in store); the card then holds nothing: the others are refused.
    const carts = [];
    for (let i = 0; i < 5; i++) carts.push(await cartWith(r.products.sirop, 2));
    const results = await Promise.all(carts.map((c) => checkout(c, card.code)));
    const ok = results.filter((x) => x.statusCode === 201);
    const refused = results.filter((x) => x.statusCode !== 201);
    assert.equal(ok.length, 3, results.map((x) => `${x.statusCode} ${x.body}`).join('\n'));
    for (const x of refused) {
      assert.equal(x.statusCode, 422, x.body);
      assert.equal(x.json().error.details.fields[0].field, 'payment.code', x.body);
    }
    const paid = await db
      .selectFrom('orders')
      .select(['gift_card_cents', 'payment_status'])
      .where('payment_method', '=', 'gift_card')
      .orderBy('gift_card_cents', 'desc')
      .execute();
    assert.deepEqual(
      paid.map((o) => [o.gift_card_cents, o.payment_status]),
      [
        [2598, 'paid'],
        [2598, 'paid'],
        [6000 - 2 * 2598, 'due'],
      ],
    );
    const row = await db
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.paid_balance_cents, 0);
    const ledger = await db
      .selectFrom('gift_card_ledger')
      .selectAll()
      .where('card_id', '=', card.id)
      .where('kind', '=', 'redeem')
      .execute();
    assert.equal(ledger.length, 3);
    assert.equal(
      ledger.reduce((s, l) => s - l.paid_delta_cents, 0),
      6000,
    );
    // Refused checkouts hold no stock: 12 units, 6 sold (held or committed), 6 still available.
    const inv = await db
      .selectFrom('inventory_levels')
      .selectAll()
      .where('product_id', '=', r.products.sirop)
      .executeTakeFirstOrThrow();
    assert.equal(inv.on_hand - inv.reserved, 6, JSON.stringify(inv));
  });

  test('balance API: JSON with paid and bonus parts; unknown codes 404 and logged', async () => {
    const db = p.context.database.db;
    const card = await issueGiftCard(db, {
      paidCents: 2500,
      bonusPercent: 20,
      bonusExpiresAt: '2099-12-31T00:00:00.000Z',
      sponsor: 'Caisse',
    });
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/gift-cards/balance',
      payload: { code: card.code },
    });
    assert.equal(res.statusCode, 200);
    const b = res.json();
    assert.deepEqual(
      [b.balance_cents, b.paid_balance_cents, b.bonus_balance_cents, b.paid_expires_at],
      [3000, 2500, 500, null],
    );
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/gift-cards/balance',
      payload: { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZY' },
      remoteAddress: '192.0.2.50',
    });
    assert.equal(bad.statusCode, 404);
    const logged = await db
      .selectFrom('gift_card_attempts')
      .selectAll()
      .where('ip', '=', '192.0.2.50')
      .execute();
    assert.equal(logged.length, 1);
  });
});
