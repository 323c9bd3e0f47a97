/**
 * Rate limits across the workers of one multi-process server on SQLite: the counters live in the
 * primary (fixed windows, the rule of the PostgreSQL `rate_limits` table) and each worker asks it
 * over the cluster IPC channel, so a client gets the configured allowance once, not once per worker.
 * The workers' store is the shared-counter store of src/http/rate-limit-store.ts.
 * (On PostgreSQL the workers share the `rate_limits` table like separate instances.)
 */
import { sharedRateLimitStore } from '../http/rate-limit-store.ts';
import type { RateWindow } from '../lib/rate-limit/rate-limit.repository.ts';

/**
 * A worker's question: count a request (as `incrementWindow` does), or look without counting
 * (`{ increment: false }` in the plugin, as `readWindow`).
 */
type IncrQuestion =
  | { op: 'incr'; key: string; nowMs: number; windowMs: number }
  | { op: 'read'; key: string };
type IncrMessage = { t: 'comptoir:rl'; id: number } & IncrQuestion;
interface IncrReply {
  t: 'comptoir:rl-reply';
  id: number;
  /** The key's counter (after the increment for `incr`); absent when `read` finds none. */
  window?: RateWindow;
}

/** True when an IPC message asks the primary to count a request. */
export function isRateLimitMessage(m: unknown): m is IncrMessage {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'comptoir:rl';
}

/**
 * The primary's counters. `answer` handles a worker's message and returns the reply to send back.
 * Expired windows are dropped every minute.
 */
export function createRateLimitCounters() {
  const windows = new Map<string, RateWindow & { windowMs: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, w] of windows) if (w.windowStartMs + w.windowMs <= now) windows.delete(k);
  }, 60_000);
  sweep.unref();
  return {
    answer(m: IncrMessage): IncrReply {
      let w = windows.get(m.key);
      if (m.op === 'incr') {
        // Like `incrementWindow`: a window that is over restarts now with this request.
        if (!w || w.windowStartMs + m.windowMs <= m.nowMs) {
          w = { count: 0, windowStartMs: m.nowMs, windowMs: m.windowMs };
          windows.set(m.key, w);
        }
        w.count++;
      }
      return {
        t: 'comptoir:rl-reply',
        id: m.id,
        window: w && { count: w.count, windowStartMs: w.windowStartMs },
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
}

/**
 * The @fastify/rate-limit store class for a worker: counting asks the primary. If the primary cannot
 * be reached (shutting down), the request is counted as the first of its window (let through).
 */
export function clusterRateLimitStore(channel: NodeJS.Process = process) {
  let next = 1;
  const pending = new Map<number, (w: RateWindow | undefined) => void>();
  channel.on('message', (m: unknown) => {
    const r = m as IncrReply;
    if (typeof m !== 'object' || m === null || r.t !== 'comptoir:rl-reply') return;
    const resolve = pending.get(r.id);
    pending.delete(r.id);
    resolve?.(r.window);
  });
  const ask = (m: IncrQuestion, unreachable: RateWindow | undefined) =>
    new Promise<RateWindow | undefined>((resolve) => {
      const id = next++;
      const fail = () => {
        pending.delete(id);
        resolve(unreachable);
      };
      pending.set(id, resolve);
      try {
        const message: IncrMessage = { t: 'comptoir:rl', id, ...m };
        channel.send?.(message, undefined, undefined, (err) => {
          if (err) fail();
        });
      } catch {
        // The primary is gone (shutting down): counted as the first of its window, as documented above.
        fail();
      }
    });
  return sharedRateLimitStore({
    increment: async (key, nowMs, windowMs) =>
      (await ask({ op: 'incr', key, nowMs, windowMs }, { count: 1, windowStartMs: nowMs }))!,
    read: (key) => ask({ op: 'read', key }, undefined),
  });
}
