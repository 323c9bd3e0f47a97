/**
 * The catalogue facts' shape, apart from memory.ts so that the snapshot file (snapshot.ts), which
 * memory.ts imports, persists exactly this type without importing memory.ts back.
 */

/**
 * The facts a search ranks, filters and counts by, kept in memory per process so a query reads
 * no table rows for its candidates: for each active product its merchant, category, Québec
 * label, price and GTIN, and its availability at each location. About 30 bytes a product (30 MB
 * for a million), loaded once (lazily, or warmed at start) from the database, which stays the
 * source of truth:
 * - this instance's catalogue writes update it through the indexer (`refreshProducts`);
 * - availability follows the `stock` events every stock change publishes after its commit (the
 *   same events the live pages use; on PostgreSQL they come from every instance);
 * - other instances' catalogue writes arrive as `catalog` events.
 * The page of results a search returns re-reads price and availability from the database, so
 * what a person sees is exact even in the instant an event is in flight.
 */
export interface CatalogMemory {
  merchant: Int32Array;
  category: Int32Array;
  price: Int32Array;
  /** Index into `quebecLabels` + 1; 0 = no label. */
  quebec: Uint8Array;
  quebecLabels: string[];
  /**
   * The GTIN as a number (GTINs are at most 14 digits: exact in a double, and leading zeros do
   * not change the trade item), 0 = none; a non-numeric code gets a negative number from `otherGtins`.
   */
  gtin: Float64Array;
  otherGtins: Map<string, number>;
  /** Availability per product and location in compressed rows: product p owns slots invStart[p]..invStart[p+1]. */
  invStart: Int32Array;
  invLoc: Int32Array;
  invAvail: Int32Array;
  /** Pairs created after the load (a product stocked at a new location). */
  extra: Map<number, Map<number, number>>;
  /**
   * Variants (every `products` row is one; the product is the row without parent). A variant row
   * is never a result (`merchant` 0) but keeps its own price and stock slots; a product with other
   * active variants has `multi` 1, its `price` is the lowest of its variants' ("from") and its
   * availability at a location is the sum of its variants' (availableAt). Products without
   * variants never touch these maps.
   */
  multi: Uint8Array;
  /** Active variant rows other than the product row, by product id. */
  variantsOf: Map<number, Set<number>>;
  /** The product of each variant row known (rows with a parent only). */
  parentOf: Map<number, number>;
  /** The product row's own price, for products with `multi` 1 (their `price` is the "from" price). */
  ownPrice: Map<number, number>;
  /**
   * The catalogue generation when loaded (memory.ts): a kept hit list's cells (candidates.ts) are
   * built again when it differs. Product writes leave it: the hit cache drops the lists they touch.
   */
  generation: number;
  /**
   * Products set active since the derived browse index was built (browse.ts), in order; `null`
   * when too many to list (the index is then rebuilt).
   */
  changed: number[] | null;
  /**
   * Merchants whose products' facts changed (stock, price, category, label, GTIN, status) since
   * the browse index last read this list, in order: `mid`, or `-mid` when only a stock quantity
   * changed and stayed on the same side of zero (summaries refreshed, kept browse answers kept:
   * memory.ts setAvailable). The index empties it as it reads it, and `null` means too many to
   * list (every summary derived from the facts is then dropped).
   */
  touched: number[] | null;
}
