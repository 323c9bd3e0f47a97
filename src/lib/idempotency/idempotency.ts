/**
 * Idempotency-Key handling shared by the merchant API and the checkout: a request runs at most
 * once per (scope, key); a retry replays the stored answer. The table is `idempotency_keys`
 * (owner `lib/idempotency` in src/db/ownership.ts); its SQL is in idempotency.repository.ts.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../errors.ts';
import { claimKey, deleteKey, deleteUnfinishedKeys, findKey, storeAnswer } from './idempotency.repository.ts';

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

/**
 * The first request with this (scope, key) is still running. A 409 at the HTTP edge (same body
 * as before: `merchant_api.idempotency_in_progress`); callers that can wait (the checkout, for a
 * double click) recognise it by its class and retry.
 */
export class IdempotencyInFlight extends AppError {
  constructor() {
    super('conflict', 'merchant_api.idempotency_in_progress');
  }
}

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

/** The answer of a request run under an Idempotency-Key: stored and replayed as is. */
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
 * a key whose first request is still running throws IdempotencyInFlight (409), unless `recover`
 * finds the result it committed (a crash between the commit and the stored answer): that result
 * is stored and replayed. Server errors (5xx, thrown) are not stored, so the client may retry with
 * the same key. A key over 200 characters or with a control character, or a body nested too deep,
 * is a 400 storing nothing.
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
  if (!(await claimKey(db, scope, key, hash))) {
    const prior = await findKey(db, scope, key);
    if (prior.request_hash !== hash) throw new AppError('idempotency_key_reused');
    if (prior.status_code === null) {
      const done = await opts.recover?.();
      if (!done) throw new IdempotencyInFlight();
      await storeAnswer(db, scope, key, done, { onlyIfUnfinished: true });
      return { ...done, replayed: true };
    }
    return { status: prior.status_code, body: JSON.parse(prior.response_body ?? 'null'), replayed: true };
  }
  let result: IdempotentResult;
  try {
    result = await fn();
  } catch (err) {
    await deleteKey(db, scope, key);
    throw err;
  }
  if (result.status >= 500) await deleteKey(db, scope, key);
  else await storeAnswer(db, scope, key, result);
  return { ...result, replayed: false };
}

/**
 * Clears the records left unfinished by a crash (no stored answer) in scopes starting with
 * `scopePrefix` and older than `before`, so the client can retry with the same key.
 */
export async function clearUnfinishedKeys(db: Kysely<DB>, scopePrefix: string, before: Date): Promise<void> {
  await deleteUnfinishedKeys(db, scopePrefix, before);
}
