import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppContext } from './context.ts';
import { installErrorHandling } from './errors.ts';
import { metrics } from './ops/metrics.ts';
import { pgRateLimitStore } from './rate-limit-store.ts';

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

function tileOrigin(tileUrl: string): string | undefined {
  try {
    return new URL(tileUrl.replace(/\{[a-z]\}/g, '0')).origin;
  } catch {
    return undefined;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: { method: string; url: string }[];
  }
}

export interface BuildOptions {
  logger?: boolean | object;
}

/** Builds the Fastify application (not listening). */
export async function buildApp(ctx: AppContext, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      opts.logger ??
      (ctx.config.LOG_LEVEL === 'silent'
        ? false
        : {
            level: ctx.config.LOG_LEVEL,
            // Never log credentials or tokens (ASVS 16.2.5).
            redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
          }),
    trustProxy: true,
    bodyLimit: 10 * 1024 * 1024,
    requestIdHeader: 'x-request-id',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // Every route with its method, for the authorisation matrix test and operators' inspection.
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  const tiles = tileOrigin(ctx.config.TILE_URL);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Association colours are inline style attributes; no inline script is ever allowed.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(tiles ? [tiles] : [])],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(compress, { threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });
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
  await app.register(rateLimit, {
    global: false,
    // Several instances on PostgreSQL share their counters; one instance on SQLite counts in memory.
    ...(ctx.database.pool
      ? { store: pgRateLimitStore(ctx.database.pool) as unknown as RateLimitPluginOptions['store'] }
      : {}),
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

  await app.register(swagger, {
    openapi: {
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
    hideUntagged: false,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const file of routeFiles(httpDir)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: RoutePlugin };
    if (typeof mod.default !== 'function')
      throw new Error(`${relative(root, file)} has no default route plugin`);
    const plugin = mod.default;
    await app.register(async (instance) => plugin(instance, ctx));
  }
  return app;
}
