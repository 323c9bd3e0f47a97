/**
 * Shared factories for carts, checkouts and orders, through the public JSON API (the same calls a
 * storefront or POS makes), so tests build these the one way the product does.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { changeMerchantStatus } from '../../src/modules/merchants/index.ts';

/** A cart as `POST /api/v1/carts` returns it: its id and the bearer token that opens it. */
export interface ApiCart {
  cart_id: number;
  token: string;
}

/** A cart line: `[product_id, quantity]`, or with the store to take it from. */
export type CartLine =
  | readonly [productId: number, quantity: number]
  | { product_id: number; quantity: number; location_id?: number };

/** A store of a merchant, as the fixtures describe it. */
export interface MerchantStore {
  merchant_id: number;
  location_id: number;
}

/** The bearer header of a cart. */
export function cartAuth(cart: ApiCart): { authorization: string } {
  return { authorization: `Bearer ${cart.token}` };
}

/** A new empty cart (asserts 201). */
export async function newCart(app: FastifyInstance): Promise<ApiCart> {
  const r = await app.inject({ method: 'POST', url: '/api/v1/carts' });
  assert.equal(r.statusCode, 201, r.body);
  return r.json() as ApiCart;
}

/** Adds a line to a cart; returns the raw answer (tests of refusals check it themselves). */
export function addToCart(
  app: FastifyInstance,
  cart: ApiCart,
  productId: number,
  quantity: number,
  locationId?: number,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/api/v1/carts/${cart.cart_id}/items`,
    headers: cartAuth(cart),
    payload: { product_id: productId, quantity, ...(locationId ? { location_id: locationId } : {}) },
  });
}

/** A new cart holding these lines (asserts every line was added). */
export async function cartWith(app: FastifyInstance, lines: readonly CartLine[]): Promise<ApiCart> {
  const cart = await newCart(app);
  for (const line of lines) {
    const { product_id, quantity, location_id } = Array.isArray(line)
      ? { product_id: line[0], quantity: line[1], location_id: undefined }
      : (line as { product_id: number; quantity: number; location_id?: number });
    const r = await addToCart(app, cart, product_id, quantity, location_id);
    assert.equal(r.statusCode, 201, r.body);
  }
  return cart;
}

/** Pickup at the given store of each merchant (the `fulfilment` of a checkout body). */
export function pickupAt(
  ...stores: MerchantStore[]
): Record<number, { method: 'pickup'; location_id: number }> {
  return Object.fromEntries(
    stores.map((s) => [s.merchant_id, { method: 'pickup', location_id: s.location_id }]),
  );
}

/** The default customer of checkout bodies. */
export const TEST_CUSTOMER = { name: 'Marie Tremblay', email: 'marie@example.test' };

/** A checkout body: the customer (default TEST_CUSTOMER), the fulfilment, and any other field (payment, promo...). */
export function checkoutBody(
  fulfilment: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { customer: TEST_CUSTOMER, fulfilment, ...extra };
}

/** `POST /api/v1/carts/{id}/checkout` with a fresh (or given) idempotency key; returns the raw answer. */
export function checkoutCart(
  app: FastifyInstance,
  cart: ApiCart,
  payload: unknown,
  opts: { idempotencyKey?: string; lang?: string } = {},
): Promise<LightMyRequestResponse> {
  const lang = opts.lang ? `?lang=${opts.lang}` : '';
  return app.inject({
    method: 'POST',
    url: `/api/v1/carts/${cart.cart_id}/checkout${lang}`,
    headers: { ...cartAuth(cart), 'idempotency-key': opts.idempotencyKey ?? randomUUID() },
    payload: payload as object,
  });
}

/** One order of a placed checkout, as the API returns it. */
export interface PlacedOrder {
  order_id: number;
  access_token: string;
  [field: string]: unknown;
}

/**
 * A cart with these lines, checked out with pickup at `store` (or `opts.fulfilment`): asserts 201
 * and returns the cart, the checkout answer and its orders.
 */
export async function placeOrder(
  app: FastifyInstance,
  lines: readonly CartLine[],
  store: MerchantStore,
  opts: {
    lang?: string;
    customer?: { name: string; email: string };
    fulfilment?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  } = {},
): Promise<{ cart: ApiCart; checkout: Record<string, unknown>; orders: PlacedOrder[] }> {
  const cart = await cartWith(app, lines);
  const body = {
    ...checkoutBody(opts.fulfilment ?? pickupAt(store), opts.extra),
    ...(opts.customer ? { customer: opts.customer } : {}),
  };
  const r = await checkoutCart(app, cart, body, { lang: opts.lang });
  assert.equal(r.statusCode, 201, r.body);
  const checkout = r.json() as Record<string, unknown> & { orders: PlacedOrder[] };
  return { cart, checkout, orders: checkout.orders };
}

/** Approves every merchant of the mini region through the merchants module (as a region admin's review does). */
export async function approveMerchants(
  db: Kysely<DB>,
  region: { merchants: Record<string, { merchant_id: number }> },
): Promise<void> {
  for (const m of Object.values(region.merchants)) await changeMerchantStatus(db, m.merchant_id, 'approved');
}
