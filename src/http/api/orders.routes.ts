import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authorizeOrder, getOrder, orderJson } from '../../modules/orders/index.ts';
import type { AppContext } from '../context.ts';
import { orderResponse, refused } from './responses.ts';

const params = z.object({ order_id: z.coerce.number().int().positive() });

/** Customer view of one order, with the order's access token (Bearer or ?token=). */
export default async function ordersApiRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  app.get(
    '/api/v1/orders/:order_id',
    {
      schema: {
        tags: ['orders'],
        operationId: 'getOrder',
        summary: 'An order and its status history',
        params,
        response: { 200: orderResponse, '4xx': refused },
        querystring: z.object({ token: z.string().max(200).optional() }),
      },
    },
    async (req) => {
      const h = req.headers.authorization;
      const token =
        (typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] : undefined) ?? req.query.token;
      await authorizeOrder(db, ctx.secret, req.params.order_id, token);
      return orderJson(await getOrder(db, req.params.order_id));
    },
  );
}
