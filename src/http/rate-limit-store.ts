import type pg from 'pg';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on PostgreSQL, so limits hold across every instance of a scaled
 * deployment (one upsert per limited request). One instance on SQLite keeps the in-memory store.
 */
export function pgRateLimitStore(pool: pg.Pool) {
  return class PgRateLimitStore {
    readonly prefix: string;
    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}) {
      this.prefix = options.routeInfo ? `${options.routeInfo.method}:${options.routeInfo.url}:` : 'global:';
    }
    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      pool
        .query<{ count: number; window_start_ms: string }>(
          `insert into rate_limits (key, window_start_ms, count) values ($1, $2, 1)
           on conflict (key) do update set
             count = case when rate_limits.window_start_ms + $3 <= $2 then 1 else rate_limits.count + 1 end,
             window_start_ms = case when rate_limits.window_start_ms + $3 <= $2 then $2 else rate_limits.window_start_ms end
           returning count, window_start_ms`,
          [this.prefix + key, now, timeWindow],
        )
        .then(
          ({ rows }) =>
            cb(null, {
              current: rows[0].count,
              ttl: Math.max(0, Number(rows[0].window_start_ms) + timeWindow - now),
            }),
          (err: Error) => cb(err),
        );
    }
    read(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      pool
        .query<{ count: number; window_start_ms: string }>(
          'select count, window_start_ms from rate_limits where key = $1',
          [this.prefix + key],
        )
        .then(
          ({ rows }) => {
            const r = rows[0];
            if (!r || Number(r.window_start_ms) + timeWindow <= now)
              cb(null, { current: 0, ttl: timeWindow });
            else cb(null, { current: r.count, ttl: Number(r.window_start_ms) + timeWindow - now });
          },
          (err: Error) => cb(err),
        );
    }
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }) {
      return new PgRateLimitStore(routeOptions);
    }
  };
}
