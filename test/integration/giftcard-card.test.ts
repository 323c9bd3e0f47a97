/**
 * Gift cards bought by card and gift-card redemptions settled to merchants by Stripe transfers
 * (issue 15), against the local fake (test/helpers/fake-stripe.ts): the purchase page, the signed
 * webhook (bad signature, replay, failed intent), settlement (not-connected merchant, a cancelled
 * order reversed, never twice), more than 100 pending, the lease and the timer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { findCardByCode, setParticipation } from '../../src/modules/giftcards/index.ts';
import { transitionOrder } from '../../src/modules/orders/index.ts';
import {
  merchantStatement,
  refundCancelledOrder,
  runSettlement,
  settleGiftCardRedemptions,
  settlePendingTransfers,
  startSettlementTimer,
  stripeClient,
} from '../../src/modules/payments/index.ts';
import { rowCount, TEST_DB_KIND } from '../helpers/db.ts';
import { cartWith, checkoutCart, pickupAt } from '../helpers/factories.ts';
import {
  connectMerchant,
  deliverEvent,
  type FakeStripe,
  signedEvent,
  startFakeStripe,
} from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

const WEBHOOK_SECRET = 'whsec_platform_test';
const CONNECT_SECRET = 'whsec_connect_test';

describe('settlement configuration', () => {
  it('SETTLEMENT_INTERVAL_SECONDS: whole seconds from 0 (off) to a day, 900 by default', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).SETTLEMENT_INTERVAL_SECONDS, 900);
    assert.equal(
      loadConfig({ NODE_ENV: 'test', SETTLEMENT_INTERVAL_SECONDS: '0' }).SETTLEMENT_INTERVAL_SECONDS,
      0,
    );
    for (const bad of ['-1', '1.5', 'soon', '86401'])
      assert.throws(
        () => loadConfig({ NODE_ENV: 'test', SETTLEMENT_INTERVAL_SECONDS: bad }),
        (e: unknown) => e instanceof ConfigError && /SETTLEMENT_INTERVAL_SECONDS/.test(e.message),
      );
  });
});

describe(`gift cards without Stripe configured (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform();
  });
  after(() => p?.close());

  it('no card offered; a card choice posted anyway is the office path (pending, no intent)', async () => {
    const agent = new Agent(p.app);
    const page = await agent.get('/fr/cartes-cadeaux');
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /data-card-choice|card-payment\.js/);
    const r = await agent.submit(
      '/fr/cartes-cadeaux/achat',
      {
        amount: '25',
        name: 'Léa',
        email: 'lea@example.test',
        payment_method: 'card',
        card_payment_method: 'pm_card_visa',
      },
      '/fr/cartes-cadeaux',
    );
    assert.equal(r.statusCode, 201, r.body);
    assert.match(r.body, /Carte-cadeau réservée/);
    const card = await p.context.database.db.selectFrom('gift_cards').selectAll().executeTakeFirstOrThrow();
    assert.equal(card.status, 'pending');
    assert.equal(card.payment_intent_id, null);
  });
});

describe(`gift cards by card, settled by transfers (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let region: MiniRegion;
  let A: number;
  let B: number;
  const db = () => p.context.database.db;
  const stripe = () => stripeClient(p.context.config);
  const hook = (ev: { payload: string; headers: Record<string, string> }) =>
    deliverEvent(p.app, 'webhook', ev);
  const cardRow = (id: number) =>
    db().selectFrom('gift_cards').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const buy = (agent: Agent, fields: Record<string, string>) =>
    agent.submit(
      '/fr/cartes-cadeaux/achat',
      { amount: '50', name: 'Léa Gagnon', email: 'lea@example.test', ...fields },
      '/fr/cartes-cadeaux',
    );
  const codeOf = (body: string) => /class="gift-code"[^>]*>([A-Z0-9-]{19})</.exec(body)?.[1];
  /** The event Stripe sends for an intent of the fake. */
  const eventFor = (type: string, piId: string, opts: { id?: string; secret?: string } = {}) =>
    signedEvent(opts.secret ?? WEBHOOK_SECRET, type, fake.intents.get(piId) as Record<string, unknown>, {
      id: opts.id,
    });
  const ledgerOf = (m: number) =>
    db().selectFrom('payment_ledger').selectAll().where('merchant_id', '=', m).orderBy('id').execute();

  before(async () => {
    fake = await startFakeStripe();
    p = await createTestPlatform({
      PUBLIC_URL: 'https://achat.example.ca',
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      STRIPE_API_BASE: fake.url,
      // Settlement is run by the tests themselves (the timer is tested on its own below).
      SETTLEMENT_INTERVAL_SECONDS: '0',
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await db().updateTable('inventory_levels').set({ on_hand: 100 }).execute();
    A = region.merchants.erabliere.merchant_id;
    B = region.merchants.sports.merchant_id;
    for (const m of [A, B]) await setParticipation(db(), m, true);
    // A takes card payments (Stripe Connect); B never connected.
    await connectMerchant(p, fake, A, CONNECT_SECRET);
  });
  after(async () => {
    await p?.close();
    await fake?.close();
  });

  let boughtCode = '';

  it('the purchase page offers card (hidden until Stripe.js runs) beside the office', async () => {
    const page = await new Agent(p.app).get('/fr/cartes-cadeaux');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /name="payment_method" value="office" checked/);
    assert.match(page.body, /data-card-choice[^>]*hidden/);
    assert.match(page.body, /data-stripe-key="pk_test_comptoir"/);
    assert.match(page.body, /card-payment\.js/);
  });

  it('bought by card: one platform intent keyed per card, no transfer; active only once the signed webhook says paid', async () => {
    const agent = new Agent(p.app);
    const r = await buy(agent, { payment_method: 'card', card_payment_method: 'pm_card_visa' });
    assert.equal(r.statusCode, 201, r.body);
    assert.match(r.body, /Carte-cadeau payée/);
    const code = codeOf(r.body);
    assert.ok(code, 'the code is shown');
    boughtCode = code;
    const card = await findCardByCode(db(), code);
    assert.ok(card);
    assert.equal(card.status, 'pending');
    assert.equal(card.paid_cents, 5000);
    const pi = fake.intents.get(card.payment_intent_id as string);
    assert.ok(pi, 'the intent is recorded on the card');
    assert.equal(pi.amount, 5000);
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.transfer_group, null);
    assert.deepEqual(pi.metadata, { kind: 'gift_card_purchase', gift_card_id: String(card.id) });
    const create = fake.calls.find((c) => c.path === '/v1/payment_intents' && c.params.metadata);
    assert.equal(create?.idempotencyKey, `giftcard-${card.id}-intent`);
    assert.equal(create?.account, undefined, 'on the platform account');
    assert.equal(fake.transfers.size, 0, 'no transfer at purchase');
    // Mailed too.
    const mail = await db().selectFrom('outbox').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(JSON.stringify(mail), new RegExp(code));

    // A bad signature changes nothing.
    const forged = eventFor('payment_intent.succeeded', pi.id, { secret: 'whsec_wrong' });
    const bad = await hook(forged);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal((await cardRow(card.id)).status, 'pending');

    const ev = eventFor('payment_intent.succeeded', pi.id);
    assert.equal((await hook(ev)).statusCode, 200);
    const active = await cardRow(card.id);
    assert.equal(active.status, 'active');
    // Replayed: acknowledged, nothing twice.
    assert.equal((await hook(ev)).statusCode, 200);
    const activations = await db()
      .selectFrom('gift_card_ledger')
      .selectAll()
      .where('card_id', '=', card.id)
      .where('kind', '=', 'activate')
      .execute();
    assert.equal(activations.length, 1);
    assert.equal((await cardRow(card.id)).activated_at, active.activated_at);
  });

  it('a declined card: translated message beside the form, no code, the pending card voided', async () => {
    const before = await rowCount(db(), 'gift_cards');
    const r = await buy(new Agent(p.app), {
      payment_method: 'card',
      card_payment_method: 'pm_card_chargeDeclined',
    });
    assert.equal(r.statusCode, 402, r.body);
    assert.match(r.body, /Le paiement par carte a été refusé/);
    assert.equal(codeOf(r.body), undefined);
    const rows = await db().selectFrom('gift_cards').selectAll().orderBy('id', 'desc').limit(1).execute();
    assert.equal(await rowCount(db(), 'gift_cards'), before + 1);
    assert.equal(rows[0].status, 'cancelled');
    assert.equal(rows[0].paid_balance_cents, 0);
  });

  /** The 3-D Secure step's page: the intent, its client secret and the code it holds for the return. */
  const actionOf = (body: string) => ({
    intent: /data-action-intent="(pi_[^"]+)"/.exec(body)?.[1] ?? '',
    secret: /data-action-secret="([^"]+)"/.exec(body)?.[1] ?? '',
    code: /name="card_code" value="([^"]+)"/.exec(body)?.[1] ?? '',
  });

  it('3-D Secure passed: the challenge on the page, then paid by the one intent, the code shown', async () => {
    const agent = new Agent(p.app);
    const r = await buy(agent, {
      payment_method: 'card',
      card_payment_method: 'pm_card_authenticationRequired',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /3-D Secure/);
    assert.equal(codeOf(r.body), undefined, 'no code shown before the bank answers');
    const step = actionOf(r.body);
    assert.ok(step.intent && step.secret.startsWith(`${step.intent}_secret_`) && step.code);
    const card = await findCardByCode(db(), step.code);
    assert.ok(card);
    assert.equal(card.status, 'pending');
    assert.equal(card.payment_intent_id, step.intent);
    assert.equal(fake.intents.get(step.intent)?.status, 'requires_action');
    // The bank's challenge passed (Stripe.js handleNextAction), the page comes back with the intent.
    fake.authenticate(step.intent, true);
    const back = await buy(agent, {
      payment_method: 'card',
      card_payment_intent: step.intent,
      card_code: step.code,
    });
    assert.equal(back.statusCode, 201, back.body);
    assert.match(back.body, /Carte-cadeau payée/);
    assert.equal(codeOf(back.body), step.code);
    const pi = fake.intents.get(step.intent);
    assert.equal(pi?.status, 'succeeded');
    assert.equal(pi?.amount, 5000);
    assert.equal(
      fake.calls.filter(
        (c) =>
          c.method === 'POST' &&
          c.path === '/v1/payment_intents' &&
          (c.params.metadata as Record<string, string> | undefined)?.gift_card_id === String(card.id),
      ).length,
      1,
      'one intent for the card',
    );
    // Usable once Stripe's signed webhook confirms, as any card bought by card.
    assert.equal((await hook(eventFor('payment_intent.succeeded', step.intent))).statusCode, 200);
    assert.equal((await cardRow(card.id)).status, 'active');
  });

  it('3-D Secure failed: the message, the intent cancelled, the pending card voided; a forged return changes nothing', async () => {
    const agent = new Agent(p.app);
    const r = await buy(agent, {
      payment_method: 'card',
      card_payment_method: 'pm_card_authenticationRequired',
    });
    assert.equal(r.statusCode, 200, r.body);
    const step = actionOf(r.body);
    const card = await findCardByCode(db(), step.code);
    assert.ok(card);
    // Another card's code with this intent (or an intent made elsewhere): refused, nothing changed.
    const forged = await buy(new Agent(p.app), {
      payment_method: 'card',
      card_payment_intent: step.intent,
      card_code: boughtCode,
    });
    assert.equal(forged.statusCode, 402, forged.body);
    assert.equal(codeOf(forged.body), undefined);
    assert.equal(fake.intents.get(step.intent)?.status, 'requires_action');
    assert.equal((await cardRow(card.id)).status, 'pending');
    assert.equal((await findCardByCode(db(), boughtCode))?.status, 'active');

    fake.authenticate(step.intent, false);
    const back = await buy(agent, {
      payment_method: 'card',
      card_payment_intent: step.intent,
      card_code: step.code,
    });
    assert.equal(back.statusCode, 402, back.body);
    assert.match(back.body, /La vérification de la carte \(3-D Secure\) n’a pas abouti/);
    assert.equal(codeOf(back.body), undefined);
    assert.equal(fake.intents.get(step.intent)?.status, 'canceled');
    const voided = await cardRow(card.id);
    assert.equal(voided.status, 'cancelled');
    assert.equal(voided.paid_balance_cents, 0);
  });

  it('a failed intent by webhook voids the pending card; a late success does not revive it', async () => {
    const r = await buy(new Agent(p.app), { payment_method: 'card', card_payment_method: 'pm_card_visa' });
    assert.equal(r.statusCode, 201, r.body);
    const card = await findCardByCode(db(), codeOf(r.body) as string);
    assert.ok(card?.payment_intent_id);
    assert.equal(
      (await hook(eventFor('payment_intent.payment_failed', card.payment_intent_id))).statusCode,
      200,
    );
    assert.equal((await cardRow(card.id)).status, 'cancelled');
    // The money came in for a voided card: refunded in full, once (keyed), the card stays void.
    const late = eventFor('payment_intent.succeeded', card.payment_intent_id);
    assert.equal((await hook(late)).statusCode, 200);
    assert.equal((await hook(late)).statusCode, 200);
    assert.equal((await cardRow(card.id)).status, 'cancelled');
    const refunds = [...fake.refunds.values()].filter((x) => x.payment_intent === card.payment_intent_id);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].amount, 5000);
    assert.equal(
      fake.calls.find((c) => c.path === '/v1/refunds' && c.params.payment_intent === card.payment_intent_id)
        ?.idempotencyKey,
      `refund-giftcard-${card.payment_intent_id}`,
    );
  });

  it('Stripe unreachable: a clear message, no code, the pending card voided', async () => {
    fake.down = true;
    try {
      const r = await buy(new Agent(p.app), { payment_method: 'card', card_payment_method: 'pm_card_visa' });
      assert.equal(r.statusCode, 402, r.body);
      assert.match(r.body, /Stripe|joindre|service de paiement/i);
      assert.equal(codeOf(r.body), undefined);
    } finally {
      fake.down = false;
    }
    const last = await db()
      .selectFrom('gift_cards')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(last.status, 'cancelled');
  });

  it('without card chosen the office path stays: pending, no intent', async () => {
    const intents = fake.intents.size;
    const r = await buy(new Agent(p.app), {});
    assert.equal(r.statusCode, 201, r.body);
    assert.match(r.body, /Carte-cadeau réservée/);
    assert.equal(fake.intents.size, intents);
    assert.equal((await findCardByCode(db(), codeOf(r.body) as string))?.payment_intent_id, null);
  });

  let orderA = 0;
  let orderB = 0;

  it('spent at two merchants: settled by one transfer to the connected one, the other pending; never twice', async () => {
    // Spent at A (syrup), then the rest at B (shoes), paid by the bought card (50 $).
    for (const [product, store] of [
      [region.products.sirop, region.merchants.erabliere],
      [region.products.chaussures, region.merchants.sports],
    ] as const) {
      const cart = await cartWith(p.app, [[product, 1]]);
      const res = await checkoutCart(p.app, cart, {
        customer: { name: 'Léa Gagnon', email: 'lea@example.test' },
        fulfilment: pickupAt(store),
        payment: { method: 'gift_card', code: boughtCode },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const orders = await db()
      .selectFrom('orders')
      .select(['id', 'merchant_id', 'gift_card_cents', 'payment_reference'])
      .where('payment_method', '=', 'gift_card')
      .orderBy('id')
      .execute();
    const oa = orders.find((o) => o.merchant_id === A);
    const ob = orders.find((o) => o.merchant_id === B);
    assert.ok(oa && ob);
    orderA = oa.id;
    orderB = ob.id;
    const owedA = oa.gift_card_cents;
    const owedB = ob.gift_card_cents;
    assert.ok(owedA > 0 && owedB > 0, JSON.stringify(orders));
    assert.equal(owedA + owedB, 5000, 'the whole card spent');
    // Owed in the ledger with the redemption.
    assert.deepEqual(
      (await ledgerOf(A))
        .filter((l) => l.kind === 'gift_card')
        .map((l) => [l.payment_intent_id, l.amount_cents]),
      [[oa.payment_reference, owedA]],
    );

    const run = await runSettlement(db(), stripe(), { feePercent: 0 });
    assert.equal(run.ran, true);
    assert.deepEqual(run.gift_cards, { transferred: 1, reversed: 0, not_connected: 1, failed: 0 });
    const transfers = [...fake.transfers.values()];
    assert.equal(transfers.length, 1);
    assert.equal(transfers[0].amount, owedA);
    assert.equal(transfers[0].source_transaction, null);
    assert.match(String(transfers[0].transfer_group), /^checkout_\d+$/);
    const call = fake.calls.find((c) => c.path === '/v1/transfers');
    assert.equal(call?.idempotencyKey, `gc-transfer-${oa.payment_reference}`);

    // Run again: nothing new is transferred; B is still pending.
    const again = await runSettlement(db(), stripe(), { feePercent: 0 });
    assert.deepEqual(again.gift_cards, { transferred: 0, reversed: 0, not_connected: 1, failed: 0 });
    assert.equal(fake.transfers.size, 1);

    // Statements add up to the cent: owed = transferred + pending.
    const sa = await merchantStatement(db(), A);
    assert.equal(sa.transferred_cents, owedA);
    assert.equal(sa.pending_cents, 0);
    const sb = await merchantStatement(db(), B);
    assert.equal(sb.transferred_cents, 0);
    assert.equal(sb.pending_cents, owedB);
  });

  it('the settlement report shows real money: settled and pending (not connected) per merchant', async () => {
    const region_admin = 'admin-gc@example.test';
    const { createUser } = await import('../../src/modules/accounts/index.ts');
    await createUser(db(), {
      email: region_admin,
      password: 'correct horse battery',
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    const admin = new Agent(p.app);
    assert.equal((await admin.login(region_admin, 'correct horse battery')).statusCode, 303);
    const page = await admin.get('/fr/admin/gift-cards?format=csv');
    assert.equal(page.statusCode, 200, page.body);
    const lines = page.body.trim().split('\r\n');
    assert.match(lines[0], /settled_cents,pending_cents$/);
    const sa = await merchantStatement(db(), A);
    const sb = await merchantStatement(db(), B);
    const rowA = lines.find((l) => l.startsWith(region.merchants.erabliere.slug));
    const rowB = lines.find((l) => l.startsWith(region.merchants.sports.slug));
    assert.match(String(rowA), new RegExp(`,${sa.transferred_cents},0$`));
    assert.match(String(rowB), new RegExp(`,0,${sb.pending_cents}$`));
    const html = await admin.get('/fr/admin/gift-cards');
    assert.match(html.body, /data-not-connected/);
  });

  it('an order cancelled after settlement: its transfer is reversed once; a cancelled pending one is no longer owed', async () => {
    for (const [id, m] of [
      [orderA, A],
      [orderB, B],
    ]) {
      await transitionOrder(db(), p.context.events, {
        orderId: id,
        merchantId: m,
        to: 'cancelled',
        actor: 'test',
      });
      await refundCancelledOrder(db(), p.context.config, id);
    }
    const run = await settleGiftCardRedemptions(db(), stripe());
    assert.deepEqual(run, { transferred: 0, reversed: 1, not_connected: 0, failed: 0 });
    assert.equal((await settleGiftCardRedemptions(db(), stripe())).reversed, 0);
    const tr = [...fake.transfers.values()][0];
    assert.equal(tr.amount_reversed, tr.amount);
    for (const m of [A, B]) {
      const s = await merchantStatement(db(), m);
      assert.equal(s.transferred_cents, 0);
      assert.equal(s.pending_cents, 0);
    }
  });

  it('more than 100 pending: every one is settled and counted (card transfers and gift cards)', async () => {
    const n = 130;
    const charges = Array.from({ length: n }, (_, i) => ({
      merchant_id: A,
      checkout_id: 900_000 + i,
      payment_intent_id: `pi_bulk_${String(i).padStart(4, '0')}`,
      kind: 'charge' as const,
      amount_cents: 1000 + i,
      stripe_id: null,
      idempotency_key: `charge-bulk-${i}`,
    }));
    const gifts = Array.from({ length: n }, (_, i) => ({
      merchant_id: A,
      checkout_id: 800_000 + i,
      payment_intent_id: `checkout:${800_000 + i}:merchant:${A}`,
      kind: 'gift_card' as const,
      amount_cents: 500 + i,
      stripe_id: null,
      idempotency_key: `gc-bulk-${i}`,
    }));
    for (let i = 0; i < n; i += 50)
      await db()
        .insertInto('payment_ledger')
        .values(charges.slice(i, i + 50))
        .execute();
    for (let i = 0; i < n; i += 50)
      await db()
        .insertInto('payment_ledger')
        .values(gifts.slice(i, i + 50))
        .execute();
    const before = fake.transfers.size;
    assert.equal(await settlePendingTransfers(db(), stripe(), { feePercent: 0 }), n);
    assert.equal((await settleGiftCardRedemptions(db(), stripe())).transferred, n);
    assert.equal(fake.transfers.size, before + 2 * n);
    const s = await merchantStatement(db(), A);
    assert.equal(s.pending_cents, 0);
    // Nothing left: a second pass transfers nothing.
    assert.equal(await settlePendingTransfers(db(), stripe(), { feePercent: 0 }), 0);
    assert.equal(fake.transfers.size, before + 2 * n);
  });

  it('one runner at a time: two concurrent runs, one takes the lease, each redemption transferred once', async () => {
    await db()
      .insertInto('payment_ledger')
      .values({
        merchant_id: A,
        checkout_id: 700_001,
        payment_intent_id: `checkout:700001:merchant:${A}`,
        kind: 'gift_card',
        amount_cents: 1234,
        stripe_id: null,
        idempotency_key: 'gc-lease-1',
      })
      .execute();
    const before = fake.transfers.size;
    const [r1, r2] = await Promise.all([
      runSettlement(db(), stripe(), { feePercent: 0 }, { holder: 'one' }),
      runSettlement(db(), stripe(), { feePercent: 0 }, { holder: 'two' }),
    ]);
    assert.deepEqual([r1.ran, r2.ran].sort(), [false, true]);
    assert.equal(fake.transfers.size, before + 1);
    // A lease left by a runner that died expires; then another takes it.
    const dead = await runSettlement(db(), stripe(), { feePercent: 0 }, { holder: 'x', leaseMs: 60_000 });
    assert.equal(dead.ran, true);
    await db()
      .updateTable('payment_runs')
      .set({ holder: 'crashed', lease_until: new Date(Date.now() + 60_000).toISOString() })
      .execute();
    assert.equal((await runSettlement(db(), stripe(), { feePercent: 0 }, { holder: 'y' })).ran, false);
    await db()
      .updateTable('payment_runs')
      .set({ lease_until: new Date(Date.now() - 1000).toISOString() })
      .execute();
    assert.equal((await runSettlement(db(), stripe(), { feePercent: 0 }, { holder: 'y' })).ran, true);
  });

  it('the timer settles on its own', async () => {
    await db()
      .insertInto('payment_ledger')
      .values({
        merchant_id: A,
        checkout_id: 700_002,
        payment_intent_id: `checkout:700002:merchant:${A}`,
        kind: 'gift_card',
        amount_cents: 777,
        stripe_id: null,
        idempotency_key: 'gc-timer-1',
      })
      .execute();
    const stop = startSettlementTimer(db(), stripe(), { feePercent: 0 }, 20);
    try {
      await waitFor(
        async () =>
          (await ledgerOf(A)).some(
            (l) => l.kind === 'transfer' && l.payment_intent_id === `checkout:700002:merchant:${A}`,
          ),
        { what: 'the timed settlement' },
      );
    } finally {
      await stop();
    }
    assert.equal([...fake.transfers.values()].filter((t) => t.amount === 777).length, 1);
  });
});
