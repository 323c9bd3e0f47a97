/**
 * The API's documents, set up on first use (issue 19 item 6: a server answers `/readyz` sooner).
 * @fastify/swagger and @fastify/swagger-ui load ≈ 110 modules (YAML's among them) that no shopper's
 * request needs: a start spent ≈ 40–50 ms of CPU on them. The same code still builds the same
 * documents, later:
 *
 * - `lazySwagger` records the routes as @fastify/swagger's own hooks would (same place in the
 *   registration order, same route objects) and builds `app.swagger()` with the plugin's dynamic
 *   mode on its first call, replaying those hooks: same document, same cache.
 * - `lazySwaggerUi` registers the same routes as @fastify/swagger-ui (hidden from the document, in
 *   the same order) and answers them from a small Fastify instance holding the real plugin, built at
 *   the first request (≈ 0.1 s once), whose `swagger()` is the app's. Headers set by this app's own
 *   hooks (security headers, compression, no-store for a signed-in user) apply as before; what the
 *   plugin sets (its CSP, the static files' caching headers) is copied over them, as its own hooks did.
 */
import { createRequire } from 'node:module';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginCallback,
  type FastifyPluginOptions,
  type RouteOptions,
} from 'fastify';

const require = createRequire(import.meta.url);

type SwaggerFn = FastifyInstance['swagger'];

/** Marks a plugin as fastify-plugin does: the parent's scope, known by `name` to its dependants. */
function shared<T extends FastifyPluginOptions>(
  plugin: FastifyPluginCallback<T>,
  name: string,
): FastifyPluginCallback<T> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('plugin-meta')]: { name, fastify: '5.x' },
    [Symbol.for('fastify.display-name')]: name,
  });
}

/** @fastify/swagger (dynamic mode, same options) whose document is prepared at the first `app.swagger()`. */
export const lazySwagger = shared<FastifyDynamicSwaggerOptions>((app, options, done) => {
  const routes: RouteOptions[] = [];
  const instances: FastifyInstance[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onRegister', (instance) => {
    instances.push(instance);
  });
  let swagger: SwaggerFn | undefined;
  const lazy = ((opts?: { yaml?: boolean }) => {
    swagger ??= setUpSwagger(app, options, routes, instances);
    return swagger(opts as never);
  }) as SwaggerFn;
  app.decorate('swagger', lazy);
  done();
}, '@fastify/swagger');

/**
 * Runs @fastify/swagger's dynamic mode on a stand-in for the app: its hooks get the recorded routes
 * and instances, then its ready hook, as they would have while the app was built.
 */
function setUpSwagger(
  app: FastifyInstance,
  options: FastifyDynamicSwaggerOptions,
  routes: RouteOptions[],
  instances: FastifyInstance[],
): SwaggerFn {
  const setUp = require('@fastify/swagger/lib/mode/dynamic.js') as (
    app: unknown,
    opts: unknown,
    done: (err?: Error) => void,
  ) => void;
  const hooks = new Map<string, (...args: unknown[]) => unknown>();
  let swagger: SwaggerFn | undefined;
  const standIn = {
    addHook: (name: string, fn: (...args: unknown[]) => unknown) => hooks.set(name, fn),
    decorate: (_name: string, fn: SwaggerFn) => {
      swagger = fn;
    },
    getSchemas: () => app.getSchemas(),
  };
  const fail = (err?: Error) => {
    if (err) throw err;
  };
  // The plugin's index sets `mode` on its options before the same call.
  setUp(standIn, { ...options, mode: 'dynamic' }, fail);
  for (const route of routes) hooks.get('onRoute')?.(route);
  for (const instance of instances) hooks.get('onRegister')?.(instance);
  hooks.get('onReady')?.(fail);
  if (!swagger) throw new Error('@fastify/swagger decorated nothing');
  return swagger;
}

/**
 * Paths @fastify/swagger-ui registers under its prefix (no theme, no baseDir), in its order
 * (test/integration/api-docs-lazy.test.ts compares them with the installed plugin's).
 */
export const UI_ROUTES = [
  '/',
  '/static/index.html',
  '/static/swagger-initializer.js',
  '/json',
  '/yaml',
  '/static/*',
];
/** Headers of the inner answer that this app's server sets itself. */
const OWN_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/** @fastify/swagger-ui (same options) whose routes are answered by the real plugin, built at first use. */
export const lazySwaggerUi: FastifyPluginCallback<FastifySwaggerUiOptions> = (app, options, done) => {
  const prefix = options.routePrefix ?? '/documentation';
  let ui: Promise<FastifyInstance> | undefined;
  const build = async () => {
    const docs = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
    // This app's document, under the name swagger-ui requires of its host plugin.
    const host = shared((inner, _opts, next) => {
      inner.decorate('swagger', ((opts?: { yaml?: boolean }) => app.swagger(opts as never)) as SwaggerFn);
      next();
    }, '@fastify/swagger');
    await docs.register(host);
    await docs.register((await import('@fastify/swagger-ui')).default, options);
    await docs.ready();
    return docs;
  };
  for (const url of UI_ROUTES)
    app.route({
      method: 'GET',
      url: url === '/' ? prefix : `${prefix}${url}`,
      schema: { hide: true },
      handler: async (req, reply) => {
        ui ??= build().catch((err) => {
          ui = undefined;
          throw err;
        });
        // The document first, here: a failure to build it goes through this app's error handling.
        if (url === '/json') app.swagger();
        else if (url === '/yaml') app.swagger({ yaml: true });
        const { 'accept-encoding': _compressedHere, ...headers } = req.headers;
        // GET for HEAD too: Fastify's HEAD route sends this answer's headers without its body.
        const res = await (await ui).inject({ method: 'GET', url: req.url, headers });
        // A file the plugin does not have: this app's own "not found" answer under the plugin's
        // CSP, as before (its hook set that header on every answer of its routes).
        const csp = res.headers['content-security-policy'];
        if (res.statusCode === 404) {
          if (csp !== undefined) reply.header('content-security-policy', csp);
          return reply.callNotFound();
        }
        for (const [name, value] of Object.entries(res.headers))
          if (!OWN_HEADERS.has(name) && value !== undefined) reply.header(name, value);
        reply.code(res.statusCode);
        // No body (a redirect, 304) gets no content type either.
        return res.rawPayload.length ? reply.send(res.rawPayload) : reply.send();
      },
    });
  done();
};
