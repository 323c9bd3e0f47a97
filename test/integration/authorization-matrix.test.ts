import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { databaseDigest } from '../helpers/db.ts';
import { placeOrder } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, signedInAgent } from '../helpers/session.ts';

/**
 * Every registered route × every role that must NOT use it × merchant A's ids.
 * Each refusal has one exact status (401 without a session, 403 without the role, 404 for another
 * tenant's ids; an anonymous browser asking for a page is sent to the login page with a 303), and a
 * refused write changes nothing: the database reads back the same after it.
 */
describe('authorisation matrix: every route × every role × another tenant’s ids', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const ids: Record<string, string> = {};
  const agents: Record<string, Agent> = {};
  const keys: Record<string, string> = {};

  const user = (email: string, roles: { role: string; merchant_id?: number; association_id?: number }[]) =>
    signedInAgent(p.app, p.context.database.db, email, roles, `10.0.0.${Object.keys(agents).length + 10}`);

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
    const order = await placeOrder(p.app, [[region.products.oeufs, 1]], A, {
      customer: { name: 'Client', email: 'client@example.org' },
      extra: { payment: { method: 'in_store' } },
    });
    ids.order = String(order.orders[0].order_id);
    ids.checkout = String(order.checkout.checkout_id);
    ids.cart = String(order.cart.cart_id);
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

  /**
   * Sends the request, checks its exact status, and for a write reads the database back: a refused
   * request leaves every protected row as it was.
   */
  async function expectRefused(
    label: string,
    method: string,
    expected: number,
    send: () => Promise<LightMyRequestResponse>,
  ) {
    const before = bodyless(method) ? undefined : await databaseDigest(p.context.database.db);
    const res = await send();
    assert.equal(
      res.statusCode,
      expected,
      `${label} → ${res.statusCode} (expected ${expected}) ${res.body.slice(0, 200)}`,
    );
    if (before !== undefined)
      assert.equal(await databaseDigest(p.context.database.db), before, `${label} changed the database`);
    return res;
  }

  /** Anonymous: a page (GET) sends the browser to the login page and back; any write is a 401. */
  async function expectAnonymousRefused(method: string, url: string) {
    const res = await expectRefused(`anonymous ${method} ${url}`, method, method === 'GET' ? 303 : 401, () =>
      call(agents.anonymous, method, url),
    );
    if (method === 'GET')
      assert.match(
        String(res.headers.location),
        /\/(fr\/connexion|en\/login)\?next=/,
        `${url} → ${res.headers.location}`,
      );
  }

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
        // 401 without an API key; the merchant stream also takes a merchant session, so 403 for other sessions.
        const expected = r.url.endsWith('/stream') && who !== 'anonymous' ? 403 : 401;
        await expectRefused(`${who} ${r.method} ${url}`, r.method, expected, () =>
          p.app.inject({
            remoteAddress: ip(),
            method: r.method as never,
            url,
            ...(bodyless(r.method)
              ? { headers: { cookie: agents[who].cookieHeader() } }
              : {
                  headers: { cookie: agents[who].cookieHeader(), 'content-type': 'application/json' },
                  payload: '[]',
                }),
          }),
        );
      }
      if (/:\w+/.test(r.url)) {
        await expectRefused(`key B ${r.method} ${url}`, r.method, 404, () =>
          p.app.inject({
            remoteAddress: ip(),
            method: r.method as never,
            url,
            ...(bodyless(r.method)
              ? { headers: { authorization: `Bearer ${keys.B}` } }
              : {
                  headers: { authorization: `Bearer ${keys.B}`, 'content-type': 'application/json' },
                  payload: JSON.stringify({ to: 'cancelled' }),
                }),
          }),
        );
      }
    }
  });

  test('back-office routes: anonymous → login, customers and association admins refused, merchant B never reaches A’s ids, staff never manage staff or keys', async () => {
    const list = routes().filter((r) => isBackOffice(r.url));
    assert.ok(list.length >= 20, 'back-office routes found');
    for (const r of list) {
      const url = fill(r.url);
      await expectAnonymousRefused(r.method, url);
      for (const who of ['customer', 'chelseaAdmin'])
        await expectRefused(`${who} ${r.method} ${url}`, r.method, 403, () =>
          call(agents[who], r.method, url),
        );
      if (/:\w+/.test(r.url) && !/nouveau|invitations/.test(r.url))
        await expectRefused(`ownerB ${r.method} ${url}`, r.method, 404, () =>
          call(agents.ownerB, r.method, url),
        );
      if (ownerOnly(r.url)) {
        const target = url.replace(/\/\d+(\/|$)/, '/999999$1');
        await expectRefused(`staffA ${r.method} ${target}`, r.method, 403, () =>
          call(agents.staffA, r.method, target),
        );
      }
    }
  });

  test('administration routes: refused to anonymous, customers and merchants; an association admin never reaches another association', async () => {
    const list = routes().filter((r) => isAdmin(r.url));
    assert.ok(list.length >= 10, 'admin routes found');
    for (const r of list) {
      const url = fill(r.url);
      await expectAnonymousRefused(r.method, url);
      for (const who of ['customer', 'ownerB', 'staffA'])
        await expectRefused(`${who} ${r.method} ${url}`, r.method, 403, () =>
          call(agents[who], r.method, url),
        );
      if (/:(slug|id|merchantId)/.test(r.url) && !/campaigns|campagnes|gift-cards/.test(r.url))
        await expectRefused(`Chelsea admin ${r.method} ${url} (Aylmer’s)`, r.method, 403, () =>
          call(agents.chelseaAdmin, r.method, url),
        );
    }
  });

  test('customer account, order tracking and carts need their own credentials', async () => {
    for (const r of routes().filter((r) => isAccount(r.url))) await expectAnonymousRefused(r.method, r.url);
    for (const url of [
      `/api/v1/orders/${ids.order}`,
      `/fr/commandes/${ids.order}`,
      `/en/orders/${ids.order}`,
      `/api/v1/carts/${ids.cart}`,
    ]) {
      // An order without its access token does not exist for the caller (404); a cart without its
      // token is a 401.
      const expected = url.includes('/carts/') ? 401 : 404;
      for (const who of ['anonymous', 'customer', 'ownerB'])
        await expectRefused(`${who} GET ${url}`, 'GET', expected, () =>
          agents[who].request({ method: 'GET', url, headers: { accept: 'application/json' } }),
        );
    }
    const otherCart = (await p.app.inject({ method: 'POST', url: '/api/v1/carts' })).json() as {
      token: string;
    };
    await expectRefused("another cart's token", 'GET', 404, () =>
      p.app.inject({
        method: 'GET',
        url: `/api/v1/carts/${ids.cart}`,
        headers: { authorization: `Bearer ${otherCart.token}` },
      }),
    );
  });
});
