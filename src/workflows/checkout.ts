/**
 * Checkout: one form for the whole cart, one order per merchant under one checkout.
 *
 * Before any step: lines of a merchant that no longer takes orders (not 'approved') are refused
 * (409 merchant_unavailable naming them; re-checked inside the reservation's transaction), the
 * fulfilment choices are checked and an optional promo code is validated
 * against the cart's per-merchant subtotals (src/workflows/promo.ts); each merchant's discount is
 * spread over its lines and the taxes are computed on the discounted lines. A refused code is a
 * field error at `promo_code`: nothing is reserved or charged.
 *
 * Steps, each with its undo:
 *   1. reserve   — one transaction: a conditional UPDATE per (product, location), lines of the same
 *                  SKU summed, rows touched in (product_id, location_id) order so concurrent
 *                  checkouts on PostgreSQL never deadlock; any short line rolls everything back.
 *                  Undo: release (reserved -= n for every held reservation).
 *   2. authorize — the payment method (in_store: nothing; card: Stripe; gift card: debit).
 *                  Undo: void.
 *   3. confirm   — one transaction: the promo code's use counted (consumePromoCode, a conditional
 *                  UPDATE: max_uses holds under concurrency; the loser gets the field error and
 *                  steps 2 and 1 are undone), orders, lines, 'placed' events, reservations
 *                  committed, checkout confirmed (only if the sweeper has not expired it), cart emptied.
 *   4. capture   — after the orders exist: a charge never exists without its order.
 * A crash between steps leaves a checkout 'reserved'/'authorized' with an expiry; the sweeper
 * (expireCheckouts) releases its stock and voids its payment. A retry with the same
 * Idempotency-Key returns the stored response (or, after a crash, the orders already committed).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { formatMoney, type Lang, t } from '../i18n/index.ts';
import { AppError, type FieldIssue, ValidationError } from '../lib/errors.ts';
import { consumePromoCode, type PromoResult } from '../modules/campaigns/index.ts';
import {
  type CartGroup,
  type CartLine,
  type CartView,
  type DeliveryOption,
  getCartView,
  type MatchContext,
  matchStore,
  merchantUnavailable,
  outOfStock,
  type ShortLine,
  type StoreMatch,
  townPrefixes,
  unavailableMerchantLines,
} from '../modules/cart/index.ts';
import type { EventBus } from '../modules/events/index.ts';
import { addressText, type Geocoder, type PostalAddress } from '../modules/geocoding/index.ts';
import {
  type AvailabilityChange,
  announceAvailability,
  withIdempotency,
} from '../modules/inventory/index.ts';
import type { Mailer } from '../modules/mail/index.ts';
import { newTokenSalt, orderAccessToken, totalsOf } from '../modules/orders/index.ts';
import { matchSlot } from '../modules/orders/pickup-slots.ts';
import { sendCheckoutEmails } from '../modules/orders/receipts.ts';
import type { Authorization, CheckoutForPayment, PaymentMethod } from '../modules/payments/index.ts';
import { computeDiscountedTotals, type DiscountedTotals, recordOrderTaxes } from '../modules/taxes/index.ts';
import {
  checkPromo,
  discountFor,
  discountLines,
  PROMO_FIELD,
  type PromoLog,
  promoCodeOf,
  promoCovers,
} from './promo.ts';

/** How long an unfinished checkout holds stock before the sweeper returns it. */
export const RESERVATION_TTL_MS = 15 * 60 * 1000;

export interface CheckoutDeps {
  db: Kysely<DB>;
  events: EventBus;
  mailer: Mailer;
  secret: string;
  payments: (id: string) => PaymentMethod;
  baseUrl?: string;
  log?: { error: (obj: unknown, msg: string) => void } & PromoLog;
  /** Places delivery addresses for radius zones (GEOCODER_URL); without it only town/postal zones deliver. */
  geocoder?: Geocoder;
}

/** A delivery address as the customer types it (line1, line2?, city, postal code; never coordinates). */
export type Address = PostalAddress;
export type Fulfilment =
  | {
      method: 'pickup';
      location_id: number;
      /** A slot start (ISO 8601) among the cart's offered slots. */
      slot?: string;
    }
  | { method: 'delivery'; address: Address };

export interface CheckoutInput {
  customer: { name: string; email: string; phone?: string | null };
  fulfilment: Record<string, Fulfilment>;
  payment: { method: string; [k: string]: unknown };
  /** The total the customer was shown; when given and different now (a price changed), nothing is done. */
  expected_total_cents?: number;
  /** A campaign's promo code (case and surrounding spaces ignored; '' = none). */
  promo_code?: string;
}

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

interface PlannedOrder {
  group: CartGroup;
  /** The group's lines with their share of the merchant's discount. */
  lines: (CartLine & { discount_cents: number })[];
  fulfilment: Fulfilment;
  location_id: number;
  totals: DiscountedTotals;
  promo_code_id: number | null;
  /** The pickup slot chosen (UTC ISO 8601), null when none (or a delivery). */
  pickup_slot_at?: string | null;
}

/**
 * Validates the fulfilment choices against the cart and prices each merchant order (its promo
 * discount spread over its lines, taxes on the discounted lines, the delivery fee of the zone
 * covering the address); issues are reported at their field, together with any issue found
 * before (the promo code's). A delivery's lines are planned at the store that delivers.
 */
async function plan(
  deps: QuoteDeps,
  cart: CartView,
  input: CheckoutInput,
  promo: PromoResult | undefined,
  issues: FieldIssue[] = [],
  lang: Lang = 'fr',
): Promise<PlannedOrder[]> {
  if (cart.groups.length === 0) issues.push({ field: 'cart', message: 'checkout.cart_empty' });
  const out: PlannedOrder[] = [];
  // An address no zone takes (or below a minimum) is a 422: well-formed, refused by the rules.
  let refused = false;
  let ctx: MatchContext | undefined;
  for (const g of cart.groups) {
    const f = input.fulfilment[String(g.merchant.id)];
    const field = `fulfilment.${g.merchant.id}`;
    if (!f) {
      issues.push({ field, message: 'checkout.fulfilment_required' });
      continue;
    }
    if (f.method === 'pickup') {
      const opt = g.fulfilment_options.find((o) => o.method === 'pickup' && o.location_id === f.location_id);
      if (!opt) {
        issues.push({ field: `${field}.location_id`, message: 'checkout.pickup_location_invalid' });
        continue;
      }
      // A slot must be one the cart offers now (not past, inside the windows, aligned).
      const slot = f.slot ? matchSlot(opt.method === 'pickup' ? opt.slots : [], f.slot) : null;
      if (slot === undefined) {
        // Well-formed but not offered (past, outside the windows, not aligned): refused by the rules.
        refused = true;
        issues.push({ field: `${field}.slot`, message: 'pickup.slot_unavailable' });
        continue;
      }
      out.push({ ...priced(g, g.items, promo, f, f.location_id, 0), pickup_slot_at: slot });
    } else {
      // The delivery: one store covering the address (a zone by town, postal prefix or radius).
      const stores = g.fulfilment_options.filter((o): o is DeliveryOption => o.method === 'delivery');
      ctx ??= { prefixes: await townPrefixes(deps.db), geocoder: deps.geocoder };
      const matches: StoreMatch[] = [];
      for (const st of stores) matches.push(await matchStore(st, f.address, g.subtotal_cents, ctx));
      const ok = matches.filter((m): m is Extract<StoreMatch, { ok: true }> => m.ok);
      if (!ok.length) {
        refused = true;
        const mins = matches.flatMap((m) =>
          !m.ok && m.reason === 'below_minimum' ? [m.min_order_cents] : [],
        );
        issues.push(
          mins.length
            ? {
                field: `${field}.address`,
                message: 'delivery.below_minimum',
                params: { min: formatMoney(Math.min(...mins), lang) },
              }
            : { field: `${field}.address`, message: 'checkout.outside_delivery_zone' },
        );
        continue;
      }
      // The lines are held where the delivery leaves from: fee and stock from the same store.
      const store = await deliveringStore(deps.db, g, ok);
      const items = g.items.map((it) =>
        it.location_id === store.location_id
          ? it
          : { ...it, location_id: store.location_id, available: store.available(it) },
      );
      out.push(priced(g, items, promo, f, store.location_id, store.fee_cents));
    }
  }
  if (issues.length) throw new ValidationError(issues, refused ? { status: 422 } : {});
  return out;
}

/**
 * The store that delivers: among those covering the address, one holding enough stock for every
 * line (cheapest fee, then the store the lines were added from, then the oldest); when none does,
 * the cheapest, and the reservation reports the short lines.
 */
async function deliveringStore(
  db: Kysely<DB>,
  g: CartGroup,
  ok: { location_id: number; fee_cents: number }[],
) {
  const levels = await db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved'])
    .where('product_id', 'in', [...new Set(g.items.map((i) => i.product_id))])
    .where(
      'location_id',
      'in',
      ok.map((m) => m.location_id),
    )
    .execute();
  const avail = (productId: number, locationId: number) => {
    const l = levels.find((x) => x.product_id === productId && x.location_id === locationId);
    return l ? Math.max(0, l.on_hand - l.reserved) : 0;
  };
  const need = new Map<number, number>();
  for (const i of g.items) need.set(i.product_id, (need.get(i.product_id) ?? 0) + i.quantity);
  const home = (locationId: number) => g.items.every((i) => i.location_id === locationId);
  const ranked = [...ok].sort(
    (a, b) =>
      a.fee_cents - b.fee_cents ||
      Number(home(b.location_id)) - Number(home(a.location_id)) ||
      a.location_id - b.location_id,
  );
  const chosen =
    ranked.find((m) => [...need].every(([pid, q]) => avail(pid, m.location_id) >= q)) ?? ranked[0];
  if (!chosen) throw new Error('deliveringStore: no store');
  return {
    location_id: chosen.location_id,
    fee_cents: chosen.fee_cents,
    available: (i: CartLine) => avail(i.product_id, chosen.location_id),
  };
}

function priced(
  group: CartGroup,
  items: CartLine[],
  promo: PromoResult | undefined,
  fulfilment: Fulfilment,
  locationId: number,
  feeCents: number,
): PlannedOrder {
  const lines = discountLines(items, discountFor(promo, group.merchant.id));
  return {
    group,
    lines,
    fulfilment,
    location_id: locationId,
    // The cart read the merchant's tax status and the region's platform setting (decision 0005).
    totals: computeDiscountedTotals(lines, feeCents, group.tax_collection),
    promo_code_id: promo && promoCovers(promo, group.merchant.id) ? promo.promo_code_id : null,
  };
}

/** What pricing needs besides the cart: the database (stock, towns) and the geocoder. */
export type QuoteDeps = Pick<CheckoutDeps, 'db' | 'geocoder'> & { log?: PromoLog };

/** One merchant order of a quote: exactly what the checkout will charge for it. */
export interface QuoteGroup {
  merchant: { id: number; slug: string; name: string };
  fulfilment: { method: 'pickup' | 'delivery'; location_id: number; fee_cents: number; slot?: string };
  subtotal_cents: number;
  discount_cents: number;
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
}
export interface Quote {
  groups: QuoteGroup[];
  total_cents: number;
}

function quoteOf(orders: PlannedOrder[]): Quote {
  const groups = orders.map(
    (o): QuoteGroup => ({
      merchant: { id: o.group.merchant.id, slug: o.group.merchant.slug, name: o.group.merchant.name },
      fulfilment: {
        method: o.fulfilment.method,
        location_id: o.location_id,
        fee_cents: o.totals.delivery_fee_cents,
        ...(o.pickup_slot_at ? { slot: o.pickup_slot_at } : {}),
      },
      subtotal_cents: o.totals.subtotal_cents,
      discount_cents: o.totals.discount_cents,
      delivery_fee_cents: o.totals.delivery_fee_cents,
      gst_cents: o.totals.gst_cents,
      qst_cents: o.totals.qst_cents,
      total_cents: o.totals.total_cents,
    }),
  );
  return { groups, total_cents: groups.reduce((s, g) => s + g.total_cents, 0) };
}

/**
 * The price of a checkout of this cart view for `input` (promo, the fee of the zone covering each
 * delivery address, taxes), computed by the very function the checkout charges with, read-only:
 * `POST /api/v1/carts/{id}/quote`, the web checkout's displayed total and its
 * `expected_total_cents`. Throws the checkout's own field errors (a refused promo code: 400; an
 * address outside every zone or below a zone's minimum: 422).
 */
export async function quoteCheckout(
  deps: QuoteDeps,
  cart: CartView,
  input: CheckoutInput,
  lang: Lang = 'fr',
): Promise<Quote> {
  const code = promoCodeOf(input.promo_code);
  const promo = code && cart.groups.length ? await checkPromo(deps.db, cart, code, deps.log) : undefined;
  return quoteOf(await plan(deps, cart, input, promo, [], lang));
}

/** The grand total of `quoteCheckout`. */
export async function quoteTotal(
  db: Kysely<DB>,
  cart: CartView,
  input: CheckoutInput,
  log?: PromoLog,
  geocoder?: Geocoder,
): Promise<number> {
  return (await quoteCheckout({ db, geocoder, log }, cart, input)).total_cents;
}

/** Step 1: reserve every line or nothing. Returns the checkout id. */
async function reserve(
  db: Kysely<DB>,
  cartId: number,
  key: string,
  input: CheckoutInput,
  lang: Lang,
  orders: PlannedOrder[],
): Promise<{ checkoutId: number; changes: AvailabilityChange[] }> {
  const need = new Map<
    string,
    { product_id: number; location_id: number; quantity: number; sku: string; merchant_id: number }
  >();
  // The planned lines: a delivery's lines are held at the store that delivers.
  for (const o of orders)
    for (const it of o.lines) {
      const k = `${it.product_id}:${it.location_id}`;
      const cur = need.get(k);
      if (cur) cur.quantity += it.quantity;
      else
        need.set(k, {
          product_id: it.product_id,
          location_id: it.location_id,
          quantity: it.quantity,
          sku: it.sku,
          merchant_id: o.group.merchant.id,
        });
    }
  const lines = [...need.values()].sort(
    (a, b) => a.product_id - b.product_id || a.location_id - b.location_id,
  );
  const total = orders.reduce((s, o) => s + o.totals.total_cents, 0);
  return db.transaction().execute(async (trx) => {
    const now = new Date();
    const ck = await trx
      .insertInto('checkouts')
      .values({
        cart_id: cartId,
        idempotency_key: key,
        status: 'reserved',
        payment_method: input.payment.method,
        customer_json: JSON.stringify(input.customer),
        lang,
        total_cents: total,
        expires_at: new Date(now.getTime() + RESERVATION_TTL_MS).toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Re-read here: a suspension committed since the cart was read still refuses (rolled back).
    const stopped = new Set(
      (
        await trx
          .selectFrom('merchants')
          .select('id')
          .where(
            'id',
            'in',
            orders.map((o) => o.group.merchant.id),
          )
          .where('status', '<>', 'approved')
          .execute()
      ).map((m) => m.id),
    );
    if (stopped.size)
      throw merchantUnavailable(
        unavailableMerchantLines({ groups: orders.map((o) => o.group) }, (g) => stopped.has(g.merchant.id)),
      );
    const short: ShortLine[] = [];
    const changes: AvailabilityChange[] = [];
    for (const l of lines) {
      const r = await trx
        .updateTable('inventory_levels')
        .set((eb) => ({ reserved: eb('reserved', '+', l.quantity), updated_at: now.toISOString() }))
        .where('product_id', '=', l.product_id)
        .where('location_id', '=', l.location_id)
        .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', l.quantity))
        .returning(['on_hand', 'reserved'])
        .executeTakeFirst();
      if (!r) {
        const lvl = await trx
          .selectFrom('inventory_levels')
          .select(['on_hand', 'reserved'])
          .where('product_id', '=', l.product_id)
          .where('location_id', '=', l.location_id)
          .executeTakeFirst();
        short.push({
          product_id: l.product_id,
          location_id: l.location_id,
          sku: l.sku,
          requested: l.quantity,
          available: lvl ? Math.max(0, lvl.on_hand - lvl.reserved) : 0,
        });
        continue;
      }
      changes.push({
        product_id: l.product_id,
        location_id: l.location_id,
        sku: l.sku,
        merchant_id: l.merchant_id,
        available: r.on_hand - r.reserved,
        previous: r.on_hand - r.reserved + l.quantity,
      });
    }
    if (short.length) throw outOfStock(short);
    await trx
      .insertInto('reservations')
      .values(
        lines.map((l) => ({
          checkout_id: ck.id,
          product_id: l.product_id,
          location_id: l.location_id,
          quantity: l.quantity,
        })),
      )
      .execute();
    return { checkoutId: ck.id, changes };
  });
}

/** Undo of step 1: returns the held units of a checkout to stock (idempotent). */
export async function releaseCheckout(
  db: Kysely<DB>,
  events: EventBus,
  checkoutId: number,
  status: 'failed' | 'expired',
  onlyFrom: ('reserved' | 'authorized')[] = ['reserved', 'authorized'],
): Promise<boolean> {
  const changes = await db.transaction().execute(async (trx) => {
    const upd = await trx
      .updateTable('checkouts')
      .set({ status, updated_at: new Date().toISOString() })
      .where('id', '=', checkoutId)
      .where('status', 'in', onlyFrom)
      .executeTakeFirst();
    if (Number(upd.numUpdatedRows) !== 1) return undefined;
    const held = await trx
      .selectFrom('reservations as r')
      .innerJoin('products as p', 'p.id', 'r.product_id')
      .select(['r.id', 'r.product_id', 'r.location_id', 'r.quantity', 'p.sku', 'p.merchant_id'])
      .where('r.checkout_id', '=', checkoutId)
      .where('r.status', '=', 'held')
      .orderBy('r.product_id')
      .orderBy('r.location_id')
      .execute();
    const out: AvailabilityChange[] = [];
    for (const h of held) {
      const r = await trx
        .updateTable('inventory_levels')
        .set((eb) => ({ reserved: eb('reserved', '-', h.quantity), updated_at: new Date().toISOString() }))
        .where('product_id', '=', h.product_id)
        .where('location_id', '=', h.location_id)
        .returning(['on_hand', 'reserved'])
        .executeTakeFirstOrThrow();
      out.push({
        product_id: h.product_id,
        location_id: h.location_id,
        sku: h.sku,
        merchant_id: h.merchant_id,
        available: r.on_hand - r.reserved,
      });
    }
    await trx
      .updateTable('reservations')
      .set({ status: 'released' })
      .where('checkout_id', '=', checkoutId)
      .where('status', '=', 'held')
      .execute();
    return out;
  });
  if (!changes) return false;
  await announceAvailability(db, events, changes);
  return true;
}

/** Step 3: the orders, in one transaction, only if the checkout still holds its stock. */
async function confirm(
  deps: CheckoutDeps,
  checkoutId: number,
  cartId: number,
  input: CheckoutInput,
  lang: Lang,
  userId: number | null,
  orders: PlannedOrder[],
  auth: Authorization,
  promo: PromoResult | undefined,
): Promise<CheckoutResponse> {
  return deps.db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const upd = await trx
      .updateTable('checkouts')
      .set({ status: 'confirmed', payment_json: JSON.stringify(auth), updated_at: now })
      .where('id', '=', checkoutId)
      .where('status', 'in', ['reserved', 'authorized'])
      .executeTakeFirst();
    if (Number(upd.numUpdatedRows) !== 1) throw new AppError('conflict', 'checkout.expired');
    if (promo) {
      // Counted here, with the orders: a rollback gives the use back; max_uses is one conditional UPDATE.
      try {
        await consumePromoCode(trx, promo.promo_code_id);
      } catch (err) {
        if (err instanceof AppError && err.messageKey === 'promo.exhausted') {
          deps.log?.warn?.(
            {
              event: 'promo_code_refused',
              code: promo.code,
              reason: err.messageKey,
              checkout_id: checkoutId,
            },
            'promo code refused',
          );
          throw new ValidationError([{ field: PROMO_FIELD, message: 'promo.exhausted' }]);
        }
        throw err;
      }
    }
    const res: CheckoutResponse = { checkout_id: checkoutId, orders: [], total_cents: 0 };
    for (const o of orders) {
      const salt = newTokenSalt();
      const row = await trx
        .insertInto('orders')
        .values({
          checkout_id: checkoutId,
          merchant_id: o.group.merchant.id,
          user_id: userId,
          status: 'placed',
          customer_name: input.customer.name,
          customer_email: input.customer.email,
          customer_phone: input.customer.phone ?? null,
          lang,
          fulfilment_method: o.fulfilment.method,
          location_id: o.location_id,
          delivery_address_json:
            o.fulfilment.method === 'delivery'
              ? JSON.stringify({ ...o.fulfilment.address, text: addressText(o.fulfilment.address) })
              : null,
          pickup_slot_at: o.pickup_slot_at ?? null,
          subtotal_cents: o.totals.subtotal_cents,
          discount_cents: o.totals.discount_cents,
          promo_code_id: o.promo_code_id,
          delivery_fee_cents: o.totals.delivery_fee_cents,
          taxable_cents: o.totals.taxable_cents,
          gst_cents: o.totals.gst_cents,
          qst_cents: o.totals.qst_cents,
          total_cents: o.totals.total_cents,
          payment_method: input.payment.method,
          payment_status: paymentStatusOf(auth, o),
          payment_reference: auth.parts.find((p) => p.merchant_id === o.group.merchant.id)?.reference ?? null,
          ...giftColumnsOf(auth, o),
          access_token_hash: salt,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('order_lines')
        .values(
          o.lines.map((it) => ({
            order_id: row.id,
            product_id: it.product_id,
            location_id: it.location_id,
            sku: it.sku,
            title: it.title,
            tax_class: it.tax_class,
            quantity: it.quantity,
            unit_price_cents: it.unit_price_cents,
            line_total_cents: it.unit_price_cents * it.quantity,
            discount_cents: it.discount_cents,
          })),
        )
        .execute();
      // Who collected the taxes, kept for the receipt (small suppliers, decision record 0005).
      await recordOrderTaxes(trx, row.id, o.group.tax_collection);
      await trx
        .insertInto('order_events')
        .values({
          order_id: row.id,
          from_status: null,
          to_status: 'placed',
          actor: userId ? `user:${userId}` : 'customer',
          reason: null,
          created_at: now,
        })
        .execute();
      res.orders.push({
        order_id: row.id,
        merchant_id: o.group.merchant.id,
        status: 'placed',
        totals: totalsOf(o.totals),
        access_token: orderAccessToken(deps.secret, row.id, salt),
      });
      res.total_cents += o.totals.total_cents;
    }
    await trx
      .updateTable('reservations')
      .set({ status: 'committed' })
      .where('checkout_id', '=', checkoutId)
      .where('status', '=', 'held')
      .execute();
    await trx.deleteFrom('cart_items').where('cart_id', '=', cartId).execute();
    if (promo)
      res.promo = {
        code: promo.code,
        discount_cents: orders.reduce((s, o) => s + o.totals.discount_cents, 0),
      };
    return res;
  });
}

/** An order's payment status at creation; an order a gift card covers entirely is paid at once. */
function paymentStatusOf(auth: Authorization, o: PlannedOrder): string {
  const share = auth.gift?.shares.find((s) => s.merchant_id === o.group.merchant.id)?.amount_cents ?? 0;
  if (auth.gift) return share >= o.totals.total_cents ? 'paid' : 'due';
  return auth.status_after_capture === 'paid' ? 'authorized' : 'due';
}

/** The gift card's part of an order (src/modules/giftcards/split.ts), when one paid part of the checkout. */
function giftColumnsOf(auth: Authorization, o: PlannedOrder) {
  if (!auth.gift) return {};
  const share = auth.gift.shares.find((s) => s.merchant_id === o.group.merchant.id)?.amount_cents ?? 0;
  return {
    gift_card_cents: share,
    gift_card_balance_after_cents: auth.gift.balance_after_cents,
    remainder_method: share < o.totals.total_cents ? auth.gift.remainder_method : null,
  };
}

/** The response of a checkout already confirmed (a retry after a crash lost the stored response). */
async function confirmedResponse(deps: CheckoutDeps, checkoutId: number): Promise<CheckoutResponse> {
  const rows = await deps.db
    .selectFrom('orders as o')
    .leftJoin('promo_codes as pc', 'pc.id', 'o.promo_code_id')
    .selectAll('o')
    .select('pc.code as promo_code')
    .where('o.checkout_id', '=', checkoutId)
    .orderBy('o.id')
    .execute();
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
  const prior = await deps.db
    .selectFrom('checkouts')
    .select(['id', 'status'])
    .where('cart_id', '=', cartId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (prior?.status === 'confirmed') return confirmedResponse(deps, prior.id);
  if (prior)
    await deps.db
      .deleteFrom('reservations')
      .where('checkout_id', '=', prior.id)
      .where('status', '=', 'released')
      .execute();
  if (prior && (prior.status === 'reserved' || prior.status === 'authorized')) {
    await releaseCheckout(deps.db, deps.events, prior.id, 'failed');
  }
  if (prior) {
    // A failed or expired attempt under this key (its response was never stored): start afresh.
    await deps.db
      .deleteFrom('checkouts')
      .where('id', '=', prior.id)
      .where('status', 'in', ['failed', 'expired'])
      .execute();
  }

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
  const method = deps.payments(input.payment.method);
  // Discounted totals; an order a promo made free has nothing to authorize (Stripe refuses 0).
  const forPayment = (id: number): CheckoutForPayment => ({
    id,
    total_cents: orders.reduce((s, o) => s + o.totals.total_cents, 0),
    parts: orders
      .filter((o) => o.totals.total_cents > 0)
      .map((o) => ({ merchant_id: o.group.merchant.id, total_cents: o.totals.total_cents })),
    input: input.payment,
  });
  await method.check(deps.db, forPayment(0));

  // 1. reserve
  const { checkoutId, changes } = await reserve(deps.db, cartId, key, input, lang, orders);
  await announceAvailability(deps.db, deps.events, changes);
  const pay = forPayment(checkoutId);

  // 2. authorize (undo: release)
  let auth: Authorization;
  try {
    auth = await method.authorize(deps.db, pay);
    // Record what the sweeper must void after a crash (nothing to record for pay-in-store).
    if (auth.parts.some((x) => x.reference))
      await deps.db
        .updateTable('checkouts')
        .set({ status: 'authorized', payment_json: JSON.stringify(auth) })
        .where('id', '=', checkoutId)
        .where('status', '=', 'reserved')
        .execute();
  } catch (err) {
    await releaseCheckout(deps.db, deps.events, checkoutId, 'failed');
    throw err;
  }

  // 3. confirm (undo: void, release)
  let res: CheckoutResponse;
  try {
    res = await confirm(deps, checkoutId, cartId, input, lang, userId, orders, auth, promo);
  } catch (err) {
    await method
      .void(deps.db, pay, auth)
      .catch((e: unknown) => deps.log?.error({ err: e }, 'payment void failed'));
    await releaseCheckout(deps.db, deps.events, checkoutId, 'failed');
    throw err;
  }

  // 4. capture: the orders exist; a failure here leaves them with payment_status 'authorized'.
  try {
    await method.capture(deps.db, pay, auth);
    if (auth.status_after_capture === 'paid')
      await deps.db
        .updateTable('orders')
        .set({ payment_status: 'paid' })
        .where('checkout_id', '=', checkoutId)
        .execute();
  } catch (err) {
    deps.log?.error({ err, checkoutId }, 'payment capture failed');
  }

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
      if (
        err instanceof AppError &&
        err.code === 'conflict' &&
        err.messageKey === 'merchant_api.idempotency_in_progress' &&
        attempt < 200
      ) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      throw err;
    }
  }
}

/** The answer of a checkout already confirmed under this (cart, key), if any. */
async function committedCheckout(deps: CheckoutDeps, cartId: number, key: string) {
  const c = await deps.db
    .selectFrom('checkouts')
    .select('id')
    .where('cart_id', '=', cartId)
    .where('idempotency_key', '=', key)
    .where('status', '=', 'confirmed')
    .executeTakeFirst();
  return c ? { status: 201, body: await confirmedResponse(deps, c.id) } : undefined;
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

/**
 * The sweeper: checkouts that never reached their orders (abandoned, crashed) past their expiry
 * give their stock back and void their payment authorization. Also clears idempotency records
 * left unfinished by a crash, so the customer can retry with the same key.
 */
export async function expireCheckouts(
  deps: Pick<CheckoutDeps, 'db' | 'events' | 'payments'>,
  now = new Date(),
): Promise<number> {
  const due = await deps.db
    .selectFrom('checkouts')
    .select(['id', 'status', 'payment_method', 'payment_json', 'total_cents'])
    .where('status', 'in', ['reserved', 'authorized'])
    .where('expires_at', '<', now.toISOString())
    .orderBy('id')
    .limit(500)
    .execute();
  let n = 0;
  for (const c of due) {
    if (c.status === 'authorized') {
      const auth = JSON.parse(c.payment_json) as Authorization;
      if (auth.parts) {
        const method = deps.payments(c.payment_method);
        await method
          .void(
            deps.db,
            {
              id: c.id,
              total_cents: c.total_cents,
              parts: auth.parts.map((p) => ({ merchant_id: p.merchant_id, total_cents: 0 })),
              input: {},
            },
            auth,
          )
          .catch(() => {});
      }
    }
    if (await releaseCheckout(deps.db, deps.events, c.id, 'expired')) n++;
  }
  await deps.db
    .deleteFrom('idempotency_keys')
    .where('scope', 'like', 'checkout:%')
    .where('status_code', 'is', null)
    .where('created_at', '<', new Date(now.getTime() - RESERVATION_TTL_MS).toISOString())
    .execute();
  return n;
}

/** Starts the sweeper on an interval; returns a stop function. */
export function startCheckoutSweeper(
  deps: Pick<CheckoutDeps, 'db' | 'events' | 'payments'>,
  intervalMs = 60_000,
) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await expireCheckouts(deps);
    } catch {
      // retried at the next tick
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Stock reservations held by checkouts still in progress (not yet orders, not yet released): the
 * `comptoir_reservations_pending` gauge. Reads through the checkouts' (status, expires_at) index and
 * the reservations' checkout index, so its cost follows the checkouts in flight, not the history.
 */
export async function countPendingReservations(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom('checkouts as c')
    .innerJoin('reservations as r', 'r.checkout_id', 'c.id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('c.status', 'in', ['reserved', 'authorized'])
    .where('r.status', '=', 'held')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
