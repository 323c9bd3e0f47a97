import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../../src/modules/accounts/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

/**
 * Every registered route × every role that must NOT use it × merchant A's ids.
 * A protected route must answer neither 2xx nor 5xx to a caller without the right, and an
 * anonymous browser asking for a page is sent to the login page.
 */
describe('authorisation matrix: every route × every role × another tenant’s ids', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const ids: Record<string, string> = {};
  const agents: Record<string, Agent> = {};
  const keys: Record<string, string> = {};

  async function user(
    email: string,
    roles: { role: string; merchant_id?: number; association_id?: number }[],
  ) {
    const { db } = p.context.database;
    const u = await db
      .insertInto('users')
      .values({
        email,
        password_hash: await hashPassword('une phrase de passe longue'),
        email_verified_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const r of roles) {
      await db
        .insertInto('user_roles')
        .values({
          user_id: u.id,
          role: r.role as never,
          merchant_id: r.merchant_id ?? null,
          association_id: r.association_id ?? null,
        })
        .execute();
    }
    const agent = new Agent(p.app, `10.0.0.${Object.keys(agents).length + 10}`);
    const [name, value] = (await sessionCookie(db, u.id)).split('=');
    agent.cookies.set(name, value);
    return agent;
  }

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    const A = region.merchants.erabliere; // Aylmer
    const B = region.merchants.sports; // Chelsea
    keys.A = A.api_key;
    keys.B = B.api_key;
    agents.anonymous = new Agent(p.app, '10.0.0.2');
    agents.customer = await user('client@example.org', [{ role: 'customer' }]);
    agents.ownerB = await user('owner-b@example.org', [
      { role: 'merchant_owner', merchant_id: B.merchant_id },
    ]);
    agents.staffA = await user('staff-a@example.org', [
      { role: 'merchant_staff', merchant_id: A.merchant_id },
    ]);
    agents.chelseaAdmin = await user('chelsea@example.org', [
      { role: 'association_admin', association_id: region.associations.chelsea },
    ]);

    // An order of merchant A, through the public API.
    const cart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      cart_id: string;
      token: string;
    };
    const auth = { authorization: `Bearer ${cart.token}` };
    const add = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: auth,
      payload: { product_id: region.products.oeufs, quantity: 1 },
    });
    assert.ok(add.statusCode < 300, add.body);
    const co = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: { ...auth, 'idempotency-key': 'matrix-1' },
      payload: {
        customer: { name: 'Client', email: 'client@example.org' },
        fulfilment: { [A.merchant_id]: { method: 'pickup', location_id: A.location_id } },
        payment: { method: 'in_store' },
      },
    });
    assert.equal(co.statusCode, 201, co.body);
    const order = co.json() as { checkout_id: string | number; orders: { order_id: number }[] };
    ids.order = String(order.orders[0].order_id);
    ids.checkout = String(order.checkout_id);
    ids.cart = cart.cart_id;
    ids.product = String(region.products.sirop);
    ids.location = String(A.location_id);
    ids.merchant = String(A.merchant_id);
    ids.slug = 'aylmer';
  });
  after(() => p.close());

  /** Fills route parameters with merchant A's resources. */
  function fill(url: string): string {
    return url
      .replace(':lang', 'fr')
      .replace(/\*$/, 'x')
      .replace(/:(\w+)/g, (_m, name: string) => {
        if (name === 'slug') return ids.slug;
        if (name === 'merchantId' || name === 'merchant') return ids.merchant;
        if (name === 'order_id' || name === 'cart_id') return name === 'order_id' ? ids.order : ids.cart;
        if (name === 'item_id' || name === 'index') return '1';
        if (name === 'webhook_id') return '1';
        if (/commandes|orders/.test(url)) return ids.order;
        if (/magasins|locations/.test(url)) return ids.location;
        if (/produits|products/.test(url)) return ids.product;
        if (/commerces|merchants/.test(url)) return ids.merchant;
        if (/confirmation/.test(url)) return ids.checkout;
        return '1';
      });
  }

  const routes = () => p.app.routeTable.filter((r) => !r.url.startsWith('/api/docs'));
  const isMerchantApi = (u: string) => u.startsWith('/api/v1/merchant') && !u.startsWith('/api/v1/merchants');
  const isBackOffice = (u: string) =>
    /^\/(:lang|fr|en)\/(marchand|merchant)(\/|$)/.test(u) && !/\/(inscription|signup|invitation)$/.test(u);
  const isAdmin = (u: string) => /^\/(:lang|fr|en)\/admin(\/|$)/.test(u);
  const isAccount = (u: string) => /^\/(fr\/compte|en\/account)$/.test(u);
  const ownerOnly = (u: string) => /(equipe|staff|cles-api|api-keys|webhooks)/.test(u);

  async function call(agent: Agent, method: string, url: string, extraHeaders: Record<string, string> = {}) {
    if (method === 'GET' || method === 'DELETE')
      return agent.request({ method: method as never, url, headers: extraHeaders });
    // A valid CSRF token for this agent, so refusals come from authorisation, not CSRF.
    const token = csrfFrom((await agent.get('/fr/connexion')).body);
    return agent.request({
      method: method as never,
      url,
      payload: new URLSearchParams({
        _csrf: token,
        name: 'x',
        status: 'suspended',
        to: 'cancelled',
        on_hand: '1',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders },
    });
  }

  const bodyless = (method: string) => method === 'GET' || method === 'DELETE';
  const refused = (status: number) => status >= 300 && status < 500 && status !== 400 && status !== 422;

  test('the merchant API refuses callers without a key, and another merchant’s key on A’s ids', async () => {
    const list = routes().filter((r) => isMerchantApi(r.url));
    assert.ok(list.length >= 10, 'merchant API routes found');
    // Each request from its own address: failed-key attempts per address are rate limited (429).
    let n = 0;
    const ip = () => `10.9.${(++n >> 8) & 255}.${n & 255}`;
    for (const r of list) {
      const url = fill(r.url);
      // The merchant stream also accepts a merchant's own session (B's session opens B's stream).
      for (const who of r.url.endsWith('/stream')
        ? ['anonymous', 'customer']
        : ['anonymous', 'customer', 'ownerB']) {
        const res = await p.app.inject({
          remoteAddress: ip(),
          method: r.method as never,
          url,
          ...(bodyless(r.method)
            ? { headers: { cookie: agents[who].cookieHeader() } }
            : {
                headers: { cookie: agents[who].cookieHeader(), 'content-type': 'application/json' },
                payload: '[]',
              }),
        });
        // 401 without credentials; the merchant stream also takes a merchant session, so 403 for other sessions.
        assert.ok([401, 403].includes(res.statusCode), `${who} ${r.method} ${url} → ${res.statusCode}`);
      }
      if (/:\w+/.test(r.url)) {
        const res = await p.app.inject({
          remoteAddress: ip(),
          method: r.method as never,
          url,
          ...(bodyless(r.method)
            ? { headers: { authorization: `Bearer ${keys.B}` } }
            : {
                headers: { authorization: `Bearer ${keys.B}`, 'content-type': 'application/json' },
                payload: JSON.stringify({ to: 'cancelled' }),
              }),
        });
        assert.equal(res.statusCode, 404, `key B ${r.method} ${url} → ${res.statusCode} ${res.body}`);
      }
    }
  });

  test('back-office routes: anonymous → login, customers and association admins refused, merchant B never reaches A’s ids, staff never manage staff or keys', async () => {
    const list = routes().filter((r) => isBackOffice(r.url));
    assert.ok(list.length >= 20, 'back-office routes found');
    for (const r of list) {
      const url = fill(r.url);
      const anon = await call(agents.anonymous, r.method, url);
      if (r.method === 'GET') {
        assert.equal(anon.statusCode, 303, `anonymous GET ${url} → ${anon.statusCode}`);
        assert.match(
          String(anon.headers.location),
          /\/(fr\/connexion|en\/login)\?next=/,
          `${url} → ${anon.headers.location}`,
        );
      } else assert.ok(refused(anon.statusCode), `anonymous ${r.method} ${url} → ${anon.statusCode}`);
      for (const who of ['customer', 'chelseaAdmin']) {
        const res = await call(agents[who], r.method, url);
        assert.ok(refused(res.statusCode), `${who} ${r.method} ${url} → ${res.statusCode}`);
      }
      if (/:\w+/.test(r.url) && !/nouveau|invitations/.test(r.url)) {
        const res = await call(agents.ownerB, r.method, url);
        assert.ok([403, 404].includes(res.statusCode), `ownerB ${r.method} ${url} → ${res.statusCode}`);
      }
      if (ownerOnly(r.url)) {
        const res = await call(agents.staffA, r.method, url.replace(/\/\d+(\/|$)/, '/999999$1'));
        assert.ok(refused(res.statusCode), `staffA ${r.method} ${url} → ${res.statusCode}`);
      }
    }
  });

  test('administration routes: refused to anonymous, customers and merchants; an association admin never reaches another association', async () => {
    const list = routes().filter((r) => isAdmin(r.url));
    assert.ok(list.length >= 10, 'admin routes found');
    for (const r of list) {
      const url = fill(r.url);
      for (const who of ['anonymous', 'customer', 'ownerB', 'staffA']) {
        const res = await call(agents[who], r.method, url);
        assert.ok(refused(res.statusCode), `${who} ${r.method} ${url} → ${res.statusCode}`);
      }
      if (/:(slug|id|merchantId)/.test(r.url) && !/campaigns|campagnes|gift-cards/.test(r.url)) {
        const res = await call(agents.chelseaAdmin, r.method, url);
        assert.ok(
          [403, 404].includes(res.statusCode),
          `Chelsea admin ${r.method} ${url} (Aylmer’s) → ${res.statusCode}`,
        );
      }
    }
  });

  test('customer account, order tracking and carts need their own credentials', async () => {
    for (const r of routes().filter((r) => isAccount(r.url))) {
      const res = await call(agents.anonymous, r.method, r.url);
      assert.ok(refused(res.statusCode), `anonymous ${r.method} ${r.url} → ${res.statusCode}`);
    }
    for (const url of [
      `/api/v1/orders/${ids.order}`,
      `/fr/commandes/${ids.order}`,
      `/en/orders/${ids.order}`,
      `/api/v1/carts/${ids.cart}`,
    ]) {
      for (const who of ['anonymous', 'customer', 'ownerB']) {
        const res = await agents[who].request({
          method: 'GET',
          url,
          headers: { accept: 'application/json' },
        });
        assert.ok(refused(res.statusCode), `${who} GET ${url} → ${res.statusCode}`);
      }
    }
    const otherCart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      token: string;
    };
    const res = await p.app.inject({
      method: 'GET',
      url: `/api/v1/carts/${ids.cart}`,
      headers: { authorization: `Bearer ${otherCart.token}` },
    });
    assert.ok(refused(res.statusCode), `another cart's token → ${res.statusCode}`);
  });
});
