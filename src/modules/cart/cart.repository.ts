/**
 * SQL of the cart module: `carts` and `cart_items` only. Products, merchants, stores and stock are
 * read through their owners' public APIs (cart.service.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './cart.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

export async function insertCart(db: Db, tokenHash: string, userId: number | null): Promise<number> {
  const row = await db
    .insertInto('carts')
    .values({ token_hash: tokenHash, user_id: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function findCartById(db: Db, cartId: number) {
  return db
    .selectFrom('carts')
    .select(['id', 'token_hash', 'user_id'])
    .where('id', '=', cartId)
    .executeTakeFirst();
}

export function findCartByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('carts')
    .select(['id', 'user_id'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Marks the cart as changed now. */
export async function touchCart(db: Db, cartId: number): Promise<void> {
  await db
    .updateTable('carts')
    .set({ updated_at: new Date().toISOString() })
    .where('id', '=', cartId)
    .execute();
}

/** The cart's line for this product at this store, if any. */
export function findLine(db: Db, cartId: number, productId: number, locationId: number) {
  return db
    .selectFrom('cart_items')
    .select(['id', 'quantity'])
    .where('cart_id', '=', cartId)
    .where('product_id', '=', productId)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}

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
  const r = await db
    .selectFrom('cart_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('cart_id', '=', cartId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every line of the cart, in id order (the order they were added). */
export function linesOf(db: Db, cartId: number) {
  return db
    .selectFrom('cart_items')
    .select(['id', 'product_id', 'location_id', 'quantity'])
    .where('cart_id', '=', cartId)
    .orderBy('id')
    .execute();
}

export async function insertLine(
  db: Db,
  line: { cart_id: number; product_id: number; location_id: number; quantity: number },
): Promise<number> {
  const row = await db.insertInto('cart_items').values(line).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

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
