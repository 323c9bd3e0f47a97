import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { installSecurityHeaders, securityHeaderOptions } from '../../src/http/security-headers.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * Helmet's headers are computed once at start-up (src/http/security-headers.ts) instead of by
 * @fastify/helmet on every request: every response still carries exactly the headers the plugin
 * set, with the same values.
 */

/** Everything a response carries, but the headers that vary per response. */
const stable = (headers: Record<string, unknown>) => {
  const { date: _date, ...rest } = headers;
  return rest;
};

describe('security headers, computed once', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform();
  });
  after(() => p.close());

  // helmet 8's headers with the app's options; img-src has the test configuration's tile server.
  const expected = {
    'content-security-policy':
      "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data: blob: http://127.0.0.1:9;connect-src 'self';font-src 'self';object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'self'",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };

  test('a page, an API answer, an error and a static file carry exactly helmet’s headers', async () => {
    const responses = [
      await p.app.inject({ url: '/fr', headers: { accept: 'text/html' } }),
      await p.app.inject({ url: '/api/v1/search?q=sirop' }),
      await p.app.inject({ url: '/api/v1/suggest?lang=fr&q=sir' }),
      await p.app.inject({ url: '/api/v1/products/999999' }),
      await p.app.inject({ url: '/fr/nexiste-pas', headers: { accept: 'text/html' } }),
      await p.app.inject({ url: '/static/css/app.css' }),
    ];
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 200, 200, 404, 404, 200],
    );
    for (const res of responses) {
      const where = `${res.statusCode} ${res.raw.req.url}`;
      for (const [name, value] of Object.entries(expected)) assert.equal(res.headers[name], value, where);
      assert.equal(res.headers['x-powered-by'], undefined, where);
      // Cross-Origin-Embedder-Policy stays off (map tiles and images from elsewhere).
      assert.equal(res.headers['cross-origin-embedder-policy'], undefined, where);
    }
  });

  test('the embeddable showcase still replaces the frame rules it must', async () => {
    // A route may still override a header: the hook runs first, the route's own value wins.
    const app = Fastify();
    installSecurityHeaders(app, securityHeaderOptions(p.context.config));
    app.get('/embed', async (_req, reply) =>
      reply.header('content-security-policy', 'frame-ancestors *').removeHeader('x-frame-options').send('ok'),
    );
    const res = await app.inject({ url: '/embed' });
    assert.equal(res.headers['content-security-policy'], 'frame-ancestors *');
    assert.equal(res.headers['x-frame-options'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    await app.close();
  });

  for (const [name, config] of [
    ['without card payments', { TILE_URL: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' }],
    [
      'with Stripe (script, frames, API, onboarding)',
      {
        TILE_URL: 'https://{s}.tile.example.org/{z}/{x}/{y}.png',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_JS_URL: 'https://js.stripe.com/v3/',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
      },
    ],
  ] as const)
    test(`the same headers as @fastify/helmet sets per request, ${name}`, async () => {
      const options = securityHeaderOptions({ STRIPE_JS_URL: 'https://js.stripe.com/v3/', ...config });
      const answer = async (install: (app: ReturnType<typeof Fastify>) => Promise<void> | void) => {
        const app = Fastify();
        await install(app);
        app.get('/json', async () => ({ ok: true }));
        app.get('/html', async (_req, reply) => reply.type('text/html').send('<p>ok</p>'));
        app.get('/missing', async (_req, reply) => reply.code(404).send({ error: 'x' }));
        const out = [];
        for (const url of ['/json', '/html', '/missing'])
          out.push(stable((await app.inject({ url })).headers));
        await app.close();
        return out;
      };
      const plugin = await answer((app) => app.register(fastifyHelmet, options));
      const once = await answer((app) => installSecurityHeaders(app, options));
      assert.deepEqual(once, plugin);
      if ('STRIPE_SECRET_KEY' in config) {
        const csp = String(once[0]!['content-security-policy']);
        assert.match(csp, /script-src 'self' https:\/\/js\.stripe\.com;/);
        assert.match(
          csp,
          /frame-src 'self' [^;]*https:\/\/\*\.js\.stripe\.com https:\/\/hooks\.stripe\.com;/,
        );
        assert.match(csp, /form-action 'self' https:\/\/connect\.stripe\.com http:\/\/127\.0\.0\.1:12111/);
      }
    });

  test('a directive computed per request is refused: it cannot be set once', () => {
    assert.throws(
      () =>
        installSecurityHeaders(Fastify(), {
          contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } },
        }),
      /computed per request/,
    );
  });
});
