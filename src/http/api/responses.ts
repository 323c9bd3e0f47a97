/**
 * Response components of the OpenAPI document for routes whose answers are built by modules
 * without a zod schema. They document the main fields for client generators and accept any value
 * at run time (they never strip or refuse what a handler returns: `additionalProperties` allowed);
 * routes with a full zod response schema (merchant API, categories, region) use that instead.
 */
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

const int = { type: 'integer' };
const str = { type: 'string' };
const num = { type: 'number' };
const bool = { type: 'boolean' };
const nullable = (s: JsonSchema) => ({ anyOf: [s, { type: 'null' }] });
const arr = (items: JsonSchema) => ({ type: 'array', items });
const obj = (properties: Record<string, JsonSchema>, required?: string[]): JsonSchema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
  additionalProperties: true,
});

/** A documented object component (`id`), not enforced at run time. */
const documented = (
  id: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: string[],
) => z.unknown().meta({ id, description, ...obj(properties, required) });

/** The contract's error body, for routes that declare their error statuses. */
export const errorResponse = (description: string) =>
  z.unknown().meta({ description, allOf: [{ $ref: '#/components/schemas/Error' }] });

/** Any 4xx answer of a route: the contract's error body. */
export const refused = errorResponse(
  'Refused: the contract’s error body (`error.code`, `error.message` in the request’s language, `error.details`)',
);

/** A response without body (204): documented as `type: null` (no content), typed loosely so `send()` needs no argument. */
export const noContent = (description: string) => z.unknown().meta({ description, type: 'null' });

/** A non-JSON body: `{description, content: {mediaType: string}}` (CSV, TSV, GeoJSON, SSE). */
export const textResponse = (mediaType: string, description: string, schema: z.ZodType = z.string()) => ({
  description,
  content: { [mediaType]: { schema } },
});

const point = obj({ lat: num, lng: num, source: str, radius_km: num });
const cartLine = obj(
  {
    item_id: int,
    product_id: int,
    variant_id: int,
    location_id: int,
    sku: str,
    title: str,
    options: { type: 'object', additionalProperties: str },
    quantity: int,
    unit_price_cents: int,
    line_total_cents: int,
    available: int,
  },
  ['item_id', 'product_id', 'quantity'],
);

export const cartResponse = documented(
  'Cart',
  'A cart grouped by merchant, with live availability, fulfilment options and taxes (money in cents).',
  {
    cart_id: int,
    groups: arr(
      obj({
        merchant: obj({ id: int, slug: str, name: str, available: bool }),
        lines: arr(cartLine),
      }),
    ),
    subtotal_cents: int,
    gst_cents: int,
    qst_cents: int,
    total_cents: int,
    item_count: int,
  },
  ['cart_id', 'groups', 'total_cents'],
);

export const newCartResponse = documented(
  'NewCart',
  'A new cart and its token: send `Authorization: Bearer <token>` on the cart routes.',
  { cart_id: int, token: str },
  ['cart_id', 'token'],
);

export const cartItemResponse = documented(
  'CartItem',
  'The cart line as stored.',
  cartLine.properties as never,
  ['item_id'],
);

export const checkoutResponse = documented(
  'CheckoutResult',
  'One order per merchant, created and paid (or to pay in store); a replay with the same Idempotency-Key returns the same body (header Idempotent-Replayed: true).',
  {
    checkout_id: int,
    orders: arr(obj({ order_id: int, merchant_id: int, status: str, totals: obj({}), access_token: str })),
    total_cents: int,
    promo: obj({ code: str, discount_cents: int }),
  },
  ['checkout_id', 'orders', 'total_cents'],
);

export const quoteResponse = documented(
  'CheckoutQuote',
  'What the checkout will charge, per merchant and in all: fees, discounts and taxes included.',
  {
    groups: arr(
      obj({
        merchant: obj({ id: int, slug: str, name: str }),
        fulfilment: obj({
          method: { type: 'string', enum: ['pickup', 'delivery'] },
          location_id: int,
          fee_cents: int,
        }),
        subtotal_cents: int,
        discount_cents: int,
        delivery_fee_cents: int,
        gst_cents: int,
        qst_cents: int,
        total_cents: int,
      }),
    ),
    total_cents: int,
  },
  ['groups', 'total_cents'],
);

export const searchResponse = documented(
  'SearchResults',
  'Products offered near a point, scored and faceted; availability is live.',
  {
    total: int,
    page: int,
    per_page: int,
    point,
    relaxed: bool,
    approximate: bool,
    results: arr(
      obj({
        product_id: int,
        sku: str,
        title: str,
        description_snippet: str,
        price_cents: int,
        currency: str,
        image_url: nullable(str),
        merchant: obj({ id: int, slug: str, name: str }),
        location_id: int,
        available: int,
        distance_km: num,
      }),
    ),
    facets: obj({}),
  },
  ['total', 'page', 'per_page', 'results'],
);

export const suggestResponse = documented(
  'Suggestions',
  'At most 10 suggestions for what was typed so far.',
  { suggestions: arr(obj({ type: str, label: str, url: str })) },
  ['suggestions'],
);

export const merchantListResponse = documented(
  'MerchantList',
  'Approved merchants near a point (directory).',
  {
    total: int,
    page: int,
    per_page: int,
    point,
    results: arr(obj({ id: int, slug: str, name: str, distance_km: num })),
  },
  ['total', 'results'],
);

export const publicMerchantResponse = documented(
  'PublicMerchant',
  'A merchant’s public profile: locations with hours and fulfilment options.',
  {
    id: int,
    slug: str,
    name: str,
    description_fr: str,
    description_en: str,
    website: nullable(str),
    phone: nullable(str),
    logo_url: nullable(str),
    associations: arr(obj({})),
    categories: arr(obj({})),
    locations: arr(
      obj({
        id: int,
        code: str,
        name: str,
        address: str,
        municipality: str,
        postal_code: nullable(str),
        lat: num,
        lng: num,
        hours: {},
        fulfilment: obj({ pickup: bool, delivery: bool, delivery_radius_km: num, delivery_fee_cents: int }),
      }),
    ),
  },
  ['id', 'slug', 'name', 'locations'],
);

export const productResponse = documented(
  'ProductWithOffers',
  'A product and its offers: availability at each of its merchant’s locations, and the same GTIN at other merchants, nearest first.',
  {
    product_id: int,
    sku: str,
    title: str,
    title_fr: str,
    title_en: str,
    description: str,
    price_cents: int,
    currency: str,
    gtin: nullable(str),
    brand: nullable(str),
    category: nullable(str),
    quebec_label: nullable(str),
    images: arr(obj({ url: str, width: int, height: int })),
    offers: arr(obj({ location_id: int, available: int })),
    price_from: bool,
    variants: arr(
      obj({
        variant_id: int,
        sku: str,
        options: obj({}),
        price_cents: int,
        gtin: nullable(str),
        offers: arr(obj({ location_id: int, available: int })),
      }),
    ),
  },
  ['product_id', 'sku', 'title', 'price_cents'],
);

export const orderResponse = documented(
  'Order',
  'An order with its lines, totals, payment and status history.',
  {
    order_id: int,
    checkout_id: int,
    merchant: obj({ id: int, slug: str, name: str }),
    status: { type: 'string', enum: ['placed', 'accepted', 'ready', 'completed', 'cancelled'] },
    created_at: str,
    fulfilment: obj({ method: str, location_id: int }),
    lines: arr(
      obj({
        product_id: int,
        sku: str,
        title: str,
        quantity: int,
        unit_price_cents: int,
        line_total_cents: int,
        tax_class: str,
      }),
    ),
    totals: obj({}),
    payment: obj({ method: str, status: str }),
    history: arr(obj({ status: str, at: str })),
  },
  ['order_id', 'status', 'lines'],
);

export const orderListResponse = documented(
  'OrderList',
  'The merchant’s orders, newest first.',
  { orders: arr(obj({ order_id: int, status: str, created_at: str })) },
  ['orders'],
);

export const giftCardBalanceResponse = documented(
  'GiftCardBalance',
  'A gift card’s balance: the paid part never expires; a sponsor bonus is kept apart with its own end date.',
  {
    last4: str,
    status: str,
    currency: str,
    balance_cents: int,
    paid_balance_cents: int,
    bonus_balance_cents: int,
    bonus_expires_at: nullable(str),
    paid_expires_at: { type: 'null' },
    association: nullable(str),
    ledger: arr(
      obj({ kind: str, paid_delta_cents: int, bonus_delta_cents: int, merchant: nullable(str), at: str }),
    ),
  },
  ['status', 'balance_cents'],
);

export const geoJsonResponse = z.unknown().meta({
  description: 'A GeoJSON FeatureCollection (RFC 7946), one Point feature per store.',
  ...obj(
    {
      type: { const: 'FeatureCollection' },
      features: arr(obj({ type: str, geometry: obj({}), properties: obj({}) })),
    },
    ['type', 'features'],
  ),
});
