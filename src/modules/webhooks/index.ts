/**
 * Merchant webhooks: subscriptions, a delivery queue with exponential backoff, signed POSTs.
 *
 * Each delivery is a POST of a JSON body `{id, event, created_at, data}` with headers
 *   Comptoir-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *   Comptoir-Delivery: <delivery id>   (also the body's `id`; the same on every retry)
 *   Comptoir-Event: <event name>
 * Receivers recompute the HMAC over `t + "." + raw body` with the secret shown once at
 * creation, compare in constant time, and refuse timestamps older than a few minutes.
 * A 2xx answer marks the delivery done; anything else is retried after 30 s, 1, 2, 4... min
 * (doubling, at most 6 h) up to MAX_ATTEMPTS. Deliveries never go to private, loopback or
 * link-local addresses (every DNS answer is checked, and the checked address is the one
 * connected to) unless the operator sets WEBHOOKS_ALLOW_PRIVATE=1.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import './webhooks.tables.ts';

export const WEBHOOK_EVENTS = ['order.created', 'order.updated', 'inventory.low'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const MAX_ATTEMPTS = 8;
export const MAX_WEBHOOKS_PER_MERCHANT = 10;
const TIMEOUT_MS = 10_000;
/** A claimed delivery is sent again if its worker has not finished within this lease. */
export const LEASE_MS = 60_000;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, CGNAT, multicast and documentation addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** Resolves a host and refuses it when any of its addresses is private (unless allowed). */
export async function resolvePublic(
  host: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const answers = isIP(bare) ? [{ address: bare, family: isIP(bare) }] : await lookup(bare, { all: true });
  if (!answers.length) throw new Error('no address');
  if (!allowPrivate && answers.some((a) => isPrivateAddress(a.address)))
    throw new AppError('validation_failed', 'merchant_api.webhook_url_private');
  return answers;
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
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
  const count = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_WEBHOOKS_PER_MERCHANT)
    throw new AppError('conflict', 'merchant_api.too_many_webhooks', {
      params: { maximum: MAX_WEBHOOKS_PER_MERCHANT },
    });
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const events = [...new Set(input.events)];
  const row = await db
    .insertInto('webhooks')
    .values({ merchant_id: merchantId, url: url.toString(), events_json: JSON.stringify(events), secret })
    .returning(['id', 'url', 'events_json', 'created_at'])
    .executeTakeFirstOrThrow();
  return { ...view(row), secret };
}

export async function listWebhooks(db: Kysely<DB>, merchantId: number): Promise<WebhookView[]> {
  const rows = await db
    .selectFrom('webhooks')
    .select(['id', 'url', 'events_json', 'created_at'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
  return rows.map(view);
}

/** Deletes one of the merchant's webhooks; another merchant's id is a 404. */
export async function deleteWebhook(db: Kysely<DB>, merchantId: number, id: number): Promise<void> {
  const res = await db
    .deleteFrom('webhooks')
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw notFound('webhook');
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
  const rows = await db
    .selectFrom('locations')
    .select(['id', 'code'])
    .where('merchant_id', '=', merchantId)
    .where('id', 'in', ids)
    .execute();
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
  const hooks = await db
    .selectFrom('webhooks')
    .select(['id', 'events_json'])
    .where('merchant_id', '=', merchantId)
    .execute();
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
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('delivery_id').doNothing())
      .execute();
  }
  return rows.length;
}

/** The signature header value for a body sent at `t` (unix seconds). */
export function sign(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Backoff before attempt n+1: 30 s × 2^(n-1), at most 6 hours. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

/**
 * A `lookup` for http(s).request that resolves through `resolvePublic`: the connection goes to
 * the address checked here (no DNS rebinding between check and connect). Node skips `lookup` for
 * IP literals: callers check those with `resolvePublic` first.
 */
export function publicLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolvePublic(hostname, allowPrivate).then(
      (answers) => {
        if ((options as { all?: boolean }).all)
          (callback as (e: null, a: typeof answers) => void)(null, answers);
        else callback(null, answers[0].address, answers[0].family);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<{ status: number }> {
  const guardedLookup = publicLookup(allowPrivate);
  const mod = url.protocol === 'https:' ? https : http;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node skips `lookup` for IP literals: check those here.
  const literal = isIP(host) ? resolvePublic(host, allowPrivate) : Promise.resolve();
  return literal.then(
    () =>
      new Promise((resolve, reject) => {
        const req = mod.request(
          url,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              ...headers,
            },
            lookup: guardedLookup,
            timeout: TIMEOUT_MS,
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      }),
  );
}

/**
 * Sends the deliveries that are due (at most `limit`), one claim per delivery so that several
 * workers never send the same one twice. Returns how many were sent successfully / failed.
 */
export async function runWebhookWorker(
  db: Kysely<DB>,
  opts: { allowPrivate: boolean; limit?: number; now?: Date },
): Promise<{ delivered: number; failed: number }> {
  const now = (opts.now ?? new Date()).toISOString();
  const due = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', 'd.delivery_id', 'd.event', 'd.payload', 'd.attempts', 'w.url', 'w.secret'])
    // 'sending' past its lease: the worker that claimed it died mid-delivery; send again.
    .where('d.status', 'in', ['pending', 'sending'])
    .where('d.next_attempt_at', '<=', now)
    .orderBy('d.next_attempt_at')
    .limit(opts.limit ?? 50)
    .execute();
  let delivered = 0;
  let failed = 0;
  for (const d of due) {
    const claim = await db
      .updateTable('webhook_deliveries')
      .set({ status: 'sending', next_attempt_at: new Date(Date.parse(now) + LEASE_MS).toISOString() })
      .where('id', '=', d.id)
      .where('status', 'in', ['pending', 'sending'])
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) === 0) continue;
    const attempts = d.attempts + 1;
    let status = 0;
    let error: string | null = null;
    try {
      const res = await post(
        new URL(d.url),
        d.payload,
        {
          'comptoir-signature': sign(d.secret, d.payload),
          'comptoir-delivery': d.delivery_id,
          'comptoir-event': d.event,
          'user-agent': 'Comptoir-Webhooks/1',
        },
        opts.allowPrivate,
      );
      status = res.status;
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error =
        err instanceof AppError ? 'private address refused' : String((err as Error).message).slice(0, 200);
    }
    const sentAt = new Date();
    if (!error) {
      delivered++;
      await db
        .updateTable('webhook_deliveries')
        .set({
          status: 'delivered',
          attempts,
          last_status_code: status,
          last_error: null,
          delivered_at: sentAt.toISOString(),
        })
        .where('id', '=', d.id)
        .execute();
    } else {
      failed++;
      await db
        .updateTable('webhook_deliveries')
        .set({
          status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
          attempts,
          last_status_code: status || null,
          last_error: error,
          next_attempt_at: new Date(sentAt.getTime() + backoffMs(attempts)).toISOString(),
        })
        .where('id', '=', d.id)
        .execute();
    }
  }
  return { delivered, failed };
}

/** Recent deliveries of a merchant (for the back-office and tests). */
export async function listDeliveries(db: Kysely<DB>, merchantId: number, limit = 50) {
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

/** A periodic in-process worker; stop() waits for the current round. */
export function startWebhookWorker(db: Kysely<DB>, opts: { allowPrivate: boolean; intervalMs?: number }) {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = runWebhookWorker(db, opts)
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, opts.intervalMs ?? 2000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
