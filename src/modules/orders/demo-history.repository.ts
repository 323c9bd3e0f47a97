import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * DEMO ONLY (src/tools/demo): moves a checkout placed just now, its orders and their status history
 * back to `at` (ISO 8601 UTC), so the demo region ships a few months of order history placed
 * through the real checkout. Each history step keeps its order, `stepMinutes` apart. Never called
 * by the application.
 */
export async function backdateDemoCheckout(
  db: Kysely<DB>,
  checkoutId: number,
  at: string,
  stepMinutes = 45,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('checkouts')
      .set({ created_at: at, updated_at: at, expires_at: at })
      .where('id', '=', checkoutId)
      .execute();
    const orders = await trx
      .selectFrom('orders')
      .select('id')
      .where('checkout_id', '=', checkoutId)
      .execute();
    for (const o of orders) {
      const events = await trx
        .selectFrom('order_events')
        .select('id')
        .where('order_id', '=', o.id)
        .orderBy('id')
        .execute();
      let last = at;
      for (const [i, e] of events.entries()) {
        last = new Date(Date.parse(at) + i * stepMinutes * 60_000).toISOString();
        await trx.updateTable('order_events').set({ created_at: last }).where('id', '=', e.id).execute();
      }
      await trx
        .updateTable('orders')
        .set({ created_at: at, updated_at: last })
        .where('id', '=', o.id)
        .execute();
    }
  });
}
