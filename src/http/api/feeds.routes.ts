import type { FastifyInstance } from 'fastify';
import { LOW_STOCK_THRESHOLD, merchantStock } from '../../modules/inventory/index.ts';
import type { AppContext } from '../context.ts';
import { errorSchema, merchantOf, merchantRateLimit, requireMerchant } from './merchant-api.auth.ts';
import { textResponse } from './responses.ts';

/** Google local inventory availability from a unit count (limited: the low-stock threshold or fewer). */
export function googleAvailability(available: number): 'in_stock' | 'limited_availability' | 'out_of_stock' {
  if (available <= 0) return 'out_of_stock';
  if (available <= LOW_STOCK_THRESHOLD) return 'limited_availability';
  return 'in_stock';
}

const tsv = (v: string | number) => String(v).replace(/[\t\r\n]+/g, ' ');

export default async function feedRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  app.get(
    '/api/v1/merchant/feeds/local-inventory',
    {
      config: { rateLimit: { ...merchantRateLimit, max: 30 } },
      schema: {
        tags: ['merchant'],
        operationId: 'getLocalInventoryFeed',
        summary: 'Google local inventory feed (TSV)',
        description:
          'Tab-separated, one line per product and store: store_code (location code), id (SKU), availability (in_stock, limited_availability when 3 or fewer, out_of_stock), quantity (available units), price ("12.99 CAD"), pickup_method (buy when the store offers pickup, else not_supported), pickup_sla (same_day when available).',
        security: [{ apiKey: [] }],
        produces: ['text/tab-separated-values'],
        response: {
          200: textResponse(
            'text/tab-separated-values',
            'One header line, then one line per product and store',
          ),
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      await requireMerchant(req, db);
      const rows = await merchantStock(db, merchantOf(req));
      const lines = ['store_code\tid\tavailability\tquantity\tprice\tpickup_method\tpickup_sla'];
      for (const r of rows) {
        const available = Math.max(0, r.on_hand - r.reserved);
        const pickup = r.pickup === 1 && available > 0;
        lines.push(
          [
            tsv(r.location_code),
            tsv(r.sku),
            googleAvailability(available),
            available,
            `${(r.price_cents / 100).toFixed(2)} CAD`,
            r.pickup === 1 ? 'buy' : 'not_supported',
            pickup ? 'same_day' : '',
          ].join('\t'),
        );
      }
      return reply
        .type('text/tab-separated-values; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(`${lines.join('\n')}\n`);
    },
  );
}
