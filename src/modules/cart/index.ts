/**
 * Carts: a guest (or signed-in) customer's lines from several merchants, kept across visits by a
 * bearer token (only its hash is stored). Adding checks availability but reserves nothing;
 * checkout reserves (src/workflows/checkout.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { type OpeningHours, parseHours } from '../common/hours.ts';
import { formInteger, jsonInteger } from '../common/validation.ts';
import { type DeliveryZone, deliverySettingsOf } from '../inventory/locations.ts';
import '../orders/orders.tables.ts';
import { slotsForLocations } from '../orders/pickup-slots.ts';
import { getRegion } from '../region/index.ts';
import {
  computeTotals,
  type OrderTotals,
  platformTaxesOf,
  sumTotals,
  type TaxCollection,
  taxCollectionFor,
} from '../taxes/index.ts';
import { sellsOnline } from './buyable.ts';

export const MAX_LINE_QUANTITY = 999;
/** A line quantity in JSON: an integer number only (`true`, `[1]`, `"0x10"` are refused, not coerced). */
export const quantityJson = jsonInteger
  .min(1, 'cart.quantity_range')
  .max(MAX_LINE_QUANTITY, 'cart.quantity_range');
/** A line quantity from a form: decimal digits (or a JSON number from the page script); range checked by the cart. */
export const quantityForm = formInteger;
export const MAX_CART_LINES = 100;

export const hashCartToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createCart(db: Kysely<DB>, userId: number | null = null) {
  const token = randomBytes(24).toString('base64url');
  const row = await db
    .insertInto('carts')
    .values({ token_hash: hashCartToken(token), user_id: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { cart_id: row.id, token };
}

/** The cart if the token is its own; otherwise 404 (a wrong token reveals nothing). */
export async function authorizeCart(db: Kysely<DB>, cartId: number, token: string | undefined) {
  if (!token) throw new AppError('unauthorized', 'cart.token_required');
  const row = await db
    .selectFrom('carts')
    .select(['id', 'token_hash', 'user_id'])
    .where('id', '=', cartId)
    .executeTakeFirst();
  const a = Buffer.from(row?.token_hash ?? '0'.repeat(64), 'hex');
  const b = Buffer.from(hashCartToken(token), 'hex');
  if (!row || a.length !== b.length || !timingSafeEqual(a, b)) throw notFound('cart');
  return row;
}

/** Finds a cart by its token alone (the cookie of the pages). */
export async function cartByToken(db: Kysely<DB>, token: string | undefined) {
  if (!token) return undefined;
  return db
    .selectFrom('carts')
    .select(['id', 'user_id'])
    .where('token_hash', '=', hashCartToken(token))
    .executeTakeFirst();
}

/** Product, its merchant and the location offering it (the one with most available when none asked). */
async function offer(db: Kysely<DB>, productId: number, locationId?: number) {
  let q = db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .innerJoin('inventory_levels as i', 'i.product_id', 'p.id')
    .innerJoin('locations as l', (j) =>
      j.onRef('l.id', '=', 'i.location_id').onRef('l.merchant_id', '=', 'p.merchant_id'),
    )
    .select([
      'p.id as product_id',
      'p.merchant_id',
      'i.location_id',
      'i.on_hand',
      'i.reserved',
      'l.pickup',
      'l.delivery_zones_json',
      'l.delivery_radius_km',
      'l.delivery_fee_cents',
    ])
    .where('p.id', '=', productId)
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'approved');
  if (locationId !== undefined) q = q.where('i.location_id', '=', locationId);
  const rows = await q.execute();
  // Stores that can fulfil an order first (src/modules/cart/buyable.ts), then the most available.
  rows.sort(
    (x, y) =>
      Number(sellsOnline(y)) - Number(sellsOnline(x)) || y.on_hand - y.reserved - (x.on_hand - x.reserved),
  );
  return rows[0];
}

export interface AddItemInput {
  product_id: number;
  location_id?: number;
  quantity: number;
}

export async function addItem(db: Kysely<DB>, cartId: number, input: AddItemInput) {
  checkQuantity(input.quantity);
  const o = await offer(db, input.product_id, input.location_id);
  if (!o) {
    const exists = await db
      .selectFrom('products')
      .select('id')
      .where('id', '=', input.product_id)
      .executeTakeFirst();
    throw new ValidationError([
      exists && input.location_id !== undefined
        ? { field: 'location_id', message: 'cart.location_unknown' }
        : { field: 'product_id', message: 'cart.product_unknown' },
    ]);
  }
  if (!sellsOnline(o))
    throw new ValidationError([{ field: 'location_id', message: 'offer.no_fulfilment' }], { status: 422 });
  const existing = await db
    .selectFrom('cart_items')
    .select(['id', 'quantity'])
    .where('cart_id', '=', cartId)
    .where('product_id', '=', o.product_id)
    .where('location_id', '=', o.location_id)
    .executeTakeFirst();
  const quantity = (existing?.quantity ?? 0) + input.quantity;
  checkQuantity(quantity);
  const available = o.on_hand - o.reserved;
  if (quantity > available)
    throw outOfStock([
      { product_id: o.product_id, location_id: o.location_id, requested: quantity, available },
    ]);
  if (existing) {
    await db.updateTable('cart_items').set({ quantity }).where('id', '=', existing.id).execute();
    await touch(db, cartId);
    return { item_id: existing.id, quantity };
  }
  const lines = await db
    .selectFrom('cart_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('cart_id', '=', cartId)
    .executeTakeFirstOrThrow();
  if (Number(lines.n) >= MAX_CART_LINES)
    throw new ValidationError([{ field: 'product_id', message: 'cart.too_many_lines' }]);
  const row = await db
    .insertInto('cart_items')
    .values({ cart_id: cartId, product_id: o.product_id, location_id: o.location_id, quantity })
    .returning('id')
    .executeTakeFirstOrThrow();
  await touch(db, cartId);
  return { item_id: row.id, quantity };
}

export async function updateItem(db: Kysely<DB>, cartId: number, itemId: number, quantity: number) {
  checkQuantity(quantity);
  const item = await db
    .selectFrom('cart_items as c')
    .innerJoin('inventory_levels as i', (j) =>
      j.onRef('i.product_id', '=', 'c.product_id').onRef('i.location_id', '=', 'c.location_id'),
    )
    .select(['c.id', 'c.product_id', 'c.location_id', 'i.on_hand', 'i.reserved'])
    .where('c.id', '=', itemId)
    .where('c.cart_id', '=', cartId)
    .executeTakeFirst();
  if (!item) throw notFound('cart_item');
  const available = item.on_hand - item.reserved;
  if (quantity > available)
    throw outOfStock([
      { product_id: item.product_id, location_id: item.location_id, requested: quantity, available },
    ]);
  await db.updateTable('cart_items').set({ quantity }).where('id', '=', itemId).execute();
  await touch(db, cartId);
  return { item_id: itemId, quantity };
}

export async function removeItem(db: Kysely<DB>, cartId: number, itemId: number) {
  const r = await db
    .deleteFrom('cart_items')
    .where('id', '=', itemId)
    .where('cart_id', '=', cartId)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound('cart_item');
  await touch(db, cartId);
}

async function touch(db: Kysely<DB>, cartId: number) {
  await db
    .updateTable('carts')
    .set({ updated_at: new Date().toISOString() })
    .where('id', '=', cartId)
    .execute();
}

function checkQuantity(q: number) {
  if (!Number.isInteger(q) || q < 1 || q > MAX_LINE_QUANTITY)
    throw new ValidationError([
      { field: 'quantity', message: 'cart.quantity_range', params: { max: MAX_LINE_QUANTITY } },
    ]);
}

export interface ShortLine {
  product_id: number;
  location_id: number;
  requested: number;
  available: number;
  sku?: string;
}
export function outOfStock(lines: ShortLine[]) {
  return new AppError('out_of_stock', 'cart.out_of_stock', { details: { lines } });
}

/** A cart line whose merchant no longer takes orders (suspended, or no longer approved). */
export interface UnavailableMerchantLine {
  item_id: number;
  product_id: number;
  sku: string;
  title: string;
  merchant_id: number;
  merchant_name: string;
}

/**
 * The lines of a cart view whose merchant no longer takes orders (empty when every merchant does);
 * `stopped` overrides the view's reading (a status re-read inside the checkout's transaction).
 */
export function unavailableMerchantLines(
  view: Pick<CartView, 'groups'>,
  stopped: (g: CartGroup) => boolean = (g) => !g.merchant.available,
): UnavailableMerchantLine[] {
  return view.groups.filter(stopped).flatMap((g) =>
    g.items.map((i) => ({
      item_id: i.item_id,
      product_id: i.product_id,
      sku: i.sku,
      title: i.title,
      merchant_id: g.merchant.id,
      merchant_name: g.merchant.name,
    })),
  );
}

/** 409 merchant_unavailable naming the lines (ids, titles) to remove before checking out. */
export function merchantUnavailable(lines: UnavailableMerchantLine[]) {
  return new AppError('merchant_unavailable', 'checkout_integrity.merchant_unavailable', {
    params: {
      merchants: [...new Set(lines.map((l) => l.merchant_name))].join(', '),
      items: lines.map((l) => l.title).join(', '),
    },
    details: { lines },
  });
}

export interface PickupOption {
  method: 'pickup';
  location_id: number;
  name: string;
  address: string;
  hours: OpeningHours;
  /** Pickup slot starts open now (UTC ISO 8601; src/modules/orders/pickup-slots.ts). */
  slots: string[];
}
export interface DeliveryOption {
  method: 'delivery';
  location_id: number;
  name: string;
  /** The store's radius for zones without towns or prefixes (reached through a geocoder), or null. */
  radius_km: number | null;
  /** The lowest fee among the store's zones (the fee charged depends on the address's zone). */
  fee_cents: number;
  /** The store's position (the radius's centre). */
  from: { lat: number; lng: number };
  zones: DeliveryZone[];
}

export interface CartLine {
  item_id: number;
  product_id: number;
  sku: string;
  title: string;
  location_id: number;
  quantity: number;
  unit_price_cents: number;
  tax_class: string;
  available: number;
}

export interface CartGroup extends OrderTotals {
  merchant: {
    id: number;
    slug: string;
    name: string;
    legal_name: string;
    gst_number: string | null;
    qst_number: string | null;
    /** False when the merchant is suspended or no longer approved: its lines cannot be ordered. */
    available: boolean;
  };
  items: CartLine[];
  fulfilment_options: (PickupOption | DeliveryOption)[];
  /** Which taxes this merchant's order carries and who collects them (small suppliers: decision 0005). */
  tax_collection: TaxCollection;
}

export interface CartView {
  cart_id: number;
  groups: CartGroup[];
  subtotal_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
  item_count: number;
}

/** The cart grouped by merchant, with live availability, fulfilment options and taxes (pickup assumed). */
export async function getCartView(db: Kysely<DB>, cartId: number, lang: Lang): Promise<CartView> {
  const rows = await db
    .selectFrom('cart_items as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .leftJoin('inventory_levels as i', (j) =>
      j.onRef('i.product_id', '=', 'c.product_id').onRef('i.location_id', '=', 'c.location_id'),
    )
    .select([
      'c.id as item_id',
      'c.product_id',
      'c.location_id',
      'c.quantity',
      'p.sku',
      'p.title_fr',
      'p.title_en',
      'p.price_cents',
      'p.tax_class',
      'p.status as product_status',
      'm.id as merchant_id',
      'm.slug',
      'm.display_name',
      'm.legal_name',
      'm.gst_number',
      'm.qst_number',
      'm.tax_status',
      'm.status as merchant_status',
      'i.on_hand',
      'i.reserved',
    ])
    .where('c.cart_id', '=', cartId)
    .orderBy('m.display_name')
    .orderBy('c.id')
    .execute();
  const merchantIds = [...new Set(rows.map((r) => r.merchant_id))];
  const locations = merchantIds.length
    ? await db
        .selectFrom('locations')
        .selectAll()
        .where('merchant_id', 'in', merchantIds)
        .orderBy('id')
        .execute()
    : [];
  const platform = platformTaxesOf(await getRegion(db));
  const groups = new Map<number, CartGroup>();
  for (const r of rows) {
    let g = groups.get(r.merchant_id);
    if (!g) {
      const locs = locations.filter((l) => l.merchant_id === r.merchant_id);
      g = {
        merchant: {
          id: r.merchant_id,
          slug: r.slug,
          name: r.display_name,
          legal_name: r.legal_name,
          gst_number: r.gst_number,
          qst_number: r.qst_number,
          available: r.merchant_status === 'approved',
        },
        items: [],
        fulfilment_options: [
          ...locs
            .filter((l) => l.pickup === 1)
            .map(
              (l): PickupOption => ({
                method: 'pickup',
                location_id: l.id,
                name: l.name,
                address: `${l.address_line}, ${l.municipality}`,
                hours: parseHours(l.hours_json),
                slots: [],
              }),
            ),
          ...locs.flatMap((l): DeliveryOption[] => {
            const d = deliverySettingsOf(l);
            if (!d.enabled || !d.zones.length) return [];
            return [
              {
                method: 'delivery',
                location_id: l.id,
                name: l.name,
                radius_km: d.radius_km,
                fee_cents: Math.min(...d.zones.map((z) => z.fee_cents)),
                from: { lat: l.lat, lng: l.lng },
                zones: d.zones,
              },
            ];
          }),
        ],
        tax_collection: taxCollectionFor(r.tax_status, platform),
        ...computeTotals([]),
      };
      groups.set(r.merchant_id, g);
    }
    g.items.push({
      item_id: r.item_id,
      product_id: r.product_id,
      sku: r.sku,
      title: lang === 'en' ? r.title_en || r.title_fr : r.title_fr,
      location_id: r.location_id,
      quantity: r.quantity,
      unit_price_cents: r.price_cents,
      tax_class: r.tax_class,
      // A suspended merchant's lines count as unavailable everywhere the cart is shown.
      available:
        r.product_status === 'active' && r.merchant_status === 'approved'
          ? Math.max(0, (r.on_hand ?? 0) - (r.reserved ?? 0))
          : 0,
    });
  }
  for (const g of groups.values()) Object.assign(g, computeTotals(g.items, 0, g.tax_collection));
  const list = [...groups.values()];
  // Pickup slots per store, cut from its opening hours in the region's time zone.
  const pickups = list.flatMap((g) =>
    g.fulfilment_options.filter((o): o is PickupOption => o.method === 'pickup'),
  );
  if (pickups.length) {
    const slots = await slotsForLocations(
      db,
      pickups.map((o) => o.location_id),
    );
    for (const o of pickups) o.slots = slots.get(o.location_id) ?? [];
  }
  const all = sumTotals(list);
  return {
    cart_id: cartId,
    groups: list,
    subtotal_cents: all.subtotal_cents,
    gst_cents: all.gst_cents,
    qst_cents: all.qst_cents,
    total_cents: all.total_cents,
    item_count: rows.reduce((s, r) => s + r.quantity, 0),
  };
}

export {
  type DeliveryStore,
  type MatchContext,
  matchStore,
  type StoreMatch,
  townPrefixes,
  zonesText,
} from './delivery.ts';
