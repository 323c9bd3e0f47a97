import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * Answers are compressed in one synchronous call up to 128 KiB (src/http/app.ts): such an answer
 * carries its compressed length; a bigger one is streamed (no length), and both decode to the
 * same bytes as the uncompressed answer.
 */
describe('response compression', () => {
  let p: TestPlatform;
  const get = (url: string, encoding?: string) =>
    p.app.inject({ url, headers: { ...(encoding ? { 'accept-encoding': encoding } : {}) } });
  before(async () => {
    p = await createTestPlatform();
    await seedMiniRegion(p.context.database.db);
    // No answer of the small test region is that big: a page of 200 KB of varied text.
    const big = Array.from({ length: 6000 }, (_, i) => `<p>ligne ${i * 7919} de la page</p>`).join('');
    p.app.get('/test-big-page', async (_req, reply) => reply.type('text/html; charset=utf-8').send(big));
  });
  after(() => p.close());

  test('an answer over 8 KiB is compressed at once, with its length, in brotli or gzip', async () => {
    const plain = await get('/api/v1/openapi.json');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    // Over the plugin's own limit on two cores (8 KiB), under ours.
    assert.ok(
      plain.rawPayload.length > 8 * 1024 && plain.rawPayload.length < 128 * 1024,
      `${plain.rawPayload.length}`,
    );
    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const res = await get('/api/v1/openapi.json', `${encoding}, identity`);
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(res.headers['content-length'], String(res.rawPayload.length));
      assert.ok(res.rawPayload.length < plain.rawPayload.length / 2);
      assert.equal(decode(res.rawPayload).toString('utf8'), plain.body);
    }
  });

  test('an answer over 128 KiB is streamed', async () => {
    const plain = await get('/test-big-page');
    assert.ok(plain.rawPayload.length > 128 * 1024, `${plain.rawPayload.length}`);
    const res = await get('/test-big-page', 'br');
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(brotliDecompressSync(res.rawPayload).toString('utf8'), plain.body);
  });
});
