/**
 * Taxes: Québec's GST and QST on each merchant order (the rules: ./taxes.service.ts), who collects
 * them (registered merchants, small suppliers, the region's operator: decision record 0005), and
 * `order_taxes`, which keeps who collected for each order's receipt (migration 008).
 */
import './taxes.tables.ts';

export {
  /** Who collected the taxes of one order (undefined: the merchant collected both, as before migration 008). */
  findOrderTaxes,
  /** Who collected the taxes of several orders, by order id, in one query. */
  findOrderTaxesByOrderIds,
  /** A stored `order_taxes` row: the regime and the collecting operator's name and numbers. */
  type OrderTaxesRow,
  /**
   * Checkout step: records who collected which tax on an order, inside the transaction that
   * creates it (migration 008). Pass the transaction as `trx`.
   */
  recordOrderTaxes,
} from './taxes.repository.ts';
export {
  /** One merchant order's totals: subtotal, discount, delivery fee, GST, QST, total. */
  computeDiscountedTotals,
  /** One merchant order's totals without a discount. */
  computeTotals,
  /** A tax line with its share of the order's discount. */
  type DiscountedTaxLine,
  /** Totals with the discount taken before taxes. */
  type DiscountedTotals,
  /** GST rate in parts per hundred thousand (5 %). */
  GST_RATE_PPK,
  /** Totals of one merchant order. */
  type OrderTotals,
  /** Every choice of what the region's operator collects for small suppliers. */
  PLATFORM_COLLECTIONS,
  /** What the region's operator collects for small suppliers: 'none' | 'qst' | 'qst_gst'. */
  type PlatformCollection,
  /** The operator collecting for small suppliers, as its receipts name it. */
  type PlatformTaxes,
  /** The region's settings as the operator's collection (`platformTaxesOf(getRegion(...))`). */
  platformTaxesOf,
  /** QST rate in parts per hundred thousand (9.975 %). */
  QST_RATE_PPK,
  /** A registered merchant's collection: both taxes, by the merchant. */
  REGISTERED,
  /** Sums several orders' totals. */
  sumTotals,
  /** Every merchant tax status. */
  TAX_STATUSES,
  /** Which taxes an order carries and who collects them. */
  type TaxCollection,
  /** A line as taxes see it (price, quantity, tax class). */
  type TaxLine,
  /** 'registered' | 'small_supplier'. */
  type TaxStatus,
  /** Who collects an order's taxes, from the merchant's tax status and the operator's settings (decision 0005). */
  taxCollectionFor,
  /** A tax on an amount in cents, rounded half up. */
  taxOn,
} from './taxes.service.ts';
