/**
 * Payments: the payment methods of a checkout (in store, card through Stripe, the regional gift
 * card) behind one interface, the checkout's payment steps, and each merchant's Stripe settings
 * (`merchant_payment_settings`). Never writes `orders`: an order's payment status is recorded
 * through the orders module.
 */

export {
  /** A merchant's card payment status as shown to it and to the operator. */
  type ConnectStatus,
  /** Which of these merchants can take a card payment now (connected, charges enabled). */
  cardReadiness,
  /** One merchant's Stripe status (connected, charges/payouts enabled). */
  connectStatus,
  /** The Stripe status of several merchants, by merchant id (the operator's list). */
  connectStatuses,
  /** Runs a platform webhook event's handler once per event id (a replay runs nothing). */
  firstDelivery,
  /** A verified Connect event (`account.updated`): de-duplicated by id, stale events ignored. */
  handleConnectEvent,
  /** One merchant's statement for the sales of a period: charged − refunded − platform fee = transferred + pending. */
  merchantStatement,
  /** Reads a merchant's account from Stripe and stores its status (the onboarding return page). */
  refreshAccountStatus,
  /** A merchant's card payments statement. */
  type Statement,
  /** Creates the merchant's Express account once, then an Account Link; returns its URL. */
  startOnboarding,
} from './connect.service.ts';
export {
  /** Charges a gift card bought online: one platform PaymentIntent keyed per card; returns its id, or throws the buyer's error. */
  chargeGiftCardPurchase,
  /** A gift card purchase back from its 3-D Secure challenge: its intent's id when paid, else the buyer's error (intent cancelled). */
  confirmGiftCardPurchaseAfterAction,
  /** What one gift-card settlement pass did (transferred, reversed, not connected, failed). */
  type GiftCardSettlement,
  /** Per merchant, for the redemptions of a period: owed, settled (transferred to date) and pending today, in cents. */
  giftCardSettlementStatus,
  /** Whether a PaymentIntent (from a webhook event) pays a gift card purchase. */
  isGiftCardPurchase,
  /** A gift card purchase's `payment_intent.*` event: succeeded activates the card, failed/canceled voids it. */
  recordGiftCardPaymentEvent,
  /** One settlement run under a lease (one process at a time): card transfers left pending, then gift-card redemptions. */
  runSettlement,
  /** What one settlement run did. */
  type SettlementRun,
  /** Transfers owed gift-card redemptions to their merchants (reverses cancelled ones); not connected stays pending. */
  settleGiftCardRedemptions,
  /** Runs the settlement on a timer in this process; returns a stop function. */
  startSettlementTimer,
} from './giftcard-money.service.ts';
export {
  /** The result of an authorization, stored on the checkout so the sweeper can void it after a crash. */
  type Authorization,
  /** The checkout as a payment method sees it: one amount per merchant order, and the method's input. */
  type CheckoutForPayment,
  /** Every payment method id, in the order the checkout form offers them. */
  PAYMENT_METHODS,
  /** A pino-compatible logger for payment failures that are not reported to the customer. */
  type PaymentLog,
  /** One payment method: check (read-only), authorize, capture, void. */
  type PaymentMethod,
  /** The id of a payment method: 'in_store' | 'card' | 'gift_card'. */
  type PaymentMethodId,
  /** The registry of one platform: a method by its id. */
  type PaymentRegistry,
} from './payment-method.ts';
export type {
  /** A period of sales (ISO 8601 instants, `to` excluded): statements and the settlement report. */
  SalesPeriod,
} from './payments.repository.ts';
export {
  /** Checkout step: authorizes every merchant order's amount; undo with `voidPayment`. */
  authorizePayment,
  /** Checkout step after the orders are committed: captures; returns the orders' payment status ('paid' | 'due'). */
  capturePayment,
  /** Checkout step (read-only, before stock is reserved): refuses a method that cannot pay this checkout. */
  checkPayment,
  /** The regional gift card: debited across the merchant orders inside a transaction. */
  giftCard,
  /** Pay at pickup or delivery: nothing to authorize. */
  inStore,
  /** Builds the payment method registry of one platform (card only when Stripe is configured). */
  paymentMethods,
  /** After a card-paid order is cancelled: refunds its part and reverses its transfer; records the payment status. */
  refundCancelledOrder,
  /** Undo of `authorizePayment`: releases a card authorization or refunds a gift card debit. */
  voidPayment,
} from './payments.service.ts';
export {
  /** The card method over a Stripe client (unavailable without one): separate charges and transfers. */
  cardMethod,
  /** The platform fee rate for new captures (basis points): the region's setting, else PLATFORM_FEE_PERCENT. */
  currentFeeBps,
  /** The platform fee at a rate in basis points, rounded to the cent. */
  feeAtRate,
  /** The platform fee kept on an order (percent of its total, rounded to the cent). */
  platformFee,
  /** The Stripe settings the payments module reads. */
  type StripeConfig,
  /** Retries transfers left pending after a capture (same idempotency keys: never twice). */
  settlePendingTransfers,
  /**
   * The Stripe SDK, pointed at STRIPE_API_BASE when set (a local fake in tests); undefined without a
   * key. Built once per configuration object and shared (refunds, webhooks, the card method).
   */
  stripeClient,
} from './stripe.ts';
