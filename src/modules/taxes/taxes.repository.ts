/**
 * SQL of the taxes module: `order_taxes` only (who collected an order's taxes, migration 008).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { TaxCollection } from './taxes.service.ts';
import './taxes.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Who collected an order's taxes, as stored for its receipt. */
export interface OrderTaxesRow {
  order_id: number;
  regime: string;
  collector_name: string;
  collector_gst_number: string;
  collector_qst_number: string;
}

/** Records who collected which tax on an order; call inside the transaction that creates it. */
export async function recordOrderTaxes(trx: Db, orderId: number, c: TaxCollection): Promise<void> {
  await trx
    .insertInto('order_taxes')
    .values({
      order_id: orderId,
      regime: c.regime,
      collector_name: c.platform?.legal_name ?? '',
      collector_gst_number: c.platform && c.gst ? c.platform.gst_number : '',
      collector_qst_number: c.platform?.qst_number ?? '',
    })
    .execute();
}

/** Who collected the taxes of one order; undefined = the merchant collected both (orders before migration 008). */
export async function findOrderTaxes(db: Db, orderId: number): Promise<OrderTaxesRow | undefined> {
  return db.selectFrom('order_taxes').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

/** Who collected the taxes of several orders, by order id (one query; orders without a row are absent). */
export async function findOrderTaxesByOrderIds(
  db: Db,
  orderIds: number[],
): Promise<Map<number, OrderTaxesRow>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db.selectFrom('order_taxes').selectAll().where('order_id', 'in', orderIds).execute();
  return new Map(rows.map((r) => [r.order_id, r]));
}
