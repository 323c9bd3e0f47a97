import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './webhooks.tables.ts';

type Db = Kysely<DB> | Transaction<DB>;

export async function countWebhooks(db: Db, merchantId: number): Promise<number> {
  const r = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertWebhook(
  db: Db,
  values: { merchant_id: number; url: string; events_json: string; secret: string },
) {
  return db
    .insertInto('webhooks')
    .values(values)
    .returning(['id', 'url', 'events_json', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A merchant's webhooks in id order (never the secret). */
export async function webhooksOf(db: Db, merchantId: number) {
  return db
    .selectFrom('webhooks')
    .select(['id', 'url', 'events_json', 'created_at'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
}

/** Deletes one webhook of the merchant; false when it has none of that id. */
export async function deleteWebhookRow(db: Db, merchantId: number, id: number): Promise<boolean> {
  const res = await db
    .deleteFrom('webhooks')
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export interface NewDelivery {
  webhook_id: number;
  merchant_id: number;
  delivery_id: string;
  event: string;
  payload: string;
  next_attempt_at: string;
}

/** Queues deliveries in batches; a delivery id already queued is skipped (several instances, one event). */
export async function insertDeliveries(db: Db, rows: NewDelivery[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('delivery_id').doNothing())
      .execute();
  }
}

/** Deliveries due at `now` (pending, or 'sending' past their lease), with their webhook's URL and secret. */
export async function dueDeliveries(db: Db, now: string, limit: number) {
  return (
    db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.delivery_id', 'd.event', 'd.payload', 'd.attempts', 'w.url', 'w.secret'])
      // 'sending' past its lease: the worker that claimed it died mid-delivery; send again.
      .where('d.status', 'in', ['pending', 'sending'])
      .where('d.next_attempt_at', '<=', now)
      .orderBy('d.next_attempt_at')
      .limit(limit)
      .execute()
  );
}

/** Claims a due delivery until `leaseUntil`; false when another worker claimed it first. */
export async function claimDelivery(db: Db, id: number, now: string, leaseUntil: string): Promise<boolean> {
  const claim = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'sending', next_attempt_at: leaseUntil })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'sending'])
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(claim.numUpdatedRows) > 0;
}

export async function updateDelivery(
  db: Db,
  id: number,
  values: {
    status: 'delivered' | 'pending' | 'failed';
    attempts: number;
    last_status_code: number | null;
    last_error: string | null;
    delivered_at?: string;
    next_attempt_at?: string;
  },
): Promise<void> {
  await db.updateTable('webhook_deliveries').set(values).where('id', '=', id).execute();
}

/** Recent deliveries of a merchant, newest first. */
export async function deliveriesOf(db: Db, merchantId: number, limit: number) {
  return db
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'webhook_id',
      'delivery_id',
      'event',
      'status',
      'attempts',
      'next_attempt_at',
      'last_status_code',
      'last_error',
      'created_at',
      'delivered_at',
    ])
    .where('merchant_id', '=', merchantId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
