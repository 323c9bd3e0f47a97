import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  getOrder,
  listMerchantOrders,
  ORDER_STATUSES,
  type OrderStatus,
  orderJson,
  sendStatusEmail,
  transitionOrder,
} from '../../modules/orders/index.ts';
import { refundCancelledOrder } from '../../modules/payments/index.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import type { AppContext } from '../context.ts';
import { merchantRateLimit, requireMerchant } from './merchant-api.routes.ts';
import { orderListResponse, orderResponse, refused } from './responses.ts';

const statusEnum = z.enum(ORDER_STATUSES as [OrderStatus, ...OrderStatus[]]);

/** Merchant API: the merchant's own orders and their transitions (API key, scoped to the merchant). */
export default async function merchantOrdersRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  const security = [{ apiKey: [] }];
  // The key is checked before the body is parsed or validated: strangers get 401, never a 400.
  app.addHook('onRequest', async (req) => {
    await requireMerchant(req, db);
  });

  app.get(
    '/api/v1/merchant/orders',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'listMerchantOrders',
        summary: 'The merchant’s orders, newest first (optionally of one status)',
        security,
        querystring: z.object({ status: statusEnum.optional() }),
        response: { 200: orderListResponse, '4xx': refused },
      },
    },
    async (req) => {
      const merchantId = await requireMerchant(req, db);
      return { orders: await listMerchantOrders(db, merchantId, req.query.status) };
    },
  );

  app.get(
    '/api/v1/merchant/orders/:order_id',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'getMerchantOrder',
        summary: 'One of the merchant’s orders, with the customer’s contact details',
        security,
        params: z.object({ order_id: z.coerce.number().int().positive() }),
        response: { 200: orderResponse, '4xx': refused },
      },
    },
    async (req) => {
      const merchantId = await requireMerchant(req, db);
      const o = await getOrder(db, req.params.order_id, merchantId);
      return {
        ...orderJson(o),
        customer: { name: o.customer_name, email: o.customer_email, phone: o.customer_phone },
      };
    },
  );

  app.post(
    '/api/v1/merchant/orders/:order_id/transitions',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'transitionMerchantOrder',
        summary: 'Move an order on: accepted, ready, completed or cancelled (refunded)',
        security,
        params: z.object({ order_id: z.coerce.number().int().positive() }),
        response: { 200: orderResponse, '4xx': refused },
        body: z.object({
          to: z.enum(['accepted', 'ready', 'completed', 'cancelled']),
          reason: z.string().trim().max(500).optional(),
        }),
      },
    },
    async (req) => {
      const merchantId = await requireMerchant(req, db);
      const r = await transitionOrder(db, ctx.events, {
        orderId: req.params.order_id,
        merchantId,
        to: req.body.to,
        actor: `merchant:${merchantId}`,
        reason: req.body.reason ?? null,
      });
      if (r.status === 'cancelled') await refundCancelledOrder(db, ctx.config, r.order_id, req.log);
      await sendStatusEmail(checkoutDeps(ctx), r.order_id).catch((err: unknown) =>
        req.log.error({ err }, 'status email failed'),
      );
      return orderJson(await getOrder(db, r.order_id, merchantId));
    },
  );
}
