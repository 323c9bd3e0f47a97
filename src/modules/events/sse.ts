import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainEvents, EventBus } from './bus.ts';

/** Comment lines sent this often keep proxies from closing idle streams (15–25 s is safe). */
export const HEARTBEAT_MS = 20_000;
/** Most product ids one consumer connection may watch. */
export const MAX_STREAM_PRODUCTS = 200;

let clients = 0;

/** One Server-Sent Events frame. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const stockFrames = new WeakMap<object, string>();
/**
 * The public `stock` frame of an event ({product_id, sku, location_id, available}; no merchant id),
 * serialised once however many clients receive it.
 */
export function stockFrame(e: DomainEvents['stock']): string {
  let f = stockFrames.get(e);
  if (!f) {
    f = sseFrame('stock', {
      product_id: e.product_id,
      sku: e.sku,
      location_id: e.location_id,
      available: e.available,
    });
    stockFrames.set(e, f);
  }
  return f;
}
/** Open SSE connections in this process (the `comptoir_sse_clients` gauge). */
export function sseClientCount(): number {
  return clients;
}

export interface SseConnection {
  send(event: string, data: unknown): void;
  /** Writes an already formatted frame (see `sseFrame`), e.g. one shared by many clients. */
  sendFrame(frame: string): void;
  /** Called once when the client goes away (or the server closes the stream). */
  onClose(fn: () => void): void;
  close(): void;
}

/** Where a stream's teardown failures go (the request's log); default: the process's warning channel. */
export interface SseLog {
  error(obj: object, msg: string): void;
}

const warningLog: SseLog = {
  error: (obj, msg) => {
    const err = (obj as { err?: unknown }).err;
    process.emitWarning(`${msg}: ${err instanceof Error ? err.stack : err}`);
  },
};

/**
 * Turns a raw HTTP response into a Server-Sent Events stream: headers, a retry hint, a
 * heartbeat comment every HEARTBEAT_MS, and clean teardown when the client disconnects.
 */
export function openSse(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { heartbeatMs?: number; log?: SseLog } = {},
): SseConnection {
  const log = opts.log ?? warningLog;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.write('retry: 5000\n: connected\n\n');
  res.socket?.setNoDelay(true);
  clients++;
  const closers: (() => void)[] = [];
  let closed = false;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const teardown = () => {
    if (closed) return;
    closed = true;
    clients--;
    clearInterval(heartbeat);
    for (const fn of closers) {
      try {
        fn();
      } catch (err) {
        // The other closers still run (each unsubscribes something); a failing one is a bug to see.
        log.error({ err }, 'SSE stream teardown step failed');
      }
    }
  };
  req.on('close', teardown);
  res.on('close', teardown);
  res.on('error', teardown);
  return {
    send(event, data) {
      if (!closed) res.write(sseFrame(event, data));
    },
    sendFrame(frame) {
      if (!closed) res.write(frame);
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    close() {
      teardown();
      res.end();
    },
  };
}

type StockHandler = (e: DomainEvents['stock']) => void;

/** One bus subscription per bus, fanned out by product id (1,000 clients cost one lookup per event). */
class StockHub {
  readonly #byProduct = new Map<number, Set<StockHandler>>();
  #unsubscribe: (() => void) | undefined;
  readonly events: EventBus;
  constructor(events: EventBus) {
    this.events = events;
  }

  watch(productIds: number[], handler: StockHandler): () => void {
    if (!this.#unsubscribe) {
      this.#unsubscribe = this.events.subscribe('stock', (e) => {
        const set = this.#byProduct.get(e.product_id);
        if (set) for (const h of set) h(e);
      });
    }
    for (const id of productIds) {
      let set = this.#byProduct.get(id);
      if (!set) {
        set = new Set();
        this.#byProduct.set(id, set);
      }
      set.add(handler);
    }
    return () => {
      for (const id of productIds) {
        const set = this.#byProduct.get(id);
        set?.delete(handler);
        if (set && !set.size) this.#byProduct.delete(id);
      }
    };
  }
}
const hubs = new WeakMap<EventBus, StockHub>();

/** Calls `handler` for every `stock` event about one of `productIds`; returns the unsubscribe. */
export function watchProducts(events: EventBus, productIds: number[], handler: StockHandler): () => void {
  let hub = hubs.get(events);
  if (!hub) {
    hub = new StockHub(events);
    hubs.set(events, hub);
  }
  return hub.watch(productIds, handler);
}

/**
 * Subscribes a merchant's dashboard (or POS) to its own events: `order` (new orders, status
 * changes) and `stock` (availability at its locations). Other merchants' events are filtered out.
 * Used by GET /api/v1/merchant/stream and by the back-office pages. Returns the unsubscribe.
 */
export function subscribeMerchantEvents(
  events: EventBus,
  merchantId: number,
  handler: (name: 'order' | 'stock', payload: DomainEvents['order'] | DomainEvents['stock']) => void,
): () => void {
  const offOrder = events.subscribe('order', (e) => {
    if (e.merchant_id === merchantId) handler('order', e);
  });
  const offStock = events.subscribe('stock', (e) => {
    if (e.merchant_id === merchantId) handler('stock', e);
  });
  return () => {
    offOrder();
    offStock();
  };
}

/** Pipes a merchant's events into an SSE response (what the back-office stream route does). */
export function streamMerchantEvents(
  events: EventBus,
  merchantId: number,
  req: IncomingMessage,
  res: ServerResponse,
  log?: SseLog,
): SseConnection {
  const conn = openSse(req, res, { log });
  const off = subscribeMerchantEvents(events, merchantId, (name, payload) => conn.send(name, payload));
  conn.onClose(off);
  return conn;
}
