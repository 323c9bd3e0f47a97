import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { TaxCollection } from './index.ts';
import './taxes.tables.ts';

/** Records who collected which tax on an order; call inside the transaction that creates it. */
export async function recordOrderTaxes(trx: Kysely<DB>, orderId: number, c: TaxCollection): Promise<void> {
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
