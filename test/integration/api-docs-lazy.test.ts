/**
 * A built app has not loaded the API documents' plugins, nor Fastify's default Ajv and
 * fast-json-stringify compilers (issue 19, item 6: ≈ 220 modules, ≈ 0.1 s of CPU per start); the
 * documents and their UI come from the same plugins at their first request (src/http/api-docs.ts).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import { UI_ROUTES } from '../../src/http/api-docs.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const loaded = (pattern: RegExp) =>
  Object.keys(createRequire(import.meta.url).cache).filter((k) => pattern.test(k.replaceAll('\\', '/')));
const DOCS = /node_modules\/(@fastify\/swagger(-ui)?|yaml)\//;
const COMPILERS = /node_modules\/(ajv|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)\//;

describe('the API documents are set up at their first request', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform();
    await p.app.ready();
  });
  after(() => p.close());

  test('a built app has loaded neither the documents plugins nor Ajv', () => {
    assert.deepEqual(loaded(DOCS), []);
    assert.deepEqual(loaded(COMPILERS), []);
    // The routes are there all the same.
    const docs = p.app.routeTable.filter((r) => r.url.startsWith('/api/docs')).map((r) => r.url);
    assert.deepEqual(docs, [
      '/api/docs',
      '/api/docs/static/index.html',
      '/api/docs/static/swagger-initializer.js',
      '/api/docs/json',
      '/api/docs/yaml',
      '/api/docs/static/*',
    ]);
  });

  test('the UI serves the same document as /api/v1/openapi.json, with the plugin’s own answers', async () => {
    const api = await p.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(api.statusCode, 200);
    assert.ok(loaded(DOCS).some((k) => k.includes('@fastify/swagger/')));
    const ui = await p.app.inject({ method: 'GET', url: '/api/docs/json' });
    assert.equal(ui.statusCode, 200);
    assert.deepEqual(ui.json(), api.json());
    assert.match(String(ui.headers['content-type']), /^application\/json/);
    assert.ok(loaded(DOCS).some((k) => k.includes('@fastify/swagger-ui/')));

    const yaml = await p.app.inject({ method: 'GET', url: '/api/docs/yaml' });
    assert.equal(yaml.statusCode, 200);
    assert.match(String(yaml.headers['content-type']), /^application\/x-yaml/);
    assert.match(yaml.body, /^openapi: 3\.1\.0$/m);

    const page = await p.app.inject({ method: 'GET', url: '/api/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger-initializer\.js/);
    // The plugin's CSP replaces the app's on its routes, its 404s included.
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /validator\.swagger\.io/);
    const missing = await p.app.inject({ method: 'GET', url: '/api/docs/static/nope.js' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-security-policy'], csp);

    const redirect = await p.app.inject({ method: 'GET', url: '/api/docs/static/index.html' });
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, '/api/docs/');
    assert.equal(redirect.headers['content-type'], undefined);

    const css = await p.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.ok(css.headers.etag);
    const again = await p.app.inject({
      method: 'GET',
      url: '/api/docs/static/swagger-ui.css',
      headers: { 'if-none-match': String(css.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
    const head = await p.app.inject({ method: 'HEAD', url: '/api/docs/static/swagger-ui.css' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(css.rawPayload.length));
  });

  test('the routes answered are those the installed @fastify/swagger-ui registers', async () => {
    const real = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    const urls: string[] = [];
    real.addHook('onRoute', (route) => {
      if (route.method !== 'HEAD') urls.push(route.url);
    });
    // swagger-ui only needs a plugin named @fastify/swagger that decorates swagger().
    const host: FastifyPluginCallback = (app, _opts, done) => {
      app.decorate('swagger', (() => ({})) as never);
      done();
    };
    Object.assign(host, {
      [Symbol.for('skip-override')]: true,
      [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' },
    });
    await real.register(host);
    await real.register((await import('@fastify/swagger-ui')).default, { routePrefix: '/api/docs' });
    await real.ready();
    await real.close();
    assert.deepEqual(
      urls,
      UI_ROUTES.map((u) => (u === '/' ? '/api/docs' : `/api/docs${u}`)),
    );
  });
});
