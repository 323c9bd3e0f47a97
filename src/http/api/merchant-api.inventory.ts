/** Merchant API: the POS bulk stock sync (the stock rule is the inventory module's `syncInventory`). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { t } from '../../i18n/index.ts';
import { idempotencyKeyHeader, withIdempotency } from '../../lib/idempotency/idempotency.ts';
import { translateRowErrors } from '../../modules/imports/index.ts';
import { RowErrors, syncInventory } from '../../modules/inventory/index.ts';
import type { AppContext } from '../context.ts';
import { apiLang } from '../errors.ts';
import {
  errorSchema,
  merchantOf,
  merchantRateLimit,
  rowsCheckedByModule,
  security,
} from './merchant-api.auth.ts';

const inventoryRow = z.object({
  sku: z.string().min(1).max(100).meta({ description: 'Your SKU (as imported)', example: 'SIROP-540' }),
  location_code: z.string().optional().meta({
    description: 'Store location code; absent: the merchant’s default store',
    example: 'principal',
  }),
  on_hand: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'Units on the shelf (reserved units included)', example: 12 }),
});
const inventoryBody = z.array(inventoryRow).meta({
  id: 'InventorySync',
  description:
    'Stock levels to set. Atomic: any invalid row (unknown SKU or location, wrong type, negative, below reserved units) fails the whole request with per-row errors in error.details.rows.',
  example: [
    { sku: 'SIROP-540', location_code: 'principal', on_hand: 12 },
    { sku: 'TIRE-250', location_code: 'principal', on_hand: 0 },
  ],
});
const inventoryResponse = z
  .object({
    updated: z.number().int(),
    unchanged: z.number().int(),
    results: z.array(
      z.object({
        row: z.number().int(),
        sku: z.string(),
        location_code: z.string(),
        product_id: z.number().int(),
        location_id: z.number().int(),
        on_hand: z.number().int(),
        reserved: z.number().int(),
        available: z.number().int(),
        status: z.enum(['updated', 'unchanged']),
      }),
    ),
  })
  .meta({
    id: 'InventorySyncResult',
    example: {
      updated: 1,
      unchanged: 0,
      results: [
        {
          row: 1,
          sku: 'SIROP-540',
          location_code: 'principal',
          product_id: 1,
          location_id: 1,
          on_hand: 12,
          reserved: 2,
          available: 10,
          status: 'updated',
        },
      ],
    },
  });

/** PUT /api/v1/merchant/inventory. */
export function registerMerchantInventoryRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  r.put(
    '/api/v1/merchant/inventory',
    {
      config: { rateLimit: merchantRateLimit },
      bodyLimit: 8 * 1024 * 1024,
      validatorCompiler: rowsCheckedByModule,
      schema: {
        tags: ['merchant'],
        operationId: 'syncInventory',
        summary: 'Bulk stock sync from a POS',
        description:
          'Sets on_hand for each (sku, location_code), atomically. Idempotent with the Idempotency-Key header: the same key and body replay the first status and body; the same key with another body is refused (422 idempotency_key_reused). on_hand below the units reserved for placed orders is refused for that row (on_hand_below_reserved). Every change of availability is pushed to SSE clients; a drop to 3 or fewer fires inventory.low webhooks.',
        security,
        headers: z.object({
          'idempotency-key': idempotencyKeyHeader.optional().meta({
            description:
              'Any unique string per logical request (at most 200 characters, no control character)',
            example: 'pos-sync-2026-11-22T10:00Z',
          }),
        }),
        body: inventoryBody,
        response: { 200: inventoryResponse, 400: errorSchema, 401: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const merchantId = merchantOf(req);
      const lang = apiLang(req);
      const run = async () => {
        try {
          return { status: 200, body: await syncInventory(db, ctx.events, merchantId, req.body) };
        } catch (err) {
          if (err instanceof RowErrors) {
            return {
              status: 400,
              body: {
                error: {
                  code: 'validation_failed',
                  message: t(lang, 'merchant_api.rows_invalid'),
                  details: { rows: translateRowErrors(lang, [{ errors: err.errors }])[0].errors },
                },
              },
            };
          }
          throw err;
        }
      };
      const key = req.headers['idempotency-key'];
      const result =
        typeof key === 'string' && key
          ? await withIdempotency(db, `merchant:${merchantId}:inventory`, key, req.body, run)
          : await run();
      if ('replayed' in result && result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 200).send(result.body as never);
    },
  );
}
