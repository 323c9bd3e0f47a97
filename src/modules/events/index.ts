/**
 * Events: the bus that carries domain events between modules (and, on PostgreSQL, between
 * instances), and Server-Sent Events streams over it. Public API of the module.
 */
export {
  /** Events that cross modules, by name, with their payloads. */
  type DomainEvents,
  /** Publish/subscribe between modules; `settled()` awaits the work events started. */
  type EventBus,
  /** A subscriber; one returning a promise is awaited by `settled()`. */
  type EventHandler,
  /** The name of a domain event. */
  type EventName,
  /** The bus of a single instance (tests and SQLite deployments). */
  InProcessEventBus,
} from './bus.ts';
/** The bus for a deployment: in-process on SQLite, relayed through LISTEN/NOTIFY on PostgreSQL. */
export { createEventBus } from './factory.ts';
/** Options of the PostgreSQL relay (where its connection failures are logged). */
export type { PgEventBusOptions } from './pg.ts';
/**
 * Server-Sent Events over the bus: `openSse` (a stream with heartbeats), `watchProducts` (stock
 * events of some products), `streamMerchantEvents` (a merchant's order and stock events),
 * `stockFrame` (one frame), `sseClientCount` (open streams, for metrics) and the most products
 * one stream may watch.
 */
export {
  MAX_STREAM_PRODUCTS,
  openSse,
  /** Where a stream's teardown failures are logged (a request's log fits). */
  type SseLog,
  sseClientCount,
  stockFrame,
  streamMerchantEvents,
  watchProducts,
} from './sse.ts';
