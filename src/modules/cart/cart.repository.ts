/**
 * SQL of the cart module: `carts` and `cart_items` only. Products, merchants, stores and stock are
 * read through their owners' public APIs (cart.service.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';
import './cart.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

// The queries of a cart add (a tenth of the mixed load) and of every cart view are prepared
// (src/db/prepared.ts): Kysely builds each once instead of at every call.

export async function insertCart(db: Db, tokenHash: string, userId: number | null): Promise<number> {
  const row = await db
    .insertInto('carts')
    .values({ token_hash: tokenHash, user_id: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findCartById(db: Db, cartId: number) {
  return (await cartByIdQuery(db, cartId))[0];
}
const cartByIdQuery = preparedQuery((db: Db, cartId: number) =>
  db.selectFrom('carts').select(['id', 'token_hash', 'user_id']).where('id', '=', cartId),
);

/** The cart of a token's hash (every cart and checkout page reads it from the cookie). */
export async function findCartByTokenHash(db: Db, tokenHash: string) {
  return (await cartByTokenQuery(db, tokenHash))[0];
}
const cartByTokenQuery = preparedQuery((db: Db, tokenHash: string) =>
  db.selectFrom('carts').select(['id', 'user_id']).where('token_hash', '=', tokenHash),
);

/** Marks the cart as changed now. */
export async function touchCart(db: Db, cartId: number): Promise<void> {
  await touchQuery(db, new Date().toISOString(), cartId);
}
const touchQuery = preparedQuery((db: Db, now: string, cartId: number) =>
  db.updateTable('carts').set({ updated_at: now }).where('id', '=', cartId),
);

/** The cart's line for this product at this store, if any. */
export async function findLine(db: Db, cartId: number, productId: number, locationId: number) {
  return (await lineQuery(db, cartId, productId, locationId))[0];
}
const lineQuery = preparedQuery((db: Db, cartId: number, productId: number, locationId: number) =>
  db
    .selectFrom('cart_items')
    .select(['id', 'quantity'])
    .where('cart_id', '=', cartId)
    .where('product_id', '=', productId)
    .where('location_id', '=', locationId),
);

/** One line of this cart by id (another cart's line is undefined). */
export function findLineOfCart(db: Db, cartId: number, itemId: number) {
  return db
    .selectFrom('cart_items')
    .select(['id', 'product_id', 'location_id', 'quantity'])
    .where('id', '=', itemId)
    .where('cart_id', '=', cartId)
    .executeTakeFirst();
}

export async function countLines(db: Db, cartId: number): Promise<number> {
  const [r] = await countQuery(db, cartId);
  return Number(r?.n ?? 0);
}
const countQuery = preparedQuery((db: Db, cartId: number) =>
  db
    .selectFrom('cart_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('cart_id', '=', cartId),
);

/** Every line of the cart, in id order (the order they were added). */
export function linesOf(db: Db, cartId: number) {
  return linesQuery(db, cartId);
}
const linesQuery = preparedQuery((db: Db, cartId: number) =>
  db
    .selectFrom('cart_items')
    .select(['id', 'product_id', 'location_id', 'quantity'])
    .where('cart_id', '=', cartId)
    .orderBy('id'),
);

export async function insertLine(
  db: Db,
  line: { cart_id: number; product_id: number; location_id: number; quantity: number },
): Promise<number> {
  const [row] = await insertLineQuery(db, line.cart_id, line.product_id, line.location_id, line.quantity);
  if (!row) throw new Error('cart line not inserted');
  return row.id;
}
const insertLineQuery = preparedQuery(
  (db: Db, cart_id: number, product_id: number, location_id: number, quantity: number) =>
    db.insertInto('cart_items').values({ cart_id, product_id, location_id, quantity }).returning('id'),
);

export async function setLineQuantity(db: Db, itemId: number, quantity: number): Promise<void> {
  await db.updateTable('cart_items').set({ quantity }).where('id', '=', itemId).execute();
}

/** Deletes one line of this cart; returns whether there was one. */
export async function deleteLine(db: Db, cartId: number, itemId: number): Promise<boolean> {
  const r = await db
    .deleteFrom('cart_items')
    .where('id', '=', itemId)
    .where('cart_id', '=', cartId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes every line of the cart (the cart itself stays, with its token). */
export async function deleteLines(db: Db, cartId: number): Promise<void> {
  await db.deleteFrom('cart_items').where('cart_id', '=', cartId).execute();
}
