import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let region: MiniRegion;
before(async () => {
  p = await createTestPlatform();
  region = await seedMiniRegion(p.context.database.db);
  await p.context.database.db.updateTable('merchants').set({ status: 'approved' }).execute();
});
after(async () => {
  await p?.close();
});

/** A browser without JavaScript: cookies kept, forms posted as application/x-www-form-urlencoded. */
function browser() {
  const jar = new Map<string, string>();
  const keep = (res: { cookies: { name: string; value: string }[] }) => {
    for (const c of res.cookies) jar.set(c.name, c.value);
  };
  return {
    jar,
    async get(url: string) {
      const res = await p.app.inject({
        method: 'GET',
        url,
        headers: { accept: 'text/html' },
        cookies: Object.fromEntries(jar),
      });
      keep(res);
      return res;
    },
    async post(url: string, form: Record<string, string | number>) {
      const res = await p.app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        cookies: Object.fromEntries(jar),
        payload: new URLSearchParams(Object.entries(form).map(([k, v]) => [k, String(v)])).toString(),
      });
      keep(res);
      return res;
    },
  };
}
const field = (page: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1] ?? '';

describe('cart and checkout pages work without JavaScript', () => {
  it('add to cart, see the cart, check out with errors at their fields, then confirmation and tracking', async () => {
    const b = browser();
    const login = await b.get('/fr/connexion');
    const csrf = field(login.body, '_csrf');
    assert.ok(csrf);
    const m = region.merchants.erabliere;
    const added = await b.post('/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: region.products.tire,
      location_id: m.location_id,
      quantity: 1,
    });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, '/fr/panier');
    assert.ok(b.jar.get('cart_token'));
    const tooMany = await b.post('/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: region.products.oeufs,
      quantity: 10_000,
    });
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.body, /entre 1 et 999/);
    const noCsrf = await b.post('/fr/panier/ajouter', { product_id: region.products.oeufs, quantity: 1 });
    assert.equal(noCsrf.statusCode, 403);

    const cart = await b.get('/fr/panier');
    assert.equal(cart.statusCode, 200);
    assert.match(cart.body, /Tire d’érable/);
    assert.match(cart.body, /TPS 5 %/);
    assert.match(cart.body, /6,99\u00a0\$/);
    const en = await b.get('/en/cart');
    assert.match(en.body, /Maple taffy/);
    assert.match(en.body, /\$6\.99/);

    const form = await b.get('/fr/paiement');
    assert.equal(form.statusCode, 200);
    const token = field(form.body, '_csrf');
    const key = field(form.body, 'idempotency_key');
    assert.ok(token && key);
    const missing = await b.post('/fr/paiement', {
      _csrf: token,
      idempotency_key: key,
      'customer.name': '',
      'customer.email': 'pas-un-courriel',
      [`f_${m.merchant_id}`]: `pickup:${m.location_id}`,
    });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /id="c-customer\.email"[^>]*aria-invalid="true"/);
    assert.match(missing.body, /id="e-customer-name"/);
    const far = await b.post('/fr/paiement', {
      _csrf: token,
      idempotency_key: key,
      'customer.name': 'Luc Gagnon',
      'customer.email': 'luc@example.test',
      [`f_${m.merchant_id}`]: 'delivery',
      [`f_${m.merchant_id}_line1`]: '1 rue Loin',
      [`f_${m.merchant_id}_city`]: 'Maniwaki',
      [`f_${m.merchant_id}_postal_code`]: 'J9E 2B1',
    });
    assert.equal(far.statusCode, 422);
    assert.match(far.body, /hors de la zone de livraison/);
    const lvl = await p.context.database.db
      .selectFrom('inventory_levels')
      .select('reserved')
      .where('product_id', '=', region.products.tire)
      .executeTakeFirstOrThrow();
    assert.equal(lvl.reserved, 0);

    const ok = await b.post('/fr/paiement', {
      _csrf: token,
      idempotency_key: key,
      'customer.name': 'Luc Gagnon',
      'customer.email': 'luc@example.test',
      [`f_${m.merchant_id}`]: `pickup:${m.location_id}`,
      payment_method: 'in_store',
    });
    assert.equal(ok.statusCode, 303, ok.body);
    const confirmation = await b.get(String(ok.headers.location));
    assert.equal(confirmation.statusCode, 200);
    assert.match(confirmation.body, /Merci ! Votre commande est confirmée/);
    const link = /href="(\/fr\/commandes\/\d+\?token=[^"]+)"/.exec(confirmation.body)?.[1];
    assert.ok(link);
    const tracking = await b.get(link.replace(/&amp;/g, '&'));
    assert.equal(tracking.statusCode, 200);
    assert.match(tracking.body, /Reçue/);
    assert.match(tracking.body, /Fournisseur: Érablière du Lac/);
    const forged = await b.get(link.replace(/token=[^&]+/, 'token=forged'));
    assert.equal(forged.statusCode, 404);
    // A double submit of the same form (same key) gives the same confirmation, not a second order.
    const again = await b.post('/fr/paiement', {
      _csrf: token,
      idempotency_key: key,
      'customer.name': 'Luc Gagnon',
      'customer.email': 'luc@example.test',
      [`f_${m.merchant_id}`]: `pickup:${m.location_id}`,
      payment_method: 'in_store',
    });
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, ok.headers.location);
    const orders = await p.context.database.db.selectFrom('orders').select('id').execute();
    assert.equal(orders.length, 1);
  });
});
