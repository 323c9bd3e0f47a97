import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.ts';
import { queueForeignImages } from '../../src/db/migrations/025_image_fetches.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { listImageFailures } from '../../src/modules/media/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createPlatform } from '../../src/server.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const PW = 'correct horse battery';
const MAX_BYTES = 200_000;

describe('images given by URL in imports: fetched once in the background, re-encoded, served from the platform', () => {
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let merchantId: number;
  let auth: string;
  const hits = new Map<string, number>();
  const held: ServerResponse[] = [];
  let png: Buffer;
  let jpeg: Buffer;

  before(async () => {
    png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c0392b' } })
      .png()
      .toBuffer();
    jpeg = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#2980b9' } })
      .jpeg()
      .toBuffer();
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/red.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else if (path === '/blue.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
      else if (path === '/hop') res.writeHead(302, { location: '/blue.jpg' }).end();
      else if (path.startsWith('/loop')) res.writeHead(302, { location: `${path}x` }).end();
      else if (path === '/page.png')
        // Named like an image, declared as one: the bytes decide.
        res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><p>not an image</p>');
      else if (path === '/huge.png') {
        // Real PNG magic, no content-length: the transfer itself must be cut at the limit.
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png.subarray(0, 16));
        const chunk = Buffer.alloc(64 * 1024, 7);
        let sent = 0;
        const pump = () => {
          while (sent < 50 * chunk.length) {
            sent++;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => {});
        pump();
      } else if (path === '/slow.png') held.push(res);
      else res.writeHead(404).end('not found');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    p = await createTestPlatform({
      IMAGE_FETCH_ALLOW_PRIVATE: '1',
      IMAGE_FETCH_TIMEOUT_MS: '400',
      IMAGE_FETCH_MAX_BYTES: String(MAX_BYTES),
    });
    const { db } = p.context.database;
    const m = await createMerchant(db, {
      name: 'Boutique Images',
      associations: [],
      categories: [],
      location: { address: '1 rue du Port', municipality: 'Gatineau', lat: 45.48, lng: -75.7 },
    });
    merchantId = m.merchant_id;
    auth = `Bearer ${m.api_key}`;
    await createUser(db, {
      email: 'owner@images.example',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId }],
    });
  });
  after(async () => {
    for (const res of held) res.destroy();
    server.close();
    await p.close();
  });

  const db = () => p.context.database.db;
  const put = (csv: string) =>
    p.app.inject({
      method: 'PUT',
      url: '/api/v1/merchant/products',
      headers: { authorization: auth, 'content-type': 'text/csv', 'accept-language': 'fr' },
      payload: csv,
    });
  const imagesOf = async (sku: string) =>
    JSON.parse(
      (
        await db()
          .selectFrom('products')
          .select('images_json')
          .where('merchant_id', '=', merchantId)
          .where('sku', '=', sku)
          .executeTakeFirstOrThrow()
      ).images_json,
    ) as { url: string; width: number; height: number }[];
  const fetchRow = (url: string) =>
    db()
      .selectFrom('image_fetches')
      .select(['status', 'attempts', 'last_error', 'next_attempt_at'])
      .where('source_url', '=', url)
      .executeTakeFirstOrThrow();
  const csv = (rows: [string, string][]) =>
    `sku,title_fr,price_cents,image_url\n${rows.map(([sku, url]) => `${sku},Produit ${sku},1000,${url}`).join('\n')}\n`;

  test('a good URL: no foreign link meanwhile, then a re-encoded WebP under /media/ served by the platform', async () => {
    const res = await put(csv([['ROUGE', `${base}/red.png`]]));
    assert.equal(res.statusCode, 200, res.body);
    // Until fetched, the product has no image, never the other site's address.
    assert.deepEqual(await imagesOf('ROUGE'), []);
    assert.equal((await fetchRow(`${base}/red.png`)).status, 'pending');

    await p.images.drain();
    const images = await imagesOf('ROUGE');
    assert.equal(images.length, 1);
    assert.match(images[0].url, new RegExp(`^/media/p/${merchantId}/[0-9a-f]{24}-800\\.webp$`));
    assert.deepEqual([images[0].width, images[0].height], [640, 480]);
    const file = join(p.context.config.dataDir, images[0].url.slice(1));
    assert.ok(existsSync(file));
    const bytes = readFileSync(file);
    assert.equal(bytes.toString('latin1', 0, 4), 'RIFF');
    assert.equal(bytes.toString('latin1', 8, 12), 'WEBP');
    const served = await p.app.inject({ method: 'GET', url: images[0].url });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/webp');
    assert.equal(hits.get('/red.png'), 1);
    const row = await fetchRow(`${base}/red.png`);
    assert.deepEqual([row.status, row.attempts, row.last_error], ['done', 1, null]);
  });

  test('re-importing the same URL fetches nothing and changes nothing; a redirect is followed', async () => {
    const before = await imagesOf('ROUGE');
    const res = await put(csv([['ROUGE', `${base}/red.png`]]));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse(res.body).rows[0].status, 'unchanged');
    await p.images.drain();
    assert.equal(hits.get('/red.png'), 1, 'not fetched a second time');
    assert.deepEqual(await imagesOf('ROUGE'), before);

    assert.equal((await put(csv([['BLEU', `${base}/hop`]]))).statusCode, 200);
    await p.images.drain();
    const blue = await imagesOf('BLEU');
    assert.equal(blue.length, 1);
    assert.match(blue[0].url, /^\/media\/p\/\d+\/[0-9a-f]{24}-800\.webp$/);
    assert.equal(hits.get('/hop'), 1);
    assert.equal(hits.get('/blue.jpg'), 1);
  });

  test('a non-image, a too big file, a 404, a slow site and a redirect loop are listed as failures, in French and English', async () => {
    const cases: [string, string][] = [
      ['PAGE', `${base}/page.png`],
      ['ENORME', `${base}/huge.png`],
      ['ABSENT', `${base}/missing.png`],
      ['LENT', `${base}/slow.png`],
      ['BOUCLE', `${base}/loop`],
    ];
    const res = await put(csv(cases));
    assert.equal(res.statusCode, 200, res.body);
    await p.images.drain();
    for (const [sku] of cases) assert.deepEqual(await imagesOf(sku), [], sku);

    const page = await fetchRow(`${base}/page.png`);
    assert.deepEqual([page.status, page.last_error], ['failed', 'not_image']);
    const huge = await fetchRow(`${base}/huge.png`);
    assert.deepEqual([huge.status, huge.last_error], ['failed', 'too_big']);
    const missing = await fetchRow(`${base}/missing.png`);
    assert.deepEqual([missing.status, missing.last_error], ['failed', 'http_status:404']);
    const loop = await fetchRow(`${base}/loop`);
    assert.deepEqual([loop.status, loop.last_error], ['failed', 'too_many_redirects']);
    assert.equal(hits.get('/loop'), 1);
    assert.equal(
      [...hits.keys()].filter((k) => k.startsWith('/loop')).length,
      4,
      'the first request and 3 redirects, no more',
    );
    // A time-out is worth another try later (backoff), and shown meanwhile.
    const slow = await fetchRow(`${base}/slow.png`);
    assert.deepEqual([slow.status, slow.attempts, slow.last_error], ['pending', 1, 'timeout']);
    assert.ok(Date.parse(slow.next_attempt_at) > Date.now() + 30_000);

    const fr = await listImageFailures(db(), merchantId, 'fr');
    const bySku = new Map(fr.map((f) => [f.sku, f]));
    assert.equal(bySku.get('ABSENT')?.reason, 'le site a répondu 404');
    assert.equal(bySku.get('PAGE')?.reason, 'ce n’est pas une image JPEG, PNG ou WebP');
    assert.equal(bySku.get('LENT')?.retrying, true);
    const en = await listImageFailures(db(), merchantId, 'en');
    assert.equal(en.find((f) => f.sku === 'ENORME')?.reason, 'file too big (8 MB at most)');

    // The back-office products list shows them to the merchant.
    const agent = new Agent(p.app);
    await agent.login('owner@images.example', PW);
    for (const [lang, path, text] of [
      ['fr', '/fr/marchand/produits', 'image non récupérée : le site a répondu 404'],
      ['en', '/en/merchant/products', 'image could not be fetched: the site answered 404'],
    ]) {
      const pageRes = await agent.get(path);
      assert.equal(pageRes.statusCode, 200, `${lang} ${pageRes.body.slice(0, 200)}`);
      assert.ok(pageRes.body.includes(text), `${lang}: ${text}`);
      assert.ok(pageRes.body.includes('ABSENT'));
      assert.ok(pageRes.body.includes('data-image-failure="ABSENT"'));
      assert.ok(!pageRes.body.includes('data-image-failure="ROUGE"'), 'fetched images are not listed');
    }
  });

  test('a private address is refused when the operator has not allowed it; re-importing a failed URL tries again', async () => {
    p.context.config.IMAGE_FETCH_ALLOW_PRIVATE = false;
    try {
      const url = `${base}/red.png?private`;
      assert.equal((await put(csv([['PRIVE', url]]))).statusCode, 200);
      await p.images.drain();
      const row = await fetchRow(url);
      assert.deepEqual([row.status, row.last_error], ['failed', 'private_address']);
      // A name resolving to a private address is refused as well (checked when connecting).
      const named = `${base.replace('127.0.0.1', 'localhost')}/red.png?named`;
      assert.equal((await put(csv([['NOMME', named]]))).statusCode, 200);
      await p.images.drain();
      assert.deepEqual(
        [(await fetchRow(named)).status, (await fetchRow(named)).last_error],
        ['failed', 'private_address'],
      );
      assert.equal(hits.get('/red.png'), 1, 'no request reached the private address');
      assert.deepEqual(await imagesOf('PRIVE'), []);

      p.context.config.IMAGE_FETCH_ALLOW_PRIVATE = true;
      assert.equal((await put(csv([['PRIVE', url]]))).statusCode, 200);
      await p.images.drain();
      assert.equal((await fetchRow(url)).status, 'done');
      assert.equal((await imagesOf('PRIVE')).length, 1);
      // Same bytes as ROUGE's: the same stored file.
      assert.equal((await imagesOf('PRIVE'))[0].url, (await imagesOf('ROUGE'))[0].url);
    } finally {
      p.context.config.IMAGE_FETCH_ALLOW_PRIVATE = true;
    }
  });

  test('a product repeated for a second store (our export) queues its image once', async () => {
    const { db: kdb } = p.context.database;
    await kdb
      .insertInto('locations')
      .values({
        merchant_id: merchantId,
        code: 'entrepot',
        name: 'Entrepôt',
        address_line: '2 rue du Port',
        municipality: 'Gatineau',
        postal_code: null,
        lat: 45.48,
        lng: -75.7,
        phone: null,
        pickup: 0,
      })
      .execute();
    const main = (
      await kdb
        .selectFrom('locations')
        .select('code')
        .where('merchant_id', '=', merchantId)
        .where('code', '!=', 'entrepot')
        .executeTakeFirstOrThrow()
    ).code;
    const url = `${base}/blue.jpg?stores`;
    const res = await put(
      `sku,title_fr,price_cents,image_url,location_code,on_hand\nDEUX,Deux magasins,1000,${url},${main},3\nDEUX,Deux magasins,1000,${url},entrepot,5\n`,
    );
    assert.equal(res.statusCode, 200, res.body);
    const rows = await db()
      .selectFrom('image_fetches')
      .select('status')
      .where('source_url', '=', url)
      .execute();
    assert.equal(rows.length, 1);
    await p.images.drain();
    assert.equal((await imagesOf('DEUX')).length, 1);
  });

  test('links stored before the queue existed are moved to it (migration 025) and fetched into place', async () => {
    assert.equal((await put(csv([['ANCIEN', '']]))).statusCode, 200);
    const own = (await imagesOf('ROUGE'))[0];
    await db()
      .updateTable('products')
      .set({
        images_json: JSON.stringify([{ url: `${base}/blue.jpg?legacy`, width: 800, height: 800 }, own]),
      })
      .where('merchant_id', '=', merchantId)
      .where('sku', '=', 'ANCIEN')
      .execute();
    assert.equal(await queueForeignImages(db() as never), 1);
    assert.deepEqual(await imagesOf('ANCIEN'), [own], 'the foreign link is gone at once');
    await p.images.drain();
    const after = await imagesOf('ANCIEN');
    assert.equal(after.length, 2);
    assert.match(after[0].url, /^\/media\/p\/\d+\/[0-9a-f]{24}-800\.webp$/, 'back at its place, ours');
    assert.deepEqual(after[1], own);
  });

  test('a link moved to the queue is due at once: a drain right after fetches it (PostgreSQL clock, 100 tries)', async () => {
    // The queued row's due time once came from PostgreSQL's now() (microseconds), which could fall
    // after the worker's millisecond `now` taken in the same millisecond: about 7 tries in 100 then
    // found nothing due and the drain returned with the fetch still waiting.
    for (let i = 0; i < 100; i++) {
      const url = `${base}/gone.png?due=${i}`;
      await db()
        .updateTable('products')
        .set({ images_json: JSON.stringify([{ url, width: 800, height: 800 }]) })
        .where('merchant_id', '=', merchantId)
        .where('sku', '=', 'ANCIEN')
        .execute();
      assert.equal(await queueForeignImages(db() as never), 1);
      await p.images.drain();
      assert.equal((await fetchRow(url)).attempts, 1, `try ${i}: fetched by the drain`);
    }
  });

  test('a restart resumes the pending fetches (the queue is a table)', async () => {
    await p.images.stop();
    assert.equal((await put(csv([['REPRISE', `${base}/blue.jpg?restart`]]))).statusCode, 200);
    assert.equal((await fetchRow(`${base}/blue.jpg?restart`)).status, 'pending');
    // A second platform on the same database, as after a restart.
    const q = await createPlatform(p.context.config, { database: p.testDb.database, lock: false });
    try {
      await q.images.drain();
    } finally {
      await q.close();
    }
    assert.equal((await fetchRow(`${base}/blue.jpg?restart`)).status, 'done');
    assert.equal((await imagesOf('REPRISE')).length, 1);
  });

  test('the fetch settings are validated at boot; the private-address switch is refused in production', () => {
    const prod = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://achat.example.ca',
      SESSION_SECRET: 'x'.repeat(40),
    };
    assert.throws(() => loadConfig({ ...prod, IMAGE_FETCH_ALLOW_PRIVATE: '1' }), /IMAGE_FETCH_ALLOW_PRIVATE/);
    assert.equal(loadConfig(prod).IMAGE_FETCH_ALLOW_PRIVATE, false);
    assert.equal(loadConfig(prod).IMAGE_FETCH_TIMEOUT_MS, 10_000);
    assert.equal(loadConfig(prod).IMAGE_FETCH_MAX_BYTES, 8 * 1024 * 1024);
    assert.throws(() => loadConfig({ IMAGE_FETCH_TIMEOUT_MS: '0' }), /IMAGE_FETCH_TIMEOUT_MS/);
    assert.throws(
      () => loadConfig({ IMAGE_FETCH_MAX_BYTES: String(64 * 1024 * 1024) }),
      /IMAGE_FETCH_MAX_BYTES/,
    );
    assert.throws(() => loadConfig({ IMAGE_FETCH_ALLOW_PRIVATE: 'yes' }), /IMAGE_FETCH_ALLOW_PRIVATE/);
  });
});
