/**
 * The merchant API's shared parts: API-key authentication (Bearer), per-key rate limits, the error
 * body schema, and the validator of bulk bodies (checked row by row by their module).
 */
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { authenticateApiKey, hashApiKey } from '../../modules/merchants/index.ts';
import type { AppContext } from '../context.ts';

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

/** The OpenAPI security requirement of every merchant route. */
export const security = [{ apiKey: [] }];

/**
 * Validation of the bulk endpoints: their bodies are checked row by row by their module (per-row
 * errors, CSV text for imports), everything else by the route's zod schema as on any route. (With
 * `attachValidation` a failing body hid the query string and headers: `dry_run=true` wrote for real.)
 */
export const rowsCheckedByModule: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body'
    ? (data) => ({ value: data })
    : (validatorCompiler as FastifySchemaCompiler<unknown>)(route);
