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
 * Publish/subscribe between modules and to SSE clients. One instance: in-process.
 * Several instances on PostgreSQL: an implementation relaying through LISTEN/NOTIFY.
 */
export interface EventBus {
  publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void>;
  subscribe<K extends EventName>(name: K, handler: (payload: DomainEvents[K]) => void): () => void;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  protected readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  async publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    this.emitter.emit(name, payload);
  }
  /** Delivers to local subscribers only (used by relays that receive events from other instances). */
  deliverLocal<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
  subscribe<K extends EventName>(name: K, handler: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, handler as (p: unknown) => void);
    return () => this.emitter.off(name, handler as (p: unknown) => void);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
