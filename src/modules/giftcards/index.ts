/**
 * Giftcards: the regional gift card (issue, activation, balance, spending across a checkout's
 * merchant orders, refunds) and its figures. Owns `gift_cards`, `gift_card_ledger`,
 * `gift_card_merchants` and `gift_card_attempts`; other modules use this API.
 */
import './giftcards.tables.ts';

export {
  /** Length of a code without its dashes (16 characters, 80 bits). */
  CODE_LENGTH,
  /** A new random code, grouped by 4 with dashes. */
  generateCode,
  /** The stored hash of a code as typed (normalised first). */
  hashCode,
  /** A code as typed, normalised: upper case, no spaces or dashes, O→0, I/L→1. */
  normaliseCode,
  /** The bonus still usable at `now` (0 once its stated validity has passed). */
  usableBonus,
} from './codes.ts';
export {
  /** Whole dollars as typed in cents (NaN when not 1 to 6 digits). */
  centsOfDollars,
  /** A form carrying only its CSRF token (the admin's activation button). */
  csrfOnlyForm,
  /** The admin's issue form, as parsed. */
  type GiftCardIssueForm,
  /** The public purchase form, as parsed. */
  type GiftCardPurchaseForm,
  /** The public balance form (`code`). */
  giftCardBalanceForm,
  /** The admin's issue form (amount, bonus, validity, sponsor, buyer). */
  giftCardIssueForm,
  /** The public purchase form (amount or custom amount, association, buyer). */
  giftCardPurchaseForm,
  /** The admin's issue form as `issueGiftCard` input. */
  issueInputOfForm,
} from './giftcards.schemas.ts';
export {
  /** THE acceptance rule: merchants where a card of this association (null: region-wide) can be spent, by name. */
  acceptingMerchants,
  /** Is the merchant one where this card can be spent? Enrolled, approved and, for an association's card, an active member. */
  acceptsCard,
  /** A pending card (bought online, paid at the office) becomes usable; 404 unless pending (and in these associations). */
  activateGiftCard,
  /** A pending card bought by card becomes usable once Stripe confirms its PaymentIntent (idempotent). */
  activatePaidGiftCard,
  /** Records the Stripe PaymentIntent paying a pending card bought online by card. */
  attachPaymentIntent,
  /** A card's ledger, oldest first, with the merchant's name on redemptions and refunds. */
  cardLedger,
  /** Balance look-up for the card holder: throttled per address, every failure logged. */
  checkBalance,
  /** Ids of every merchant enrolled to accept the card (whatever its status or memberships). */
  enrolledMerchantIds,
  /** Failed look-ups from one address within this window count towards the lock-out. */
  FAILED_LOOKUP_WINDOW_MS,
  /** Fixed amounts offered on the purchase form, in cents. */
  FIXED_AMOUNTS_CENTS,
  /** A card by its code as typed (undefined when unknown). */
  findCardByCode,
  /** A stored gift card row. */
  type GiftCard,
  /** A card's status and the PaymentIntent recorded on it (undefined: no such card). */
  giftCardPaymentState,
  /** What issuing a card takes: paid amount, optional bonus (percent or cents) with its validity, buyer, association. */
  type IssueInput,
  /** Issues a card; returns its code (the only time it is known in clear). */
  issueGiftCard,
  /** Largest amount a card may be bought for, in cents. */
  MAX_AMOUNT_CENTS,
  /** Failed look-ups within the window that lock an address out. */
  MAX_FAILED_LOOKUPS,
  /** Smallest amount a card may be bought for, in cents. */
  MIN_AMOUNT_CENTS,
  /** Where a card of this association (null: region-wide) is accepted, for the public page (`slug, display_name`). */
  participatingMerchants,
  /** Logs a failed look-up (only the code's first 4 characters are kept). */
  recordFailedLookup,
  /** Enrols a merchant to accept the card, or withdraws it. */
  setParticipation,
  /** True when this address failed too many look-ups in the window (brute force). */
  tooManyFailures,
  /** A pending card whose card payment failed or was cancelled is voided (balances emptied, logged). */
  voidUnpaidGiftCard,
} from './giftcards.service.ts';
export {
  /** What a redemption takes: the code, the merchant, the amount and the order reference it pays. */
  type RedeemInput,
  /** What a redemption took from the card (bonus and paid parts) and the balance left. */
  type Redemption,
  /** Debits a card inside the caller's transaction (atomic under concurrency; once per order reference). */
  redeemGiftCard,
  /** Gives back what a redemption took (once per order), to the parts it came from. */
  refundGiftCard,
  /** Cancellation step: refunds what a card paid for this order reference, if one did (else undefined). */
  refundRedemptionOf,
} from './redemption.service.ts';
export {
  /** Gift-card float (outstanding balances) and redemptions, optionally for one association's cards. */
  giftCardFigures,
  /** The newest cards, restricted to these associations' cards when given. */
  listCards,
  /** A date range for the figures (ISO 8601, `to` excluded). */
  type Period,
  /** Each merchant's gift-card money through Stripe, as of now: settled (transferred) and pending. */
  type SettlementMoney,
  /** What each merchant is owed for redemptions in a period (paid and bonus parts apart), with settled/pending money, by merchant name. */
  settlementReport,
} from './reports.service.ts';
export {
  /** Checkout step (read-only, before stock is reserved): a card that holds nothing is a 422 at `payment.code`. */
  checkGiftCardUsable,
  /** The checkout body's field that carries the card's code (`payment.code`). */
  GIFT_CARD_FIELD,
  /** One merchant order's share of a gift card payment. */
  type GiftShare,
  /** Checkout step: debits the card across the merchant orders in cart order, inside the caller's transaction. */
  redeemAcross,
} from './split.ts';
