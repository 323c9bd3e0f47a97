/**
 * SQL of stock reservations: `reservations` (units a checkout holds) and the `reserved` column
 * of `inventory_levels`. Every stock move of a checkout or an order goes through here.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Units of one product at one location. */
export interface StockLine {
  product_id: number;
  location_id: number;
  quantity: number;
}

/**
 * Holds `quantity` units if that many are available (one conditional UPDATE: two concurrent
 * checkouts never both take the last unit). Returns the level after, or undefined when short.
 */
export function holdUnits(db: Db, l: StockLine, now: string) {
  return db
    .updateTable('inventory_levels')
    .set((eb) => ({ reserved: eb('reserved', '+', l.quantity), updated_at: now }))
    .where('product_id', '=', l.product_id)
    .where('location_id', '=', l.location_id)
    .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', l.quantity))
    .returning(['on_hand', 'reserved'])
    .executeTakeFirst();
}

/** The level of one product at one location, if any. */
export function findLevel(db: Db, productId: number, locationId: number) {
  return db
    .selectFrom('inventory_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', productId)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}

/** Gives back `quantity` reserved units (reserved -= n); returns the level after. */
export function unholdUnits(db: Db, l: StockLine, now: string) {
  return db
    .updateTable('inventory_levels')
    .set((eb) => ({ reserved: eb('reserved', '-', l.quantity), updated_at: now }))
    .where('product_id', '=', l.product_id)
    .where('location_id', '=', l.location_id)
    .returning(['on_hand', 'reserved'])
    .executeTakeFirstOrThrow();
}

/** Sells `quantity` reserved units: on_hand and reserved both drop. */
export async function sellHeldUnits(db: Db, l: StockLine, now: string): Promise<void> {
  await db
    .updateTable('inventory_levels')
    .set((eb) => ({
      on_hand: eb('on_hand', '-', l.quantity),
      reserved: eb('reserved', '-', l.quantity),
      updated_at: now,
    }))
    .where('product_id', '=', l.product_id)
    .where('location_id', '=', l.location_id)
    .execute();
}

/** Records what a checkout holds (status 'held'). */
export async function insertReservations(db: Db, checkoutId: number, lines: StockLine[]): Promise<void> {
  if (!lines.length) return;
  await db
    .insertInto('reservations')
    .values(
      lines.map((l) => ({
        checkout_id: checkoutId,
        product_id: l.product_id,
        location_id: l.location_id,
        quantity: l.quantity,
      })),
    )
    .execute();
}

/**
 * Marks a checkout's held reservations released and returns them. The conditional UPDATE claims
 * each row once: two releases of the same checkout never give the same units back twice.
 */
export async function markHeldReleased(db: Db, checkoutId: number): Promise<StockLine[]> {
  const rows = await db
    .updateTable('reservations')
    .set({ status: 'released' })
    .where('checkout_id', '=', checkoutId)
    .where('status', '=', 'held')
    .returning(['product_id', 'location_id', 'quantity'])
    .execute();
  return rows.sort((a, b) => a.product_id - b.product_id || a.location_id - b.location_id);
}

/** Marks a checkout's held reservations committed (its orders now hold the units). */
export async function markHeldCommitted(db: Db, checkoutId: number): Promise<void> {
  await db
    .updateTable('reservations')
    .set({ status: 'committed' })
    .where('checkout_id', '=', checkoutId)
    .where('status', '=', 'held')
    .execute();
}

/** Deletes a checkout's released reservations (before its key is tried again). */
export async function deleteReleased(db: Db, checkoutId: number): Promise<void> {
  await db
    .deleteFrom('reservations')
    .where('checkout_id', '=', checkoutId)
    .where('status', '=', 'released')
    .execute();
}

/** Held reservations of these checkouts (through the reservations' checkout index). */
export async function countHeld(db: Db, checkoutIds: number[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < checkoutIds.length; i += 1000) {
    const r = await db
      .selectFrom('reservations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('checkout_id', 'in', checkoutIds.slice(i, i + 1000))
      .where('status', '=', 'held')
      .executeTakeFirst();
    n += Number(r?.n ?? 0);
  }
  return n;
}
