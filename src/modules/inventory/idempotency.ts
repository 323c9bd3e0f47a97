import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';

/** Longest Idempotency-Key accepted (documented maximum). */
export const IDEMPOTENCY_KEY_MAX = 200;
/** Deepest nesting of a JSON body stored under an Idempotency-Key (real requests use 3 or 4 levels). */
export const MAX_BODY_DEPTH = 64;

/** Control characters (C0, DEL, C1): never part of a key a client means to send. */
const CONTROL = /\p{Cc}/u;

/** The `Idempotency-Key` header of a route schema: at most 200 characters, no control character. */
export const idempotencyKeyHeader = z
  .string()
  .max(IDEMPOTENCY_KEY_MAX)
  .refine((k) => !CONTROL.test(k), { message: 'hardening.idempotency_key_invalid' });

/** Refuses a key over 200 characters or holding a control character (400, before anything is stored). */
export function checkIdempotencyKey(key: string): void {
  if (key.length > IDEMPOTENCY_KEY_MAX)
    throw new ValidationError([
      { field: 'idempotency-key', message: 'field.too_long', params: { maximum: IDEMPOTENCY_KEY_MAX } },
    ]);
  if (!key || CONTROL.test(key))
    throw new ValidationError([{ field: 'idempotency-key', message: 'hardening.idempotency_key_invalid' }]);
}

/**
 * Refuses a body nested deeper than MAX_BODY_DEPTH (400). Walks iteratively: a hostile body
 * 10,000 levels deep must not exhaust the stack before it is refused.
 */
export function checkBodyDepth(body: unknown): void {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_BODY_DEPTH)
      throw new ValidationError([
        { field: 'body', message: 'hardening.body_too_deep', params: { maximum: MAX_BODY_DEPTH } },
      ]);
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1]);
  }
}

export interface IdempotentResult {
  status: number;
  body: unknown;
}

/** A stable hash of a request body (JSON with sorted keys, or the raw text); too deep a body is a 400. */
export function requestHash(body: unknown): string {
  checkBodyDepth(body);
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  const text = typeof body === 'string' ? body : JSON.stringify(canonical(body) ?? null);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Runs `fn` at most once per (scope, key): the same key with the same body replays the stored
 * status and body; the same key with another body is refused with 422 idempotency_key_reused;
 * a key whose first request is still running gets 409, unless `recover` finds the result it
 * committed (a crash between the commit and the stored answer): that result is stored and replayed.
 * Server errors (5xx, thrown) are not stored, so the client may retry with the same key. A key over
 * 200 characters or with a control character, or a body nested too deep, is a 400 storing nothing.
 */
export async function withIdempotency(
  db: Kysely<DB>,
  scope: string,
  key: string,
  body: unknown,
  fn: () => Promise<IdempotentResult>,
  opts: { recover?: () => Promise<IdempotentResult | undefined> } = {},
): Promise<IdempotentResult & { replayed: boolean }> {
  checkIdempotencyKey(key);
  const hash = requestHash(body);
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ scope, key, request_hash: hash, status_code: null, response_body: null })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const prior = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response_body'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (prior.request_hash !== hash) throw new AppError('idempotency_key_reused');
    if (prior.status_code === null) {
      const done = await opts.recover?.();
      if (!done) throw new AppError('conflict', 'merchant_api.idempotency_in_progress');
      await db
        .updateTable('idempotency_keys')
        .set({ status_code: done.status, response_body: JSON.stringify(done.body) })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('status_code', 'is', null)
        .execute();
      return { ...done, replayed: true };
    }
    return { status: prior.status_code, body: JSON.parse(prior.response_body ?? 'null'), replayed: true };
  }
  let result: IdempotentResult;
  try {
    result = await fn();
  } catch (err) {
    await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
    throw err;
  }
  if (result.status >= 500) {
    await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
  } else {
    await db
      .updateTable('idempotency_keys')
      .set({ status_code: result.status, response_body: JSON.stringify(result.body) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }
  return { ...result, replayed: false };
}
