import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { t } from '../../i18n/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import {
  applyImport,
  decodeText,
  exportProducts,
  ImportFormatError,
  MAX_XLSX_BYTES,
  previewImport,
  TEMPLATE_COLUMNS,
  translateRowErrors,
  XLSX_CONTENT_TYPE,
} from '../../modules/imports/index.ts';
import {
  defaultLocationOf,
  idempotencyKeyHeader,
  RowErrors,
  syncInventory,
  withIdempotency,
} from '../../modules/inventory/index.ts';
import {
  fulfilmentOf,
  locationFulfilmentSchema,
  setLocationFulfilment,
} from '../../modules/inventory/locations.ts';
import { authenticateApiKey, hashApiKey } from '../../modules/merchants/index.ts';
import type { AppContext } from '../context.ts';
import { apiLang, errorResponse } from '../errors.ts';
import { textResponse } from './responses.ts';

/** Requests per minute per API key on the merchant API. */
export const MERCHANT_API_RATE = 600;
/** Failed authentications per IP per 5 minutes before further attempts are refused (429). */
export const MAX_AUTH_FAILURES = 30;

const failures = new Map<string, { count: number; resetAt: number }>();
const merchants = new WeakMap<FastifyRequest, number>();

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/** Rate limit per API key (its hash, never the key itself), per IP for anonymous callers. */
export const merchantRateLimit = {
  max: MERCHANT_API_RATE,
  timeWindow: '1 minute',
  keyGenerator: (req: FastifyRequest) => {
    const key = bearer(req);
    return key ? `mk:${hashApiKey(key).slice(0, 32)}` : `ip:${req.ip}`;
  },
};

/**
 * preHandler for the merchant API: resolves `Authorization: Bearer <api key>` to the caller's
 * merchant; repeated failures from one IP are throttled.
 */
export async function requireMerchant(
  req: FastifyRequest,
  db: AppContext['database']['db'],
): Promise<number> {
  const known = merchants.get(req);
  if (known) return known;
  const now = Date.now();
  const f = failures.get(req.ip);
  if (f && f.resetAt > now && f.count >= MAX_AUTH_FAILURES) throw new AppError('rate_limited');
  const key = bearer(req);
  try {
    if (!key) throw new AppError('unauthorized', 'merchant_api.auth_required');
    const { merchantId } = await authenticateApiKey(db, key);
    merchants.set(req, merchantId);
    return merchantId;
  } catch (err) {
    if (err instanceof AppError && (err.code === 'unauthorized' || err.code === 'forbidden')) {
      const cur = f && f.resetAt > now ? f : { count: 0, resetAt: now + 5 * 60_000 };
      cur.count++;
      failures.set(req.ip, cur);
      if (failures.size > 10_000) for (const [ip, v] of failures) if (v.resetAt <= now) failures.delete(ip);
    }
    throw err;
  }
}

/** The merchant id set by requireMerchant for this request. */
export function merchantOf(req: FastifyRequest): number {
  const id = merchants.get(req);
  if (!id) throw new AppError('unauthorized', 'merchant_api.auth_required');
  return id;
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Error body; `message` in the request language (lang, Accept-Language).',
  });

const locationSchema = z.object({
  id: z.number().int(),
  code: z.string(),
  name: z.string(),
  address_line: z.string(),
  municipality: z.string(),
  postal_code: z.string().nullable(),
  lat: z.number(),
  lng: z.number(),
  pickup: z.number().int(),
  delivery_radius_km: z.number(),
  delivery_fee_cents: z.number().int(),
  is_default: z
    .boolean()
    .meta({ description: 'The default store: stock rows without location_code go there' }),
  fulfilment: locationFulfilmentSchema.meta({
    description:
      'Pickup and delivery as set by PUT /api/v1/merchant/locations/{location_code} (or the back-office)',
  }),
});
const profileSchema = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    name: z.string(),
    legal_name: z.string(),
    status: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    description_fr: z.string(),
    description_en: z.string(),
    locations: z.array(locationSchema),
  })
  .meta({
    id: 'MerchantProfile',
    example: {
      id: 1,
      slug: 'erabliere-du-lac',
      name: 'Érablière du Lac',
      legal_name: 'Érablière du Lac inc.',
      status: 'approved',
      email: null,
      phone: null,
      website: 'https://erabliere.example',
      description_fr: 'Sirop d’érable depuis 1952.',
      description_en: 'Maple syrup since 1952.',
      locations: [
        {
          id: 1,
          code: 'principal',
          name: 'Érablière du Lac',
          address_line: '123 rue Principale',
          municipality: 'Aylmer',
          postal_code: 'J9H 3L5',
          lat: 45.3956,
          lng: -75.8436,
          pickup: 1,
          delivery_radius_km: 10,
          delivery_fee_cents: 500,
          is_default: true,
          fulfilment: {
            pickup: { enabled: true, preparation_minutes: 30 },
            delivery: {
              enabled: true,
              zones: [
                { towns: ['Aylmer'], postal_prefixes: ['J9H', 'J9J'], fee_cents: 400 },
                { towns: ['Hull'], postal_prefixes: [], fee_cents: 600, min_order_cents: 2500 },
              ],
              radius_km: null,
            },
          },
        },
      ],
    },
  });

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

const productRow = z.object({
  sku: z.string().meta({ example: 'SIROP-540' }),
  title_fr: z
    .string()
    .optional()
    .meta({ description: 'Required for a new SKU', example: 'Sirop d’érable ambré 540 ml' }),
  title_en: z.string().optional().meta({ example: 'Amber maple syrup 540 ml' }),
  description_fr: z.string().optional(),
  description_en: z.string().optional(),
  category: z.string().nullable().optional().meta({
    description:
      'Category slug or French/English name (case and accents ignored); unknown: a warning, the row applies uncategorised',
    example: 'epicerie',
  }),
  price_cents: z.number().int().min(0).optional().meta({
    description: 'Price in cents (or give price in dollars); required for a new SKU',
    example: 1299,
  }),
  price: z
    .union([z.number(), z.string()])
    .optional()
    .meta({ description: 'Price in dollars', example: '12,99 $' }),
  status: z
    .enum(['active', 'draft', 'archived'])
    .optional()
    .meta({ description: 'Absent: new products are active, existing ones keep their status' }),
  gtin: z.string().nullable().optional().meta({ example: '0627843000016' }),
  brand: z.string().nullable().optional(),
  quebec_label: z
    .enum([
      'aliments_du_quebec',
      'aliments_prepares_au_quebec',
      'produit_du_quebec',
      'fabrique_au_quebec',
      'concu_au_quebec',
    ])
    .nullable()
    .optional(),
  tax_class: z.enum(['standard', 'zero_rated', 'exempt']).optional(),
  image_url: z.string().nullable().optional(),
  location_code: z.string().nullable().optional(),
  on_hand: z.number().int().min(0).nullable().optional(),
});
const productsBody = z.array(productRow).meta({
  id: 'ProductImport',
  description: `Bulk upsert by sku. JSON array of rows, or a CSV body (Content-Type: text/csv) with our template's columns (${TEMPLATE_COLUMNS.join(', ')}) or Shopify's product export columns (Handle, Title, Body (HTML), Vendor, Variant SKU, Variant Price, Variant Barcode, Variant Inventory Qty, Image Src); the format is detected from the header row.`,
});
const rowError = z.object({
  row: z.number().int(),
  sku: z.string().optional(),
  location_code: z.string().optional(),
  field: z.string().optional(),
  code: z.string(),
  message: z.string(),
});
const importResponse = z
  .object({
    format: z.enum([
      'template_csv',
      'shopify_csv',
      'square_csv',
      'lightspeed_csv',
      'template_xlsx',
      'shopify_xlsx',
      'square_xlsx',
      'lightspeed_xlsx',
      'json',
    ]),
    applied: z.boolean(),
    total: z.number().int(),
    valid: z.number().int(),
    invalid: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    unknown_categories: z.array(z.string()),
    rows: z.array(
      z.object({
        row: z.number().int(),
        sku: z.string().nullable(),
        status: z.enum(['create', 'update', 'unchanged', 'created', 'updated', 'error']),
        errors: z.array(rowError).optional(),
        warnings: z.array(rowError).optional(),
      }),
    ),
  })
  .meta({
    id: 'ImportResult',
    description:
      'Per-row results. Without partial=1, one invalid row means nothing is applied (applied: false, HTTP 422). With dry_run=1 nothing is written (statuses create/update/error).',
    example: {
      format: 'template_csv',
      applied: true,
      total: 2,
      valid: 2,
      invalid: 0,
      created: 1,
      updated: 1,
      rows: [
        { row: 1, sku: 'SIROP-540', status: 'updated' },
        { row: 2, sku: 'TIRE-250', status: 'created' },
      ],
    },
  });

const security = [{ apiKey: [] }];

/**
 * Validation of the bulk endpoints: their bodies are checked row by row by their module (per-row
 * errors, CSV text for imports), everything else by the route's zod schema as on any route. (With
 * `attachValidation` a failing body hid the query string and headers: `dry_run=true` wrote for real.)
 */
const rowsCheckedByModule: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body'
    ? (data) => ({ value: data })
    : (validatorCompiler as FastifySchemaCompiler<unknown>)(route);

export default async function merchantApiRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  // Bytes, decoded by the imports module (UTF-8/UTF-16 with BOM, else Windows-1252 from Excel).
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, decodeText(body as Buffer)),
  );
  // Excel workbooks stay bytes (the imports module unzips them with its own size caps). The route's
  // bodyLimit (for CSV and JSON) wins over a parser's, hence the explicit file-size check.
  app.addContentTypeParser(XLSX_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) =>
    (body as Buffer).length > MAX_XLSX_BYTES
      ? done(new AppError('payload_too_large', 'error.payload_too_large'), undefined)
      : done(null, body),
  );
  // onRequest: the key is checked before the body is parsed or validated (no work for strangers).
  app.addHook('onRequest', async (req) => {
    await requireMerchant(req, db);
  });

  r.get(
    '/api/v1/merchant',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'getMerchantProfile',
        summary: 'Own merchant profile',
        description: 'The profile and store locations of the merchant owning the API key.',
        security,
        response: { 200: profileSchema, 401: errorSchema },
      },
    },
    async (req) => {
      const id = merchantOf(req);
      const m = await db
        .selectFrom('merchants')
        .select([
          'id',
          'slug',
          'display_name as name',
          'legal_name',
          'status',
          'email',
          'phone',
          'website',
          'description_fr',
          'description_en',
        ])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const locations = await db
        .selectFrom('locations')
        .select([
          'id',
          'code',
          'name',
          'address_line',
          'municipality',
          'postal_code',
          'lat',
          'lng',
          'pickup',
          'delivery_radius_km',
          'delivery_fee_cents',
          'is_default',
          'delivery_zones_json',
          'preparation_minutes',
        ])
        .where('merchant_id', '=', id)
        .orderBy('id')
        .execute();
      const defaultId = defaultLocationOf(locations)?.id;
      return {
        ...m,
        locations: locations.map(({ delivery_zones_json: _z, preparation_minutes: _p, ...l }, i) => ({
          ...l,
          is_default: l.id === defaultId,
          fulfilment: fulfilmentOf(locations[i]!),
        })),
      };
    },
  );

  r.put(
    '/api/v1/merchant/locations/:location_code',
    {
      config: { rateLimit: merchantRateLimit },
      // Checked by the module: every problem comes back as a translated field error.
      validatorCompiler: rowsCheckedByModule,
      schema: {
        tags: ['merchant'],
        operationId: 'updateLocationFulfilment',
        summary: 'Set a store’s pickup and delivery',
        description:
          'Pickup (enabled, preparation_minutes) and delivery: zones by towns (names, case and accents ignored) and/or postal prefixes (FSA, 3 characters), each with fee_cents and an optional min_order_cents (subtotal before discount and taxes); a zone with neither covers radius_km around the store and needs a geocoder (GEOCODER_URL) to be offered. An address covered by several zones pays the lowest fee. The same settings as the back-office store page; the whole body replaces the store’s fulfilment.',
        security,
        params: z.object({ location_code: z.string().min(1).max(40) }),
        body: locationFulfilmentSchema,
        response: { 200: locationFulfilmentSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const merchantId = merchantOf(req);
      const { location_code } = req.params as { location_code: string };
      const loc = await db
        .selectFrom('locations')
        .select('id')
        .where('merchant_id', '=', merchantId)
        .where('code', '=', location_code)
        .executeTakeFirst();
      if (!loc) throw notFound('location');
      return setLocationFulfilment(db, merchantId, loc.id, req.body);
    },
  );

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

  r.put(
    '/api/v1/merchant/products',
    {
      config: { rateLimit: { ...merchantRateLimit, max: 60 } },
      bodyLimit: 64 * 1024 * 1024,
      validatorCompiler: rowsCheckedByModule,
      schema: {
        tags: ['merchant'],
        operationId: 'importProducts',
        summary: 'Catalogue import (bulk upsert by SKU)',
        description:
          'JSON array; our template, a Shopify product export, a Square item library export or a Lightspeed X-Series product export, as CSV (text/csv) or Excel (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, first worksheet, at most 20 MB). Per-row results with row number and reason. All or nothing unless partial=1; dry_run=1 validates without writing (preview).',
        security,
        querystring: z.object({
          partial: z
            .enum(['0', '1'])
            .optional()
            .meta({ description: '1: apply valid rows, report the others' }),
          dry_run: z.enum(['0', '1']).optional().meta({ description: '1: validate only (preview)' }),
          clear_empty: z.enum(['0', '1']).optional().meta({
            description:
              '1: empty cells clear the image, English texts, Québec label and category (default: they are left alone)',
          }),
          lang: z.enum(['fr', 'en']).optional(),
        }),
        consumes: ['application/json', 'text/csv', XLSX_CONTENT_TYPE],
        body: productsBody,
        response: { 200: importResponse, 400: errorSchema, 401: errorSchema, 422: importResponse },
      },
    },
    async (req, reply) => {
      const merchantId = merchantOf(req);
      const lang = apiLang(req);
      const q = req.query as { partial?: string; dry_run?: string; clear_empty?: string };
      const input = {
        body: req.body,
        contentType: req.headers['content-type'],
        clearEmpty: q.clear_empty === '1',
      };
      try {
        if (q.dry_run === '1') {
          const p = await previewImport(db, merchantId, input);
          return reply.send({
            ...p,
            applied: false,
            created: 0,
            updated: 0,
            rows: translateRowErrors(lang, p.rows),
          } as never);
        }
        const res = await applyImport(db, ctx.events, merchantId, input, {
          partial: q.partial === '1',
          database: ctx.database,
        });
        return reply
          .code(res.applied ? 200 : 422)
          .send({ ...res, rows: translateRowErrors(lang, res.rows) } as never);
      } catch (err) {
        if (err instanceof ImportFormatError) {
          const { body } = errorResponse(
            new AppError('validation_failed', err.key, { params: err.params }),
            lang,
          );
          return reply.code(400).send(body as never);
        }
        throw err;
      }
    },
  );

  r.get(
    '/api/v1/merchant/products.csv',
    {
      config: { rateLimit: { ...merchantRateLimit, max: 30 } },
      schema: {
        tags: ['merchant'],
        operationId: 'exportProducts',
        summary: 'Catalogue export (CSV, import template columns)',
        description:
          'The merchant’s products and stock per location in the import template columns. Cells starting with =, +, -, @, tab or CR are prefixed with an apostrophe (spreadsheet formula injection).',
        security,
        produces: ['text/csv'],
        response: {
          200: textResponse('text/csv', 'The catalogue, UTF-8 with BOM, RFC 4180, header row first'),
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const rows = await exportProducts(db, merchantOf(req));
      const esc = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const text = `${rows.map((r) => r.map(esc).join(',')).join('\r\n')}\r\n`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="products.csv"')
        .header('cache-control', 'no-store')
        .send(`\uFEFF${text}`);
    },
  );
}
