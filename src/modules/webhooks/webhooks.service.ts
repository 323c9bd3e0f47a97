import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { findLocationsByIds } from '../merchants/index.ts';
import { resolvePublic } from './address-guard.ts';
import * as repo from './webhooks.repository.ts';

export const WEBHOOK_EVENTS = ['order.created', 'order.updated', 'inventory.low'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const MAX_WEBHOOKS_PER_MERCHANT = 10;

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The merchant's input: a field error.
    throw new ValidationError([{ field: 'url', message: 'field.invalid_url' }]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError([{ field: 'url', message: 'field.invalid_url' }]);
  if (url.username || url.password)
    throw new ValidationError([{ field: 'url', message: 'merchant_api.webhook_url_credentials' }]);
  return url;
}

export interface WebhookView {
  id: number;
  url: string;
  events: WebhookEvent[];
  created_at: string;
}

const view = (w: { id: number; url: string; events_json: string; created_at: string }): WebhookView => ({
  id: w.id,
  url: w.url,
  events: JSON.parse(w.events_json) as WebhookEvent[],
  created_at: w.created_at,
});

/** Registers a webhook; the returned secret is shown once (it signs every delivery). */
export async function createWebhook(
  db: Kysely<DB>,
  merchantId: number,
  input: { url: string; events: WebhookEvent[] },
  opts: { allowPrivate: boolean },
): Promise<WebhookView & { secret: string }> {
  const url = checkUrl(input.url);
  // Signed payloads carry order and stock data: over the Internet they travel encrypted. Plain
  // http:// is accepted only where private targets are (development, WEBHOOKS_ALLOW_PRIVATE).
  if (url.protocol !== 'https:' && !opts.allowPrivate)
    throw new ValidationError([{ field: 'url', message: 'merchant_api.webhook_url_https' }]);
  try {
    await resolvePublic(url.hostname, opts.allowPrivate);
  } catch (err) {
    if (err instanceof AppError)
      throw new ValidationError([{ field: 'url', message: 'merchant_api.webhook_url_private' }]);
    throw new ValidationError([{ field: 'url', message: 'merchant_api.webhook_url_unresolvable' }]);
  }
  if ((await repo.countWebhooks(db, merchantId)) >= MAX_WEBHOOKS_PER_MERCHANT)
    throw new AppError('conflict', 'merchant_api.too_many_webhooks', {
      params: { maximum: MAX_WEBHOOKS_PER_MERCHANT },
    });
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const events = [...new Set(input.events)];
  const row = await repo.insertWebhook(db, {
    merchant_id: merchantId,
    url: url.toString(),
    events_json: JSON.stringify(events),
    secret,
  });
  return { ...view(row), secret };
}

export async function listWebhooks(db: Kysely<DB>, merchantId: number): Promise<WebhookView[]> {
  return (await repo.webhooksOf(db, merchantId)).map(view);
}

/** Deletes one of the merchant's webhooks; another merchant's id is a 404. */
export async function deleteWebhook(db: Kysely<DB>, merchantId: number, id: number): Promise<void> {
  if (!(await repo.deleteWebhookRow(db, merchantId, id))) throw notFound('webhook');
}

/**
 * Queues an event for every webhook of the merchant subscribed to it. `dedupeKey` makes the
 * delivery id deterministic so that several instances seeing the same event queue it once.
 */
export async function enqueueEvent(
  db: Kysely<DB>,
  merchantId: number,
  event: WebhookEvent,
  data: Record<string, unknown>,
  dedupeKey?: string,
): Promise<number> {
  return enqueueEvents(db, merchantId, event, [data], dedupeKey ? [dedupeKey] : undefined);
}

/** Adds each stock payload's store code (`location_code`, what POS systems send) beside `location_id`. */
async function withLocationCodes(db: Kysely<DB>, merchantId: number, list: Record<string, unknown>[]) {
  const ids = [...new Set(list.map((d) => d.location_id).filter((v): v is number => typeof v === 'number'))];
  if (!ids.length) return list;
  // Only the merchant's own stores: another merchant's id gets no code.
  const rows = (await findLocationsByIds(db, ids)).filter((l) => l.merchant_id === merchantId);
  const codes = new Map(rows.map((r) => [r.id, r.code]));
  return list.map((d) =>
    d.location_code !== undefined ? d : { ...d, location_code: codes.get(d.location_id as number) ?? null },
  );
}

/** Queues several events of one kind for a merchant (one webhook lookup, batched inserts). */
export async function enqueueEvents(
  db: Kysely<DB>,
  merchantId: number,
  event: WebhookEvent,
  list: Record<string, unknown>[],
  dedupeKeys?: string[],
): Promise<number> {
  if (!list.length) return 0;
  const hooks = await repo.webhooksOf(db, merchantId);
  const targets = hooks.filter((h) => (JSON.parse(h.events_json) as string[]).includes(event));
  if (!targets.length) return 0;
  if (event === 'inventory.low') list = await withLocationCodes(db, merchantId, list);
  const created_at = new Date().toISOString();
  const rows = targets.flatMap((h) =>
    list.map((data, i) => {
      const key = dedupeKeys?.[i];
      const delivery_id = key
        ? createHash('sha256').update(`${h.id}:${event}:${key}`).digest('hex').slice(0, 32)
        : randomUUID();
      return {
        webhook_id: h.id,
        merchant_id: merchantId,
        delivery_id,
        event,
        payload: JSON.stringify({ id: delivery_id, event, created_at, data }),
        next_attempt_at: created_at,
      };
    }),
  );
  await repo.insertDeliveries(db, rows);
  return rows.length;
}

/** Recent deliveries of a merchant (for the back-office and tests), newest first. */
export async function listDeliveries(db: Kysely<DB>, merchantId: number, limit = 50) {
  return repo.deliveriesOf(db, merchantId, limit);
}
