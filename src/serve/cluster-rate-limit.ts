/**
 * Rate limits across the workers of one multi-process server on SQLite: the counters live in the
 * primary (fixed windows, like @fastify/rate-limit's in-memory store) and each worker asks it over
 * the cluster IPC channel, so a client gets the configured allowance once, not once per worker.
 * (On PostgreSQL the workers share the `rate_limits` table like separate instances.)
 */

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

interface IncrMessage {
  t: 'comptoir:rl';
  id: number;
  /** `read` looks without counting (`{ increment: false }` in the plugin). */
  op: 'incr' | 'read';
  key: string;
  windowMs: number;
}
interface IncrReply {
  t: 'comptoir:rl-reply';
  id: number;
  current: number;
  ttl: number;
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
  const windows = new Map<string, { count: number; start: number; windowMs: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, w] of windows) if (w.start + w.windowMs <= now) windows.delete(k);
  }, 60_000);
  sweep.unref();
  return {
    answer(m: IncrMessage): IncrReply {
      const now = Date.now();
      let w = windows.get(m.key);
      if (!w || w.start + m.windowMs <= now) {
        if (m.op === 'read') return { t: 'comptoir:rl-reply', id: m.id, current: 0, ttl: m.windowMs };
        w = { count: 0, start: now, windowMs: m.windowMs };
        windows.set(m.key, w);
      }
      if (m.op === 'incr') w.count++;
      return {
        t: 'comptoir:rl-reply',
        id: m.id,
        current: w.count,
        ttl: Math.max(0, w.start + m.windowMs - now),
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
}

/**
 * The @fastify/rate-limit store class for a worker: `incr` asks the primary. If the primary cannot
 * be reached (shutting down), the request is counted as the first of its window (let through).
 */
export function clusterRateLimitStore(channel: NodeJS.Process = process) {
  let next = 1;
  const pending = new Map<number, Callback>();
  channel.on('message', (m: unknown) => {
    const r = m as IncrReply;
    if (typeof m !== 'object' || m === null || r.t !== 'comptoir:rl-reply') return;
    const cb = pending.get(r.id);
    pending.delete(r.id);
    cb?.(null, { current: r.current, ttl: r.ttl });
  });
  return class ClusterRateLimitStore {
    readonly prefix: string;
    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}) {
      this.prefix = options.routeInfo ? `${options.routeInfo.method}:${options.routeInfo.url}:` : 'global:';
    }
    incr(key: string, cb: Callback, timeWindow: number): void {
      this.#ask('incr', key, cb, timeWindow);
    }
    read(key: string, cb: Callback, timeWindow: number): void {
      this.#ask('read', key, cb, timeWindow);
    }
    #ask(op: 'incr' | 'read', key: string, cb: Callback, timeWindow: number): void {
      const id = next++;
      pending.set(id, cb);
      const message: IncrMessage = { t: 'comptoir:rl', id, op, key: this.prefix + key, windowMs: timeWindow };
      try {
        channel.send?.(message);
      } catch {
        pending.delete(id);
        cb(null, { current: op === 'incr' ? 1 : 0, ttl: timeWindow });
      }
    }
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }) {
      return new ClusterRateLimitStore(routeOptions);
    }
  };
}
