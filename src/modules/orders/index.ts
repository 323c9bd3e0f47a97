/**
 * Orders: checkouts, the orders they become (one per merchant per checkout), their lines and
 * status history; receipts and emails; pickup slots. Public API only: SQL is in
 * orders.repository.ts, rules in orders.service.ts and checkouts.service.ts.
 */
import './orders.tables.ts';
// Loaded first: webhooks' payload schemas read ORDER_STATUSES while this module may still be
// loading (orders → inventory → webhooks → orders).
import './order-status.ts';

export {
  /** What `createFromCheckout` takes. */
  type CheckoutOrders,
  /** Prepares (cart, key) for a run: the id of a checkout already confirmed under it, else cleans an earlier attempt. */
  checkoutForKey,
  /** Ends a checkout that did not become orders and gives its stock back (idempotent). */
  closeCheckout,
  /** The id of the checkout confirmed under (cart, key), if any. */
  confirmedCheckoutId,
  /** Checkout step `orders.createFromCheckout`: confirms the checkout and creates its orders in one transaction. */
  createFromCheckout,
  /** Checkouts past their expiry still holding stock or a payment (the sweeper's work). */
  dueCheckouts,
  /** One merchant order of a checkout, as `createFromCheckout` creates it. */
  type NewOrder,
  /** What `openCheckout` takes. */
  type OpenCheckout,
  /** Checkout step: opens the checkout record ('reserved', with its expiry). */
  openCheckout,
  /** Ids of the checkouts in progress ('reserved', 'authorized'). */
  pendingCheckoutIds,
  /** Records the payment authorization on the checkout (for the sweeper to void after a crash). */
  recordCheckoutAuthorization,
  /** After capture: every order of the checkout takes this payment status. */
  setCheckoutPaymentStatus,
} from './checkouts.service.ts';
/** DEMO ONLY: moves a just-placed checkout, its orders and their history back in time (the demo region's order history). */
export { backdateDemoCheckout } from './demo-history.repository.ts';
export {
  /** The delivery address as the customer gave it; '' for a pickup. */
  deliveryAddressText,
  /** Public JSON shape of an order (API and tracking). */
  orderJson,
  /** An order's totals as the API shows them (`discount_cents` only when there is one). */
  totalsOf,
} from './order-json.ts';
export {
  /** Every order status, in lifecycle order. */
  ORDER_STATUSES,
} from './order-status.ts';
/** How many orders a merchant received since an instant (ISO string), e.g. since local midnight. */
export { countMerchantOrdersSince } from './orders.repository.ts';
export {
  /** Refuses (404) an order id without its valid access token. */
  authorizeOrder,
  /** An order's payment fields (for the payments module's refund of a cancelled order); undefined if none. */
  findOrderPayment,
  /** One order with lines, history, merchant, store, promo code and tax collector (404 if absent). */
  getOrder,
  /** A merchant's orders, newest first (optionally of one status). */
  listMerchantOrders,
  /** A customer's orders, newest first, with the merchant's name. */
  listUserOrders,
  /** What `getOrder` returns. */
  type OrderDetail,
  /** The orders of one checkout with their merchant's name and promo code (confirmation, replays). */
  ordersOfCheckout,
  /** Records the outcome of a Stripe PaymentIntent event on the orders it pays (the webhook's rule). */
  recordCardPaymentEvent,
  /** Records an order's payment status (payments: 'paid', 'refunded', 'voided', 'refund_failed'...). */
  setPaymentStatus,
  /** What `transitionOrder` takes. */
  type TransitionInput,
  /** Moves an order one step (conditional UPDATE), with its stock and gift card effects; publishes events. */
  transitionOrder,
} from './orders.service.ts';
export type {
  /** The status of a checkout: reserved → authorized → confirmed, or failed / expired. */
  CheckoutStatus,
  /** The status of an order: placed → accepted → ready → completed, or cancelled. */
  OrderStatus,
} from './orders.tables.ts';
export {
  /** A slot as people read it, in local time (with its end when `slotMinutes` is given). */
  formatSlot,
  /** Local time of day of an instant. */
  formatTime,
  /** The slot the customer sent, normalised, if it is one of `slots`; else undefined. */
  matchSlot,
  /** The slot starts open for ordering at `now`. */
  pickupSlots,
  /** The region's time zone (slots are cut in it). */
  regionTimeZone,
  /** A store row's slot settings. */
  slotSettingsOf,
  /** Slots per pickup location of the given ids. */
  slotsForLocations,
  /** A store row's slot starts open for ordering at `now` (the day's cut kept between calls). */
  storePickupSlots,
  /** A merchant's pickups of the region's current local day, by slot. */
  todaysPickups,
} from './pickup-slots.ts';
export {
  /** A gift card's part of an order, as receipt lines. */
  giftCardLines,
  /** Ready-for-pickup email lines: the store, its hours, the slot. */
  readyForPickupLines,
  /** The receipt of one order as plain text lines (Revenu Québec's invoice rules). */
  receiptLines,
  /** The customer confirmation and each merchant's new-order email of a checkout. */
  sendCheckoutEmails,
  /** Tells the customer their order changed status (in their language). */
  sendStatusEmail,
  /** The signed tracking page path of an order. */
  trackingPath,
} from './receipts.ts';
export {
  /** A fresh salt for an order's access token (stored in access_token_hash). */
  newTokenSalt,
  /** The order's access token: HMAC of its id and salt with the platform secret (signed tracking link). */
  orderAccessToken,
} from './tokens.ts';
