/**
 * SQL of the shared rate-limit counters (`rate_limits`, owned by `lib/rate-limit`): one row per
 * key (route and client), the start of its current fixed window and the requests counted in it.
 * It runs on the raw PostgreSQL pool: the limiter asks on every limited request, before Kysely.
 */
import type pg from 'pg';

/** A key's counter: requests counted in the window that started at `windowStartMs`. */
export interface RateWindow {
  count: number;
  windowStartMs: number;
}

/**
 * Counts one request for `key` in one upsert: a window older than `windowMs` restarts at `nowMs`
 * with a count of 1, otherwise the count goes up by one. Returns the counter after the increment.
 */
export async function incrementWindow(
  pool: pg.Pool,
  key: string,
  nowMs: number,
  windowMs: number,
): Promise<RateWindow> {
  const { rows } = await pool.query<{ count: number; window_start_ms: string }>(
    `insert into rate_limits (key, window_start_ms, count) values ($1, $2, 1)
     on conflict (key) do update set
       count = case when rate_limits.window_start_ms + $3 <= $2 then 1 else rate_limits.count + 1 end,
       window_start_ms = case when rate_limits.window_start_ms + $3 <= $2 then $2 else rate_limits.window_start_ms end
     returning count, window_start_ms`,
    [key, nowMs, windowMs],
  );
  return { count: rows[0].count, windowStartMs: Number(rows[0].window_start_ms) };
}

/** The counter of `key` as stored (its window may be over), or undefined when it has none. */
export async function readWindow(pool: pg.Pool, key: string): Promise<RateWindow | undefined> {
  const { rows } = await pool.query<{ count: number; window_start_ms: string }>(
    'select count, window_start_ms from rate_limits where key = $1',
    [key],
  );
  const r = rows[0];
  return r ? { count: r.count, windowStartMs: Number(r.window_start_ms) } : undefined;
}
