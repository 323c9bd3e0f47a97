import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { migrationsApplied } from '../../db/migrate.ts';
import { ping } from '../../db/ping.ts';
import { catalogMemoryLoading } from '../../modules/search/index.ts';
import { isPrivateAddress } from '../../modules/webhooks/index.ts';
import type { AppContext } from '../context.ts';
import { metrics } from './metrics.ts';

export default async function opsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (req, reply) => {
    try {
      await ping(ctx.database.db);
      const migrated = await migrationsApplied(ctx.database.db as never);
      if (!migrated) return reply.code(503).send({ status: 'migrations_pending' });
      if (catalogMemoryLoading(ctx.database)) return reply.code(503).send({ status: 'warming_up' });
      return { status: 'ready', database: ctx.database.kind };
    } catch (err) {
      // The probe only says "unreachable"; why (refused, authentication, timeout) is in the log.
      req.log.warn({ err }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'database_unreachable' });
    }
  });

  // Metrics describe the platform's internals (routes, timings, queues): only for scrapers on the
  // host or its private network, or holding METRICS_TOKEN; anyone else gets the ordinary 404.
  const token = ctx.config.METRICS_TOKEN ? Buffer.from(`Bearer ${ctx.config.METRICS_TOKEN}`) : undefined;
  const hasToken = (header: string | undefined) => {
    if (!token || !header) return false;
    const given = Buffer.from(header);
    return given.length === token.length && timingSafeEqual(given, token);
  };
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!isPrivateAddress(req.ip) && !hasToken(req.headers.authorization)) {
      req.log.warn({ ip: req.ip }, 'metrics refused');
      return reply.callNotFound();
    }
    await metrics.collect();
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });
}
