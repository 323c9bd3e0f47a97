import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { categoriesForApi } from '../../modules/catalog/index.ts';
import type { AppContext } from '../context.ts';
import { refused } from './responses.ts';

const query = z.object({ lang: z.enum(['fr', 'en']).default('fr') });
const categoryItem = z.object({
  slug: z.string().meta({ description: 'Stable identifier (the `category` filter of search and imports)' }),
  name: z.string().meta({ description: 'Name in the requested language' }),
  name_fr: z.string(),
  name_en: z.string(),
});

/** The region's visible categories (the default taxonomy from migration 005, as edited by its admin). */
export default async function categoryApiRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/api/v1/categories',
    {
      schema: {
        tags: ['catalogue'],
        operationId: 'listCategories',
        summary: 'Visible product categories, in display order, named in fr and en',
        querystring: query,
        response: { 200: z.array(categoryItem), '4xx': refused },
      },
    },
    async (req, reply) => {
      const { lang } = req.query as z.infer<typeof query>;
      reply.header('cache-control', 'public, max-age=300');
      return categoriesForApi(ctx.database.db, lang);
    },
  );
}
