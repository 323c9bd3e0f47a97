/**
 * Merchant back-office: what the merchant's own pages show and the forms they post. Every
 * function takes the session's merchant id and filters by it, so another merchant's ids are
 * simply not found (404). The module owns no table: it checks the forms and calls the owners'
 * public APIs (merchants: profile and stores; catalog: products; inventory: stock; orders).
 */
import { AppError, notFound } from '../../lib/errors.ts';

export {
  /** Largest accepted upload of a product photo (bytes). */
  MAX_IMAGE_BYTES,
  /** Checks and re-encodes an uploaded product photo (WebP, 400 and 800 px), stored under DATA_DIR/media. */
  processProductImage,
  /** Deletes the files of removed product photos. */
  removeProductImages,
  /** JPEG, PNG or WebP, recognised by their first bytes (never by name or declared type). */
  sniffImage,
} from '../common/images.ts';
/** Schemas of the back-office's forms and their types (see backoffice.schemas.ts for each). */
export {
  csrfOnlyForm,
  MAX_STOCK_CELLS,
  type ProductFilters,
  type ProductForm,
  type ProductStockForm,
  productFilters,
  productForm,
  productInput,
  productStockForm,
  profileInput,
  type StockCell,
  type StockGridForm,
  stockGridCells,
  stockGridForm,
} from './backoffice.schemas.ts';
/** What the dashboard shows. */
export type { Dashboard } from './dashboard.service.ts';
/** The dashboard: status, today's orders, active products, low-stock list (404 for an unknown merchant). */
/** Midnight today in a time zone, as a UTC ISO string. */
export { dashboard, startOfLocalDay } from './dashboard.service.ts';
/**
 * The opening-hours editor: ranges per day and closure rows (field names, limits), the typed form
 * schema and the zod fields the HTTP body spreads.
 */
export {
  CLOSURE_LABEL_MAX,
  closureFields,
  EMPTY_CLOSURE_ROWS,
  HOUR_RANGES_PER_DAY,
  type HoursForm,
  type HoursFormValue,
  hoursForm,
  hoursFormFields,
  isCalendarDate,
  MAX_CLOSURES,
  rangeFields,
} from './hours.schemas.ts';
/** Products per page in the back-office list and the inventory grid. */
/** One of the merchant's products with its parsed images (404 for another merchant's). */
/** One page of the merchant's products with availability, filtered by text, status, category and stock. */
/** Stock of one product at each of the merchant's stores. */
/** Checks the product form and creates or updates the product; returns its id. */
/** Saves stock cells through the inventory module (its rules, its events); field errors otherwise. */
/** Replaces the photos of one of the merchant's products. */
/** The inventory grid: one page of products × the merchant's stores, with each cell's stock. */
export {
  getProduct,
  listProducts,
  PRODUCTS_PER_PAGE,
  productStock,
  type StockFieldError,
  saveProduct,
  saveStockCells,
  setProductImages,
  stockGrid,
} from './products.service.ts';
/** The merchant's profile fields. */
/** One of the merchant's stores with parsed hours (404 for another merchant's). */
/** Opening hours from the store form's `open_<day>`/`close_<day>` fields (checked). */
/** Opening hours (several ranges per day) and exceptional closures from the store form (checked). */
/** The merchant's stores with parsed hours. */
/** Pickup slot lengths a store can choose (minutes). */
/** Checks the store form and creates or updates the store; returns its id. */
/** Checks and saves the profile form (a registered merchant gives both tax numbers). */
export {
  getLocation,
  getProfile,
  hoursAndClosuresFromForm,
  hoursFromForm,
  listLocations,
  PICKUP_SLOT_LENGTHS,
  saveLocation,
  updateProfile,
} from './store.service.ts';

/** Returns the value, or throws not_found (`what`) when it is undefined. */
export const ensureFound = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw notFound(what);
  return v;
};

/** The `forbidden` error (403). */
export const forbidden = () => new AppError('forbidden');
