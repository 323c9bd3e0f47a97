/**
 * Settlement by period (issue 15), on SQLite and PostgreSQL, against the local Stripe fake: card
 * orders, a partial refund (one merchant's order of a two-merchant checkout cancelled), gift-card
 * redemptions and a settlement run, across a period boundary. For one merchant, in its statement
 * and in the gift-card settlement report, every column is about the sales of the period chosen:
 * charged − refunded − platform fee = transferred + pending, to the cent, the periods add up to
 * all time, and what was transferred is what the fake Stripe holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOperator, createUser } from '../../src/modules/accounts/index.ts';
import { issueGiftCard, setParticipation, settlementReport } from '../../src/modules/giftcards/index.ts';
import {
  giftCardSettlementStatus,
  merchantStatement,
  runSettlement,
  type Statement,
  stripeClient,
} from '../../src/modules/payments/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { cartWith, checkoutBody, checkoutCart, pickupAt } from '../helpers/factories.ts';
import { connectMerchant, type FakeStripe, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const PW = 'correct horse battery staple';
const CONNECT_SECRET = 'whsec_settlement_connect';
const FEE_PERCENT = 5;
/** October (the sales of batch 1, dated back there) and November onwards (batch 2, made now). */
const OCTOBER = { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
const LATER = { from: '2026-11-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
const IN_OCTOBER = '2026-10-15T12:00:00.000Z';

const fee = (cents: number) => Math.round((cents * FEE_PERCENT) / 100);

/** (charged + gift cards) − (refunded + gift cards given back) − fee = transferred + pending. */
function assertAddsUp(s: Statement, what: string) {
  assert.equal(
    s.charged_cents +
      s.gift_card_redeemed_cents -
      s.refunded_cents -
      s.gift_card_returned_cents -
      s.platform_fee_cents,
    s.transferred_cents + s.pending_cents,
    `${what}: charged − refunded − fee = transferred + pending`,
  );
  assert.equal(s.gift_card_cents, s.gift_card_redeemed_cents - s.gift_card_returned_cents, what);
}

describe(`settlement by period: statements and the gift-card report add up to the cent (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let region: MiniRegion;
  let A: number;
  let B: number;
  let accountA = '';
  const db = () => p.context.database.db;
  /** Checkout ids per batch, to match the fake's transfers (transfer_group) to their period. */
  const checkouts = { october: new Set<number>(), later: new Set<number>() };
  const totals = {
    cardRefunded: 0, // A's order of the two-merchant checkout, cancelled after the boundary
    cardPending: 0, // A's card order whose transfer failed at capture (settled by the run)
    cardLater: 0, // A's card order of November
    giftOctober: 0,
    giftLater: 0,
  };

  const cardCheckout = async (lines: [number, number][], stores: Parameters<typeof pickupAt>) => {
    const r = await checkoutCart(
      p.app,
      await cartWith(p.app, lines),
      checkoutBody(pickupAt(...stores), { payment: { method: 'card', payment_method: 'pm_card_visa' } }),
    );
    assert.equal(r.statusCode, 201, r.body);
    return r.json() as {
      checkout_id: number;
      orders: { order_id: number; merchant_id: number; totals: { total_cents: number } }[];
    };
  };
  const giftCheckout = async (code: string) => {
    const r = await checkoutCart(
      p.app,
      await cartWith(p.app, [[region.products.sirop, 1]]),
      checkoutBody(pickupAt(region.merchants.erabliere), { payment: { method: 'gift_card', code } }),
    );
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json() as { checkout_id: number; orders: { order_id: number }[] };
    const o = await db()
      .selectFrom('orders')
      .select(['gift_card_cents'])
      .where('id', '=', res.orders[0].order_id)
      .executeTakeFirstOrThrow();
    assert.ok(o.gift_card_cents > 0);
    return { checkout_id: res.checkout_id, order_id: res.orders[0].order_id, cents: o.gift_card_cents };
  };
  /** What the fake Stripe holds for A from these checkouts: transfers minus reversals. */
  const atStripe = (ids: Set<number>) =>
    [...fake.transfers.values()]
      .filter((t) => t.destination === accountA && ids.has(Number(String(t.transfer_group).slice(9))))
      .reduce((s, t) => s + (t.amount as number) - (t.amount_reversed as number), 0);
  const cancel = async (orderId: number) => {
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/merchant/orders/${orderId}/transitions`,
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
      payload: { to: 'cancelled', reason: 'test' },
    });
    assert.equal(r.statusCode, 200, r.body);
  };
  let octoberGiftOrder = 0;

  before(async () => {
    fake = await startFakeStripe();
    p = await createTestPlatform({
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: 'whsec_settlement_platform',
      STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      STRIPE_API_BASE: fake.url,
      PLATFORM_FEE_PERCENT: String(FEE_PERCENT),
      SETTLEMENT_INTERVAL_SECONDS: '0',
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await db().updateTable('inventory_levels').set({ on_hand: 100 }).execute();
    A = region.merchants.erabliere.merchant_id;
    B = region.merchants.sports.merchant_id;
    for (const m of [A, B]) await setParticipation(db(), m, true);
    accountA = await connectMerchant(p, fake, A, CONNECT_SECRET);
    await connectMerchant(p, fake, B, CONNECT_SECRET);

    // Batch 1 (October): a two-merchant card checkout, a card order whose transfer fails at
    // capture (pending), and a gift-card redemption at A.
    const c1 = await cardCheckout(
      [
        [region.products.oeufs, 2],
        [region.products.chaussures, 1],
      ],
      [region.merchants.erabliere, region.merchants.sports],
    );
    const c1A = c1.orders.find((o) => o.merchant_id === A);
    assert.ok(c1A);
    totals.cardRefunded = c1A.totals.total_cents;
    fake.failing.add('/v1/transfers');
    const c2 = await cardCheckout([[region.products.oeufs, 1]], [region.merchants.erabliere]).finally(() =>
      fake.failing.delete('/v1/transfers'),
    );
    totals.cardPending = c2.orders[0].totals.total_cents;
    const gc1 = await giftCheckout((await issueGiftCard(db(), { paidCents: 1500 })).code);
    totals.giftOctober = gc1.cents;
    octoberGiftOrder = gc1.order_id;
    for (const c of [c1.checkout_id, c2.checkout_id, gc1.checkout_id]) checkouts.october.add(c);
    // Those sales were made in October: their rows are dated back there (both ledgers).
    await db().updateTable('payment_ledger').set({ created_at: IN_OCTOBER }).execute();
    await db().updateTable('gift_card_ledger').set({ created_at: IN_OCTOBER }).execute();

    // After the boundary: A's October order of the two-merchant checkout is cancelled (a partial
    // refund of the PaymentIntent, its transfer reversed), the settlement runs (October's pending
    // card transfer and gift card), then November's sales: a card order and a gift card not yet
    // settled.
    await cancel(c1A.order_id);
    const run = await runSettlement(db(), stripeClient(p.context.config), { feePercent: FEE_PERCENT });
    assert.equal(run.card_transfers, 1);
    assert.deepEqual(run.gift_cards, { transferred: 1, reversed: 0, not_connected: 0, failed: 0 });
    const c3 = await cardCheckout([[region.products.oeufs, 3]], [region.merchants.erabliere]);
    totals.cardLater = c3.orders[0].totals.total_cents;
    const gc2 = await giftCheckout((await issueGiftCard(db(), { paidCents: 1200 })).code);
    totals.giftLater = gc2.cents;
    for (const c of [c3.checkout_id, gc2.checkout_id]) checkouts.later.add(c);
  });
  after(async () => {
    await p?.close();
    await fake?.close();
  });

  it('the statement of each period is about its own sales, to the cent, and matches Stripe', async () => {
    const oct = await merchantStatement(db(), A, OCTOBER);
    assert.deepEqual(
      {
        charged: oct.charged_cents,
        refunded: oct.refunded_cents,
        fee: oct.platform_fee_cents,
        gift: oct.gift_card_redeemed_cents,
        transferred: oct.transferred_cents,
        pending: oct.pending_cents,
      },
      {
        charged: totals.cardRefunded + totals.cardPending,
        refunded: totals.cardRefunded,
        // The fee of the refunded order is given back; the other's is kept.
        fee: fee(totals.cardPending),
        gift: totals.giftOctober,
        // Made in December for October's sales: they count for October.
        transferred: totals.cardPending - fee(totals.cardPending) + totals.giftOctober,
        pending: 0,
      },
    );
    assertAddsUp(oct, 'October');
    assert.equal(atStripe(checkouts.october), oct.transferred_cents, 'October: the ledger matches Stripe');

    const later = await merchantStatement(db(), A, LATER);
    assert.deepEqual(
      {
        charged: later.charged_cents,
        refunded: later.refunded_cents,
        fee: later.platform_fee_cents,
        gift: later.gift_card_redeemed_cents,
        transferred: later.transferred_cents,
        pending: later.pending_cents,
      },
      {
        charged: totals.cardLater,
        refunded: 0,
        fee: fee(totals.cardLater),
        gift: totals.giftLater,
        transferred: totals.cardLater - fee(totals.cardLater),
        // The gift card redeemed after the run: still to transfer today.
        pending: totals.giftLater,
      },
    );
    assertAddsUp(later, 'November onwards');
    assert.equal(atStripe(checkouts.later), later.transferred_cents, 'later: the ledger matches Stripe');

    // The periods add up to all time; statement lines follow the period too.
    const all = await merchantStatement(db(), A);
    assertAddsUp(all, 'all time');
    for (const k of [
      'charged_cents',
      'refunded_cents',
      'platform_fee_cents',
      'gift_card_cents',
      'transferred_cents',
      'pending_cents',
    ] as const)
      assert.equal(oct[k] + later[k], all[k], k);
    assert.equal(oct.lines.length + later.lines.length, all.lines.length);
    assert.ok(oct.lines.every((l) => checkouts.october.has(l.checkout_id)));
    assert.ok(later.lines.every((l) => checkouts.later.has(l.checkout_id)));
  });

  it('the gift-card settlement report: owed, paid out to date and to pay out today are of the same redemptions', async () => {
    for (const [period, owed, settled] of [
      [OCTOBER, totals.giftOctober, totals.giftOctober],
      [LATER, totals.giftLater, 0],
    ] as const) {
      const money = await giftCardSettlementStatus(db(), [A], period);
      const [row] = await settlementReport(db(), period, [A], money);
      assert.deepEqual(
        [row.redemptions, row.total_cents, row.settled_cents, row.pending_cents],
        [1, owed, settled, owed - settled],
        period.from,
      );
      assert.equal(row.total_cents, row.settled_cents + row.pending_cents);
      // The statement of the same period says the same about gift cards.
      assert.equal(money.get(A)?.owed_cents, (await merchantStatement(db(), A, period)).gift_card_cents);
    }

    // The operator's page and CSV with the period form; a bad date is refused, not a 500.
    await createOperator(db(), { email: 'ops-settlement@example.org', password: PW, role: 'region_admin' });
    const admin = new Agent(p.app);
    assert.equal((await admin.login('ops-settlement@example.org', PW)).statusCode, 303);
    const csv = await admin.get('/en/admin/gift-cards?from=2026-10-01&to=2026-11-01&format=csv');
    assert.equal(csv.statusCode, 200, csv.body);
    const line = csv.body.split('\r\n').find((l) => l.startsWith(region.merchants.erabliere.slug));
    assert.match(
      String(line),
      new RegExp(`,1,${totals.giftOctober},0,${totals.giftOctober},${totals.giftOctober},0$`),
    );
    const page = await admin.get('/fr/admin/gift-cards?from=2026-11-01&to=2100-01-01');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Versé à ce jour \(Stripe\)/);
    assert.match(page.body, /À verser aujourd’hui/);
    assert.match(page.body, new RegExp(`data-merchant="${A}"[\\s\\S]*?data-pending="${totals.giftLater}"`));
    assert.equal((await admin.get('/fr/admin/gift-cards?from=2026-13-45')).statusCode, 400);
  });

  it('the merchant’s page shows the statement of the period chosen', async () => {
    await createUser(db(), {
      email: 'owner-settlement@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: A }],
    });
    const owner = new Agent(p.app);
    assert.equal((await owner.login('owner-settlement@example.test', PW)).statusCode, 303);
    const oct = await merchantStatement(db(), A, OCTOBER);
    const page = await owner.get('/fr/marchand/paiements?from=2026-10-01&to=2026-11-01');
    assert.equal(page.statusCode, 200, page.body);
    for (const [attr, v] of [
      ['data-charged', oct.charged_cents],
      ['data-refunded', oct.refunded_cents],
      ['data-gift-cards', oct.gift_card_redeemed_cents],
      ['data-fee', oct.platform_fee_cents],
      ['data-transferred', oct.transferred_cents],
      ['data-pending', oct.pending_cents],
    ] as const)
      assert.match(page.body, new RegExp(`${attr}="${v}"`), attr);
    assert.match(page.body, /Ventes faites pendant la période/);
    assert.match(page.body, /En attente de virement aujourd’hui/);
    const later = await owner.get('/en/merchant/payments?from=2026-11-01');
    assert.equal(later.statusCode, 200);
    assert.match(later.body, new RegExp(`data-pending="${totals.giftLater}"`));
    assert.equal((await owner.get('/fr/marchand/paiements?to=demain')).statusCode, 400);
  });

  it('a gift-card order of October cancelled in December: reversed, and gone from October only', async () => {
    await cancel(octoberGiftOrder);
    const run = await runSettlement(db(), stripeClient(p.context.config), { feePercent: FEE_PERCENT });
    assert.equal(run.gift_cards.reversed, 1);
    const oct = await merchantStatement(db(), A, OCTOBER);
    assert.equal(oct.gift_card_returned_cents, totals.giftOctober);
    assert.equal(oct.gift_card_cents, 0);
    assert.equal(oct.pending_cents, 0);
    assertAddsUp(oct, 'October after the cancellation');
    assert.equal(atStripe(checkouts.october), oct.transferred_cents);
    const money = await giftCardSettlementStatus(db(), [A], OCTOBER);
    const [row] = await settlementReport(db(), OCTOBER, [A], money);
    assert.deepEqual([row.redemptions, row.total_cents, row.settled_cents, row.pending_cents], [1, 0, 0, 0]);
    // November's gift card was settled by the same run: its pending is now transferred.
    const later = await merchantStatement(db(), A, LATER);
    assert.equal(later.pending_cents, 0);
    assert.equal(later.transferred_cents, totals.cardLater - fee(totals.cardLater) + totals.giftLater);
    assertAddsUp(later, 'November onwards after the run');
    assert.equal(atStripe(checkouts.later), later.transferred_cents);
    // B's own statement is untouched by A's movements and adds up too.
    assertAddsUp(await merchantStatement(db(), B), 'merchant B');
  });
});
