/**
 * Helmet's security headers (CSP, HSTS, nosniff, frame options…), computed once at start-up and
 * set on every response by one hook. @fastify/helmet rebuilt the whole helmet middleware on every
 * request (`helmet(config)` parses and validates each CSP directive again): 4.5 % of a search
 * server's CPU on the 1M region (docs/PERFORMANCE.md, Search). Our directives are constants (no
 * nonce, no function), so the headers are the same for every response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { HelmetOptions } from 'helmet';
import type { Config } from '../config.ts';

type Helmet = (
  options: HelmetOptions,
) => (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

// The helmet that @fastify/helmet depends on: the same version and defaults as the plugin had.
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as Helmet;

function tileOrigin(tileUrl: string): string | undefined {
  try {
    return new URL(tileUrl.replace(/\{[a-z]\}/g, '0')).origin;
  } catch {
    // A TILE_URL that is no URL adds no origin: the policy then blocks the tiles (seen on the map at once).
    return undefined;
  }
}

/** The helmet options of the app: its Content-Security-Policy, HSTS for a year, helmet's other defaults. */
export function securityHeaderOptions(
  config: Pick<Config, 'TILE_URL' | 'STRIPE_SECRET_KEY' | 'STRIPE_JS_URL' | 'STRIPE_API_BASE'>,
): HelmetOptions {
  const tiles = tileOrigin(config.TILE_URL);
  // Card payments: Stripe.js and its Payment Element frames (docs/decisions/0007), only when configured.
  const stripeJs = config.STRIPE_SECRET_KEY ? new URL(config.STRIPE_JS_URL).origin : undefined;
  const stripeFrames = stripeJs
    ? [stripeJs, 'https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com']
    : [];
  // "Accept card payments" posts a form answered by a redirect to Stripe's hosted onboarding (an
  // Account Link): form-action covers that redirect, so Stripe's Connect origin (the fake's in tests).
  const stripeOnboarding = config.STRIPE_SECRET_KEY
    ? [
        'https://connect.stripe.com',
        ...(config.STRIPE_API_BASE ? [new URL(config.STRIPE_API_BASE).origin] : []),
      ]
    : [];
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...(stripeJs ? [stripeJs] : [])],
        ...(stripeJs ? { frameSrc: ["'self'", ...stripeFrames] } : {}),
        // Association colours are inline style attributes; no inline script is ever allowed.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(tiles ? [tiles] : [])],
        connectSrc: ["'self'", ...(stripeJs ? ['https://api.stripe.com'] : [])],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'", ...stripeOnboarding],
        frameAncestors: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
    crossOriginEmbedderPolicy: false,
  };
}

/** What helmet's middleware does to a response with these options: the headers set and removed. */
export function helmetHeaders(options: HelmetOptions): { set: [string, string][]; remove: string[] } {
  const csp = options.contentSecurityPolicy;
  for (const value of Object.values((typeof csp === 'object' && csp.directives) || {}))
    if (value && typeof value === 'object' && [...value].some((v) => typeof v === 'function'))
      throw new Error('a CSP directive computed per request cannot be set once');
  const set: [string, string][] = [];
  const remove: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => remove.push(name),
  } as unknown as ServerResponse;
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder, (err) => {
    if (err) throw err;
    finished = true;
  });
  // Helmet's middleware is synchronous: anything else would leave headers out of the list.
  if (!finished) throw new Error('helmet did not finish synchronously');
  return { set, remove };
}

/** Sets helmet's headers, computed once, on every response (on the raw response, as helmet does). */
export function installSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const { set, remove } = helmetHeaders(options);
  app.addHook('onRequest', (_req, reply, next) => {
    const res = reply.raw;
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of remove) res.removeHeader(name);
    next();
  });
}
