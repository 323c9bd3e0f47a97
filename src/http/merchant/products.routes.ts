/**
 * Back-office products: the list, the inventory grid, the product form with its photos and stock
 * per store (one file each under ./products/), and the uploaded photos themselves.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import { MAX_IMAGE_BYTES } from '../../modules/backoffice/index.ts';
import type { AppContext } from '../context.ts';
import { productFormPage, productFormRoutes } from './products/form.ts';
import { productImageRoutes } from './products/images.ts';
import { productListRoutes } from './products/list.ts';
import { stockGridRoutes } from './products/stock-grid.ts';

export default async function productRoutes(app: FastifyInstance, ctx: AppContext) {
  // Multipart only here (images); fields land in req.body so the CSRF token is read as usual.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 20 },
  });

  // Uploaded product images (content-hashed names: cached for good).
  app.get(
    '/media/p/:merchant/:file',
    {
      schema: {
        hide: true,
        params: z.object({
          merchant: z.string().regex(/^\d+$/),
          file: z.string().regex(/^[0-9a-f]{24}-\d+\.webp$/),
        }),
      },
    },
    async (req, reply) => {
      const { merchant, file } = req.params as { merchant: string; file: string };
      const path = join(ctx.config.dataDir, 'media', 'p', merchant, file);
      if (!existsSync(path)) throw notFound('image');
      return reply
        .type('image/webp')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path));
    },
  );

  for (const lang of ['fr', 'en'] as const) {
    const page = productFormPage(ctx, lang);
    productListRoutes(app, ctx, lang);
    stockGridRoutes(app, ctx, lang);
    productFormRoutes(app, ctx, lang, page);
    productImageRoutes(app, ctx, lang, page);
  }
}
