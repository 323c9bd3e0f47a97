/**
 * Scale-out: two real server processes (`comptoir serve`) on one PostgreSQL schema, a customer
 * whose every request goes to the other instance than the one before (what a round-robin proxy
 * does). Sessions, CSRF, carts, checkouts, rate limits and real-time stock events must hold across
 * them. PostgreSQL only: SQLite is one process per data directory by design.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { approveMerchants } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { formField, HttpAgent, openEventStream } from '../helpers/http-agent.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const skip =
  TEST_DB_KIND !== 'postgres' && 'PostgreSQL only: SQLite runs one server process (set DATABASE_URL)';

describe('two instances behind a round-robin proxy share sessions, carts, checkouts, rate limits and events', {
  skip,
}, () => {
  let tdb: TestDatabase;
  let region: MiniRegion;
  let a: ServerProcess;
  let b: ServerProcess;
  let A: string;
  let B: string;
  const customer = new HttpAgent();
  const email = 'camille.scale@example.test';
  const password = 'un-mot-de-passe-solide-42';

  before(async () => {
    tdb = await createTestDatabase();
    region = await seedMiniRegion(tdb.database.db);
    await approveMerchants(tdb.database.db, region);
    // What every instance of a deployment shares: the database and the signing secret.
    const env = {
      ...tdb.childEnv,
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PUBLIC_URL: 'https://comptoir.example',
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    A = a.base;
    B = b.base;
    assert.notEqual(A, B);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await tdb?.cleanup();
  });

  test('sign up on A and B, confirm, sign in on A: the session is valid on B', async () => {
    const form = await customer.get(A, '/fr/inscription');
    assert.equal(form.status, 200);
    const signedUp = await customer.post(B, '/fr/inscription', {
      _csrf: formField(form.body, '_csrf'),
      name: 'Camille Scale',
      email,
      password,
    });
    assert.equal(signedUp.status, 200, 'the CSRF token of A is accepted by B');
    assert.match(signedUp.body, /camille\.scale@example\.test/);
    const mail = await tdb.database.db
      .selectFrom('outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .where('kind', '=', 'account_confirmation')
      .executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/fr\/inscription\/confirmer\?token=\S+/.exec(mail.text_body)?.[0];
    assert.ok(link, mail.text_body);
    const confirmed = await customer.get(A, new URL(link).pathname + new URL(link).search);
    assert.equal(confirmed.status, 200);

    const login = await customer.get(B, '/fr/connexion');
    const signedIn = await customer.post(A, '/fr/connexion', {
      _csrf: formField(login.body, '_csrf'),
      email,
      password,
    });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/fr/compte');
    assert.ok(customer.cookies.get('session'));
    const account = await customer.get(B, '/fr/compte');
    assert.equal(account.status, 200, 'the session created by A is valid on B');
    assert.match(account.body, /camille\.scale@example\.test/);
    const stranger = await new HttpAgent().get(B, '/fr/compte');
    assert.equal(stranger.status, 303, 'without the session, B sends to the login page');
  });

  test('add to cart on A, the cart is seen on B; check out on B with the form of A; confirmation on A', async () => {
    const m = region.merchants.erabliere;
    const product = await customer.get(B, `/fr/p/${region.products.sirop}`);
    assert.equal(product.status, 200);
    const added = await customer.post(A, '/fr/panier/ajouter', {
      _csrf: formField(product.body, '_csrf'),
      product_id: region.products.sirop,
      location_id: m.location_id,
      quantity: 2,
    });
    assert.equal(added.status, 303, added.body);
    assert.ok(customer.cookies.get('cart_token'));
    const cart = await customer.get(B, '/fr/panier');
    assert.equal(cart.status, 200);
    assert.match(cart.body, /Sirop d’érable ambré 540 ml/);
    assert.match(cart.body, /25,98\u00a0\$/);

    const form = await customer.get(A, '/fr/paiement');
    assert.equal(form.status, 200);
    const fields = {
      _csrf: formField(form.body, '_csrf'),
      idempotency_key: formField(form.body, 'idempotency_key'),
      'customer.name': 'Camille Scale',
      'customer.email': email,
      [`f_${m.merchant_id}`]: `pickup:${m.location_id}`,
      payment_method: 'in_store',
    };
    const done = await customer.post(B, '/fr/paiement', fields);
    assert.equal(done.status, 303, done.body);
    assert.match(String(done.location), /^\/fr\/paiement\/confirmation\/\d+\?s=/);
    const confirmation = await customer.get(A, String(done.location));
    assert.equal(confirmation.status, 200, 'B signed the confirmation link with the shared secret');
    assert.match(confirmation.body, /Merci ! Votre commande est confirmée/);
    // The same form submitted again, now to A: the same confirmation, no second order.
    const again = await customer.post(A, '/fr/paiement', fields);
    assert.equal(again.status, 303);
    assert.equal(again.location, done.location);

    const { db } = tdb.database;
    const orders = await db
      .selectFrom('orders as o')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .select(['o.id', 'o.status', 'u.email'])
      .execute();
    assert.deepEqual(
      orders.map((o) => [o.status, o.email]),
      [['placed', email]],
    );
    const level = await db
      .selectFrom('inventory_levels')
      .select(['on_hand', 'reserved'])
      .where('product_id', '=', region.products.sirop)
      .executeTakeFirstOrThrow();
    assert.deepEqual(level, { on_hand: 12, reserved: 2 });
    const emptied = await customer.get(A, '/fr/panier');
    assert.doesNotMatch(emptied.body, /Sirop d’érable ambré 540 ml/);
  });

  test('a stock update through the POS API on A reaches an SSE client connected to B', async () => {
    const stream = await openEventStream(`${B}/api/v1/stream?products=${region.products.chaussures}`);
    assert.equal(stream.status, 200);
    const t0 = Date.now();
    const res = await fetch(`${A}/api/v1/merchant/inventory`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${region.merchants.sports.api_key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify([{ sku: 'CH-COURSE-9', on_hand: 9 }]),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await stream.until(() => stream.events.length >= 1);
    assert.ok(Date.now() - t0 < 3000);
    assert.deepEqual(stream.events, [
      {
        event: 'stock',
        data: {
          product_id: region.products.chaussures,
          sku: 'CH-COURSE-9',
          location_id: region.merchants.sports.location_id,
          available: 9,
        },
      },
    ]);
    const metricsB = await (await fetch(`${B}/metrics`)).text();
    assert.match(metricsB, /comptoir_sse_clients 1\b/);
    await stream.close();
  });

  test('login attempts from one address split across A and B hit the shared limit (30 per 5 min)', async () => {
    // The proxy's X-Forwarded-For gives the client address (trustProxy); a fresh address keeps
    // this count apart from the logins above.
    const client = new HttpAgent({ 'x-forwarded-for': '203.0.113.77' });
    const page = await client.get(A, '/fr/connexion');
    const csrf = formField(page.body, '_csrf');
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const r = await client.post(i % 2 === 0 ? A : B, '/fr/connexion', {
        _csrf: csrf,
        // A different unknown address each time: the per-account lock (5 failures) stays out of it.
        email: `intrus-${i}@example.test`,
        password: 'mauvais',
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(401));
    assert.equal(statuses[30], 429, 'the 31st attempt, on A, is refused although A saw only 16');
    const onB = await client.post(B, '/fr/connexion', { _csrf: csrf, email, password });
    assert.equal(onB.status, 429, 'B refuses too, even a correct password');
    // Another address is not affected.
    const other = new HttpAgent({ 'x-forwarded-for': '203.0.113.78' });
    const p2 = await other.get(B, '/fr/connexion');
    const ok = await other.post(A, '/fr/connexion', { _csrf: formField(p2.body, '_csrf'), email, password });
    assert.equal(ok.status, 303);
  });
});
