import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import {
  addItem,
  authorizeCart,
  createCart,
  getCartView,
  merchantUnavailable,
  quantityJson,
  removeItem,
  unavailableMerchantLines,
  updateItem,
} from '../../modules/cart/index.ts';
import { humanText } from '../../modules/common/validation.ts';
import { postalAddressSchema } from '../../modules/geocoding/index.ts';
import {
  checkout,
  countPendingReservations,
  quoteCheckout,
  startCheckoutSweeper,
} from '../../workflows/checkout/index.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import { checkPromo, discountedView, promoCodeOf } from '../../workflows/promo.ts';
import type { AppContext } from '../context.ts';
import { apiLang } from '../errors.ts';
import { metrics } from '../ops/metrics.ts';
import {
  cartItemResponse,
  cartResponse,
  checkoutResponse,
  newCartResponse,
  noContent,
  quoteResponse,
  refused,
} from './responses.ts';

/** The cart cookie's name before it took the `__Host-` prefix; still read so no visitor loses a cart. */
const LEGACY_CART_COOKIE = 'cart_token';

/**
 * `__Host-cart` (Secure, Path=/, no Domain: a sibling subdomain cannot plant or overwrite it) in
 * production; `cart_token` over plain HTTP in development and tests, like the session cookie.
 */
export const cartCookieName = (ctx: AppContext) =>
  ctx.config.INSECURE_COOKIES ? LEGACY_CART_COOKIE : '__Host-cart';

/** The visitor's cart token from its cookie (the prefixed name first). */
export function cartCookie(req: FastifyRequest, ctx: AppContext): string | undefined {
  return req.cookies[cartCookieName(ctx)] ?? req.cookies[LEGACY_CART_COOKIE];
}

export function cartToken(req: FastifyRequest, ctx: AppContext): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1] ?? cartCookie(req, ctx);
}

export function setCartCookie(reply: FastifyReply, ctx: AppContext, token: string) {
  reply.setCookie(cartCookieName(ctx), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !ctx.config.INSECURE_COOKIES,
    maxAge: 60 * 60 * 24 * 60,
  });
}

const quantity = quantityJson;
const cartParams = z.object({ cart_id: z.coerce.number().int().positive() });
const itemParams = cartParams.extend({ item_id: z.coerce.number().int().positive() });

/** A delivery address as a person types it: never coordinates (the store's zones decide). */
const address = postalAddressSchema.describe(
  'Postal address; postal_code is a Canadian code (A1A 1A1, space optional), normalised upper-case with a space.',
);
export const checkoutBody = z.object({
  customer: z.object({
    name: humanText({ max: 200 }),
    email: z.string().trim().toLowerCase().email().max(254),
    phone: z.string().trim().max(40).optional().nullable(),
  }),
  fulfilment: z.record(
    z.string().regex(/^\d+$/),
    z.discriminatedUnion('method', [
      z.object({
        method: z.literal('pickup'),
        location_id: z.coerce.number().int().positive(),
        slot: z
          .string()
          .trim()
          .max(40)
          .regex(
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
            'pickup.slot_format',
          )
          .optional()
          .describe(
            'Start of a pickup slot (ISO 8601) among the slots the cart lists for this location (fulfilment_options[].slots); a slot past, outside the windows or not aligned is refused at fulfilment.MERCHANT_ID.slot.',
          ),
      }),
      z.object({ method: z.literal('delivery'), address }),
    ]),
  ),
  payment: z
    .object({
      method: z.enum(['in_store', 'card', 'gift_card']).default('in_store'),
      payment_method: z.string().max(200).optional(),
      payment_intent: z
        .string()
        .max(200)
        .optional()
        .describe(
          'With card, after a 402 payment_action_required (3-D Secure): the PaymentIntent of error.details.payment_intent, once the customer has answered the challenge with Stripe.js handleNextAction(error.details.client_secret); resubmit under a new Idempotency-Key.',
        ),
      code: z.string().max(64).optional(),
      remainder_method: z
        .enum(['in_store'])
        .optional()
        .describe(
          'With gift_card: how the part the card does not cover is paid (in store). The card’s whole balance is applied across the merchant orders in cart order; a card holding nothing is a 422 at payment.code.',
        ),
    })
    .default({ method: 'in_store' }),
  expected_total_cents: z.number().int().min(0).optional(),
  promo_code: z
    .string()
    .max(64)
    .optional()
    .describe(
      'A campaign promo code (case-insensitive; empty = none). Each covered merchant’s discount is taken before taxes; a refused code is a 400 at the field promo_code and nothing is reserved.',
    ),
});

export const quoteBody = checkoutBody.pick({ fulfilment: true, promo_code: true });

const cartQuery = z.object({
  lang: z.enum(['fr', 'en']).optional(),
  promo_code: z
    .string()
    .max(64)
    .optional()
    .describe(
      'Preview a promo code: the groups then carry discount_cents and the discounted taxes and totals.',
    ),
});

export default async function cartApiRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  const stop = startCheckoutSweeper(checkoutDeps(ctx));
  app.addHook('onClose', async () => stop());
  // Region-wide (read from the database): every instance reports the same value.
  metrics.cachedGauge(
    'comptoir_reservations_pending',
    'Stock reservations held by checkouts in progress (refreshed at most every 5 s).',
    () => countPendingReservations(db),
  );

  app.post(
    '/api/v1/carts',
    {
      schema: {
        tags: ['cart'],
        operationId: 'createCart',
        summary: 'Create a cart',
        response: { 201: newCartResponse, '4xx': refused },
      },
    },
    async (_req, reply) => {
      const cart = await createCart(db);
      setCartCookie(reply, ctx, cart.token);
      return reply.code(201).send(cart);
    },
  );

  app.get(
    '/api/v1/carts/:cart_id',
    {
      schema: {
        tags: ['cart'],
        operationId: 'getCart',
        summary: 'A cart with live availability and totals',
        params: cartParams,
        querystring: cartQuery,
        response: { 200: cartResponse, '4xx': refused },
      },
    },
    async (req) => {
      await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      const view = await getCartView(db, req.params.cart_id, apiLang(req));
      const code = promoCodeOf(req.query.promo_code);
      if (code && view.groups.length) {
        // A preview: validated and priced exactly as the checkout will, nothing counted.
        const priced = discountedView(view, await checkPromo(db, view, code, req.log));
        return {
          ...priced,
          groups: priced.groups.map((g) => ({
            ...g,
            merchant: {
              id: g.merchant.id,
              slug: g.merchant.slug,
              name: g.merchant.name,
              available: g.merchant.available,
            },
          })),
        };
      }
      return {
        ...view,
        groups: view.groups.map((g) => ({
          ...g,
          // available: false = the merchant no longer takes orders (its lines' available is 0).
          merchant: {
            id: g.merchant.id,
            slug: g.merchant.slug,
            name: g.merchant.name,
            available: g.merchant.available,
          },
        })),
      };
    },
  );

  app.post(
    '/api/v1/carts/:cart_id/items',
    {
      schema: {
        tags: ['cart'],
        operationId: 'addCartItem',
        summary: 'Add a product (at a location) to the cart',
        description:
          'A cart line is one variant of a product. `variant_id` is required when the product has more than one active variant (400 `variant_required`, `details.variants` lists them); with one variant it may be left out. A variant id that is not one of the product’s is a 400 at `variant_id`. A variant’s own id sent as `product_id` (clients written before variants) adds that variant.',
        params: cartParams,
        response: { 201: cartItemResponse, '4xx': refused },
        body: z.object({
          product_id: z.coerce.number().int().positive(),
          variant_id: z.coerce.number().int().positive().optional(),
          location_id: z.coerce.number().int().positive().optional(),
          quantity,
        }),
      },
    },
    async (req, reply) => {
      await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      return reply.code(201).send(await addItem(db, req.params.cart_id, req.body));
    },
  );

  app.patch(
    '/api/v1/carts/:cart_id/items/:item_id',
    {
      schema: {
        tags: ['cart'],
        operationId: 'updateCartItem',
        summary: 'Change a line’s quantity',
        params: itemParams,
        body: z.object({ quantity }),
        response: { 200: cartItemResponse, '4xx': refused },
      },
    },
    async (req) => {
      await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      return updateItem(db, req.params.cart_id, req.params.item_id, req.body.quantity);
    },
  );

  app.delete(
    '/api/v1/carts/:cart_id/items/:item_id',
    {
      schema: {
        tags: ['cart'],
        operationId: 'removeCartItem',
        summary: 'Remove a line',
        params: itemParams,
        response: { 204: noContent('Removed'), '4xx': refused },
      },
    },
    async (req, reply) => {
      await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      await removeItem(db, req.params.cart_id, req.params.item_id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/carts/:cart_id/checkout',
    {
      schema: {
        tags: ['cart'],
        operationId: 'checkoutCart',
        summary: 'Check out the whole cart: one order per merchant',
        description:
          'Card (payment.method card): a bank asking for 3-D Secure answers 402 payment_action_required with error.details.payment_intent and client_secret, nothing reserved; after Stripe.js handleNextAction, post again under a new Idempotency-Key with payment.payment_intent (a failed challenge: 402 payment_failed, the authorisation cancelled).',
        response: { 201: checkoutResponse, '4xx': refused },
        params: cartParams,
        body: checkoutBody,
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      if (!key) throw new AppError('idempotency_key_required');
      const cart = await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      const lang = apiLang(req);
      const r = await checkout(
        checkoutDeps(ctx, req.log),
        req.params.cart_id,
        key,
        req.body,
        lang,
        cart.user_id,
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(r.status).send(r.body);
    },
  );

  app.post(
    '/api/v1/carts/:cart_id/quote',
    {
      schema: {
        tags: ['cart'],
        operationId: 'quoteCheckout',
        summary: 'Price the checkout: fees and taxes included, exactly what it will charge',
        response: { 200: quoteResponse, '4xx': refused },
        description:
          'Takes the checkout body’s fulfilment (and promo_code); reserves and counts nothing. An address outside every delivery zone of a merchant, or below the zone’s minimum order, is a 422 field error at fulfilment.MERCHANT_ID.address.',
        params: cartParams,
        body: quoteBody,
      },
    },
    async (req) => {
      await authorizeCart(db, req.params.cart_id, cartToken(req, ctx));
      const lang = apiLang(req);
      const view = await getCartView(db, req.params.cart_id, lang);
      const stopped = unavailableMerchantLines(view);
      if (stopped.length) throw merchantUnavailable(stopped);
      const input = { customer: { name: '', email: '' }, payment: { method: 'in_store' }, ...req.body };
      return quoteCheckout(checkoutDeps(ctx, req.log), view, input, lang);
    },
  );
}
