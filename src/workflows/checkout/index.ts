/**
 * Checkout: one form for the whole cart, one order per merchant under one checkout.
 *
 * Before any step: lines of a merchant that no longer takes orders (not 'approved') are refused
 * (409 merchant_unavailable naming them; re-checked inside the reservation's transaction), the
 * fulfilment choices are checked and an optional promo code is validated against the cart's
 * per-merchant subtotals (quote.ts, promo.ts); a refused code is a field error at `promo_code`:
 * nothing is reserved or charged. Then the module-owned steps of steps.ts run under the step
 * runner (runner.ts): reserve → authorize → confirm, each undone in reverse order if a later one
 * fails; then capture. A crash between steps leaves a checkout 'reserved'/'authorized' with an
 * expiry; the sweeper (sweeper.ts) releases its stock and voids its payment. A retry with the same
 * Idempotency-Key returns the stored response (or, after a crash, the orders already committed).
 */
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { AppError, type FieldIssue, ValidationError } from '../../lib/errors.ts';
import { IdempotencyInFlight, withIdempotency } from '../../lib/idempotency/idempotency.ts';
import type { PromoResult } from '../../modules/campaigns/index.ts';
import {
  getCartView,
  merchantUnavailable,
  outOfStock,
  unavailableMerchantLines,
} from '../../modules/cart/index.ts';
import {
  checkoutForKey,
  confirmedCheckoutId,
  orderAccessToken,
  ordersOfCheckout,
  sendCheckoutEmails,
  setCheckoutPaymentStatus,
  totalsOf,
} from '../../modules/orders/index.ts';
import { type CheckoutForPayment, capturePayment, checkPayment } from '../../modules/payments/index.ts';
import { checkPromo, promoCodeOf } from '../promo.ts';
import { Flow } from '../runner.ts';
import { type CheckoutDeps, type CheckoutInput, plan } from './quote.ts';
import { authorizeStep, confirmStep, reserveStep } from './steps.ts';

export {
  type Address,
  type CheckoutDeps,
  type CheckoutInput,
  type Fulfilment,
  type Quote,
  type QuoteDeps,
  type QuoteGroup,
  quoteCheckout,
  quoteTotal,
} from './quote.ts';
export { RESERVATION_TTL_MS } from './steps.ts';
export {
  countPendingReservations,
  expireCheckouts,
  releaseCheckout,
  type SweeperDeps,
  startCheckoutSweeper,
} from './sweeper.ts';

/** The answer of a checkout: its orders (each with its tracking token) and the grand total. */
export interface CheckoutResponse {
  checkout_id: number;
  orders: {
    order_id: number;
    merchant_id: number;
    status: string;
    /** discount_cents appears when a promo code discounted this order. */
    totals: ReturnType<typeof totalsOf>;
    access_token: string;
  }[];
  total_cents: number;
  /** The promo code applied and the discount over all orders (absent without a code). */
  promo?: { code: string; discount_cents: number };
}

/** The response of a checkout already confirmed (a retry after a crash lost the stored response). */
async function confirmedResponse(deps: CheckoutDeps, checkoutId: number): Promise<CheckoutResponse> {
  const rows = await ordersOfCheckout(deps.db, checkoutId);
  const code = rows.find((o) => o.promo_code)?.promo_code;
  return {
    checkout_id: checkoutId,
    orders: rows.map((o) => ({
      order_id: o.id,
      merchant_id: o.merchant_id,
      status: o.status,
      totals: totalsOf(o),
      access_token: orderAccessToken(deps.secret, o.id, o.access_token_hash),
    })),
    total_cents: rows.reduce((s, o) => s + o.total_cents, 0),
    ...(code ? { promo: { code, discount_cents: rows.reduce((s, o) => s + o.discount_cents, 0) } } : {}),
  };
}

async function runCheckout(
  deps: CheckoutDeps,
  cartId: number,
  key: string,
  input: CheckoutInput,
  lang: Lang,
  userId: number | null,
): Promise<CheckoutResponse> {
  const confirmed = await checkoutForKey(deps.db, deps.events, cartId, key);
  if (confirmed !== undefined) return confirmedResponse(deps, confirmed);

  const cart = await getCartView(deps.db, cartId, lang);
  // A suspended (or no longer approved) merchant's lines: refused first, naming them; nothing reserved.
  const stoppedLines = unavailableMerchantLines(cart);
  if (stoppedLines.length) throw merchantUnavailable(stoppedLines);
  // The promo step: read-only validation against the per-merchant subtotals; a refusal is a field
  // issue reported with the fulfilment ones, before anything is reserved or charged.
  const issues: FieldIssue[] = [];
  const code = promoCodeOf(input.promo_code);
  let promo: PromoResult | undefined;
  if (code && cart.groups.length)
    promo = await checkPromo(deps.db, cart, code, deps.log).catch((err: unknown) => {
      if (!(err instanceof ValidationError)) throw err;
      issues.push(...err.issues);
      return undefined;
    });
  const orders = await plan(deps, cart, input, promo, issues, lang);
  // Availability where each line will be held (a delivery's lines at the delivering store).
  const unavailable = orders.flatMap((o) => o.lines.filter((i) => i.available < i.quantity));
  if (unavailable.length)
    throw outOfStock(
      unavailable.map((i) => ({
        product_id: i.product_id,
        variant_id: i.variant_id,
        location_id: i.location_id,
        sku: i.sku,
        requested: i.quantity,
        available: i.available,
      })),
    );
  const total = orders.reduce((s, o) => s + o.totals.total_cents, 0);
  if (input.expected_total_cents !== undefined && input.expected_total_cents !== total)
    throw new AppError('conflict', 'checkout.totals_changed', {
      details: { expected_total_cents: input.expected_total_cents, total_cents: total },
    });
  const method = input.payment.method;
  // Discounted totals; an order a promo made free has nothing to authorize (Stripe refuses 0).
  const forPayment = (id: number): CheckoutForPayment => ({
    id,
    cart_id: cartId,
    total_cents: total,
    parts: orders
      .filter((o) => o.totals.total_cents > 0)
      .map((o) => ({ merchant_id: o.group.merchant.id, total_cents: o.totals.total_cents })),
    input: input.payment,
  });
  await checkPayment(deps.db, deps.payments, method, forPayment(0));

  const { checkoutId, pay, auth, created } = await new Flow(deps, deps.log).execute(async (flow) => {
    const checkoutId = await flow.run(reserveStep, { cartId, key, input, lang, orders });
    const { pay, auth } = await flow.run(authorizeStep, { method, pay: forPayment(checkoutId) });
    const created = await flow.run(confirmStep, {
      checkoutId,
      cartId,
      input,
      lang,
      userId,
      orders,
      auth,
      promo,
    });
    return { checkoutId, pay, auth, created };
  });

  // Capture: the orders exist; a failure here leaves them with payment_status 'authorized'.
  try {
    if ((await capturePayment(deps.db, deps.payments, method, pay, auth)) === 'paid')
      await setCheckoutPaymentStatus(deps.db, checkoutId, 'paid');
  } catch (err) {
    deps.log?.error({ err, checkoutId }, 'payment capture failed');
  }

  const res: CheckoutResponse = {
    checkout_id: checkoutId,
    orders: created.map((o, i) => ({
      order_id: o.order_id,
      merchant_id: o.merchant_id,
      status: 'placed',
      totals: totalsOf(orders[i].totals),
      access_token: orderAccessToken(deps.secret, o.order_id, o.salt),
    })),
    total_cents: total,
    ...(promo
      ? {
          promo: {
            code: promo.code,
            discount_cents: orders.reduce((s, o) => s + o.totals.discount_cents, 0),
          },
        }
      : {}),
  };
  for (const o of res.orders)
    await deps.events.publish('order', {
      order_id: o.order_id,
      merchant_id: o.merchant_id,
      status: 'placed',
    });
  await sendCheckoutEmails(deps, res, lang).catch((err: unknown) =>
    deps.log?.error({ err }, 'checkout emails failed'),
  );
  return res;
}

/** How long a double click waits for the first request with its key (then 409, as before). */
const IN_FLIGHT_WAIT_MS = 10_000;

/**
 * Runs a checkout once per (cart, Idempotency-Key): a retry or a double click gets the same
 * status and body; the same key with another body is refused (422 idempotency_key_reused).
 */
export async function checkout(
  deps: CheckoutDeps,
  cartId: number,
  key: string,
  input: CheckoutInput,
  lang: Lang,
  userId: number | null = null,
): Promise<{ status: number; body: unknown; replayed: boolean }> {
  const scope = `checkout:${cartId}`;
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withIdempotency(
        deps.db,
        scope,
        key,
        input,
        async () => {
          try {
            return { status: 201, body: await runCheckout(deps, cartId, key, input, lang, userId) };
          } catch (err) {
            await releaseBroughtBack(deps, cartId, input, err);
            // Client errors are results too: a replay returns the same refusal.
            if (err instanceof AppError && err.status < 500 && !(err instanceof ValidationError))
              return { status: err.status, body: errorBody(err, lang) };
            throw err;
          }
        },
        // A crash between the orders' commit and the stored answer leaves the key "in progress":
        // the confirmed checkout row knows the orders, so a retry gets them at once.
        { recover: () => committedCheckout(deps, cartId, key) },
      );
    } catch (err) {
      // The first request with this key is still running (a double click): wait for its result.
      if (err instanceof IdempotencyInFlight && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 200)));
        continue;
      }
      throw err;
    }
  }
}

/**
 * A checkout resubmitted after a 3-D Secure challenge and refused (stock, total, a field): the card
 * authorisation it brought back is released, so nothing stays held on the customer's card. Not
 * when the refusal is the challenge asked again (the customer still has to answer it).
 */
async function releaseBroughtBack(deps: CheckoutDeps, cartId: number, input: CheckoutInput, err: unknown) {
  // Direct callers may pass no payment at all (the HTTP schema fills the default).
  if (input.payment?.method !== 'card' || typeof input.payment.payment_intent !== 'string') return;
  if (err instanceof AppError && err.code === 'payment_action_required') return;
  await deps
    .payments('card')
    .release?.({ id: 0, cart_id: cartId, total_cents: 0, parts: [], input: input.payment })
    .catch((e: unknown) => deps.log?.error({ err: e, cartId }, 'release of a 3-D Secure intent failed'));
}

/** The answer of a checkout already confirmed under this (cart, key), if any. */
async function committedCheckout(deps: CheckoutDeps, cartId: number, key: string) {
  const id = await confirmedCheckoutId(deps.db, cartId, key);
  return id === undefined ? undefined : { status: 201, body: await confirmedResponse(deps, id) };
}

function errorBody(err: AppError, lang: Lang) {
  return {
    error: {
      code: err.code,
      message: t(lang, err.messageKey, err.params),
      ...(err.details ? { details: err.details } : {}),
    },
  };
}
