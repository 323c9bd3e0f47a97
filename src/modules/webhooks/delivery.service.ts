import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { publicLookup, resolvePublic } from './address-guard.ts';
import * as repo from './webhooks.repository.ts';

export const MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;
/** A claimed delivery is sent again if its worker has not finished within this lease. */
export const LEASE_MS = 60_000;

/** The signature header value for a body sent at `t` (unix seconds). */
export function sign(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Backoff before attempt n+1: 30 s × 2^(n-1), at most 6 hours. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
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
  const due = await repo.dueDeliveries(db, now, opts.limit ?? 50);
  let delivered = 0;
  let failed = 0;
  for (const d of due) {
    const leaseUntil = new Date(Date.parse(now) + LEASE_MS).toISOString();
    if (!(await repo.claimDelivery(db, d.id, now, leaseUntil))) continue;
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
      await repo.updateDelivery(db, d.id, {
        status: 'delivered',
        attempts,
        last_status_code: status,
        last_error: null,
        delivered_at: sentAt.toISOString(),
      });
    } else {
      failed++;
      await repo.updateDelivery(db, d.id, {
        status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
        attempts,
        last_status_code: status || null,
        last_error: error,
        next_attempt_at: new Date(sentAt.getTime() + backoffMs(attempts)).toISOString(),
      });
    }
  }
  return { delivered, failed };
}

/**
 * A periodic in-process worker; stop() waits for the current round. A failed round (database
 * unavailable...) goes to `onError` (the app's logger) and the next round tries again.
 */
export function startWebhookWorker(
  db: Kysely<DB>,
  opts: { allowPrivate: boolean; intervalMs?: number; onError: (err: unknown) => void },
) {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = runWebhookWorker(db, opts)
      .catch(opts.onError)
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
