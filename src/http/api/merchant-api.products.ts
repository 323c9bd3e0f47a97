/** Merchant API: catalogue import (bulk upsert by SKU, preview with dry_run) and CSV export. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import {
  applyImport,
  exportProducts,
  ImportFormatError,
  previewImport,
  TEMPLATE_COLUMNS,
  translateRowErrors,
  XLSX_CONTENT_TYPE,
} from '../../modules/imports/index.ts';
import type { AppContext } from '../context.ts';
import { apiLang, errorResponse } from '../errors.ts';
import {
  errorSchema,
  merchantOf,
  merchantRateLimit,
  rowsCheckedByModule,
  security,
} from './merchant-api.auth.ts';
import { textResponse } from './responses.ts';

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
  handle: z.string().optional().meta({
    description: 'Rows sharing a handle are the variants of one product (default: the row’s sku)',
    example: 't-shirt-outaouais',
  }),
  option1_name: z.string().optional().meta({ example: 'Taille' }),
  option1_value: z.string().optional().meta({ example: 'M' }),
  option2_name: z.string().optional(),
  option2_value: z.string().optional(),
  option3_name: z.string().optional(),
  option3_value: z.string().optional(),
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

/** PUT /api/v1/merchant/products and GET /api/v1/merchant/products.csv. */
export function registerMerchantProductRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
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
