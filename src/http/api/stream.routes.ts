import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import {
  MAX_STREAM_PRODUCTS,
  openSse,
  sseClientCount,
  stockFrame,
  streamMerchantEvents,
  watchProducts,
} from '../../modules/events/index.ts';
import { requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { metrics } from '../ops/metrics.ts';
import { errorSchema, merchantRateLimit, requireMerchant } from './merchant-api.routes.ts';
import { textResponse } from './responses.ts';

export default async function streamRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  metrics.gauge('comptoir_sse_clients', 'Open Server-Sent Events connections.', sseClientCount);

  r.get(
    '/api/v1/stream',
    {
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
      schema: {
        tags: ['consumer'],
        operationId: 'streamAvailability',
        summary: 'Live availability (Server-Sent Events)',
        description: `text/event-stream. Event \`stock\` with data {product_id, sku, location_id, available} whenever availability of a watched product changes (POS sync, import, back-office edit, reservation, cancellation). A comment heartbeat every 20 s. At most ${MAX_STREAM_PRODUCTS} products per connection.`,
        querystring: z.object({
          products: z
            .string()
            .regex(/^\d+(,\d+)*$/, 'field.invalid')
            .meta({ description: 'Comma-separated product ids', example: '12,57' }),
          lang: z.enum(['fr', 'en']).optional(),
        }),
        produces: ['text/event-stream'],
        response: {
          200: textResponse('text/event-stream', 'Server-Sent Events (`stock`)'),
          400: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const ids = [...new Set(req.query.products.split(',').map(Number))].filter((n) => n > 0);
      if (ids.length > MAX_STREAM_PRODUCTS)
        throw new AppError('validation_failed', 'merchant_api.too_many_products', {
          params: { maximum: MAX_STREAM_PRODUCTS },
        });
      reply.hijack();
      const conn = openSse(req.raw, reply.raw, { log: req.log });
      const off = watchProducts(ctx.events, ids, (e) => conn.sendFrame(stockFrame(e)));
      conn.onClose(off);
    },
  );

  r.get(
    '/api/v1/merchant/stream',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'streamMerchantEvents',
        summary: 'Merchant live events (Server-Sent Events)',
        description:
          'text/event-stream of the merchant’s own events: `order` {order_id, merchant_id, status} and `stock` {product_id, sku, location_id, merchant_id, available}. Heartbeat every 20 s. Authenticated by API key, or by the session of a signed-in owner or staff member (merchant_id selects the merchant when the user works for several).',
        security: [{ apiKey: [] }],
        querystring: z.object({
          merchant_id: z.coerce.number().int().positive().optional(),
          lang: z.enum(['fr', 'en']).optional(),
        }),
        produces: ['text/event-stream'],
        response: {
          200: textResponse('text/event-stream', 'Server-Sent Events (`order`, `stock`)'),
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      // A POS authenticates with its API key; the back-office dashboard with the signed-in user's session.
      const merchantId = req.headers.authorization
        ? await requireMerchant(req, ctx.database.db)
        : (
            await requireMerchantRole(req, ctx, {
              merchantId: (req.query as { merchant_id?: number }).merchant_id,
            })
          ).merchantId;
      reply.hijack();
      streamMerchantEvents(ctx.events, merchantId, req.raw, reply.raw, req.log);
    },
  );
}
