/** The event bus: publish/subscribe between modules, with `settled()` to await the work events started. */
import { EventEmitter } from 'node:events';

/** Events that cross modules (stock changes, new orders). Payloads are JSON-serialisable. */
export interface DomainEvents {
  /** Availability of a product at a location changed. */
  stock: { product_id: number; sku: string; location_id: number; merchant_id: number; available: number };
  /** An order was created or changed status. */
  order: { order_id: number; merchant_id: number; status: string };
  /**
   * Products were (re)indexed for search by one instance (`origin`), so the others refresh what
   * they keep in memory; an empty list means "everything" (after a full rebuild).
   */
  catalog: { origin: string; product_ids: number[] };
}
export type EventName = keyof DomainEvents;

/**
 * A subscriber. Handlers run synchronously when the event is delivered; one that starts
 * asynchronous work (queueing a webhook, reloading a product) returns its promise so that
 * `settled()` can wait for it. That promise should handle its own errors (log them).
 */
export type EventHandler<K extends EventName> = (payload: DomainEvents[K]) => unknown;

/**
 * Publish/subscribe between modules and to SSE clients. One instance: in-process.
 * Several instances on PostgreSQL: an implementation relaying through LISTEN/NOTIFY.
 */
export interface EventBus {
  /** Delivers the event to this instance's subscribers (and relays it to the others, if any). */
  publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void>;
  /** Calls `handler` for every event of that name; returns the unsubscribe. */
  subscribe<K extends EventName>(name: K, handler: EventHandler<K>): () => void;
  /**
   * Resolves when every handler of the events delivered so far, the asynchronous work they
   * returned, and the relaying of published events to other instances, have finished. Never
   * rejects (handlers log their own failures). Tests and graceful shutdown await it instead of sleeping.
   */
  settled(): Promise<void>;
  /** Stops delivering events. */
  close(): Promise<void>;
}

/** The bus of a single instance: an EventEmitter, plus the set of work still running for `settled()`. */
export class InProcessEventBus implements EventBus {
  protected readonly emitter = new EventEmitter();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #onError: (err: unknown, event: EventName) => void;
  /**
   * @param onError where an unexpected failure of a handler's returned promise goes (handlers are
   *   expected to log their own; this is the net). Default: the process's warning channel.
   */
  constructor(opts: { onError?: (err: unknown, event: EventName) => void } = {}) {
    this.emitter.setMaxListeners(0);
    this.#onError =
      opts.onError ??
      ((err, event) =>
        process.emitWarning(
          `event handler for "${event}" failed: ${err instanceof Error ? err.stack : err}`,
        ));
  }
  async publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    this.emitter.emit(name, payload);
  }
  /** Delivers to local subscribers only (used by relays that receive events from other instances). */
  deliverLocal<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
  subscribe<K extends EventName>(name: K, handler: EventHandler<K>): () => void {
    const listener = (payload: DomainEvents[K]) => {
      const work = handler(payload);
      if (work instanceof Promise) this.track(work.then(undefined, (err) => this.#onError(err, name)));
    };
    this.emitter.on(name, listener as (p: unknown) => void);
    return () => this.emitter.off(name, listener as (p: unknown) => void);
  }
  /** Counts `work` (which must not reject) in what `settled()` waits for. */
  protected track(work: Promise<unknown>): void {
    this.#inFlight.add(work);
    const done = () => this.#inFlight.delete(work);
    work.then(done, done);
  }
  async settled(): Promise<void> {
    // Work may start more work (a handler publishing another event): loop until nothing is left.
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
