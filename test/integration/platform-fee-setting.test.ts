// The platform fee on card payments as a region setting (issue 15), on SQLite and PostgreSQL: the
// operator edits it on the admin region page (0–30 %, two decimals, error beside the field), the
// deployment's PLATFORM_FEE_PERCENT applying until then; merchants see it before joining and on
// their statement; each charge keeps the rate applied, so a later change rewrites no statement
// and no pending transfer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOperator, createUser } from '../../src/modules/accounts/index.ts';
import { merchantStatement, settlePendingTransfers, stripeClient } from '../../src/modules/payments/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { cartWith, checkoutBody, checkoutCart, pickupAt } from '../helpers/factories.ts';
import { connectMerchant, type FakeStripe, startFakeStripe } from '../helpers/fake-stripe.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const PW = 'correct horse battery staple';
const CONNECT_SECRET = 'whsec_fee_connect';

/** The region form's fields as the page fills them (inputs and textareas; selects left out = unchanged). */
function formFields(page: string): Record<string, string> {
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&#x27;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const out: Record<string, string> = {};
  for (const [tag] of page.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]+)"/.exec(tag)?.[1];
    if (!name || /type="file"/.test(tag) || name === '_csrf') continue;
    out[name] = decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const m of page.matchAll(/<textarea\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g))
    out[m[1]] = decode(m[2]);
  return out;
}

describe(`platform fee as a region setting (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let fake: FakeStripe;
  let region: MiniRegion;
  let admin: Agent;
  let owner: Agent;
  const db = () => p.context.database.db;
  const storedBps = async () =>
    (await db().selectFrom('region_settings').select('platform_fee_bps').executeTakeFirst())
      ?.platform_fee_bps;

  before(async () => {
    fake = await startFakeStripe();
    p = await createTestPlatform({
      STRIPE_SECRET_KEY: 'sk_test_comptoir',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_comptoir',
      STRIPE_WEBHOOK_SECRET: 'whsec_fee_platform',
      STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      STRIPE_API_BASE: fake.url,
      // The deployment's initial default, until the operator sets the region's fee.
      PLATFORM_FEE_PERCENT: '1',
    });
    region = await seedMiniRegion(db());
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await db().updateTable('inventory_levels').set({ on_hand: 100 }).execute();
    for (const m of [region.merchants.erabliere.merchant_id, region.merchants.sports.merchant_id])
      await connectMerchant(p, fake, m, CONNECT_SECRET);
    const op = await createOperator(db(), {
      email: 'fee-admin@example.org',
      password: PW,
      role: 'region_admin',
    });
    admin = new Agent(p.app, '10.0.9.1');
    const [name, value] = (await sessionCookie(db(), op.user_id)).split('=');
    admin.cookies.set(name, value);
    await createUser(db(), {
      email: 'fee-owner@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id }],
    });
    owner = new Agent(p.app, '10.0.9.2');
    assert.equal((await owner.login('fee-owner@example.test', PW)).statusCode, 303);
  });
  after(async () => {
    await p?.close();
    await fake?.close();
  });

  const saveFee = async (lang: 'fr' | 'en', fee: string) => {
    const url = `/${lang}/admin/region`;
    const page = await admin.get(url);
    assert.equal(page.statusCode, 200, page.body);
    return admin.submit(url, { ...formFields(page.body), platform_fee_percent: fee });
  };

  it('the admin page shows the initial default; a fee out of range or with three decimals is refused beside the field, nothing saved', async () => {
    const page = await admin.get('/fr/admin/region');
    assert.match(page.body, /Frais de plateforme \(%\)/);
    assert.equal(formFields(page.body).platform_fee_percent, '1', 'PLATFORM_FEE_PERCENT until set');
    const before = await storedBps();
    for (const [lang, bad, message] of [
      ['fr', '31', 'Indiquez un pourcentage de 0 à 30, avec au plus deux décimales (ex. 2,5).'],
      ['fr', '2,555', 'Indiquez un pourcentage de 0 à 30, avec au plus deux décimales (ex. 2,5).'],
      ['en', '-1', 'Enter a percentage from 0 to 30, with at most two decimals (e.g. 2.5).'],
      ['en', '', 'Enter a percentage from 0 to 30, with at most two decimals (e.g. 2.5).'],
    ] as const) {
      const r = await saveFee(lang, bad);
      assert.equal(r.statusCode, 400, `${bad}: ${r.body.slice(0, 200)}`);
      // The message sits beside the field (described by it), the typed value kept.
      const field = /<input\b[^>]*name="platform_fee_percent"[^>]*>/.exec(r.body)?.[0] ?? '';
      assert.match(field, /aria-invalid="true"/);
      const described = (/aria-describedby="([^"]+)"/.exec(field)?.[1] ?? '').split(/\s+/);
      const errorId = described.find((id) => id.endsWith('-error'));
      assert.ok(errorId, 'the field is described by its error');
      assert.ok(r.body.includes(`id="${errorId}" role="alert">${message}</p>`), `${bad}: translated message`);
      assert.equal(await storedBps(), before, 'nothing saved');
    }
  });

  it('2,5 % saved in basis points; merchants see it before joining and on their payments page', async () => {
    const r = await saveFee('fr', '2,5');
    assert.equal(r.statusCode, 303, r.body.slice(0, 300));
    assert.equal(await storedBps(), 250);
    assert.equal(formFields((await admin.get('/en/admin/region')).body).platform_fee_percent, '2.5');
    const signup = await new Agent(p.app, '10.0.9.3').get('/fr/marchand/inscription');
    assert.equal(signup.statusCode, 200);
    assert.match(signup.body, /Frais de plateforme : 2,5 % du total de chaque commande payée par carte\./);
    const payments = await owner.get('/fr/marchand/paiements');
    assert.match(payments.body, /Frais de plateforme : 2,5 %/);
    // A save of the other settings without the field (an older form, the CLI) leaves it as is.
    const page = await admin.get('/fr/admin/region');
    const { platform_fee_percent: _omit, ...rest } = formFields(page.body);
    assert.equal((await admin.submit('/fr/admin/region', rest)).statusCode, 303);
    assert.equal(await storedBps(), 250);
  });

  it('new card orders pay the rate in force, recorded per charge; a later change rewrites neither the statement nor a pending transfer', async () => {
    const A = region.merchants.erabliere.merchant_id;
    const B = region.merchants.sports.merchant_id;
    const cart = await cartWith(p.app, [
      { product_id: region.products.oeufs, quantity: 3 },
      { product_id: region.products.chaussures, quantity: 1 },
    ]);
    // The transfers fail at capture (a Stripe incident): they stay pending for the settlement.
    fake.failing.add('/v1/transfers');
    const r = await checkoutCart(
      p.app,
      cart,
      checkoutBody(pickupAt(region.merchants.erabliere, region.merchants.sports), {
        payment: { method: 'card', payment_method: 'pm_card_visa' },
      }),
    );
    fake.failing.delete('/v1/transfers');
    assert.equal(r.statusCode, 201, r.body);
    const res = r.json() as {
      checkout_id: number;
      orders: { merchant_id: number; totals: { total_cents: number } }[];
    };
    const totalOf = (m: number) => res.orders.find((o) => o.merchant_id === m)?.totals.total_cents ?? 0;
    const feeAt250 = (c: number) => Math.round((c * 250) / 10_000);
    const ledger = (m: number) =>
      db()
        .selectFrom('payment_ledger')
        .select(['kind', 'amount_cents', 'fee_bps'])
        .where('checkout_id', '=', res.checkout_id)
        .where('merchant_id', '=', m)
        .orderBy('id')
        .execute();
    for (const m of [A, B]) {
      const rows = await ledger(m);
      assert.deepEqual(
        rows.filter((l) => l.kind !== 'transfer').map((l) => ({ ...l })),
        [
          { kind: 'charge', amount_cents: totalOf(m), fee_bps: 250 },
          { kind: 'fee', amount_cents: feeAt250(totalOf(m)), fee_bps: null },
        ],
      );
    }
    const statementBefore = await merchantStatement(db(), A);

    // The operator raises the fee to 10 %: new orders only.
    assert.equal((await saveFee('en', '10')).statusCode, 303);
    assert.equal(await storedBps(), 1000);
    // The pending transfers are made now, at the rate recorded with their charge (2,5 %), not 10 %.
    assert.equal(await settlePendingTransfers(db(), stripeClient(p.context.config), { feePercent: 1 }), 2);
    for (const m of [A, B]) {
      const transfer = (await ledger(m)).find((l) => l.kind === 'transfer');
      assert.equal(transfer?.amount_cents, totalOf(m) - feeAt250(totalOf(m)));
    }
    // A's statement: charged and fee kept unchanged; what was pending is now transferred.
    const statementAfter = await merchantStatement(db(), A);
    assert.equal(statementAfter.charged_cents, statementBefore.charged_cents);
    assert.equal(statementAfter.platform_fee_cents, statementBefore.platform_fee_cents);
    assert.equal(
      statementAfter.transferred_cents + statementAfter.pending_cents,
      statementBefore.transferred_cents + statementBefore.pending_cents,
    );
    const page = await owner.get('/fr/marchand/paiements');
    assert.match(page.body, /Frais de plateforme en vigueur : 10 %/);
    assert.match(page.body, /data-fee-rate="250">frais 2,5 %/);
    const sum = statementAfter;
    assert.equal(
      sum.charged_cents - sum.refunded_cents,
      sum.transferred_cents + sum.platform_fee_cents + sum.pending_cents,
    );
  });
});
