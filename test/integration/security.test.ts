import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RATE_LIMITS, redactUrl } from '../../src/http/app.ts';
import { createUser, passwordProblem, verifyPassword } from '../../src/modules/accounts/index.ts';
import { issueGiftCard } from '../../src/modules/giftcards/index.ts';
import { generateApiKey } from '../../src/modules/merchants/api-keys.ts';
import { clearReferenceCache, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

/**
 * The OWASP ASVS 5.0 level 2 checks that no other suite proves (docs/SECURITY.md maps every
 * requirement to its test). The app is built with a log stream so that what reaches the logs
 * can be checked too.
 */
const PW = 'une phrase de passe longue';
const XSS = '<script>alert(1)</script>';
const XSS_ATTR = '"><img src=x onerror=alert(2)>';

describe('security (ASVS 5.0 level 2)', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const logs: string[] = [];
  /** Every secret the tests send: none may appear in the logs. */
  const secrets = new Set<string>();
  const ids = { owner: 0, customer: 0, xssProduct: 0 };
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform({ LOG_LEVEL: 'debug' }, { logs });
    // A route that fails like a bug would, to see what a 500 shows.
    p.app.get('/test/boom', async () => {
      throw new Error('secret internals: db password hunter2 at /src/modules/x.ts:12');
    });
    region = await seedMiniRegion(db());
    secrets.add(region.merchants.erabliere.api_key);
    secrets.add(region.merchants.sports.api_key);
    secrets.add(PW);
    const owner = await createUser(db(), {
      email: 'owner-a@example.test',
      password: PW,
      verified: true,
      roles: [
        { role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id },
        { role: 'region_admin' },
      ],
    });
    ids.owner = owner.id;
    ids.customer = (
      await createUser(db(), { email: 'client@example.test', password: PW, verified: true })
    ).id;
    const x = await db()
      .insertInto('products')
      .values({
        merchant_id: region.merchants.erabliere.merchant_id,
        sku: 'XSS-1',
        title_fr: XSS,
        title_en: XSS,
        description_fr: `Description ${XSS_ATTR}`,
        description_en: `Description ${XSS_ATTR}`,
        brand: XSS_ATTR,
        price_cents: 100,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.xssProduct = x.id;
    await db()
      .insertInto('inventory_levels')
      .values({
        product_id: x.id,
        location_id: region.merchants.erabliere.location_id,
        on_hand: 5,
        reserved: 0,
      })
      .execute();
    await db()
      .updateTable('merchants')
      .set({ description_fr: `Chez nous ${XSS_ATTR}` })
      .where('id', '=', region.merchants.erabliere.merchant_id)
      .execute();
    await rebuildSearchIndex(p.context.database);
    clearReferenceCache(p.context.database);
  });
  after(async () => {
    await p.close();
  });

  async function signedIn(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(db(), userId)).split('=');
    a.cookies.set(name, value);
    secrets.add(value);
    return a;
  }

  /** Route parameters filled with existing ids of merchant A, so only the CSRF check can refuse. */
  function fill(url: string): string {
    return url.replace(':lang', 'fr').replace(/:(\w+)/g, (_m, name: string) => {
      if (name === 'slug') return /\/m\//.test(url) ? region.merchants.erabliere.slug : 'aylmer';
      if (name === 'merchantId') return String(region.merchants.erabliere.merchant_id);
      if (name === 'index') return '0';
      if (/produits|products/.test(url)) return String(region.products.sirop);
      if (/magasins|locations/.test(url)) return String(region.merchants.erabliere.location_id);
      return '1';
    });
  }

  // V3.5.1 / V3.5.2 — every state-changing browser route needs the CSRF token.
  test('every POST/PUT/PATCH/DELETE page, back-office and admin route refuses a session cookie without a valid CSRF token (403)', async () => {
    const routes = p.app.routeTable.filter(
      (r) => r.method !== 'GET' && !r.url.startsWith('/api/') && !r.url.startsWith('/test/'),
    );
    assert.ok(routes.length >= 50, `state-changing browser routes found: ${routes.length}`);
    const victim = await signedIn(ids.owner, '10.20.0.1');
    // The victim holds a CSRF cookie (visited a form); the attacker's page cannot read its token.
    await victim.get('/fr/connexion');
    assert.ok(victim.cookies.has('csrf'));
    const attacker = new Agent(p.app, '10.20.0.2');
    const foreignToken = csrfFrom((await attacker.get('/fr/connexion')).body);
    const refused: string[] = [];
    for (const r of routes) {
      const url = fill(r.url);
      for (const token of [undefined, foreignToken, 'forged']) {
        // Fields that pass the routes' body schemas, so the refusal comes from the CSRF check alone.
        const fields = new URLSearchParams({
          name: 'x',
          status: 'suspended',
          on_hand: '1',
          email: 'a@b.c',
          password: 'x',
          favourite: '1',
          code: 'ABCD',
        });
        if (token) fields.set('_csrf', token);
        const res = await victim.request({
          method: r.method as never,
          url,
          payload: fields.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        });
        assert.equal(
          res.statusCode,
          403,
          `${r.method} ${url} (token ${token ?? 'none'}) → ${res.statusCode}`,
        );
        assert.equal(res.json().error.code, 'csrf_invalid', `${r.method} ${url}`);
      }
      refused.push(`${r.method} ${r.url}`);
    }
    // Spot checks that nothing happened: the product and the merchant are unchanged.
    const m = await db()
      .selectFrom('merchants')
      .select(['display_name', 'status'])
      .where('id', '=', region.merchants.erabliere.merchant_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...m }, { display_name: 'Érablière du Lac', status: 'approved' });
    const keys = await db()
      .selectFrom('api_keys')
      .select('id')
      .where('merchant_id', '=', region.merchants.erabliere.merchant_id)
      .execute();
    assert.equal(keys.length, 1, 'no API key was created');
    assert.ok(refused.includes('POST /fr/connexion') && refused.includes('POST /en/merchant/api-keys'));
  });

  // V1.2.1 / V1.2.3 — output encoding in HTML, attributes and JSON-LD.
  test('a product titled <script>alert(1)</script> renders as text on product, search and merchant pages and in JSON-LD', async () => {
    const pages = [
      `/fr/p/${ids.xssProduct}`,
      `/en/p/${ids.xssProduct}`,
      `/fr/m/${region.merchants.erabliere.slug}`,
      `/fr/recherche?q=${encodeURIComponent(XSS)}&lat=45.3956&lng=-75.8436`,
      `/en/search?q=${encodeURIComponent(XSS_ATTR)}&lat=45.3956&lng=-75.8436`,
    ];
    for (const url of pages) {
      const res = await p.app.inject({ url, headers: { accept: 'text/html' } });
      assert.equal(res.statusCode, 200, url);
      assert.ok(!res.body.includes(XSS), `${url}: raw <script>alert(1)</script>`);
      assert.ok(!res.body.includes('<img src=x onerror'), `${url}: raw injected <img>`);
    }
    const product = await p.app.inject({ url: `/fr/p/${ids.xssProduct}`, headers: { accept: 'text/html' } });
    assert.match(product.body, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // JSON-LD: the value survives as data, and cannot close the <script> element.
    const ld = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(product.body);
    assert.ok(ld, 'the product page has JSON-LD');
    assert.ok(!ld[1].includes('<'), 'no "<" inside the JSON-LD block');
    assert.equal(JSON.parse(ld[1]).name, XSS);
    // The search page found the product (so its title was really rendered) and echoed the query as text.
    const search = await p.app.inject({
      url: `/fr/recherche?q=${encodeURIComponent(XSS)}&lat=45.3956&lng=-75.8436`,
      headers: { accept: 'text/html' },
    });
    assert.match(search.body, new RegExp(`/fr/p/${ids.xssProduct}`));
    assert.match(search.body, /&lt;script/);
    // In an attribute, the quote is encoded: the value cannot end the attribute.
    const attr = await p.app.inject({
      url: `/en/search?q=${encodeURIComponent(XSS_ATTR)}&lat=45.3956&lng=-75.8436`,
      headers: { accept: 'text/html' },
    });
    assert.match(attr.body, /name="q" type="search" value="&quot;>&lt;img src=x/);
    const merchant = await p.app.inject({ url: `/fr/m/${region.merchants.erabliere.slug}` });
    assert.match(merchant.body, /<p>Chez nous &quot;>&lt;img src=x onerror=alert\(2\)><\/p>/);
  });

  // V1.2.4 / V1.3 — parameterised queries: hostile input is data.
  test('SQL-like input in search, suggest, directory and product endpoints is data: no 500, no change, no extra rows', async () => {
    const before = await db()
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const payloads = [
      "' OR '1'='1",
      "1' OR 1=1-- ",
      '1; DROP TABLE products;--',
      "') UNION SELECT email, password_hash FROM users--",
      '" OR ""="',
      "1' AND SLEEP(2)-- ",
      "'; SELECT pg_sleep(2);--",
      '%27%20OR%201%3D1',
      'x\u0000y',
    ];
    const benign = (await p.app.inject({ url: '/api/v1/merchants?q=zzzznothing' })).json();
    for (const payload of payloads) {
      const q = encodeURIComponent(payload);
      for (const url of [
        `/api/v1/search?q=${q}`,
        `/api/v1/search?q=sirop&category=${q}`,
        `/api/v1/search?q=sirop&sort=${q}`,
        `/api/v1/suggest?q=${q}`,
        `/api/v1/merchants?q=${q}`,
        `/api/v1/merchants/${q}`,
        `/api/v1/products/${q}`,
        `/fr/p/${q}`,
        `/fr/recherche?q=${q}`,
      ]) {
        const started = Date.now();
        const res = await p.app.inject({ url, remoteAddress: '127.0.0.1' });
        assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}`);
        assert.ok(
          Date.now() - started < 1500,
          `${url} took ${Date.now() - started} ms (time-based injection?)`,
        );
        assert.ok(!/\$argon2id\$|@example\.test/.test(res.body), `${url} leaked user data`);
      }
      const m = (await p.app.inject({ url: `/api/v1/merchants?q=${q}` })).json();
      assert.ok(m.total === undefined || m.total <= benign.total || m.total <= 2, `merchants?q=${payload}`);
    }
    // NUL characters: dropped from query strings, refused in paths and bodies (PostgreSQL rejects them).
    const nulPath = await p.app.inject({ url: '/api/v1/merchants/x%00y' });
    assert.equal(nulPath.statusCode, 400);
    const nulBody = await p.app.inject({
      method: 'POST',
      url: '/api/v1/gift-cards/balance',
      payload: { code: 'AB\u0000CD' },
      remoteAddress: '10.20.0.77',
    });
    assert.equal(nulBody.statusCode, 400);
    assert.equal((await p.app.inject({ url: '/api/v1/search?q=sirop%00' })).statusCode, 200);
    const afterCount = await db()
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test('no string-built SQL: sql.raw and driver-level queries with interpolation exist only in reviewed places', () => {
    const reviewed = new Set([
      // Constant SQL text (SEARCH_INDEXES of migration 010), values always bound.
      'src/modules/search/indexer.repository.ts',
      // Constant column names (TEXTS) in a statement compiled once per shape; ids always bound.
      'src/modules/search/results.repository.ts',
      // Channel name derived from the configured schema, quoted.
      'src/modules/events/pg.ts',
      // Index and table names read from the database's own catalogue (demo load, copy to PostgreSQL).
      'src/db/bulk-load.ts',
      'src/db/transfer.ts',
      // Schema names generated by the app (random hex) and DDL helpers.
      'src/db/database.ts',
      'src/db/migrate.ts',
      'src/db/sqlite-dialect.ts',
    ]);
    const root = new URL('../../', import.meta.url).pathname;
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const f = join(dir, name);
        if (statSync(f).isDirectory()) walk(f);
        else if (f.endsWith('.ts') && !f.includes('/migrations/')) {
          const src = readFileSync(f, 'utf8');
          const risky =
            /sql\.raw\(/.test(src) ||
            /\.(query|exec|prepare)\(\s*`[^`]*\$\{/.test(src) ||
            /sql\.lit\(/.test(src);
          if (risky) found.push(f.slice(root.length));
        }
      }
    };
    walk(join(root, 'src'));
    const unreviewed = found.filter((f) => !reviewed.has(f));
    assert.deepEqual(unreviewed, [], 'new raw SQL: review it and add it to docs/SECURITY.md');
  });

  // V3.4 — security headers on pages, errors and the API.
  test('pages, error pages and the API carry CSP, HSTS, nosniff, Referrer-Policy and frame-ancestors', async () => {
    const owner = await signedIn(ids.owner, '10.20.0.3');
    const responses = [
      await p.app.inject({ url: '/fr', headers: { accept: 'text/html' } }),
      await p.app.inject({ url: `/fr/p/${region.products.sirop}` }),
      await p.app.inject({ url: '/fr/connexion' }),
      await owner.get('/fr/marchand'),
      await owner.get('/fr/admin/associations'),
      await p.app.inject({ url: '/fr/nexiste-pas', headers: { accept: 'text/html' } }),
      await p.app.inject({ url: '/api/v1/search?q=sirop' }),
    ];
    for (const res of responses) {
      const where = `${res.statusCode} ${res.raw.req.url}`;
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/, where);
      assert.match(csp, /script-src 'self'(;|$)/, `${where}: no inline or remote script`);
      assert.doesNotMatch(csp, /script-src[^;]*unsafe/, where);
      assert.match(csp, /object-src 'none'/, where);
      assert.match(csp, /base-uri 'self'/, where);
      assert.match(csp, /form-action 'self'/, where);
      assert.match(csp, /frame-ancestors 'self'/, where);
      const hsts = /max-age=(\d+)/.exec(String(res.headers['strict-transport-security']));
      assert.ok(hsts && Number(hsts[1]) >= 31536000, `${where}: HSTS for a year`);
      assert.match(String(res.headers['strict-transport-security']), /includeSubDomains/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', where);
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', where);
      assert.equal(res.headers['x-powered-by'], undefined, where);
    }
    assert.equal(responses[3].statusCode, 200);
    assert.equal(responses[5].statusCode, 404);
    // Pages rendered for a signed-in user are never stored (ASVS 14.3.2); public ones may be revalidated.
    assert.equal(responses[3].headers['cache-control'], 'private, no-store');
    assert.equal((await owner.get('/fr/compte')).headers['cache-control'], 'private, no-store');
    assert.equal((await owner.get('/fr')).headers['cache-control'], 'private, no-store');
    assert.equal(responses[0].headers['cache-control'], 'no-cache');
  });

  // V16.5.1 / V13.4.2 — generic errors, no stack, no internals; the error is logged.
  test('a 500 is a generic page (HTML) or body (JSON): no stack, no message, no path; the details go to the log', async () => {
    const page = await p.app.inject({ url: '/test/boom', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 500);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<h1>/);
    for (const leak of ['secret internals', 'hunter2', '.ts:', 'Error:', '    at ']) {
      assert.ok(!page.body.includes(leak), `page shows ${leak}`);
    }
    const json = await p.app.inject({ url: '/test/boom', headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 500);
    assert.deepEqual(Object.keys(json.json().error).sort(), ['code', 'message']);
    assert.equal(json.json().error.code, 'internal');
    assert.ok(!json.body.includes('hunter2') && !json.body.includes('.ts:'));
    const logged = logs.filter((l) => l.includes('"unhandled error"'));
    assert.ok(logged.length >= 2, 'the error is logged for operators');
    assert.match(logged[0], /"stack"/);
    // Malformed input is a 4xx with a generic message, never a parser's text.
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/carts/1/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"product_id": 1,,,',
      remoteAddress: '10.20.0.9',
    });
    assert.equal(bad.statusCode, 400);
    assert.doesNotMatch(bad.body, /Unexpected token|JSON\.parse|position \d+/);
  });

  // V6.2.1, V6.2.4, V6.2.11, V11.4.2 — password policy and argon2id.
  test('weak, common and account-related passwords are refused; passwords are stored as argon2id', async () => {
    for (const pw of [
      'Password2024!',
      'P@ssw0rd1234',
      'motdepasse123',
      'azertyuiop12',
      'qwertyuiop123',
      '123456789012',
      '111111111111',
      'abcabcabcabc',
      'Comptoir2026!',
      'hockeyhockey1',
    ])
      assert.equal(passwordProblem(pw), 'account.password_common', pw);
    assert.equal(passwordProblem('court'), 'account.password_too_short');
    assert.equal(passwordProblem('x'.repeat(129)), 'account.password_too_long');
    for (const pw of [PW, 'correct horse battery', 'Ma tante Élise aime les bleuets', 'Привет мир как дела'])
      assert.equal(passwordProblem(pw), undefined, pw);
    assert.equal(passwordProblem('marie.tremblay88', ['marie.tremblay']), 'account.password_common');

    const a = new Agent(p.app, '10.20.1.1');
    const common = await a.submit('/fr/inscription', {
      name: 'Léa',
      email: 'lea@example.test',
      password: 'Motdepasse2024!',
    });
    assert.equal(common.statusCode, 400);
    assert.match(common.body, /id="f-password-error"[^>]*>Ce mot de passe est trop courant/);
    const mine = await a.submit('/en/signup', {
      name: 'Gabrielle Lavoie',
      email: 'gabrielle.lavoie@example.test',
      password: 'GabrielleLavoie!!',
    });
    assert.equal(mine.statusCode, 400);
    assert.match(mine.body, /This password is too common/);
    const short = await a.submit('/fr/inscription', {
      name: 'Léa',
      email: 'lea@example.test',
      password: 'court',
    });
    assert.equal(short.statusCode, 400);
    assert.equal(
      await db().selectFrom('users').select('id').where('email', '=', 'lea@example.test').executeTakeFirst(),
      undefined,
    );
    const row = await db()
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', ids.customer)
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(row.password_hash ?? '', PW), true);
  });

  // V2.4.1 / V6.3.1 — anti-automation on sign-up, gift-card balance, checkout and the API.
  test('sign-up, gift-card balance, checkout and the public API answer 429 past their limits', async () => {
    const signup = new Agent(p.app, '198.51.100.10');
    const token = csrfFrom((await signup.get('/fr/inscription')).body);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await signup.post('/fr/inscription', { _csrf: token, name: 'x', email: 'x', password: 'x' });
      codes.push(r.statusCode);
    }
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(400));
    assert.equal(codes[10], 429, 'sign-up: 10 per 10 minutes per address');

    // A valid code, so the gift-card module's own lock-out (failed codes) plays no part here.
    const card = await issueGiftCard(db(), { paidCents: 2500 });
    secrets.add(card.code);
    const balance: number[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/api/v1/gift-cards/balance',
        payload: { code: card.code },
        remoteAddress: '198.51.100.11',
      });
      balance.push(r.statusCode);
    }
    assert.deepEqual(balance.slice(0, 20), Array(20).fill(200));
    assert.equal(balance[20], 429, 'gift-card balance: 20 per minute per address');

    const checkout: number[] = [];
    for (let i = 0; i < DEFAULT_RATE_LIMITS.checkout.max + 1; i++) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/api/v1/carts/999999/checkout',
        payload: {},
        remoteAddress: '198.51.100.12',
      });
      checkout.push(r.statusCode);
    }
    assert.ok(
      checkout.slice(0, -1).every((s) => s !== 429),
      `below the limit: ${checkout.join(',')}`,
    );
    assert.equal(checkout.at(-1), 429, 'checkout: 20 per 10 minutes per address');
    const pageCheckout = await p.app.inject({
      method: 'POST',
      url: '/fr/paiement',
      remoteAddress: '198.51.100.13',
    });
    assert.equal(pageCheckout.headers['x-ratelimit-limit'], String(DEFAULT_RATE_LIMITS.checkout.max));

    let limited = 0;
    for (let i = 0; i < DEFAULT_RATE_LIMITS.api.max + 2; i++) {
      const r = await p.app.inject({ url: '/api/v1/merchants/nope', remoteAddress: '198.51.100.14' });
      if (r.statusCode === 429) limited++;
    }
    assert.equal(limited, 2, 'public API: 600 per minute per address');
  });

  // Per-address limits only mean something if a client cannot choose its address.
  test('X-Forwarded-For is believed only from a local proxy: a direct client cannot dodge the login limit', async () => {
    let limited = 0;
    for (let i = 0; i < 32; i++) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/fr/connexion',
        remoteAddress: '198.51.100.20',
        headers: { 'x-forwarded-for': `203.0.113.${i}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=a%40b.c&password=x',
      });
      if (r.statusCode === 429) limited++;
    }
    assert.ok(limited >= 2, `spoofed X-Forwarded-For ignored: ${limited} refusals`);
    // Behind the local reverse proxy, the client address comes from the header.
    const viaProxy = await p.app.inject({
      method: 'POST',
      url: '/fr/connexion',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.77', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.c&password=x',
    });
    assert.equal(viaProxy.statusCode, 403, 'counted for 203.0.113.77, refused by CSRF, not by the limit');
    assert.ok(logs.some((l) => l.includes('"authorisation refused"') && l.includes('"ip":"203.0.113.77"')));
  });

  // V16.3.1 / V16.3.2 — authentication and authorisation failures are logged with who and where.
  test('failed authentications and authorisations are logged with route, user and address', async () => {
    const start = logs.length;
    await p.app.inject({ url: '/api/v1/merchant', remoteAddress: '10.20.2.1' });
    await p.app.inject({
      url: '/api/v1/merchant',
      remoteAddress: '10.20.2.2',
      headers: { authorization: 'Bearer ck_not_a_real_key_0123456789abcdef' },
    });
    const customer = await signedIn(ids.customer, '10.20.2.3');
    const res = await customer.get('/fr/admin/associations');
    assert.equal(res.statusCode, 403);
    const login = new Agent(p.app, '10.20.2.4');
    assert.equal((await login.login('client@example.test', 'not the right password')).statusCode, 401);
    const lines = logs.slice(start).map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = lines.filter((l) => l.event === 'authorisation_refused');
    assert.deepEqual(
      refusals.map((l) => [l.code, l.route, l.ip]),
      [
        ['unauthorized', '/api/v1/merchant', '10.20.2.1'],
        ['unauthorized', '/api/v1/merchant', '10.20.2.2'],
        ['forbidden', '/fr/admin/associations', '10.20.2.3'],
      ],
    );
    assert.equal(refusals[2].user_id, ids.customer);
    assert.equal(refusals[2].level, 40);
    const failed = lines.find((l) => l.event === 'login_failed');
    assert.ok(failed, 'failed login logged');
    assert.equal(failed.email, 'client@example.test');
    assert.equal(failed.ip, '10.20.2.4');
  });

  // V9 / V11 — API keys: 128+ random bits, stored as a hash only.
  test('API keys carry at least 128 random bits and only their SHA-256 is stored', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const k = generateApiKey();
      assert.match(k.key, /^ck_[A-Za-z0-9_-]+$/);
      const bits = Buffer.from(k.key.slice(3), 'base64url').length * 8;
      assert.ok(bits >= 128, `${bits} bits`);
      assert.equal(k.hash, createHash('sha256').update(k.key).digest('hex'));
      assert.ok(!k.hash.includes(k.key) && k.prefix.length <= 10);
      seen.add(k.key);
    }
    assert.equal(seen.size, 500);
    const key = region.merchants.erabliere.api_key;
    const rows = await db().selectFrom('api_keys').selectAll().execute();
    assert.ok(rows.length >= 2);
    assert.ok(!JSON.stringify(rows).includes(key), 'the key itself is stored nowhere');
    assert.ok(rows.some((r) => r.key_hash === createHash('sha256').update(key).digest('hex')));
    // Keys are accepted only in the Authorization header, never in the URL.
    const inUrl = await p.app.inject({
      url: `/api/v1/merchant?api_key=${encodeURIComponent(key)}&key=${encodeURIComponent(key)}`,
      remoteAddress: '10.20.3.1',
    });
    assert.equal(inUrl.statusCode, 401);
  });

  // V15.3.2 / V1.3.6 — SSRF guard on webhooks, through HTTP.
  test('the webhook API refuses loopback, private, link-local and metadata targets (SSRF)', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.0.0.5/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://0.0.0.0/hook',
      'file:///etc/passwd',
      'gopher://127.0.0.1:25/',
    ]) {
      const res = await p.app.inject({
        method: 'POST',
        url: '/api/v1/merchant/webhooks',
        headers: { authorization: `Bearer ${region.merchants.sports.api_key}` },
        payload: { url, events: ['inventory.low'] },
        remoteAddress: '10.20.4.1',
      });
      assert.equal(res.statusCode, 400, `${url} → ${res.statusCode} ${res.body}`);
    }
    const hooks = await db()
      .selectFrom('webhooks')
      .select('id')
      .where('merchant_id', '=', region.merchants.sports.merchant_id)
      .execute();
    assert.equal(hooks.length, 0);
  });

  // V7.2.4 / V7.4.1 — also proven in auth.test.ts; here through the logs-enabled app with real cookies.
  test('login issues a new session id; logout kills it server-side; a planted session id is never adopted', async () => {
    const a = new Agent(p.app, '10.20.5.1');
    a.cookies.set('session', 'planted-by-attacker-0123456789');
    const res = await a.login('owner-a@example.test', PW);
    assert.equal(res.statusCode, 303);
    const token = a.cookies.get('session') as string;
    secrets.add(token);
    assert.notEqual(token, 'planted-by-attacker-0123456789');
    assert.match(token, /^[\w-]{43}$/, '256-bit token');
    const planted = await p.app.inject({
      url: '/fr/compte',
      headers: { accept: 'text/html', cookie: 'session=planted-by-attacker-0123456789' },
    });
    assert.equal(planted.statusCode, 303);
    await a.submit('/fr/deconnexion', {}, '/fr/compte');
    const replay = await p.app.inject({
      url: '/fr/compte',
      headers: { accept: 'text/html', cookie: `session=${token}` },
    });
    assert.equal(replay.statusCode, 303);
  });

  // V14.2.1 / V16.2.5 — nothing secret in the logs; signed links lose their token in the log.
  test('logs contain no password, session token, API key, gift-card code, Authorization header or link token', async () => {
    const link = '/en/signup/confirm?token=very-secret-confirmation-token.abc';
    secrets.add('very-secret-confirmation-token.abc');
    await p.app.inject({ url: link, headers: { accept: 'text/html' } });
    await p.app.inject({
      url: '/api/v1/merchant',
      headers: { authorization: `Bearer ${region.merchants.erabliere.api_key}` },
    });
    assert.equal(redactUrl('/x?a=1&token=abc&b=2'), '/x?a=1&token=[redacted]&b=2');
    const text = logs.join('');
    assert.ok(logs.length > 50, `${logs.length} log lines captured`);
    assert.ok(
      text.includes('"url":"/en/signup/confirm?token=[redacted]"'),
      'request URLs are logged, redacted',
    );
    for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the logs: ${s.slice(0, 6)}…`);
    for (const s of secrets) {
      const hash = createHash('sha256').update(s).digest('hex');
      assert.ok(!text.includes(hash), 'nor its hash');
    }
    assert.doesNotMatch(text, /authorization|Bearer |"cookie"|set-cookie|_csrf=/i);
  });
});

describe('security: cookies outside development (Secure, __Host-)', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform({ INSECURE_COOKIES: '0' });
  });
  after(() => p.close());

  // The session cookie itself: auth.test.ts › 'the session cookie is __Host-session, Secure, HttpOnly, SameSite=Lax, Path=/'.
  test('the CSRF and cart cookies are Secure, HttpOnly, SameSite and host-only too', async () => {
    const page = await p.app.inject({ url: '/fr/connexion' });
    const csrf = String(page.headers['set-cookie']);
    assert.match(csrf, /__Host-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    assert.doesNotMatch(csrf, /Domain=/);
    const cart = await p.app.inject({ method: 'POST', url: '/api/v1/carts' });
    const c = String(cart.headers['set-cookie']);
    assert.match(c, /^__Host-cart=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    assert.doesNotMatch(c, /Domain=/);
    // The cart answers to its new cookie, and to the old `cart_token` a returning visitor still holds.
    const { cart_id, token } = cart.json() as { cart_id: number; token: string };
    for (const cookies of [{ '__Host-cart': token }, { cart_token: token }] as Record<string, string>[]) {
      const read = await p.app.inject({ url: `/api/v1/carts/${cart_id}`, cookies });
      assert.equal(read.statusCode, 200, JSON.stringify(Object.keys(cookies)));
    }
    const without = await p.app.inject({ url: `/api/v1/carts/${cart_id}` });
    assert.notEqual(without.statusCode, 200);
  });
});
