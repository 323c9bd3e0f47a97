import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import { merchantDirectory, toCsv, toGeoJson } from '../../modules/opendata/index.ts';
import type { AppContext } from '../context.ts';
import { geoJsonResponse, refused, textResponse } from './responses.ts';

const query = z.object({ association: z.string().min(1).max(80).optional() });

/** Open data: the approved merchants' public fields, as GeoJSON and CSV (docs/OPEN-DATA.md). */
export default async function openDataRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // The configured public URL, never the request's Host header (these files are cached and republished).
  const base = (_req: unknown) => publicBaseUrl(ctx.config);
  app.get(
    '/api/v1/open-data/merchants.geojson',
    {
      schema: {
        tags: ['open data'],
        operationId: 'getOpenDataMerchantsGeoJson',
        summary: 'Approved merchants (public fields) as a GeoJSON FeatureCollection, one point per store',
        querystring: query,
        response: {
          200: textResponse('application/geo+json', 'FeatureCollection (RFC 7946)', geoJsonResponse),
          '4xx': refused,
        },
      },
    },
    async (req, reply) => {
      const { association } = req.query as z.infer<typeof query>;
      const records = await merchantDirectory(db, { baseUrl: base(req), association });
      return reply
        .type('application/geo+json; charset=utf-8')
        .header('access-control-allow-origin', '*')
        .header('cache-control', 'public, max-age=300')
        .send(JSON.stringify(toGeoJson(records)));
    },
  );
  app.get(
    '/api/v1/open-data/merchants.csv',
    {
      schema: {
        tags: ['open data'],
        operationId: 'getOpenDataMerchantsCsv',
        summary: 'Approved merchants (public fields) as CSV (RFC 4180, UTF-8), one row per store',
        querystring: query,
        response: { 200: textResponse('text/csv', 'One row per store, header row first'), '4xx': refused },
      },
    },
    async (req, reply) => {
      const { association } = req.query as z.infer<typeof query>;
      const records = await merchantDirectory(db, { baseUrl: base(req), association });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="merchants.csv"')
        .header('access-control-allow-origin', '*')
        .header('cache-control', 'public, max-age=300')
        .send(`\ufeff${toCsv(records)}`);
    },
  );
}
