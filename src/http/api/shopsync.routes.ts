import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import {
  handleShopifyWebhook,
  handleSquareWebhook,
  queueOrderPush,
  queueOrderReturn,
  reconcileAll,
  runPushes,
  type ShopSyncDeps,
  shopSyncIdle,
} from '../../modules/shopsync/index.ts';
import type { AppContext } from '../context.ts';

const params = z.object({ id: z.coerce.number().int().positive() });
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Shop sync (issue 17): the Shopify and Square webhook endpoints of each connection, the hook that turns
 * placed Comptoir orders into shop stock decrements, and (outside tests) the retry and hourly
 * reconciliation timers.
 */
export default async function shopSyncRoutes(app: FastifyInstance, ctx: AppContext) {
  const deps: ShopSyncDeps = {
    db: ctx.database.db,
    events: ctx.events,
    database: ctx.database,
    config: ctx.config,
  };
  // The raw body is needed to verify the signature (this parser only applies inside this plugin).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/v1/shopsync/shopify/:id/webhooks',
    { schema: { hide: true, params }, bodyLimit: 2 * 1024 * 1024 },
    async (req, reply) => {
      const { id } = req.params as z.infer<typeof params>;
      const r = await handleShopifyWebhook(
        deps,
        id,
        {
          hmac: header(req.headers['x-shopify-hmac-sha256']),
          topic: header(req.headers['x-shopify-topic']),
          webhookId: header(req.headers['x-shopify-webhook-id']),
        },
        typeof req.body === 'string' ? req.body : '',
      );
      if (r.status === 200) return reply.code(200).send({ received: true, outcome: r.outcome });
      const code = { 400: 'validation_failed', 401: 'unauthorized', 404: 'not_found', 503: 'unavailable' }[
        r.status
      ];
      return reply.code(r.status).send({ error: { code, message: code, details: {} } });
    },
  );

  // Square signs the notification URL as registered in the subscription (the one the status page
  // shows, built from PUBLIC_URL) followed by the raw body.
  app.post(
    '/api/v1/shopsync/square/:id/webhooks',
    { schema: { hide: true, params }, bodyLimit: 2 * 1024 * 1024 },
    async (req, reply) => {
      const { id } = req.params as z.infer<typeof params>;
      const r = await handleSquareWebhook(
        deps,
        id,
        `${publicBaseUrl(ctx.config)}/api/v1/shopsync/square/${id}/webhooks`,
        header(req.headers['x-square-hmacsha256-signature']),
        typeof req.body === 'string' ? req.body : '',
      );
      if (r.status === 200) return reply.code(200).send({ received: true, outcome: r.outcome });
      const code = { 400: 'validation_failed', 401: 'unauthorized', 404: 'not_found', 503: 'unavailable' }[
        r.status
      ];
      return reply.code(r.status).send({ error: { code, message: code, details: {} } });
    },
  );

  // Placed orders owe their units to the shop (returned: the bus's settled() waits for it).
  // Cancelled ones give them back.
  const off = ctx.events.subscribe('order', (e) =>
    e.status === 'placed'
      ? queueOrderPush(deps, e.order_id).catch((err) => app.log.error({ err }, 'shop stock push failed'))
      : e.status === 'cancelled'
        ? queueOrderReturn(deps, e.order_id).catch((err) =>
            app.log.error({ err }, 'shop stock return failed'),
          )
        : undefined,
  );
  const timers: NodeJS.Timeout[] = [];
  if (ctx.config.NODE_ENV !== 'test') {
    timers.push(
      setInterval(() => {
        runPushes(deps).catch((err) => app.log.error({ err }, 'shop stock push retry failed'));
      }, 60_000),
      setInterval(() => {
        reconcileAll(deps).catch((err) => app.log.error({ err }, 'shop sync reconciliation failed'));
      }, ctx.config.SHOPSYNC_RECONCILE_MINUTES * 60_000),
    );
    for (const t of timers) t.unref();
  }
  app.addHook('onClose', async () => {
    off();
    for (const t of timers) clearInterval(t);
    await shopSyncIdle();
  });
}
