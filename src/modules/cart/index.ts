/**
 * Cart: a customer's lines from several merchants, kept across visits by a bearer token (only its
 * hash is stored). Owns `carts` and `cart_items`; reads products, merchants, stores and stock
 * through their owners' public APIs. Adding checks availability but reserves nothing; the
 * checkout (src/workflows/checkout.ts) reserves, and empties the cart with `clearCart`.
 */

export {
  /** Only offers a store can fulfil (pickup, or delivery with a zone or radius) can be bought. */
  sellsOnline,
  /** A merchant's stores that can sell nothing online, by name (its dashboard warns about them). */
  storesNotSelling,
} from './buyable.ts';
export {
  /** Most lines in one cart. */
  MAX_CART_LINES,
  /** Largest quantity of one line. */
  MAX_LINE_QUANTITY,
  /** A line quantity from a form: decimal digits (range checked by the cart). */
  quantityForm,
  /** A line quantity in JSON: an integer number in [1, MAX_LINE_QUANTITY], never coerced. */
  quantityJson,
} from './cart.schemas.ts';
export {
  /**
   * Adds a product's variant (at a store, or the best one) to the cart, merging with its line;
   * checks stock. `variant_id` is required when the product has several active variants (400
   * `variant_required`); a variant's own id as `product_id` is taken as that variant.
   */
  addItem,
  /** The cart if the token is its own; otherwise 404 (a wrong token reveals nothing). */
  authorizeCart,
  /** Finds a cart by its token alone (the pages' cookie), or undefined. */
  cartByToken,
  /** Checkout step: empties the cart (pass the checkout's transaction); the cart and its token stay. */
  clearCart,
  /** Creates a cart; returns its id and bearer token (shown once). */
  createCart,
  /** SHA-256 (hex) of a cart token, as stored. */
  hashCartToken,
  /** 409 merchant_unavailable naming the lines to remove before checking out. */
  merchantUnavailable,
  /** 409 out_of_stock naming the lines short of stock. */
  outOfStock,
  /** Removes one line of the cart (404 when it is not one of its lines). */
  removeItem,
  /** The lines of a cart view whose merchant no longer takes orders. */
  unavailableMerchantLines,
  /** Sets a line's quantity (checks the store's stock). */
  updateItem,
} from './cart.service.ts';
export type {
  /** What `addItem` takes. */
  AddItemInput,
  /** One merchant's part of a cart: its lines, fulfilment options, taxes and totals. */
  CartGroup,
  /** One cart line with its live availability. */
  CartLine,
  /** The cart grouped by merchant, with totals. */
  CartView,
  /** A store's delivery option (zones, lowest fee). */
  DeliveryOption,
  /** A store's pickup option (hours, open slots). */
  PickupOption,
  /** A line short of stock. */
  ShortLine,
  /** A line whose merchant no longer takes orders. */
  UnavailableMerchantLine,
} from './cart.types.ts';
export {
  /** The cart grouped by merchant (by name), with live availability, fulfilment options and taxes. */
  getCartView,
} from './cart-view.service.ts';
export {
  /** A store that delivers: its position, radius and zones. */
  type DeliveryStore,
  /** What matching an address needs: the towns' postal prefixes and an optional geocoder. */
  type MatchContext,
  /** A store's answer for a delivery address: the zone's fee, or why not. */
  matchStore,
  /** A store's answer for an address. */
  type StoreMatch,
  /** Postal prefixes of each town (folded name → FSAs). */
  townPrefixes,
  /** A delivery option's zones as a sentence (towns, prefixes, fees, minimums). */
  zonesText,
} from './delivery.ts';
export {
  /** A line's title with its variant's options ("T-shirt — M / Rouge"), as order lines snapshot it. */
  lineTitle,
} from './variant-choice.ts';
