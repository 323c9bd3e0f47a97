import type pg from 'pg';
import { incrementWindow, readWindow } from '../lib/rate-limit/rate-limit.repository.ts';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on PostgreSQL, so limits hold across every instance of a scaled
 * deployment (one upsert per limited request). One instance on SQLite keeps the in-memory store.
 * A thin adapter from the plugin's callback interface to `lib/rate-limit`'s counters.
 */
export function pgRateLimitStore(pool: pg.Pool) {
  return class PgRateLimitStore {
    readonly prefix: string;
    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}) {
      this.prefix = options.routeInfo ? `${options.routeInfo.method}:${options.routeInfo.url}:` : 'global:';
    }
    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      incrementWindow(pool, this.prefix + key, now, timeWindow).then(
        (w) => cb(null, { current: w.count, ttl: Math.max(0, w.windowStartMs + timeWindow - now) }),
        (err: Error) => cb(err),
      );
    }
    read(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      readWindow(pool, this.prefix + key).then(
        (w) => {
          if (!w || w.windowStartMs + timeWindow <= now) cb(null, { current: 0, ttl: timeWindow });
          else cb(null, { current: w.count, ttl: w.windowStartMs + timeWindow - now });
        },
        (err: Error) => cb(err),
      );
    }
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }) {
      return new PgRateLimitStore(routeOptions);
    }
  };
}
