import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createWebhook,
  deleteWebhook,
  enqueueEvent,
  listWebhooks,
  startWebhookWorker,
  WEBHOOK_EVENTS,
} from '../../modules/webhooks/index.ts';
import type { AppContext } from '../context.ts';
import { errorSchema, merchantOf, merchantRateLimit, requireMerchant } from './merchant-api.routes.ts';

const webhookSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    created_at: z.string(),
  })
  .meta({ id: 'Webhook' });
const example = {
  id: 7,
  url: 'https://pos.example.com/comptoir/hooks',
  events: ['order.created', 'inventory.low'],
  created_at: '2026-11-22T15:04:05.000Z',
};
const security = [{ apiKey: [] }];

export default async function merchantWebhookRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  const allowPrivate = ctx.config.WEBHOOKS_ALLOW_PRIVATE;

  // Orders published by the checkout/orders module become webhook deliveries. The delivery id is
  // derived from (order, status), so several instances receiving the same event queue it once.
  const off = ctx.events.subscribe('order', (e) => {
    const event = e.status === 'placed' ? 'order.created' : 'order.updated';
    // Returned so that the bus's settled() waits for the delivery to be queued.
    return enqueueEvent(
      db,
      e.merchant_id,
      event,
      { order_id: e.order_id, status: e.status },
      `order:${e.order_id}:${e.status}`,
    ).catch((err) => app.log.error({ err }, 'webhook enqueue failed'));
  });
  // Tests drive the worker themselves (runWebhookWorker); a running server sends every 2 s.
  const worker =
    ctx.config.NODE_ENV === 'test'
      ? undefined
      : startWebhookWorker(db, {
          allowPrivate,
          onError: (err) => app.log.error({ err }, 'webhook worker round failed'),
        });
  app.addHook('onClose', async () => {
    off();
    await worker?.stop();
  });

  app.addHook('onRequest', async (req) => {
    await requireMerchant(req, db);
  });

  r.post(
    '/api/v1/merchant/webhooks',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'createWebhook',
        summary: 'Register a webhook',
        description:
          'Deliveries are JSON POSTs `{id, event, created_at, data}` with headers Comptoir-Event, Comptoir-Delivery (unique id, the same on retries) and Comptoir-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. The secret is returned once, here. Non-2xx answers are retried with exponential backoff (30 s doubling, 8 attempts). Private, loopback and link-local addresses are refused.',
        security,
        body: z
          .object({
            url: z.string().max(2000).meta({ example: 'https://pos.example.com/comptoir/hooks' }),
            events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
          })
          .meta({
            example: {
              url: 'https://pos.example.com/comptoir/hooks',
              events: ['order.created', 'inventory.low'],
            },
          }),
        response: {
          201: webhookSchema
            .extend({ secret: z.string().meta({ description: 'Signing secret, shown only once' }) })
            .meta({ example: { ...example, secret: 'whsec_…' } }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const hook = await createWebhook(db, merchantOf(req), req.body, { allowPrivate });
      return reply.code(201).send(hook);
    },
  );

  r.get(
    '/api/v1/merchant/webhooks',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'listWebhooks',
        summary: 'List webhooks',
        description: 'The merchant’s webhooks (secrets are never shown again).',
        security,
        response: {
          200: z.object({ webhooks: z.array(webhookSchema) }).meta({ example: { webhooks: [example] } }),
          401: errorSchema,
        },
      },
    },
    async (req) => ({ webhooks: await listWebhooks(db, merchantOf(req)) }),
  );

  r.delete(
    '/api/v1/merchant/webhooks/:webhook_id',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook',
        description:
          'Deletes one of the merchant’s webhooks and its pending deliveries; another merchant’s id is 404.',
        security,
        params: z.object({ webhook_id: z.coerce.number().int().positive().meta({ example: 7 }) }),
        response: { 204: z.null().meta({ description: 'Deleted' }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      await deleteWebhook(db, merchantOf(req), req.params.webhook_id);
      return reply.code(204).send(null);
    },
  );
}
