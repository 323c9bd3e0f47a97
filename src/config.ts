import { resolve } from 'node:path';
import { z } from 'zod';

/** Environment-driven configuration, validated once at boot (a bad value stops the start with every problem listed). */
const envFields = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL (unset = embedded SQLite)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().default('./data'),
  /**
   * Public base URL (https://achat.example.ca): the only origin of absolute links (emails, sitemap,
   * open data, canonical links); required in production (envSchema below).
   */
  PUBLIC_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), 'PUBLIC_URL must be an http:// or https:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Map tiles: {z}/{x}/{y} template; tests point it at a local tile server. */
  TILE_URL: z.string().default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  TILE_ATTRIBUTION: z.string().default('© OpenStreetMap'),
  /**
   * Geocoder for delivery radii (Nominatim/Photon-compatible: GET {url}/search?q=…&format=json).
   * Unset: delivery by town and postal code only; radius-only zones are not offered.
   */
  GEOCODER_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), 'GEOCODER_URL must be an http:// or https:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Secret for signing cookies and links; generated per data dir in development. */
  SESSION_SECRET: z.string().min(32).optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Comptoir <no-reply@comptoir.local>'),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_BASE: z.string().url().optional(),
  /**
   * Bearer token for GET /metrics from outside the host's private network (a hosted Prometheus);
   * scrapers on loopback or private addresses need none.
   */
  METRICS_TOKEN: z.string().min(24).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Allow webhooks to loopback/private addresses (development only). */
  WEBHOOKS_ALLOW_PRIVATE: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Let imported image URLs point at loopback/private addresses (development and tests only). */
  IMAGE_FETCH_ALLOW_PRIVATE: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Time limit for fetching one imported image, redirects and body included. */
  IMAGE_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Size limit for one imported image: the transfer is aborted beyond it (uploads allow 8 MB). */
  IMAGE_FETCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(8 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** Cookies get the Secure flag and __Host- prefix unless explicitly served over plain HTTP (dev/test). */
  INSECURE_COOKIES: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === '1' || v === 'true')),
});

const envSchema = envFields.superRefine((env, issues) => {
  // Fetching imported images from private addresses would let any merchant's file probe the
  // operator's network: a production server refuses the development switch.
  if (env.NODE_ENV === 'production' && env.IMAGE_FETCH_ALLOW_PRIVATE)
    issues.addIssue({
      code: 'custom',
      path: ['IMAGE_FETCH_ALLOW_PRIVATE'],
      message: 'IMAGE_FETCH_ALLOW_PRIVATE=1 is for development and tests only (not with NODE_ENV=production)',
    });
  // Without it, absolute links would have to come from the request's Host / X-Forwarded-Host,
  // which any client chooses (host header poisoning of reset emails, sitemap, canonical links).
  if (env.NODE_ENV === 'production' && !env.PUBLIC_URL)
    issues.addIssue({
      code: 'custom',
      path: ['PUBLIC_URL'],
      message:
        'PUBLIC_URL is required in production (the public address, e.g. https://achat.example.ca): links in emails, the sitemap and canonical URLs are built from it',
    });
});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {}

/**
 * The public origin for absolute URLs (no trailing slash): PUBLIC_URL, else (development and tests
 * only, production requires PUBLIC_URL) http://localhost:PORT. Never the request's Host header.
 */
export function publicBaseUrl(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): string {
  return config.PUBLIC_URL ? config.PUBLIC_URL.replace(/\/+$/, '') : `http://localhost:${config.PORT}`;
}

/** Parses and validates configuration from an environment object. Throws ConfigError with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.DATA_DIR) };
}
