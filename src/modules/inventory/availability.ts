/**
 * The one place that announces availability changes (SSE `stock` events on every instance and
 * `inventory.low` webhooks), after the change is committed.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventBus } from '../events/index.ts';
import { enqueueEvents } from '../webhooks/index.ts';

/** `inventory.low` fires when availability drops from above this to at most this many units. */
export const LOW_STOCK_THRESHOLD = 3;

/** One availability change, as published on the `stock` event. */
export interface AvailabilityChange {
  product_id: number;
  sku: string;
  location_id: number;
  merchant_id: number;
  available: number;
  /** Availability before the change (to detect a drop to the low-stock threshold). */
  previous?: number;
}

/**
 * Announces availability changes after they are committed: a `stock` event for each (SSE
 * clients on every instance), and an `inventory.low` webhook when availability drops from
 * above LOW_STOCK_THRESHOLD to at most it. Call it from any code that changes on_hand or
 * reserved (POS sync, import, back-office edits, reservations, cancellations).
 */
export async function announceAvailability(
  db: Kysely<DB>,
  events: EventBus,
  changes: AvailabilityChange[],
): Promise<void> {
  // Published together: the PostgreSQL bus sends them in a few batched NOTIFYs.
  await Promise.all(
    changes.map((c) =>
      events.publish('stock', {
        product_id: c.product_id,
        sku: c.sku,
        location_id: c.location_id,
        merchant_id: c.merchant_id,
        available: c.available,
      }),
    ),
  );
  const low = new Map<number, Record<string, unknown>[]>();
  for (const c of changes) {
    if (c.available > LOW_STOCK_THRESHOLD || (c.previous !== undefined && c.previous <= LOW_STOCK_THRESHOLD))
      continue;
    const list = low.get(c.merchant_id) ?? [];
    list.push({
      product_id: c.product_id,
      sku: c.sku,
      location_id: c.location_id,
      available: c.available,
      threshold: LOW_STOCK_THRESHOLD,
    });
    low.set(c.merchant_id, list);
  }
  for (const [merchantId, list] of low) await enqueueEvents(db, merchantId, 'inventory.low', list);
}

/** The CHECK constraint `on_hand - reserved >= 0` refused a write (PostgreSQL 23514, or SQLite). */
export function isBelowReservedViolation(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.constraint === 'inventory_available_not_negative') return true;
  return (
    (e.code === '23514' || /CHECK constraint failed/i.test(String(e.message))) &&
    /inventory_available_not_negative/.test(String(e.message))
  );
}
