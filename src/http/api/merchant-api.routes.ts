/**
 * The merchant API (`/api/v1/merchant/...`, API-key authentication): body parsers for CSV and
 * Excel, the key check before anything else, then the routes by area (profile and stores, stock
 * sync, catalogue import/export).
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../lib/errors.ts';
import { decodeText, MAX_XLSX_BYTES, XLSX_CONTENT_TYPE } from '../../modules/imports/index.ts';
import type { AppContext } from '../context.ts';
import { requireMerchant } from './merchant-api.auth.ts';
import { registerMerchantInventoryRoutes } from './merchant-api.inventory.ts';
import { registerMerchantProfileRoutes } from './merchant-api.locations.ts';
import { registerMerchantProductRoutes } from './merchant-api.products.ts';

export {
  errorSchema,
  MAX_AUTH_FAILURES,
  MERCHANT_API_RATE,
  merchantOf,
  merchantRateLimit,
  requireMerchant,
} from './merchant-api.auth.ts';

export default async function merchantApiRoutes(app: FastifyInstance, ctx: AppContext) {
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

  registerMerchantProfileRoutes(app, ctx);
  registerMerchantInventoryRoutes(app, ctx);
  registerMerchantProductRoutes(app, ctx);
}
