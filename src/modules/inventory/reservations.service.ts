/**
 * Stock reservations of checkouts and orders (the checkout's `inventory.reserve / release /
 * commit` steps, and the stock side of an order completed or cancelled). The caller announces
 * the returned availability changes after its transaction commits (`announceAvailability`).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { findProductsByIds } from '../catalog/index.ts';
import {
  countHeld,
  deleteReleased,
  findLevel,
  holdUnits,
  insertReservations,
  markHeldCommitted,
  markHeldReleased,
  type StockLine,
  sellHeldUnits,
  unholdUnits,
} from './reservations.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

export type { StockLine } from './reservations.repository.ts';

/** A line to reserve, with what the `stock` event says about it. */
export interface ReserveLine extends StockLine {
  sku: string;
  merchant_id: number;
}

/** A change of availability (the shape `announceAvailability` publishes). */
export interface StockChange {
  product_id: number;
  sku: string;
  location_id: number;
  merchant_id: number;
  available: number;
  previous?: number;
}

/** A line that could not be held: how many were asked, how many are available. */
export interface ShortStock {
  product_id: number;
  location_id: number;
  sku: string;
  requested: number;
  available: number;
}

/** Thrown by `reserveStock` when a line is short: nothing was reserved. */
export class InsufficientStock extends Error {
  readonly short: ShortStock[];
  constructor(short: ShortStock[]) {
    super(`${short.length} line(s) short`);
    this.short = short;
  }
}

/**
 * Reserves every line for a checkout, or nothing: one transaction in which `open` first records
 * the holder (the checkout: its row, its merchants re-checked) and returns its id, then a
 * conditional UPDATE per (product, location), lines of the same SKU summed, rows touched in
 * (product_id, location_id) order so concurrent checkouts on PostgreSQL never deadlock. A short
 * line throws InsufficientStock naming every short line, and everything (the holder too) rolls back.
 */
export async function reserveStock(
  db: Kysely<DB>,
  input: { lines: ReserveLine[]; open: (trx: Transaction<DB>) => Promise<number> },
): Promise<{ holderId: number; changes: StockChange[] }> {
  const need = new Map<string, ReserveLine>();
  for (const l of input.lines) {
    const k = `${l.product_id}:${l.location_id}`;
    const cur = need.get(k);
    if (cur) cur.quantity += l.quantity;
    else need.set(k, { ...l });
  }
  const lines = [...need.values()].sort(
    (a, b) => a.product_id - b.product_id || a.location_id - b.location_id,
  );
  return db.transaction().execute(async (trx) => {
    const holderId = await input.open(trx);
    const now = new Date().toISOString();
    const short: ShortStock[] = [];
    const changes: StockChange[] = [];
    for (const l of lines) {
      const r = await holdUnits(trx, l, now);
      if (!r) {
        const lvl = await findLevel(trx, l.product_id, l.location_id);
        short.push({
          product_id: l.product_id,
          location_id: l.location_id,
          sku: l.sku,
          requested: l.quantity,
          available: lvl ? Math.max(0, lvl.on_hand - lvl.reserved) : 0,
        });
        continue;
      }
      changes.push({
        product_id: l.product_id,
        location_id: l.location_id,
        sku: l.sku,
        merchant_id: l.merchant_id,
        available: r.on_hand - r.reserved,
        previous: r.on_hand - r.reserved + l.quantity,
      });
    }
    if (short.length) throw new InsufficientStock(short);
    await insertReservations(trx, holderId, lines);
    return { holderId, changes };
  });
}

/**
 * Gives a checkout's held units back to stock (idempotent: units already released or committed
 * are not touched). Pass the caller's transaction to tie it to the checkout's status change.
 */
export async function releaseReservations(db: Db, checkoutId: number): Promise<StockChange[]> {
  const held = await markHeldReleased(db, checkoutId);
  if (!held.length) return [];
  const products = new Map(
    (
      await findProductsByIds(
        db,
        held.map((h) => h.product_id),
      )
    ).map((p) => [p.id, p]),
  );
  const now = new Date().toISOString();
  const out: StockChange[] = [];
  for (const h of held) {
    const r = await unholdUnits(db, h, now);
    const p = products.get(h.product_id);
    out.push({
      product_id: h.product_id,
      location_id: h.location_id,
      sku: p?.sku ?? '',
      merchant_id: p?.merchant_id ?? 0,
      available: r.on_hand - r.reserved,
    });
  }
  return out;
}

/** A checkout's held units now belong to its orders (they stay counted in `reserved`). */
export async function commitReservations(db: Db, checkoutId: number): Promise<void> {
  await markHeldCommitted(db, checkoutId);
}

/** Forgets a checkout's released reservations (its Idempotency-Key is about to be tried again). */
export async function forgetReleasedReservations(db: Db, checkoutId: number): Promise<void> {
  await deleteReleased(db, checkoutId);
}

/** Units held by these checkouts (the `comptoir_reservations_pending` gauge). */
export async function countHeldReservations(db: Db, checkoutIds: number[]): Promise<number> {
  return checkoutIds.length ? countHeld(db, checkoutIds) : 0;
}

/**
 * An order's reserved units leave the stock: `sold` (completed: on_hand and reserved drop) or
 * `returned` (cancelled: reserved drops, back on sale). Lines in (product_id, location_id) order.
 * Returns the availability changes of returned units (a sale does not change availability).
 */
export async function settleOrderUnits(
  db: Db,
  outcome: 'sold' | 'returned',
  lines: (StockLine & { sku: string; merchant_id: number })[],
): Promise<StockChange[]> {
  const now = new Date().toISOString();
  const out: StockChange[] = [];
  for (const l of [...lines].sort((a, b) => a.product_id - b.product_id || a.location_id - b.location_id)) {
    if (outcome === 'sold') {
      await sellHeldUnits(db, l, now);
      continue;
    }
    const r = await unholdUnits(db, l, now);
    out.push({
      product_id: l.product_id,
      location_id: l.location_id,
      sku: l.sku,
      merchant_id: l.merchant_id,
      available: r.on_hand - r.reserved,
    });
  }
  return out;
}
