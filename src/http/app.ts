import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ValidationError } from '../lib/errors.ts';
import { lazySwagger, lazySwaggerUi } from './api-docs.ts';
import { sessionCookieName } from './auth.ts';
import type { AppContext } from './context.ts';
import { installErrorHandling } from './errors.ts';
import { finaliseOpenApi } from './openapi.ts';
import { metrics } from './ops/metrics.ts';
import { rateLimitKey } from './rate-limit-key.ts';
import { pgRateLimitStore } from './rate-limit-store.ts';
import { installSecurityHeaders, securityHeaderOptions } from './security-headers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const httpDir = fileURLToPath(new URL('./', import.meta.url));

export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

/** Every `*.routes.ts` under src/http, in path order: adding a route file needs no edit elsewhere. */
function routeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (name.endsWith('.routes.ts')) out.push(p);
  }
  return out;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: { method: string; url: string }[];
  }
}

export interface BuildOptions {
  /** false: no log; an object: pino options (a `stream`, a `level`) merged over the safe defaults. */
  logger?: boolean | object;
  /**
   * A @fastify/rate-limit store class replacing the default choice (a multi-process server's
   * workers on SQLite count in their primary: src/serve/cluster-rate-limit.ts).
   */
  rateLimitStore?: unknown;
}

/** Query parameters that carry a secret (signed links, keys, codes): their values never reach a log. */
const SECRET_PARAMS = /([?&](?:token|key|api_key|access_token|code|secret|password|signature)=)[^&#]*/gi;

/** A URL fit for the logs: secret query parameter values replaced (ASVS 14.2.1, 16.2.5). */
export const redactUrl = (url: string) => url.replace(SECRET_PARAMS, '$1[redacted]');

/** Logger options: no header is logged at all, URLs lose their secrets, and credentials are redacted anyway. */
function loggerOptions(ctx: AppContext, override: BuildOptions['logger']): boolean | object {
  if (override === false) return false;
  if (override === undefined && ctx.config.LOG_LEVEL === 'silent') return false;
  return {
    level: ctx.config.LOG_LEVEL === 'silent' ? 'info' : ctx.config.LOG_LEVEL,
    // Never log credentials or tokens (ASVS 16.2.5), even if a log line carries headers.
    redact: [
      'req.headers.authorization',
      'req.headers.cookie',
      'res.headers["set-cookie"]',
      'headers.authorization',
      'headers.cookie',
      'password',
      '*.password',
    ],
    serializers: {
      req: (req: { method: string; url: string; ip?: string; hostname?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
      }),
    },
    ...(typeof override === 'object' ? override : {}),
  };
}

/**
 * Default rate limits for routes that set none: the API (per address) and checkout (per address,
 * tighter). Local callers (the host itself: benchmarks, health checks) are exempt from these
 * defaults only; the limits on login, sign-up, gift-card balance and the merchant API apply to all.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
export const DEFAULT_RATE_LIMITS = {
  api: { max: 600, timeWindow: 60_000, allowList: (req: { ip: string }) => LOOPBACK.has(req.ip) },
  checkout: { max: 20, timeWindow: 10 * 60_000, allowList: (req: { ip: string }) => LOOPBACK.has(req.ip) },
};
const isCheckout = (method: string, url: string) =>
  method === 'POST' &&
  (/^\/api\/v1\/carts\/:\w+\/checkout$/.test(url) || /^\/(fr\/paiement|en\/checkout)$/.test(url));

/** True when a string anywhere in a parsed request part holds a NUL character. */
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object' || depth > 64 || Buffer.isBuffer(v)) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasNul(x, depth + 1)) return true;
  return false;
}

/** Builds the Fastify application (not listening). */
export async function buildApp(ctx: AppContext, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(ctx, opts.logger),
    // X-Forwarded-For is believed only from a proxy on this host or the private network: a client
    // talking to the app directly cannot pick its own address and escape the per-address limits.
    trustProxy: 'loopback, linklocal, uniquelocal',
    bodyLimit: 10 * 1024 * 1024,
    requestIdHeader: 'x-request-id',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Zod validates and serialises every route (set again just below): given here, Fastify never
    // loads its default compilers, Ajv and fast-json-stringify's (≈ 110 modules, ≈ 45 ms of CPU per
    // start; docs/PERFORMANCE.md, issue 19 item 6). Fastify types these factories after Ajv's.
    schemaController: {
      compilersFactory: {
        buildValidator: () => validatorCompiler,
        buildSerializer: () => serializerCompiler,
      } as never,
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // A NUL character is never valid text: PostgreSQL refuses it (a 500), SQLite would store it. It is
  // dropped from query strings (a hostile search still gets results) and refused in paths and bodies.
  app.addHook('preValidation', async (req) => {
    const query = req.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object' && hasNul(query))
      for (const [k, v] of Object.entries(query))
        if (typeof v === 'string') query[k] = v.replaceAll('\u0000', '');
        else if (Array.isArray(v))
          query[k] = v.map((x) => (typeof x === 'string' ? x.replaceAll('\u0000', '') : x));
    for (const [field, value] of [
      ['params', req.params],
      ['body', req.body],
    ] as const)
      if (hasNul(value)) throw new ValidationError([{ field, message: 'field.invalid' }]);
  });
  // Every route with its method, for the authorisation matrix test and operators' inspection.
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
    // Runs before the rate-limit plugin's own onRoute hook (registered below), which reads this config.
    const methods = [route.method].flat();
    if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit === undefined) {
      const limit = methods.some((m) => isCheckout(m, route.url))
        ? DEFAULT_RATE_LIMITS.checkout
        : route.url.startsWith('/api/v1/')
          ? DEFAULT_RATE_LIMITS.api
          : undefined;
      if (limit) route.config = { ...(route.config ?? {}), rateLimit: limit } as typeof route.config;
    }
  });
  // A page rendered for a signed-in user is never stored by a browser or shared cache (ASVS 14.3.2).
  app.addHook('onSend', async (req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    const cache = reply.getHeader('cache-control');
    if (
      req.cookies?.[sessionCookieName(ctx)] &&
      /^(text\/html|application\/json)/.test(type) &&
      (cache === undefined || cache === 'no-cache' || cache === 'no-store')
    )
      reply.header('cache-control', 'private, no-store');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  // Helmet's headers, computed once (src/http/security-headers.ts).
  installSecurityHeaders(app, securityHeaderOptions(ctx.config));
  // A page or JSON answer up to 128 KiB is compressed in one synchronous call (brotli quality 4,
  // the plugin's default): 0.1–0.4 ms for 10–60 KB, less CPU than the stream path costs this thread
  // alone (0.3–0.6 ms per answer), whose default limit on 2 cores is only 8 KiB.
  await app.register(compress, {
    threshold: 1024,
    syncThreshold: 128 * 1024,
    encodings: ['br', 'gzip', 'deflate'],
  });
  await app.register(cookie, { secret: ctx.secret });
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: ctx.config.INSECURE_COOKIES ? 'csrf' : '__Host-csrf',
    cookieOpts: {
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      secure: !ctx.config.INSECURE_COOKIES,
      signed: true,
    },
    getToken: (req) =>
      (req.body as Record<string, string> | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string),
  });
  // Several instances on PostgreSQL share their counters; one instance on SQLite counts in memory.
  // The workers of one multi-process server on SQLite count in their primary (opts.rateLimitStore).
  const rateLimitStore =
    opts.rateLimitStore ?? (ctx.database.pool ? pgRateLimitStore(ctx.database.pool) : undefined);
  await app.register(rateLimit, {
    global: false,
    keyGenerator: rateLimitKey,
    ...(rateLimitStore ? { store: rateLimitStore as RateLimitPluginOptions['store'] } : {}),
  });

  await app.register(fastifyStatic, {
    root: join(root, 'static'),
    prefix: '/static/',
    maxAge: '7d',
    immutable: true,
  });
  await app.register(fastifyStatic, {
    root: [join(root, 'node_modules/leaflet/dist'), join(root, 'node_modules/htmx.org/dist')],
    prefix: '/vendor/',
    decorateReply: false,
    maxAge: '30d',
    immutable: true,
    allowedPath: (path) => /^\/(leaflet\.(js|css)|htmx\.min\.js|images\/[\w-]+\.png)$/.test(path),
  });

  // @fastify/swagger and its UI, loaded at their first use (src/http/api-docs.ts).
  await app.register(lazySwagger, {
    openapi: {
      // 3.1: JSON Schema 2020-12 schemas and the top-level `webhooks` (src/http/openapi.ts).
      openapi: '3.1.0',
      info: {
        title: 'Comptoir API',
        version: '1.0.0',
        description:
          'Public contract of Comptoir: consumer search, carts and checkout, merchant POS sync. Money in integer cents (CAD), times in ISO 8601 UTC.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'Merchant API key (comptoir merchant create prints one)',
          },
          cartToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'Cart token returned by POST /api/v1/carts',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Named components ($ref), extra request media types, webhooks; see src/http/openapi.ts.
    transformObject: finaliseOpenApi,
    hideUntagged: false,
  });
  await app.register(lazySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const file of routeFiles(httpDir)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: RoutePlugin };
    if (typeof mod.default !== 'function')
      throw new Error(`${relative(root, file)} has no default route plugin`);
    const plugin = mod.default;
    // Named after its file: Fastify otherwise looks an unnamed plugin up among every loaded
    // CommonJS module (≈ 600) at each registration, and its errors and printPlugins() say which file.
    const name = relative(root, file);
    const routes = Object.defineProperties(async (instance: FastifyInstance) => plugin(instance, ctx), {
      name: { value: name },
      [Symbol.for('fastify.display-name')]: { value: name },
    });
    await app.register(routes);
  }
  return app;
}
