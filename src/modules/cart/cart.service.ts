/**
 * Carts: a guest (or signed-in) customer's lines from several merchants, kept across visits by a
 * bearer token (only its hash is stored). Adding checks availability but reserves nothing;
 * checkout reserves (src/workflows/checkout.ts). Products, merchants, stores and stock are read
 * through their owners' public APIs.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { findProductById, productIdsOfVariants } from '../catalog/index.ts';
import { levelsOf } from '../inventory/index.ts';
import { findMerchantById, locationsOfMerchant } from '../merchants/index.ts';
import { sellsOnline } from './buyable.ts';
import * as repo from './cart.repository.ts';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from './cart.schemas.ts';
import type { AddItemInput, CartGroup, CartView, ShortLine, UnavailableMerchantLine } from './cart.types.ts';
import { chooseVariant, lineTitle } from './variant-choice.ts';

export const hashCartToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createCart(db: Kysely<DB>, userId: number | null = null) {
  const token = randomBytes(24).toString('base64url');
  const id = await repo.insertCart(db, hashCartToken(token), userId);
  return { cart_id: id, token };
}

/** The cart if the token is its own; otherwise 404 (a wrong token reveals nothing). */
export async function authorizeCart(db: Kysely<DB>, cartId: number, token: string | undefined) {
  if (!token) throw new AppError('unauthorized', 'cart.token_required');
  const row = await repo.findCartById(db, cartId);
  const a = Buffer.from(row?.token_hash ?? '0'.repeat(64), 'hex');
  const b = Buffer.from(hashCartToken(token), 'hex');
  if (!row || a.length !== b.length || !timingSafeEqual(a, b)) throw notFound('cart');
  return row;
}

/** Finds a cart by its token alone (the cookie of the pages). */
export async function cartByToken(db: Kysely<DB>, token: string | undefined) {
  if (!token) return undefined;
  return repo.findCartByTokenHash(db, hashCartToken(token));
}

/**
 * The store that would serve a variant (`productId` is its row): an active variant of an active
 * product of an approved merchant, stocked at one of that merchant's stores (`locationId` when
 * asked; otherwise a store that can fulfil an order first, then the one with most available).
 */
async function offer(db: Kysely<DB>, productId: number, locationId?: number) {
  const product = await findProductById(db, productId);
  if (product?.status !== 'active') return undefined;
  // A variant of an archived product is not sold either.
  if (product.parent_id !== null && (await findProductById(db, product.parent_id))?.status !== 'active')
    return undefined;
  const [merchant, levels, stores] = await Promise.all([
    findMerchantById(db, product.merchant_id),
    levelsOf(db, [productId]),
    locationsOfMerchant(db, product.merchant_id),
  ]);
  if (merchant?.status !== 'approved') return undefined;
  const rows = stores.flatMap((l) => {
    const level = levels.get(`${productId}:${l.id}`);
    if (!level || (locationId !== undefined && l.id !== locationId)) return [];
    return [
      {
        ...l,
        product_id: productId,
        /** The product this variant belongs to (itself without variants). */
        product_of: product.parent_id ?? productId,
        location_id: l.id,
        on_hand: level.on_hand,
        reserved: level.reserved,
      },
    ];
  });
  // Stores that can fulfil an order first (src/modules/cart/buyable.ts), then the most available.
  rows.sort(
    (x, y) =>
      Number(sellsOnline(y)) - Number(sellsOnline(x)) || y.on_hand - y.reserved - (x.on_hand - x.reserved),
  );
  return rows[0];
}

export async function addItem(db: Kysely<DB>, cartId: number, input: AddItemInput) {
  checkQuantity(input.quantity);
  // The line is the variant's row (stock, reservations and order lines are kept by it).
  const variantId = await chooseVariant(db, input);
  const o = await offer(db, variantId, input.location_id);
  if (!o) {
    const exists = await findProductById(db, variantId);
    throw new ValidationError([
      exists && input.location_id !== undefined
        ? { field: 'location_id', message: 'cart.location_unknown' }
        : { field: 'product_id', message: 'cart.product_unknown' },
    ]);
  }
  if (!sellsOnline(o))
    throw new ValidationError([{ field: 'location_id', message: 'offer.no_fulfilment' }], { status: 422 });
  const existing = await repo.findLine(db, cartId, o.product_id, o.location_id);
  const quantity = (existing?.quantity ?? 0) + input.quantity;
  checkQuantity(quantity);
  const available = o.on_hand - o.reserved;
  if (quantity > available)
    throw outOfStock([
      {
        product_id: o.product_of,
        variant_id: o.product_id,
        location_id: o.location_id,
        requested: quantity,
        available,
      },
    ]);
  // The line and the cart's time in one commit (it was two): on SQLite each commit is an fsync that
  // holds the event loop (synchronous = FULL), and a cart add is a tenth of the mix.
  return db.transaction().execute(async (trx) => {
    if (existing) {
      await repo.setLineQuantity(trx, existing.id, quantity);
      await repo.touchCart(trx, cartId);
      return { item_id: existing.id, quantity };
    }
    if ((await repo.countLines(trx, cartId)) >= MAX_CART_LINES)
      throw new ValidationError([{ field: 'product_id', message: 'cart.too_many_lines' }]);
    const id = await repo.insertLine(trx, {
      cart_id: cartId,
      product_id: o.product_id,
      location_id: o.location_id,
      quantity,
    });
    await repo.touchCart(trx, cartId);
    return { item_id: id, quantity };
  });
}

export async function updateItem(db: Kysely<DB>, cartId: number, itemId: number, quantity: number) {
  checkQuantity(quantity);
  const item = await repo.findLineOfCart(db, cartId, itemId);
  // A line whose store no longer stocks the product is gone as far as the customer can tell.
  const level = item && (await levelsOf(db, [item.product_id])).get(`${item.product_id}:${item.location_id}`);
  if (!item || !level) throw notFound('cart_item');
  const available = level.on_hand - level.reserved;
  if (quantity > available) {
    const productOf = await productIdsOfVariants(db, [item.product_id]);
    throw outOfStock([
      {
        product_id: productOf.get(item.product_id) ?? item.product_id,
        variant_id: item.product_id,
        location_id: item.location_id,
        requested: quantity,
        available,
      },
    ]);
  }
  // One commit (see addItem).
  await db.transaction().execute(async (trx) => {
    await repo.setLineQuantity(trx, itemId, quantity);
    await repo.touchCart(trx, cartId);
  });
  return { item_id: itemId, quantity };
}

export async function removeItem(db: Kysely<DB>, cartId: number, itemId: number) {
  // One commit (see addItem); a line that is not there changes nothing.
  await db.transaction().execute(async (trx) => {
    if (!(await repo.deleteLine(trx, cartId, itemId))) throw notFound('cart_item');
    await repo.touchCart(trx, cartId);
  });
}

/**
 * Checkout step: empties the cart (every line; the cart and its token stay). Call it with the
 * checkout's transaction so the cart is emptied exactly when the orders are committed.
 */
export async function clearCart(db: Kysely<DB> | Transaction<DB>, cartId: number): Promise<void> {
  await repo.deleteLines(db, cartId);
}

function checkQuantity(q: number) {
  if (!Number.isInteger(q) || q < 1 || q > MAX_LINE_QUANTITY)
    throw new ValidationError([
      { field: 'quantity', message: 'cart.quantity_range', params: { max: MAX_LINE_QUANTITY } },
    ]);
}

export function outOfStock(lines: ShortLine[]) {
  return new AppError('out_of_stock', 'cart.out_of_stock', { details: { lines } });
}

/**
 * The lines of a cart view whose merchant no longer takes orders (empty when every merchant does);
 * `stopped` overrides the view's reading (a status re-read inside the checkout's transaction).
 */
export function unavailableMerchantLines(
  view: Pick<CartView, 'groups'>,
  stopped: (g: CartGroup) => boolean = (g) => !g.merchant.available,
): UnavailableMerchantLine[] {
  return view.groups.filter(stopped).flatMap((g) =>
    g.items.map((i) => ({
      item_id: i.item_id,
      product_id: i.product_id,
      variant_id: i.variant_id,
      sku: i.sku,
      title: lineTitle(i),
      merchant_id: g.merchant.id,
      merchant_name: g.merchant.name,
    })),
  );
}

/** 409 merchant_unavailable naming the lines (ids, titles) to remove before checking out. */
export function merchantUnavailable(lines: UnavailableMerchantLine[]) {
  return new AppError('merchant_unavailable', 'checkout_integrity.merchant_unavailable', {
    params: {
      merchants: [...new Set(lines.map((l) => l.merchant_name))].join(', '),
      items: lines.map((l) => l.title).join(', '),
    },
    details: { lines },
  });
}
