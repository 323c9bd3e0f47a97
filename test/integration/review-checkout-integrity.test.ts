import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig, publicBaseUrl } from '../../src/config.ts';
import { createUser, passwordResetsSettled } from '../../src/modules/accounts/index.ts';
import { changeMerchantStatus, setLocationFulfilment } from '../../src/modules/merchants/index.ts';
import type { ApiCart } from '../helpers/factories.ts';
import * as factories from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

/**
 * Integrity fixes of the outside review: the web checkout checks the total the customer saw
 * (item 3), a merchant that no longer takes orders is refused at checkout (item 4), absolute URLs
 * never come from the request's Host / X-Forwarded-Host (item 5).
 */
let p: TestPlatform;
let region: MiniRegion;
const db = () => p.context.database.db;
let ip = 0;
/** A fresh address per agent: the checkout's per-address limit never spills between tests. */
const agent = () => new Agent(p.app, `10.77.${Math.floor(++ip / 250)}.${ip % 250}`);
const NB = '[\\u00a0\\u202f ]';

// One platform for the whole file (a root-level hook would run once per suite).
describe('outside review (2026-12): checkout integrity and public URLs', () => {
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    await factories.approveMerchants(db(), region);
  });
  after(async () => {
    await passwordResetsSettled();
    await p?.close();
  });

  const newCart = () => factories.newCart(p.app);
  async function add(cart: ApiCart, product_id: number, quantity: number) {
    const r = await factories.addToCart(p.app, cart, product_id, quantity);
    assert.equal(r.statusCode, 201, r.body);
  }
  const hidden = (page: string, name: string) => {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
    assert.ok(m, `hidden field ${name}`);
    return m[1];
  };
  /** Everything a refused checkout must leave untouched. */
  async function snapshot(cartId: number) {
    const [levels, checkouts, orders, reservations, items] = await Promise.all([
      db()
        .selectFrom('inventory_levels')
        .select(['product_id', 'on_hand', 'reserved'])
        .orderBy('product_id')
        .execute(),
      db().selectFrom('checkouts').select('id').where('cart_id', '=', cartId).execute(),
      db().selectFrom('orders').select('id').execute(),
      db().selectFrom('reservations').select('id').execute(),
      db()
        .selectFrom('cart_items')
        .select(['product_id', 'quantity'])
        .where('cart_id', '=', cartId)
        .orderBy('id')
        .execute(),
    ]);
    return { levels, checkouts, orders, reservations, items };
  }
  const setPrice = (productId: number, cents: number) =>
    db().updateTable('products').set({ price_cents: cents }).where('id', '=', productId).execute();
  const setStatus = (merchantId: number, status: 'approved' | 'suspended' | 'pending') =>
    changeMerchantStatus(db(), merchantId, status);

  describe('web checkout: the total the customer saw (item 3)', () => {
    test('a price changed after the page was shown: 409, the page again with the new figures and a translated message, nothing reserved; confirming then places the order at the new total', async () => {
      const erab = region.merchants.erabliere;
      const cart = await newCart();
      await add(cart, region.products.oeufs, 2); // zero-rated: 2 × 5.49 = 10.98, no taxes
      const a = agent();
      a.cookies.set('cart_token', cart.token);
      const page = await a.get('/fr/paiement');
      assert.equal(page.statusCode, 200);
      assert.equal(hidden(page.body, 'expected_total_cents'), '1098');
      const form = {
        _csrf: hidden(page.body, '_csrf'),
        idempotency_key: hidden(page.body, 'idempotency_key'),
        expected_total_cents: hidden(page.body, 'expected_total_cents'),
        'customer.name': 'Line Gagnon',
        'customer.email': 'line@example.test',
        [`f_${erab.merchant_id}`]: `pickup:${erab.location_id}`,
        payment_method: 'in_store',
      };
      await setPrice(region.products.oeufs, 599); // the merchant's change, between the page and the POST
      try {
        const before = await snapshot(cart.cart_id);
        const changed = await a.post('/fr/paiement', form);
        assert.equal(changed.statusCode, 409);
        assert.match(
          changed.body,
          new RegExp(
            `role="alert">Le total est passé de 10,98${NB}\\$ à 11,98${NB}\\$; vérifiez votre commande, puis confirmez-la\\.`,
          ),
        );
        assert.match(changed.body, new RegExp(`Total\u202f: <strong><span class="money">11,98${NB}\\$`));
        assert.equal(
          hidden(changed.body, 'expected_total_cents'),
          '1198',
          'the form now carries the new total',
        );
        assert.match(changed.body, /value="Line Gagnon"/, 'what was typed is kept');
        assert.deepEqual(await snapshot(cart.cart_id), before, 'nothing reserved, nothing ordered');

        // English.
        const en = await a.post('/en/checkout', {
          ...form,
          _csrf: hidden((await a.get('/en/checkout')).body, '_csrf'),
        });
        assert.equal(en.statusCode, 409);
        assert.match(
          en.body,
          /The total changed from \$10\.98 to \$11\.98; please check your order and confirm\./,
        );
        // A value that is not a total: checked, never trusted.
        const junk = await a.post('/fr/paiement', { ...form, expected_total_cents: 'abc' });
        assert.equal(junk.statusCode, 409);
        assert.match(junk.body, /Vérifiez le total de votre commande, puis confirmez-la\./);
        assert.deepEqual(await snapshot(cart.cart_id), before);

        // Confirming the re-rendered form (new total, new key) places the order at the new price.
        const ok = await a.post('/fr/paiement', {
          ...form,
          _csrf: hidden(changed.body, '_csrf'),
          idempotency_key: hidden(changed.body, 'idempotency_key'),
          expected_total_cents: hidden(changed.body, 'expected_total_cents'),
        });
        assert.equal(ok.statusCode, 303, ok.body);
        const id = Number(/confirmation\/(\d+)/.exec(String(ok.headers.location))?.[1]);
        const orders = await db()
          .selectFrom('orders')
          .select('total_cents')
          .where('checkout_id', '=', id)
          .execute();
        assert.deepEqual(
          orders.map((o) => o.total_cents),
          [1198],
        );
      } finally {
        await setPrice(region.products.oeufs, 549);
      }
    });

    test('a delivery fee is in the total shown before the button: the quoted total goes through; the pickup total with delivery chosen is recomputed (409), nothing reserved', async () => {
      const erab = region.merchants.erabliere;
      await setLocationFulfilment(db(), erab.merchant_id, erab.location_id, {
        pickup: { enabled: true },
        delivery: { enabled: true, zones: [{ towns: ['Aylmer'], fee_cents: 400 }] },
      });
      const cart = await newCart();
      await add(cart, region.products.oeufs, 1);
      const a = agent();
      a.cookies.set('cart_token', cart.token);
      const page = await a.get('/fr/paiement');
      const delivery = {
        [`f_${erab.merchant_id}`]: 'delivery',
        [`f_${erab.merchant_id}_line1`]: '12 rue Principale',
        [`f_${erab.merchant_id}_city`]: 'Aylmer',
        [`f_${erab.merchant_id}_postal_code`]: 'J9H 5E1',
      };
      const base = {
        _csrf: hidden(page.body, '_csrf'),
        idempotency_key: hidden(page.body, 'idempotency_key'),
        quoted_for: hidden(page.body, 'quoted_for'),
        'customer.name': 'Line Gagnon',
        'customer.email': 'livraison-zone@example.test',
        payment_method: 'in_store',
        ...delivery,
      };
      const pickupTotal = Number(hidden(page.body, 'expected_total_cents'));
      const reserved = async () =>
        (
          await db()
            .selectFrom('inventory_levels')
            .select('reserved')
            .where('product_id', '=', region.products.oeufs)
            .executeTakeFirstOrThrow()
        ).reserved;
      const heldBefore = await reserved();
      const stale = await a.post('/fr/paiement', { ...base, expected_total_cents: String(pickupTotal) });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Total recalculé pour vos choix/);
      assert.equal(await reserved(), heldBefore);
      // The page shown again carries the quote (fee included) as its total.
      const quoted = Number(hidden(stale.body, 'expected_total_cents'));
      assert.equal(quoted, pickupTotal + 400);
      const ok = await a.post('/fr/paiement', {
        ...base,
        _csrf: hidden(stale.body, '_csrf'),
        expected_total_cents: String(quoted),
      });
      assert.equal(ok.statusCode, 303, ok.body);
      const order = await db()
        .selectFrom('orders')
        .select(['total_cents', 'delivery_fee_cents'])
        .where('customer_email', '=', 'livraison-zone@example.test')
        .executeTakeFirstOrThrow();
      assert.equal(order.total_cents, quoted);
      assert.equal(order.delivery_fee_cents, 400);
    });
  });

  describe('a merchant that no longer takes orders (item 4)', () => {
    const pickupBoth = () => ({
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
      [region.merchants.sports.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.sports.location_id,
      },
    });
    const apiCheckout = (cart: { cart_id: number; token: string }, key: string, lang = 'fr') =>
      p.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${cart.cart_id}/checkout?lang=${lang}`,
        headers: { authorization: `Bearer ${cart.token}`, 'idempotency-key': key },
        payload: { customer: { name: 'Marc Roy', email: 'marc@example.test' }, fulfilment: pickupBoth() },
      });

    test('API: suspended, then pending — 409 merchant_unavailable naming the lines, nothing reserved; the cart shows them unavailable; approved again, the checkout succeeds', async () => {
      const sports = region.merchants.sports.merchant_id;
      const cart = await newCart();
      await add(cart, region.products.sirop, 1);
      await add(cart, region.products.chaussures, 1);
      await setStatus(sports, 'suspended');
      try {
        const view = await p.app.inject({
          url: `/api/v1/carts/${cart.cart_id}`,
          headers: { authorization: `Bearer ${cart.token}` },
        });
        const groups = view.json().groups as {
          merchant: { id: number; available: boolean };
          items: { product_id: number; available: number }[];
        }[];
        const g = groups.find((x) => x.merchant.id === sports);
        assert.equal(g?.merchant.available, false);
        assert.equal(g?.items[0].available, 0);
        assert.equal(groups.find((x) => x.merchant.id !== sports)?.merchant.available, true);

        const before = await snapshot(cart.cart_id);
        const key = randomUUID();
        const r = await apiCheckout(cart, key);
        assert.equal(r.statusCode, 409, r.body);
        const err = r.json().error as {
          code: string;
          message: string;
          details: { lines: { item_id: number; product_id: number; title: string; merchant_id: number }[] };
        };
        assert.equal(err.code, 'merchant_unavailable');
        assert.match(
          err.message,
          /ne prend pas de commandes en ce moment \(Sports Chelsea\) : Chaussures de course pour femme\./,
        );
        const item = await db()
          .selectFrom('cart_items')
          .select('id')
          .where('cart_id', '=', cart.cart_id)
          .where('product_id', '=', region.products.chaussures)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          err.details.lines.map((l) => [l.item_id, l.product_id, l.title, l.merchant_id]),
          [[item.id, region.products.chaussures, 'Chaussures de course pour femme', sports]],
        );
        assert.deepEqual(await snapshot(cart.cart_id), before, 'nothing reserved, nothing ordered');
        // A replay gives the same refusal; English names the line too.
        const again = await apiCheckout(cart, key);
        assert.equal(again.statusCode, 409);
        assert.deepEqual(again.json(), r.json());
        const en = await apiCheckout(cart, randomUUID(), 'en');
        assert.equal(en.statusCode, 409);
        assert.match(
          en.json().error.message,
          /not taking orders at the moment \(Sports Chelsea\): Women’s running shoes\./,
        );

        // No longer approved (back to pending): refused the same way.
        await setStatus(sports, 'pending');
        const pending = await apiCheckout(cart, randomUUID());
        assert.equal(pending.statusCode, 409);
        assert.equal(pending.json().error.code, 'merchant_unavailable');
        assert.deepEqual(await snapshot(cart.cart_id), before);

        await setStatus(sports, 'approved');
        const ok = await apiCheckout(cart, randomUUID());
        assert.equal(ok.statusCode, 201, ok.body);
        assert.equal(ok.json().orders.length, 2);
      } finally {
        await setStatus(sports, 'approved');
      }
    });

    test('pages: the cart marks the lines, the checkout says so up front and refuses the order (409, nothing reserved)', async () => {
      const sports = region.merchants.sports;
      const erab = region.merchants.erabliere;
      const cart = await newCart();
      await add(cart, region.products.oeufs, 1);
      await add(cart, region.products.chaussures, 1);
      await setStatus(sports.merchant_id, 'suspended');
      try {
        const a = agent();
        a.cookies.set('cart_token', cart.token);
        const cartPage = await a.get('/fr/panier');
        assert.equal(cartPage.statusCode, 200);
        assert.match(
          cartPage.body,
          /Sports Chelsea<\/a><\/h2>\s*<p class="error merchant-unavailable" role="alert">Ce commerce ne prend pas de commandes en ce moment/,
        );
        assert.match(
          cartPage.body,
          /Chaussures de course pour femme<\/a>[^<]*<span class="money">[^<]*<\/span><br\/><small class="stock out">Indisponible<\/small>/,
        );
        assert.match((await a.get('/en/cart')).body, /This merchant is not taking orders at the moment/);

        const page = await a.get('/fr/paiement');
        assert.equal(page.statusCode, 200);
        assert.match(
          page.body,
          /role="alert">Ces articles viennent d’un commerce qui ne prend pas de commandes en ce moment \(Sports Chelsea\) : Chaussures de course pour femme\./,
        );
        const before = await snapshot(cart.cart_id);
        const refused = await a.post('/fr/paiement', {
          _csrf: hidden(page.body, '_csrf'),
          idempotency_key: hidden(page.body, 'idempotency_key'),
          expected_total_cents: hidden(page.body, 'expected_total_cents'),
          'customer.name': 'Marc Roy',
          'customer.email': 'marc@example.test',
          [`f_${erab.merchant_id}`]: `pickup:${erab.location_id}`,
          [`f_${sports.merchant_id}`]: `pickup:${sports.location_id}`,
          payment_method: 'in_store',
        });
        assert.equal(refused.statusCode, 409);
        assert.match(
          refused.body,
          /Chaussures de course pour femme\. Retirez-les de votre panier pour continuer\./,
        );
        assert.doesNotMatch(refused.body, /disponible\(s\)\)/, 'no stock figures for these lines');
        assert.deepEqual(await snapshot(cart.cart_id), before);
      } finally {
        await setStatus(sports.merchant_id, 'approved');
      }
    });
  });

  describe('absolute URLs never come from the Host header (item 5)', () => {
    const evil = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

    test('configuration: PUBLIC_URL is required in production, must be http(s); elsewhere the fallback is http://localhost:PORT', () => {
      const base = { SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/tmp/unused' };
      assert.throws(
        () => loadConfig({ ...base, NODE_ENV: 'production' }),
        (e: unknown) =>
          e instanceof ConfigError && /PUBLIC_URL: PUBLIC_URL is required in production/.test(e.message),
      );
      assert.throws(
        () => loadConfig({ ...base, NODE_ENV: 'production', PUBLIC_URL: 'javascript:alert(1)' }),
        ConfigError,
      );
      const prod = loadConfig({ ...base, NODE_ENV: 'production', PUBLIC_URL: 'https://achat.example.ca/' });
      assert.equal(publicBaseUrl(prod), 'https://achat.example.ca');
      assert.equal(
        publicBaseUrl(loadConfig({ ...base, NODE_ENV: 'test', PORT: '4100' })),
        'http://localhost:4100',
      );
      assert.equal(publicBaseUrl(loadConfig({ ...base, NODE_ENV: 'development' })), 'http://localhost:3000');
    });

    test('reset email, sitemap, robots.txt, open data, canonical/hreflang links: never evil.example', async () => {
      const email = 'hote@example.test';
      await createUser(db(), {
        email,
        password: 'un-mot-de-passe-solide-42',
        name: 'Hôte',
        locale: 'fr',
        verified: true,
      });
      const a = agent();
      const form = await a.request({ method: 'GET', url: '/fr/mot-de-passe-oublie', headers: evil });
      assert.equal(form.statusCode, 200);
      const asked = await a.request({
        method: 'POST',
        url: '/fr/mot-de-passe-oublie',
        headers: { ...evil, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: hidden(form.body, '_csrf'), email }).toString(),
      });
      assert.equal(asked.statusCode, 200, asked.body);
      await passwordResetsSettled();
      const mail = await db()
        .selectFrom('outbox')
        .select(['text_body', 'html_body'])
        .where('to_address', '=', email)
        .where('kind', '=', 'password_reset')
        .executeTakeFirstOrThrow();
      assert.doesNotMatch(`${mail.text_body}${mail.html_body ?? ''}`, /evil\.example/);
      assert.match(mail.text_body, /http:\/\/localhost:3000\/fr\/[^\s]+\?token=/);

      for (const url of [
        '/sitemap.xml',
        '/robots.txt',
        '/api/v1/open-data/merchants.geojson',
        '/api/v1/open-data/merchants.csv',
        '/fr',
        `/fr/m/${(await db().selectFrom('merchants').select('slug').executeTakeFirstOrThrow()).slug}`,
      ]) {
        const r = await p.app.inject({ url, headers: evil });
        assert.equal(r.statusCode, 200, url);
        assert.doesNotMatch(r.body, /evil\.example/, url);
        assert.match(r.body, /http:\/\/localhost:3000\//, url);
      }
      const home = await p.app.inject({ url: '/fr', headers: evil });
      assert.match(home.body, /<link rel="alternate" hreflang="fr-CA" href="http:\/\/localhost:3000\/fr"/);
    });
  });
});
