/**
 * The shop clients' HTTP rules (issue 17), without a database (the same on SQLite and
 * PostgreSQL): the retry loop both share (429 with Retry-After, 5xx backed off, network errors,
 * 401/403 at once, a bounded number of attempts, Shopify's THROTTLED), Shopify's deprecation
 * header, and Square's success whose body is not JSON, now a typed error instead of an empty answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShopifyAuthError, ShopifyClient, ShopifyError } from '../../src/modules/shopsync/shopify.ts';
import {
  SquareAuthError,
  SquareClient,
  SquareError,
  SquareResponseError,
} from '../../src/modules/shopsync/square.ts';

type Answer = Response | Error;

/** A fetch that gives these answers in turn and records each request's time. */
function scripted(answers: Answer[]) {
  const at: number[] = [];
  const impl = (async () => {
    at.push(Date.now());
    const a = answers.shift();
    if (!a) throw new Error('no more answers scripted');
    if (a instanceof Error) throw a;
    return a;
  }) as typeof fetch;
  return { impl, at };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const square = (answers: Answer[], maxAttempts = 4) => {
  const f = scripted(answers);
  const client = new SquareClient({
    token: 't',
    environment: 'sandbox',
    apiBase: 'http://square.invalid',
    maxAttempts,
    maxWaitMs: 5_000,
    fetchImpl: f.impl,
  });
  return { client, at: f.at };
};
const shopify = (answers: Answer[], maxAttempts = 4) => {
  const f = scripted(answers);
  const client = new ShopifyClient({
    shop: 'boutique.myshopify.com',
    token: 't',
    apiBase: 'http://shopify.invalid',
    maxAttempts,
    maxWaitMs: 5_000,
    fetchImpl: f.impl,
  });
  return { client, at: f.at };
};

describe('Square: a success whose body is not JSON', () => {
  it('is a SquareResponseError naming the status and content type, not {}', async () => {
    const { client } = square([
      new Response('<html>Service maintenance</html>', {
        status: 200,
        headers: { 'content-type': 'text/html' },
      }),
    ]);
    const err = await client.call('GET', '/v2/locations').then(
      () => assert.fail('a non-JSON success must not pass as an empty answer'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SquareResponseError, String(err));
    assert.ok(err instanceof SquareError, 'still a Square failure for the sync (retried, logged)');
    assert.equal(err.status, 200);
    assert.equal(err.contentType, 'text/html');
    assert.match(err.message, /square_bad_response: HTTP 200 text\/html for \/v2\/locations/);
  });

  it('an empty or truncated success body too; JSON bodies still parse; an error page keeps its status', async () => {
    for (const bad of ['', '{"objects": [', 'null'])
      await assert.rejects(
        square([new Response(bad, { status: 200 })]).client.call('GET', '/v2/catalog/list'),
        SquareResponseError,
        JSON.stringify(bad),
      );
    assert.deepEqual(await square([json({ objects: [] })]).client.call('GET', '/v2/catalog/list'), {
      objects: [],
    });
    await assert.rejects(
      square([new Response('<html>Not found</html>', { status: 404 })]).client.call('GET', '/v2/x'),
      (e: unknown) =>
        e instanceof SquareError && !(e instanceof SquareResponseError) && e.message === 'http_404',
    );
  });
});

describe('the retry loop shared by the Square and Shopify clients', () => {
  const okSquare = json({ locations: [] });
  const okShopify = () => json({ data: { shop: { name: 'x' } } });

  for (const kind of ['square', 'shopify'] as const) {
    const make = (answers: Answer[], max?: number) => {
      if (kind === 'square') {
        const s = square(answers, max);
        return { run: () => s.client.call('GET', '/v2/locations'), client: s.client, at: s.at };
      }
      const s = shopify(answers, max);
      return { run: () => s.client.query('query { shop { name } }'), client: s.client, at: s.at };
    };
    const ok = () => (kind === 'square' ? okSquare.clone() : okShopify());

    it(`${kind}: 429 waits Retry-After, 5xx and network errors back off, then the answer`, async () => {
      const c = make([
        new Response('', { status: 429, headers: { 'retry-after': '1' } }),
        new Response('', { status: 503 }),
        new TypeError('fetch failed'),
        ok(),
      ]);
      assert.ok(await c.run());
      assert.equal(c.at.length, 4);
      assert.equal(c.client.retries, 2, '429 and 5xx are counted');
      assert.ok(c.at[1] - c.at[0] >= 950, `Retry-After honoured (${c.at[1] - c.at[0]} ms)`);
      // Without Retry-After a 5xx is backed off, not retried at once.
      assert.ok(c.at[2] - c.at[1] >= 350, `5xx backed off (${c.at[2] - c.at[1]} ms)`);
    });

    it(`${kind}: gives up after maxAttempts with the client's error; 401/403 stop at once`, async () => {
      const down = make([new Response('', { status: 502 }), new Response('', { status: 502 })], 2);
      await assert.rejects(down.run(), (e: unknown) =>
        kind === 'square'
          ? e instanceof SquareError && e.message === 'http_502'
          : e instanceof ShopifyError && e.message === 'http_502',
      );
      assert.equal(down.at.length, 2);
      const refused = make([new Response('', { status: 401 }), ok()]);
      await assert.rejects(refused.run(), kind === 'square' ? SquareAuthError : ShopifyAuthError);
      assert.equal(refused.at.length, 1, 'a refused token is not retried');
    });
  }

  it('shopify: THROTTLED in a 200 is retried and counts as an attempt', async () => {
    const throttled = () => json({ errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }] });
    const c = shopify([throttled(), json({ data: { n: 1 } })]);
    assert.deepEqual(await c.client.query('query { n }'), { n: 1 });
    assert.equal(c.client.retries, 1);
    const gaveUp = shopify([throttled(), throttled()], 2);
    await assert.rejects(
      gaveUp.client.query('query { n }'),
      (e: unknown) => e instanceof ShopifyError && e.message === 'throttled',
    );
  });

  it('shopify: the deprecations Shopify names (X-Shopify-API-Deprecated-Reason) are collected, once each', async () => {
    const deprecated = (reason: string) =>
      json({ data: { n: 1 } }, 200, { 'x-shopify-api-deprecated-reason': reason });
    const c = shopify([
      json({ data: { n: 0 } }),
      deprecated('Product.images, Image.src'),
      deprecated('Image.src'),
    ]);
    await c.client.query('query { n }');
    assert.equal(c.client.deprecations.size, 0, 'none without the header');
    await c.client.query('query { n }');
    await c.client.query('query { n }');
    assert.deepEqual([...c.client.deprecations], ['Product.images', 'Image.src']);
    // Also on an answer refusing the query (GraphQL errors in a 200): it still says what was used.
    const refused = shopify([
      json({ errors: [{ message: "Field 'weight' doesn't exist on type 'ProductVariant'" }] }, 200, {
        'x-shopify-api-deprecated-reason': 'ProductVariant.image',
      }),
    ]);
    await assert.rejects(refused.client.query('query { n }'), ShopifyError);
    assert.deepEqual([...refused.client.deprecations], ['ProductVariant.image']);
  });
});
