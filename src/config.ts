import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The most a region may keep on a card-paid order, in percent: the bound of the region's platform
 * fee setting and of PLATFORM_FEE_PERCENT, its initial value (one bound for both).
 */
export const MAX_PLATFORM_FEE_PERCENT = 30;

/** A number of server processes (WEB_CONCURRENCY and its alias): 1 to 256, or `auto`; optional. */
function processCount(name: string) {
  return z
    .string()
    .trim()
    .regex(/^(auto|[1-9][0-9]{0,2})$/i, `${name} must be a whole number from 1 to 256, or auto`)
    .refine((v) => v.toLowerCase() === 'auto' || Number(v) <= 256, `${name} must be at most 256`)
    .transform((v): number | 'auto' => (v.toLowerCase() === 'auto' ? 'auto' : Number(v)))
    .optional();
}

/** A switch read as `0` (off) or `1` (on, the default when unset). */
function onOff(name: string) {
  return z.enum(['0', '1'], { error: `${name} must be 0 or 1` }).optional();
}

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
  /**
   * Card payments (Stripe Connect, docs/decisions/0007): the keys go together (envSchema below);
   * none set = card is not offered. STRIPE_API_BASE points the SDK at a local fake (tests).
   */
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_PUBLISHABLE_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_CONNECT_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_BASE: z.string().url().optional(),
  /**
   * How long a Stripe API request may take before the client gives up (ms). A checkout whose
   * authorisation timed out fails, and an authorisation Stripe made late is cancelled.
   */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Where the checkout page loads Stripe.js from (tests serve a stub). */
  STRIPE_JS_URL: z.string().url().default('https://js.stripe.com/v3/'),
  /**
   * Seconds between settlement runs (card transfers left pending, gift-card redemptions paid to
   * merchants; one process at a time by a lease). 0 turns the timer off; only with Stripe configured.
   */
  SETTLEMENT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
  /**
   * Platform fee kept on each card-paid order before the transfer to the merchant (percent, default
   * 0), until an operator sets the region's fee: the same bound and precision as that setting.
   */
  PLATFORM_FEE_PERCENT: z.coerce
    .number()
    .refine(
      (n) => n >= 0 && n <= MAX_PLATFORM_FEE_PERCENT && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6,
      `PLATFORM_FEE_PERCENT must be a percentage from 0 to ${MAX_PLATFORM_FEE_PERCENT} with at most two decimals (the bound of the region's platform fee setting)`,
    )
    .default(0),
  /**
   * Bearer token for GET /metrics from outside the host's private network (a hosted Prometheus);
   * scrapers on loopback or private addresses need none.
   */
  METRICS_TOKEN: z.string().min(24).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Shop sync (issue 17): the AES-256-GCM key encrypting shop tokens at rest, 32 bytes as 64 hex
   * characters or base64 (`openssl rand -base64 32`). Unset: "Connect my shop" says it is not configured.
   */
  SHOP_TOKEN_KEY: z
    .string()
    .trim()
    .refine(
      (v) =>
        /^[0-9a-f]{64}$/i.test(v) ||
        (/^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32),
      'SHOP_TOKEN_KEY must be 32 bytes: 64 hex characters or base64 (openssl rand -base64 32)',
    )
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Shopify Admin API base URL override (tests point it at a local fake); default https://{shop}. */
  SHOPIFY_API_BASE: z.string().url().optional(),
  /** Square API base URL override (tests point it at a local fake); default by the connection's environment. */
  SQUARE_API_BASE: z.string().url().optional(),
  /**
   * "Connect with Square" by OAuth (the region's Square application, Developer Console → OAuth):
   * its application id and secret, and which environment they belong to. Unset: access tokens only.
   */
  SQUARE_APPLICATION_ID: z.string().trim().min(1).optional(),
  SQUARE_APPLICATION_SECRET: z.string().trim().min(1).optional(),
  SQUARE_OAUTH_ENVIRONMENT: z.enum(['sandbox', 'production']).default('production'),
  /** Minutes between shop sync reconciliation passes (catches missed webhooks). */
  SHOPSYNC_RECONCILE_MINUTES: z.coerce.number().int().min(5).max(10_080).default(60),
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
  /**
   * Server processes of `comptoir serve` / `npm start` (docs/decisions/0008): an integer, or `auto`
   * for one per core. 1 (the default) is one process; more fork workers that share the port, the
   * database (SQLite in WAL mode, one file) and stock events. Alias: WORKERS.
   */
  WEB_CONCURRENCY: processCount('WEB_CONCURRENCY'),
  /** Same as WEB_CONCURRENCY (which wins when both are set). */
  WORKERS: processCount('WORKERS'),
  /**
   * SQLite page cache per connection, in MiB (read by src/db/database.ts when a connection opens):
   * a server starts with 16 unless set (src/serve/start-flags.ts), other commands keep 64.
   * Validated here so a mistyped value stops the start instead of being ignored.
   */
  SQLITE_CACHE_MB: z.coerce.number().int().min(0).max(65536).optional(),
  /**
   * SQLite memory-mapped read window per connection, in MiB (src/db/sqlite-dialect.ts): a server
   * starts with 0 (no window) unless set, other commands keep 64; 0 turns mapping off.
   */
  SQLITE_MMAP_MB: z.coerce.number().int().min(0).max(65536).optional(),
  /**
   * Search tuning, read where it is used (benchmarks flip them per server): `0` turns off the
   * text-hit cache, the in-process text index, or the index's BM25 of short lists (FTS5 answers);
   * the cache's bound in MiB. Validated here so a mistyped value stops the start instead of
   * silently meaning the default.
   */
  COMPTOIR_SEARCH_CACHE: onOff('COMPTOIR_SEARCH_CACHE'),
  COMPTOIR_SEARCH_CACHE_MB: z.coerce.number().int().min(1).max(65536).optional(),
  COMPTOIR_TEXT_INDEX: onOff('COMPTOIR_TEXT_INDEX'),
  COMPTOIR_TEXT_INDEX_BM25: onOff('COMPTOIR_TEXT_INDEX_BM25'),
  /**
   * What a product write drops of the text-hit cache (src/modules/search/hit-cache.ts, decision
   * 0009): `selective` (the default) only the answers it can change, `whole` all of them.
   */
  COMPTOIR_SEARCH_CACHE_WRITES: z.enum(['selective', 'whole']).optional(),
  /** `0`: no start re-exec with the memory settings; `0`: the CLI's process stays a cluster's primary (README). */
  COMPTOIR_START_FLAGS: onOff('COMPTOIR_START_FLAGS'),
  COMPTOIR_LEAN_PRIMARY: onOff('COMPTOIR_LEAN_PRIMARY'),
  /**
   * CPU seconds a server (each worker) may spend, once ready, on each background warm-up
   * (src/modules/search/warm-up.ts): building the summaries browsing without words reads
   * (warmBrowseSummaries), then reading into the search's text-hit cache the lists of the texts
   * most frequent in the catalogue's titles, so shoppers do not pay those first uses; 0 turns both off.
   */
  SEARCH_WARM_UP_SECONDS: z.coerce.number().min(0).max(600).default(5),
  /** Cookies get the Secure flag and __Host- prefix unless explicitly served over plain HTTP (dev/test). */
  INSECURE_COOKIES: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === '1' || v === 'true')),
});

/** The Stripe settings that only work together (card payments, docs/decisions/0007). */
const STRIPE_KEYS = [
  'STRIPE_SECRET_KEY',
  'STRIPE_PUBLISHABLE_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_CONNECT_WEBHOOK_SECRET',
] as const;

const envSchema = envFields.superRefine((env, issues) => {
  // Card payments need every key: one without the others would take payments it cannot confirm.
  const setKeys = STRIPE_KEYS.filter((k) => env[k]);
  if (setKeys.length > 0 && setKeys.length < STRIPE_KEYS.length)
    issues.addIssue({
      code: 'custom',
      path: ['STRIPE_SECRET_KEY'],
      message: `Stripe is partly configured (${setKeys.join(', ')} set): also set ${STRIPE_KEYS.filter((k) => !env[k]).join(', ')}, or unset them all to turn card payments off`,
    });
  if (env.STRIPE_API_BASE && setKeys.length === 0)
    issues.addIssue({
      code: 'custom',
      path: ['STRIPE_API_BASE'],
      message: `STRIPE_API_BASE is set without the Stripe keys (${STRIPE_KEYS.join(', ')})`,
    });
  // Square OAuth needs the application's id and secret together.
  if (Boolean(env.SQUARE_APPLICATION_ID) !== Boolean(env.SQUARE_APPLICATION_SECRET))
    issues.addIssue({
      code: 'custom',
      path: ['SQUARE_APPLICATION_ID'],
      message:
        'set both SQUARE_APPLICATION_ID and SQUARE_APPLICATION_SECRET for "Connect with Square", or neither',
    });
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
