/**
 * Inventory: stock levels per product and store (owns `inventory_levels` and `reservations`), the
 * POS bulk sync, offers (products with live availability) and the one place that announces
 * availability changes (SSE `stock` events and `inventory.low` webhooks). Builds on the catalog
 * (products) and merchants (stores) public APIs.
 *
 * Rule for on-hand below reserved: reserved units are promised to placed orders, so a sync
 * row asking for fewer units on hand than are reserved is refused with
 * `on_hand_below_reserved` (the merchant must cancel or complete those orders first).
 */

export {
  /** One availability change, as published on the `stock` event. */
  type AvailabilityChange,
  /** Publishes committed availability changes (`stock` events, `inventory.low` webhooks). */
  announceAvailability,
  /** The database's `on_hand - reserved >= 0` CHECK refused a write. */
  isBelowReservedViolation,
  /** `inventory.low` fires when availability drops from above this to at most this many units. */
  LOW_STOCK_THRESHOLD,
} from './availability.ts';
/** True on PostgreSQL (bulk paths differ: JSON record sets and arrays instead of many bind parameters). */
export { isPostgres } from './inventory.repository.ts';
export {
  /** Units available of a product at a store (0 when never stocked there). */
  availableAt,
  /** Availability summed over every store, per product id (0 without stock rows). */
  availableByProduct,
  /** One stock row (`product_id, location_id, on_hand, reserved`). */
  type LevelRow,
  /** The stock row of a product at a store, or undefined. */
  levelAt,
  /** Stock rows (every store) of these products. */
  levelsForProducts,
  /** Stock of these products keyed `${product_id}:${location_id}`, optionally locked (PostgreSQL). */
  levelsOf,
  /** The dashboard's low-stock list of a merchant (active products, its stores). */
  lowStock,
  /** Availability of a merchant's active products per store (feeds). */
  merchantStock,
  /** One product's stock at each of the merchant's stores (0 where never stocked). */
  productLevelsAtStores,
  /** Sets one product's on-hand count at one store (caller's transaction). */
  setOnHand,
  /** Writes on-hand counts in bulk (caller's transaction; reserved untouched). */
  writeLevels,
} from './levels.service.ts';
export {
  /** An active product of an approved merchant with its stock at each store (product page). */
  getPublicProduct,
  /** A merchant's active products, one page, with total availability (public merchant page). */
  listMerchantProducts,
  /** What `getPublicProduct` returns. */
  type PublicProduct,
} from './offers.service.ts';
export {
  /** Checkout step `inventory.commit`: a checkout's held units now belong to its orders. */
  commitReservations,
  /** Units held by these checkouts (the pending-reservations gauge). */
  countHeldReservations,
  /** Forgets a checkout's released reservations before its Idempotency-Key is tried again. */
  forgetReleasedReservations,
  /** Thrown by `reserveStock` when a line is short (`short` names every short line); nothing reserved. */
  InsufficientStock,
  /** A line to reserve: product, location, quantity, with its SKU and merchant for the `stock` event. */
  type ReserveLine,
  /** Checkout undo `inventory.release`: a checkout's held units back to stock (idempotent). */
  releaseReservations,
  /** Checkout step `inventory.reserve`: every line held in one transaction, or nothing. */
  reserveStock,
  /** A line that could not be held. */
  type ShortStock,
  /** An availability change, as `announceAvailability` publishes it. */
  type StockChange,
  /** An order's reserved units sold (completed) or returned to stock (cancelled). */
  settleOrderUnits,
} from './reservations.service.ts';
export {
  /** Most rows accepted in one inventory sync request. */
  MAX_SYNC_ROWS,
  /** A merchant's stores by code. */
  merchantLocations,
  /** A per-row problem: stable `code`, translatable `key`/`params`. */
  type RowError,
  /** Thrown by `syncInventory` with every row problem. */
  RowErrors,
  /** One row's outcome of a sync. */
  type SyncRowResult,
  /** Bulk POS sync for one merchant: all rows in one transaction, or none. */
  syncInventory,
} from './sync.service.ts';
