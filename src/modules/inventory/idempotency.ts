import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';

export interface IdempotentResult {
  status: number;
  body: unknown;
}

/** A stable hash of a request body (JSON with sorted keys, or the raw text). */
export function requestHash(body: unknown): string {
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
 * a key whose first request is still running gets 409. Server errors (5xx, thrown) are not
 * stored, so the client may retry with the same key.
 */
export async function withIdempotency(
  db: Kysely<DB>,
  scope: string,
  key: string,
  body: unknown,
  fn: () => Promise<IdempotentResult>,
): Promise<IdempotentResult & { replayed: boolean }> {
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
    if (prior.status_code === null) throw new AppError('conflict', 'merchant_api.idempotency_in_progress');
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
