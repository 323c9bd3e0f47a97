/**
 * The sweeper: checkouts that never reached their orders (abandoned, crashed) past their expiry
 * give their stock back and void their payment authorization; idempotency records left unfinished
 * by a crash are cleared so the customer can retry with the same key.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { clearUnfinishedKeys } from '../../lib/idempotency/idempotency.ts';
import type { EventBus } from '../../modules/events/index.ts';
import { countHeldReservations } from '../../modules/inventory/index.ts';
import { closeCheckout, dueCheckouts, pendingCheckoutIds } from '../../modules/orders/index.ts';
import { type Authorization, voidPayment } from '../../modules/payments/index.ts';
import type { CheckoutDeps } from './quote.ts';
import { RESERVATION_TTL_MS } from './steps.ts';

/** What the sweeper needs: the database, the event bus, the payment methods and (optionally) a log. */
export type SweeperDeps = Pick<CheckoutDeps, 'db' | 'events' | 'payments'> & {
  log?: { error: (obj: unknown, msg: string) => void };
};

/**
 * Ends a checkout that did not become orders ('failed' or 'expired', only from `onlyFrom`) and
 * returns its held units to stock, in one transaction (idempotent: false when already ended).
 */
export async function releaseCheckout(
  db: Kysely<DB>,
  events: EventBus,
  checkoutId: number,
  status: 'failed' | 'expired',
  onlyFrom: ('reserved' | 'authorized')[] = ['reserved', 'authorized'],
): Promise<boolean> {
  return closeCheckout(db, events, checkoutId, status, onlyFrom);
}

/**
 * One sweep: checkouts past their expiry void their payment (a void that fails is logged; the
 * stock is returned anyway) and give their stock back; unfinished checkout keys older than the
 * reservation time are cleared. Returns how many checkouts expired.
 */
export async function expireCheckouts(deps: SweeperDeps, now = new Date()): Promise<number> {
  let n = 0;
  for (const c of await dueCheckouts(deps.db, now)) {
    if (c.status === 'authorized') {
      const auth = JSON.parse(c.payment_json) as Authorization;
      if (auth.parts) {
        const pay = {
          id: c.id,
          total_cents: c.total_cents,
          parts: auth.parts.map((p) => ({ merchant_id: p.merchant_id, total_cents: 0 })),
          input: {},
        };
        await voidPayment(deps.db, deps.payments, c.payment_method, pay, auth).catch((err: unknown) =>
          (deps.log ?? console).error({ err, checkout_id: c.id }, 'sweeper: payment void failed'),
        );
      }
    }
    if (await closeCheckout(deps.db, deps.events, c.id, 'expired')) n++;
  }
  await clearUnfinishedKeys(deps.db, 'checkout:', new Date(now.getTime() - RESERVATION_TTL_MS));
  return n;
}

/** Starts the sweeper on an interval; returns a stop function. A failed sweep is logged and retried at the next tick. */
export function startCheckoutSweeper(deps: SweeperDeps, intervalMs = 60_000) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await expireCheckouts(deps);
    } catch (err) {
      (deps.log ?? console).error({ err }, 'checkout sweeper failed (retried at the next tick)');
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Stock reservations held by checkouts still in progress (not yet orders, not yet released): the
 * `comptoir_reservations_pending` gauge. Reads the checkouts in flight (their (status, expires_at)
 * index), then their held reservations (the reservations' checkout index): its cost follows the
 * checkouts in flight, not the history.
 */
export async function countPendingReservations(db: Kysely<DB>): Promise<number> {
  return countHeldReservations(db, await pendingCheckoutIds(db));
}
