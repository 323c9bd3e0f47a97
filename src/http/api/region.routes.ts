import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import { getRegion, publicRegion, publicRegionSchema } from '../../modules/region/index.ts';
import type { AppContext } from '../context.ts';

/** Public read of the region settings, and the region's uploaded logo. */
export default async function regionApiRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/region',
    {
      schema: {
        tags: ['region'],
        operationId: 'getRegion',
        summary: 'The region this deployment serves',
        description:
          'Name, tagline, map centre and bounds, time zone, default search radius, logo and brand colours. A database nobody configured yet answers neutral defaults (name "Comptoir").',
        response: { 200: publicRegionSchema },
      },
    },
    async (_req, reply) => {
      // Settings change rarely; a short shared cache matches the server's own cache (10 s).
      reply.header('cache-control', 'public, max-age=10');
      return publicRegion(await getRegion(ctx.database.db));
    },
  );

  // Logos have content-hash names: cached for good.
  app.get(
    '/media/region/:file',
    { schema: { hide: true, params: z.object({ file: z.string().regex(/^[0-9a-f]{24}\.webp$/) }) } },
    async (req, reply) => {
      const { file } = req.params as { file: string };
      const path = join(ctx.config.dataDir, 'media', 'region', file);
      if (!existsSync(path)) throw notFound('image');
      return reply
        .type('image/webp')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path));
    },
  );
}
