import type pg from 'pg';
import { incrementWindow, type RateWindow, readWindow } from '../lib/rate-limit/rate-limit.repository.ts';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/** Fixed-window counters shared beyond one process: the PostgreSQL table, or a cluster's primary. */
export interface SharedRateWindows {
  /** Counts one request for `key` (a window older than `windowMs` restarts at `nowMs`); the counter after. */
  increment(key: string, nowMs: number, windowMs: number): Promise<RateWindow>;
  /** The counter of `key` as stored (its window may be over), or undefined when it has none. */
  read(key: string): Promise<RateWindow | undefined>;
}

/**
 * A @fastify/rate-limit store class over shared fixed-window counters: a thin adapter from the
 * plugin's callback interface (per-route key prefix, remaining time of the window) to `windows`.
 */
export function sharedRateLimitStore(windows: SharedRateWindows) {
  return class SharedRateLimitStore {
    readonly prefix: string;
    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}) {
      this.prefix = options.routeInfo ? `${options.routeInfo.method}:${options.routeInfo.url}:` : 'global:';
    }
    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      windows.increment(this.prefix + key, now, timeWindow).then(
        (w) => cb(null, { current: w.count, ttl: Math.max(0, w.windowStartMs + timeWindow - now) }),
        (err: Error) => cb(err),
      );
    }
    read(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      windows.read(this.prefix + key).then(
        (w) => {
          if (!w || w.windowStartMs + timeWindow <= now) cb(null, { current: 0, ttl: timeWindow });
          else cb(null, { current: w.count, ttl: w.windowStartMs + timeWindow - now });
        },
        (err: Error) => cb(err),
      );
    }
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }) {
      return new SharedRateLimitStore(routeOptions);
    }
  };
}

/**
 * A @fastify/rate-limit store on PostgreSQL, so limits hold across every instance of a scaled
 * deployment (one upsert per limited request). One instance on SQLite keeps the in-memory store.
 */
export function pgRateLimitStore(pool: pg.Pool) {
  return sharedRateLimitStore({
    increment: (key, nowMs, windowMs) => incrementWindow(pool, key, nowMs, windowMs),
    read: (key) => readWindow(pool, key),
  });
}
