/**
 * The price of a checkout: fulfilment choices checked against the cart, an optional promo code
 * (src/workflows/promo.ts) spread over each merchant's lines, taxes on the discounted lines, the
 * delivery fee of the zone covering each address. `quoteCheckout` is the one function behind
 * `POST /api/v1/carts/{id}/quote`, the web checkout's displayed total and the checkout's own
 * `expected_total_cents` check (read-only: nothing is reserved or charged here).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatMoney, type Lang } from '../../i18n/index.ts';
import { type FieldIssue, ValidationError } from '../../lib/errors.ts';
import type { PromoResult } from '../../modules/campaigns/index.ts';
import {
  type CartGroup,
  type CartLine,
  type CartView,
  type DeliveryOption,
  type MatchContext,
  matchStore,
  type StoreMatch,
  townPrefixes,
} from '../../modules/cart/index.ts';
import type { EventBus } from '../../modules/events/index.ts';
import type { Geocoder, PostalAddress } from '../../modules/geocoding/index.ts';
import { levelsOf } from '../../modules/inventory/index.ts';
import type { Mailer } from '../../modules/mail/index.ts';
import { matchSlot } from '../../modules/orders/index.ts';
import type { PaymentRegistry } from '../../modules/payments/index.ts';
import { computeDiscountedTotals, type DiscountedTotals } from '../../modules/taxes/index.ts';
import { checkPromo, discountFor, discountLines, type PromoLog, promoCodeOf, promoCovers } from '../promo.ts';

/** What a checkout needs of the platform (built once per platform by `checkoutDeps`, src/workflows/deps.ts). */
export interface CheckoutDeps {
  db: Kysely<DB>;
  events: EventBus;
  mailer: Mailer;
  secret: string;
  payments: PaymentRegistry;
  baseUrl?: string;
  log?: { error: (obj: unknown, msg: string) => void } & PromoLog;
  /** Places delivery addresses for radius zones (GEOCODER_URL); without it only town/postal zones deliver. */
  geocoder?: Geocoder;
}

/** A delivery address as the customer types it (line1, line2?, city, postal code; never coordinates). */
export type Address = PostalAddress;
/** How one merchant's order is handed over: pickup at a store (optional slot) or delivery to an address. */
export type Fulfilment =
  | {
      method: 'pickup';
      location_id: number;
      /** A slot start (ISO 8601) among the cart's offered slots. */
      slot?: string;
    }
  | { method: 'delivery'; address: Address };

/** The checkout body (API and web form). */
export interface CheckoutInput {
  customer: { name: string; email: string; phone?: string | null };
  fulfilment: Record<string, Fulfilment>;
  payment: { method: string; [k: string]: unknown };
  /** The total the customer was shown; when given and different now (a price changed), nothing is done. */
  expected_total_cents?: number;
  /** A campaign's promo code (case and surrounding spaces ignored; '' = none). */
  promo_code?: string;
}

/** One merchant order as the checkout will create it: its lines (discounted), fulfilment and totals. */
export interface PlannedOrder {
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
export async function plan(
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
      ctx ??= { prefixes: await townPrefixes(deps.db), geocoder: deps.geocoder, log: deps.log };
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
  // Stock is kept per variant (a line's variant_id is its `products` row).
  const levels = await levelsOf(db, [...new Set(g.items.map((i) => i.variant_id))]);
  const avail = (productId: number, locationId: number) => {
    const l = levels.get(`${productId}:${locationId}`);
    return l ? Math.max(0, l.on_hand - l.reserved) : 0;
  };
  const need = new Map<number, number>();
  for (const i of g.items) need.set(i.variant_id, (need.get(i.variant_id) ?? 0) + i.quantity);
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
    available: (i: CartLine) => avail(i.variant_id, chosen.location_id),
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
/** A quote: each merchant order's figures and the grand total. */
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
