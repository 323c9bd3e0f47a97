/**
 * Issue 13, the cart side of product variants: a cart line is a variant (its own SKU and stock);
 * a product with several variants needs `variant_id` (400 `variant_required`); the line shows the
 * variant's SKU and options; the checkout holds the chosen variant's stock only and the order line
 * keeps the options in its title. Products without variants behave as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProduct } from '../../src/modules/catalog/index.ts';
import * as factories from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let region: MiniRegion;
/** The T-shirt: its product row is variant S, then M and L. */
const tshirt = { product: 0, s: 0, m: 0, l: 0 };
const db = () => p.context.database.db;

before(async () => {
  p = await createTestPlatform();
  region = await seedMiniRegion(db());
  await factories.approveMerchants(db(), region);
  const sports = region.merchants.sports;
  const base = {
    merchant_id: sports.merchant_id,
    title_fr: 'T-shirt',
    title_en: 'T-shirt',
    description_fr: 'Un t-shirt.',
    description_en: 'A T-shirt.',
    price_cents: 2500,
    tax_class: 'standard',
  } as const;
  const options = (size: string) =>
    JSON.stringify([
      { name: 'Taille', value: size },
      { name: 'Couleur', value: 'Rouge' },
    ]);
  tshirt.product = await createProduct(db(), { ...base, sku: 'TS-S', options_json: options('S') });
  tshirt.s = tshirt.product;
  tshirt.m = await createProduct(db(), {
    ...base,
    sku: 'TS-M',
    parent_id: tshirt.product,
    options_json: options('M'),
  });
  tshirt.l = await createProduct(db(), {
    ...base,
    sku: 'TS-L',
    parent_id: tshirt.product,
    options_json: options('L'),
  });
  // Stock per variant, at the sports store.
  await db()
    .insertInto('inventory_levels')
    .values([
      { product_id: tshirt.s, location_id: sports.location_id, on_hand: 5, reserved: 0 },
      { product_id: tshirt.m, location_id: sports.location_id, on_hand: 3, reserved: 0 },
      { product_id: tshirt.l, location_id: sports.location_id, on_hand: 2, reserved: 0 },
    ])
    .execute();
});
after(async () => {
  await p?.close();
});

const add = (cart: factories.ApiCart, payload: Record<string, unknown>) =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/carts/${cart.cart_id}/items`,
    headers: factories.cartAuth(cart),
    payload,
  });
async function cartItems(cart: factories.ApiCart) {
  const r = await p.app.inject({
    method: 'GET',
    url: `/api/v1/carts/${cart.cart_id}`,
    headers: factories.cartAuth(cart),
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().groups.flatMap((g: { items: unknown[] }) => g.items) as Record<string, unknown>[];
}
const levelOf = (productId: number) =>
  db()
    .selectFrom('inventory_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow();

describe('cart lines are variants', () => {
  it('refuses a product with several variants without variant_id, listing them', async () => {
    const cart = await factories.newCart(p.app);
    const r = await add(cart, { product_id: tshirt.product, quantity: 1 });
    assert.equal(r.statusCode, 400, r.body);
    const err = r.json().error;
    assert.equal(err.code, 'variant_required');
    assert.equal(err.details.field, 'variant_id');
    assert.deepEqual(
      err.details.variants.map((v: { sku: string }) => v.sku),
      ['TS-S', 'TS-M', 'TS-L'],
    );
    assert.deepEqual(err.details.variants[1].options, { Taille: 'M', Couleur: 'Rouge' });
    assert.deepEqual(await cartItems(cart), []);
  });

  it('refuses a variant of another product at variant_id', async () => {
    const cart = await factories.newCart(p.app);
    const r = await add(cart, { product_id: tshirt.product, variant_id: region.products.sirop, quantity: 1 });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'validation_failed');
    assert.equal(r.json().error.details.fields[0].field, 'variant_id');
  });

  it('adds variant M: the line shows the product, the variant, its SKU and options', async () => {
    const cart = await factories.newCart(p.app);
    const r = await add(cart, { product_id: tshirt.product, variant_id: tshirt.m, quantity: 2 });
    assert.equal(r.statusCode, 201, r.body);
    // An older client sending the variant's own id as product_id: the same variant, the same line.
    const old = await add(cart, { product_id: tshirt.m, quantity: 1 });
    assert.equal(old.statusCode, 201, old.body);
    const [line, ...rest] = await cartItems(cart);
    assert.equal(rest.length, 0);
    assert.equal(line?.product_id, tshirt.product);
    assert.equal(line?.variant_id, tshirt.m);
    assert.equal(line?.sku, 'TS-M');
    assert.equal(line?.title, 'T-shirt');
    assert.deepEqual(line?.options, { Taille: 'M', Couleur: 'Rouge' });
    assert.equal(line?.quantity, 3);
    assert.equal(line?.available, 3);
    // M has 3 in stock: a fourth is refused, naming the product and the variant.
    const more = await add(cart, { product_id: tshirt.product, variant_id: tshirt.m, quantity: 1 });
    assert.equal(more.statusCode, 409, more.body);
    assert.deepEqual(
      more
        .json()
        .error.details.lines.map((l: { product_id: number; variant_id: number }) => [
          l.product_id,
          l.variant_id,
        ]),
      [[tshirt.product, tshirt.m]],
    );
  });

  it('checks out the M line: only M’s stock moves; the order line keeps the options', async () => {
    const sports = region.merchants.sports;
    const cart = await factories.newCart(p.app);
    const added = await add(cart, { product_id: tshirt.product, variant_id: tshirt.m, quantity: 2 });
    assert.equal(added.statusCode, 201, added.body);
    const before = await Promise.all([levelOf(tshirt.s), levelOf(tshirt.m), levelOf(tshirt.l)]);
    const r = await factories.checkoutCart(p.app, cart, factories.checkoutBody(factories.pickupAt(sports)));
    assert.equal(r.statusCode, 201, r.body);
    const after = await Promise.all([levelOf(tshirt.s), levelOf(tshirt.m), levelOf(tshirt.l)]);
    assert.deepEqual(after[0], before[0]);
    assert.deepEqual(after[2], before[2]);
    assert.equal(after[1].on_hand - after[1].reserved, before[1].on_hand - before[1].reserved - 2);
    const orderId = r.json().orders[0].order_id as number;
    const lines = await db()
      .selectFrom('order_lines')
      .select(['product_id', 'sku', 'title', 'quantity'])
      .where('order_id', '=', orderId)
      .execute();
    assert.deepEqual(
      lines.map((l) => ({ ...l })),
      [{ product_id: tshirt.m, sku: 'TS-M', title: 'T-shirt — M / Rouge', quantity: 2 }],
    );
  });

  it('a product without variants is added as before and shows no options', async () => {
    const cart = await factories.newCart(p.app);
    const r = await add(cart, { product_id: region.products.sirop, quantity: 1 });
    assert.equal(r.statusCode, 201, r.body);
    const [line] = await cartItems(cart);
    assert.equal(line?.product_id, region.products.sirop);
    assert.equal(line?.variant_id, region.products.sirop);
    assert.equal(line?.sku, 'SIROP-540');
    assert.deepEqual(line?.options, {});
    // Its own id as variant_id is accepted too.
    const again = await add(cart, {
      product_id: region.products.sirop,
      variant_id: region.products.sirop,
      quantity: 1,
    });
    assert.equal(again.statusCode, 201, again.body);
    assert.equal((await cartItems(cart))[0]?.quantity, 2);
  });
});

describe('the add-to-cart form with variants', () => {
  it('asks for a variant, then adds the chosen one and shows its options on the cart page', async () => {
    const jar = new Map<string, string>();
    const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string | number>) => {
      const res = await p.app.inject({
        method,
        url,
        headers: {
          accept: 'text/html',
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        cookies: Object.fromEntries(jar),
        ...(form
          ? { payload: new URLSearchParams(Object.entries(form).map(([k, v]) => [k, String(v)])).toString() }
          : {}),
      });
      for (const c of res.cookies) jar.set(c.name, c.value);
      return res;
    };
    const login = await send('GET', '/fr/connexion');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
    assert.ok(csrf);
    const missing = await send('POST', '/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: tshirt.product,
      quantity: 1,
    });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Choisissez une variante/);
    const added = await send('POST', '/fr/panier/ajouter', {
      _csrf: csrf,
      product_id: tshirt.product,
      variant_id: tshirt.l,
      quantity: 1,
    });
    assert.equal(added.statusCode, 303, added.body);
    const page = await send('GET', '/fr/panier');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /T-shirt — L \/ Rouge/);
    assert.match(page.body, new RegExp(`href="/fr/p/${tshirt.product}"`));
  });
});
