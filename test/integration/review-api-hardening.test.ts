/**
 * Findings 2, 6, 9 and 10 of the outside review (2026-12): every refused request is a 4xx with the
 * contract's error body and changes nothing. Runs on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import sharp from 'sharp';
import { safeNext } from '../../src/http/auth.ts';
import { t } from '../../src/i18n/index.ts';
import { requestHash } from '../../src/lib/idempotency/idempotency.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom } from '../helpers/session.ts';

const PW = 'correct horse battery';

describe('outside review: API hardening', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let erab: string;
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    erab = `Bearer ${region.merchants.erabliere.api_key}`;
    await db().updateTable('merchants').set({ status: 'approved' }).execute();
    await createUser(db(), {
      email: 'owner-a@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id }],
    });
    await createUser(db(), { email: 'ana@example.test', password: PW, verified: true });
  });
  after(() => p.close());

  const level = (productId: number) =>
    db()
      .selectFrom('inventory_levels')
      .select(['on_hand', 'reserved'])
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
  const count = async (table: 'idempotency_keys' | 'products' | 'sessions' | 'checkouts' | 'orders') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const putInventory = (payload: unknown, headers: Record<string, string> = {}) =>
    p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/inventory',
      headers: { authorization: erab, 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  async function newCart(items: [number, number][]) {
    const r = await p.app.inject({ method: 'POST', url: '/api/v1/carts' });
    assert.equal(r.statusCode, 201);
    const cart = r.json() as { cart_id: number; token: string };
    for (const [product_id, quantity] of items) {
      const a = await p.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${cart.cart_id}/items`,
        headers: { authorization: `Bearer ${cart.token}` },
        payload: { product_id, quantity },
      });
      assert.equal(a.statusCode, 201, a.body);
    }
    return cart;
  }
  const checkoutBody = () => ({
    customer: { name: 'Marie Tremblay', email: 'marie@example.test' },
    fulfilment: {
      [region.merchants.erabliere.merchant_id]: {
        method: 'pickup',
        location_id: region.merchants.erabliere.location_id,
      },
    },
    payment: { method: 'in_store' },
  });
  const postCheckout = (cart: { cart_id: number; token: string }, payload: unknown, key: string) =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/checkout`,
      headers: {
        authorization: `Bearer ${cart.token}`,
        'idempotency-key': key,
        'content-type': 'application/json',
      },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  describe('finding 2: query string and headers are enforced on the merchant API', () => {
    test('PUT /merchant/products?dry_run=true (or partial=yes) is a 400 and writes nothing, JSON or CSV', async () => {
      const before = await count('products');
      const rows = [{ sku: 'REVIEW-1', title_fr: 'Produit de revue', price_cents: 500 }];
      for (const query of ['dry_run=true', 'dry_run=yes', 'partial=true', 'dry_run=1&partial=2']) {
        const res = await p.app.inject({
          method: 'PUT',
          url: `/api/v1/merchant/products?${query}&lang=en`,
          headers: { authorization: erab },
          payload: rows,
        });
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        const err = res.json().error;
        assert.equal(err.code, 'validation_failed');
        assert.equal(err.message, t('en', 'error.validation_failed'));
        assert.match(err.details.fields[0].field, /^(dry_run|partial)$/);
      }
      const csv = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/products?dry_run=true',
        headers: { authorization: erab, 'content-type': 'text/csv' },
        payload: 'sku,title_fr,price_cents\nREVIEW-1,Produit de revue,500\n',
      });
      assert.equal(csv.statusCode, 400, csv.body);
      assert.equal(csv.json().error.details.fields[0].field, 'dry_run');
      assert.equal(await count('products'), before);
      // The documented values still work: a preview writes nothing, 0 applies.
      const preview = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/products?dry_run=1',
        headers: { authorization: erab },
        payload: rows,
      });
      assert.equal(preview.statusCode, 200, preview.body);
      assert.equal(preview.json().applied, false);
      assert.equal(await count('products'), before);
      const applied = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/products?dry_run=0',
        headers: { authorization: erab },
        payload: rows,
      });
      assert.equal(applied.statusCode, 200, applied.body);
      assert.equal(await count('products'), before + 1);
    });

    test('no route set lets a failed validation through (attachValidation hid the query string)', () => {
      const files = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
        );
      const offenders = files(fileURLToPath(new URL('../../src/http/', import.meta.url))).filter((f) =>
        /attachValidation\s*:/.test(readFileSync(f, 'utf8')),
      );
      assert.deepEqual(offenders, []);
    });

    test('the inventory sync still reports per-row errors for a bad body', async () => {
      const res = await putInventory([{ sku: 'SIROP-540', on_hand: -4 }]);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.details.rows[0].code, 'on_hand_negative');
    });

    test('an Idempotency-Key over 200 characters or with a control character is a 400 storing nothing', async () => {
      const before = await level(region.products.oeufs);
      const keys = await count('idempotency_keys');
      for (const key of [
        'k'.repeat(8000),
        'k'.repeat(201),
        'pos-sync\u0001x',
        'pos\u007fsync',
        'pos\u0085sync',
      ]) {
        const res = await putInventory([{ sku: 'OEUFS-12', on_hand: 77 }], { 'idempotency-key': key });
        assert.equal(res.statusCode, 400, `${JSON.stringify(key.slice(0, 20))}: ${res.body}`);
        assert.equal(res.json().error.code, 'validation_failed');
        assert.equal(res.json().error.details.fields[0].field, 'idempotency-key');
      }
      assert.deepEqual(await level(region.products.oeufs), before);
      assert.equal(await count('idempotency_keys'), keys);
      // The checkout takes the header too: same rule, nothing reserved, no checkout row.
      const cart = await newCart([[region.products.oeufs, 1]]);
      const checkouts = await count('checkouts');
      for (const key of ['k'.repeat(8000), 'checkout\u0001key', 'checkout\u009bkey']) {
        const res = await postCheckout(cart, checkoutBody(), key);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'validation_failed');
      }
      assert.deepEqual(await level(region.products.oeufs), before);
      assert.equal(await count('checkouts'), checkouts);
      assert.equal(await count('idempotency_keys'), keys);
      // A key of exactly 200 printable characters is fine.
      const ok = await putInventory([{ sku: 'OEUFS-12', on_hand: before.on_hand }], {
        'idempotency-key': 'k'.repeat(200),
      });
      assert.equal(ok.statusCode, 200, ok.body);
    });
  });

  describe('finding 6: a retry after a crash between commit and stored answer', () => {
    test('gets the committed orders at once (201, same orders), and the key is completed', async () => {
      const cart = await newCart([[region.products.sirop, 1]]);
      const key = randomUUID();
      const first = await postCheckout(cart, checkoutBody(), key);
      assert.equal(first.statusCode, 201, first.body);
      // The crash: the checkout and its orders are committed, the idempotency record never completed.
      await db()
        .updateTable('idempotency_keys')
        .set({ status_code: null, response_body: null })
        .where('scope', '=', `checkout:${cart.cart_id}`)
        .where('key', '=', key)
        .execute();
      const orders = await count('orders');
      const started = performance.now();
      const retry = await postCheckout(cart, checkoutBody(), key);
      const elapsed = performance.now() - started;
      assert.equal(retry.statusCode, 201, retry.body);
      assert.deepEqual(retry.json(), first.json());
      assert.ok(elapsed < 2000, `answered in ${Math.round(elapsed)} ms (the old path waited ~10 s)`);
      assert.equal(await count('orders'), orders, 'no second order');
      const rec = await db()
        .selectFrom('idempotency_keys')
        .select(['status_code', 'response_body'])
        .where('scope', '=', `checkout:${cart.cart_id}`)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      assert.equal(rec.status_code, 201);
      assert.deepEqual(JSON.parse(rec.response_body as string), first.json());
      // Still one key per body: another body under the same key is refused.
      const other = await postCheckout(cart, { ...checkoutBody(), promo_code: 'X' }, key);
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().error.code, 'idempotency_key_reused');
    });
  });

  describe('finding 9: client mistakes that were server errors', () => {
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

    test('a body nested 10,000 levels deep with an Idempotency-Key is a 400 that stores nothing', async () => {
      const before = await level(region.products.sirop);
      const keys = await count('idempotency_keys');
      const res = await putInventory(deep(10_000), { 'idempotency-key': randomUUID() });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'validation_failed');
      assert.equal(res.json().error.details.fields[0].field, 'body');
      const nested = `[{"sku":"SIROP-540","on_hand":3,"x":${deep(10_000)}}]`;
      const res2 = await putInventory(nested, { 'idempotency-key': randomUUID(), 'accept-language': 'en' });
      assert.equal(res2.statusCode, 400, res2.body);
      assert.equal(
        res2.json().error.details.fields[0].message,
        'The request body is nested too deeply (at most 64 levels).',
      );
      assert.deepEqual(await level(region.products.sirop), before);
      assert.equal(await count('idempotency_keys'), keys);
      // Hashing never recurses past the limit, and an ordinary body still hashes as before.
      assert.throws(() => requestHash(JSON.parse(deep(100_000))), { code: 'validation_failed' });
      assert.equal(requestHash({ b: 1, a: [2] }), requestHash({ a: [2], b: 1 }));
    });

    test('a checkout body nested 10,000 levels deep is a 400 that reserves nothing', async () => {
      const cart = await newCart([[region.products.oeufs, 1]]);
      const before = await level(region.products.oeufs);
      const checkouts = await count('checkouts');
      const mid = String(region.merchants.erabliere.merchant_id);
      for (const raw of [
        JSON.stringify(checkoutBody()).replace(`"${mid}":{`, `"${mid}":${deep(10_000)},"0":{`),
        deep(10_000),
      ]) {
        const res = await postCheckout(cart, raw, randomUUID());
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'validation_failed');
      }
      assert.deepEqual(await level(region.products.oeufs), before);
      assert.equal(await count('checkouts'), checkouts);
    });

    test('back-office: a PNG with a valid header and corrupt data is "image unreadable" (400), nothing stored', async () => {
      const owner = new Agent(p.app);
      assert.equal((await owner.login('owner-a@example.test', PW)).statusCode, 303);
      const pid = region.products.tire;
      const page = `/fr/marchand/produits/${pid}`;
      const png = await sharp({
        create: { width: 600, height: 400, channels: 3, background: '#c80' },
      })
        .png()
        .toBuffer();
      // Keep the signature, IHDR and the zlib header (so the header reads fine), scramble the pixels.
      const corrupt = Buffer.from(png);
      for (let i = png.indexOf('IDAT') + 8; i < corrupt.length - 16; i += 3) corrupt[i] ^= 0x5a;
      assert.equal((await sharp(corrupt).metadata()).width, 600, 'the header still reads');
      const upload = async (payload: Buffer, contentType: string) =>
        owner.request({
          method: 'POST',
          url: `${page}/images`,
          payload,
          headers: { 'content-type': contentType },
        });
      const form = (token: string, data: Buffer, boundary = 'revu1234') =>
        Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`),
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`,
          ),
          data,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
      const imagesBefore = (
        await db()
          .selectFrom('products')
          .select('images_json')
          .where('id', '=', pid)
          .executeTakeFirstOrThrow()
      ).images_json;
      const mediaDir = join(
        p.context.config.dataDir,
        'media',
        'p',
        String(region.merchants.erabliere.merchant_id),
      );
      const files = () => {
        try {
          return readdirSync(mediaDir).length;
        } catch {
          return 0;
        }
      };
      const filesBefore = files();

      const token = csrfFrom((await owner.get(page)).body);
      const bad = await upload(form(token, corrupt), 'multipart/form-data; boundary=revu1234');
      assert.equal(bad.statusCode, 400, `corrupt: ${bad.body.slice(0, 300)}`);
      assert.match(bad.body, /Image illisible/);

      // A truncated multipart body, and one without a boundary: 400, not 500.
      const full = form(csrfFrom((await owner.get(page)).body), png);
      const truncated = await upload(full.subarray(0, 200), 'multipart/form-data; boundary=revu1234');
      assert.equal(truncated.statusCode, 400, `truncated: ${truncated.body.slice(0, 300)}`);
      const noBoundary = await upload(full, 'multipart/form-data');
      assert.equal(noBoundary.statusCode, 400, `no boundary: ${noBoundary.body.slice(0, 300)}`);
      const apiStyle = await p.app.inject({
        method: 'POST',
        url: `${page}/images`,
        headers: {
          cookie: owner.cookieHeader(),
          accept: 'application/json',
          'content-type': 'multipart/form-data',
        },
        payload: full,
      });
      assert.equal(apiStyle.statusCode, 400, apiStyle.body);
      assert.equal(apiStyle.json().error.code, 'validation_failed');

      const imagesAfter = (
        await db()
          .selectFrom('products')
          .select('images_json')
          .where('id', '=', pid)
          .executeTakeFirstOrThrow()
      ).images_json;
      assert.equal(imagesAfter, imagesBefore);
      assert.equal(files(), filesBefore);
    });

    test('login: a "next" with CR/LF is a 400 before anything (no session, no cookie)', async () => {
      for (const next of [
        '/fr/compte\r\nSet-Cookie: x=1',
        '/fr/compte\n',
        '/\t/evil.example/',
        '/\\evil.example',
      ]) {
        const a = new Agent(p.app);
        const token = csrfFrom((await a.get('/fr/connexion')).body);
        const sessions = await count('sessions');
        const res = await a.post('/fr/connexion', {
          email: 'ana@example.test',
          password: PW,
          next,
          _csrf: token,
        });
        assert.equal(res.statusCode, 400, `${JSON.stringify(next)}: ${res.statusCode}`);
        assert.match(res.body, /Adresse de retour invalide/);
        assert.equal(res.headers.location, undefined);
        assert.equal(a.cookies.has('session'), false);
        assert.equal(await count('sessions'), sessions);
      }
      // The same account signs in normally afterwards (no failure was counted against it).
      const ok = await new Agent(p.app).submit('/en/login', {
        email: 'ana@example.test',
        password: PW,
        next: '/en/account',
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/en/account');
    });

    test('a stock sync racing a checkout gets on_hand_below_reserved (400), never a 500', async () => {
      const pid = region.products.chaussures; // 4 on hand, Sports Chelsea
      const sportsKey = `Bearer ${region.merchants.sports.api_key}`;
      const loc = region.merchants.sports.location_id;
      assert.deepEqual({ ...(await level(pid)) }, { on_hand: 4, reserved: 0 });
      // A checkout's reservation in flight: its transaction holds the row while the sync starts.
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let txPid = 0;
      let reserved!: () => void;
      const reservedDone = new Promise<void>((r) => {
        reserved = r;
      });
      const checkoutTx = db()
        .transaction()
        .execute(async (trx) => {
          await trx
            .updateTable('inventory_levels')
            .set((eb) => ({ reserved: eb('reserved', '+', 3) }))
            .where('product_id', '=', pid)
            .where('location_id', '=', loc)
            .where(sql<boolean>`on_hand - reserved >= 3`)
            .execute();
          if (TEST_DB_KIND === 'postgres')
            txPid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0].pid;
          reserved();
          await gate;
        });
      await reservedDone;
      const sync = p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/inventory?lang=en',
        headers: { authorization: sportsKey },
        payload: [{ sku: 'CH-COURSE-9', on_hand: 2 }],
      });
      let answered = false;
      sync.finally(() => {
        answered = true;
      });
      if (TEST_DB_KIND === 'postgres') {
        // Wait until the sync is blocked by the reservation's transaction, then let it commit.
        for (;;) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where ${txPid}::int = any(pg_blocking_pids(pid))`.execute(db());
          if (rows[0].n > 0 || answered) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      release();
      await checkoutTx;
      const res = await sync;
      assert.equal(res.statusCode, 400, res.body);
      const row = res.json().error.details.rows[0];
      assert.equal(row.code, 'on_hand_below_reserved');
      assert.match(row.message, /3 units reserved/);
      assert.deepEqual({ ...(await level(pid)) }, { on_hand: 4, reserved: 3 });
      // Put the fixture back for other tests.
      await db().updateTable('inventory_levels').set({ reserved: 0 }).where('product_id', '=', pid).execute();
    });
  });

  describe('finding 10: "next" stays on the site', () => {
    test('safeNext refuses control characters, backslashes and other sites', () => {
      for (const bad of [
        '/\t/evil.example/',
        '/\n/evil.example/',
        '/\r/evil.example',
        '\t//evil.example',
        '/\u0000x',
        '/\u007f/evil.example',
        '/\u0085/evil.example',
        '/\\evil.example',
        '/x\\y',
        '//evil.example',
        '/x//evil.example',
        'https://evil.example/',
        'evil.example',
        '',
        undefined,
        42,
      ])
        assert.equal(safeNext(bad, '/home'), '/home', JSON.stringify(bad));
      for (const ok of [
        '/fr/compte',
        '/en/merchant/products?q=a&b=c',
        '/fr/p/12#avis',
        '/fr/recherche?q=%2F%2Fx',
      ])
        assert.equal(safeNext(ok, '/home'), ok);
    });

    test('the login page drops a hostile "next" from its form', async () => {
      const res = await p.app.inject({
        url: `/fr/connexion?next=${encodeURIComponent('/\t/evil.example/')}`,
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<input type="hidden" name="next" value\/>/);
      assert.doesNotMatch(res.body, /name="next" value="[^"]/);
    });
  });
});
