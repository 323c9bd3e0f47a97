/**
 * The retry loop shared by the shop clients (Shopify GraphQL, Square REST): network errors, HTTP
 * 429 and 5xx are retried up to `maxAttempts`, waiting `Retry-After` (seconds) when the answer
 * gives it, else backing off (400 ms, 800 ms… capped at `maxWaitMs`); 401/403 stop at once (the
 * token was refused). Any other answer goes to `read`, which returns the value or asks for a retry
 * (Shopify's `THROTTLED` in a 200) that counts as an attempt too.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What `read` decides about an answer: done with a value, or retry (`reason` names the last failure). */
export type ReadResult<T> = { value: T } | { retry: string };

export interface RetryOptions<T> {
  maxAttempts: number;
  maxWaitMs: number;
  /** One request (a fresh one per attempt). */
  send: () => Promise<Response>;
  /** Reads a non-retryable answer (not 401/403/429/5xx). */
  read: (res: Response) => Promise<ReadResult<T>>;
  /** The client's error for a token refused (401/403). */
  authError: (status: number) => Error;
  /** The client's error after the last attempt (`network: …`, `http_503`, `read`'s reason). */
  error: (message: string) => Error;
  /** Before each attempt (Shopify waits for its cost bucket to refill). */
  beforeAttempt?: () => Promise<void>;
  /** Counts a retry of a 429, 5xx or `read` retry (shown by status pages and tests). */
  onRetry?: () => void;
}

/** Runs one call with the shared retry rules; returns `read`'s value or throws the client's error. */
export async function withRetries<T>(o: RetryOptions<T>): Promise<T> {
  const backoff = (attempt: number) => Math.min(o.maxWaitMs, 200 * 2 ** attempt);
  for (let attempt = 1; ; attempt++) {
    await o.beforeAttempt?.();
    let res: Response;
    try {
      res = await o.send();
    } catch (err) {
      if (attempt >= o.maxAttempts) throw o.error(`network: ${(err as Error).message}`);
      await sleep(backoff(attempt));
      continue;
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw o.authError(res.status);
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      if (attempt >= o.maxAttempts) throw o.error(`http_${res.status}`);
      o.onRetry?.();
      const after = Number(res.headers.get('retry-after') ?? Number.NaN);
      await sleep(
        Number.isFinite(after) && after >= 0 ? Math.min(o.maxWaitMs, after * 1000) : backoff(attempt),
      );
      continue;
    }
    const r = await o.read(res);
    if ('value' in r) return r.value;
    if (attempt >= o.maxAttempts) throw o.error(r.retry);
    o.onRetry?.();
  }
}
