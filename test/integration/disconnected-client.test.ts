import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

// Under load a request can wait in the server's queue until its client gives up. By the time the
// rate limit looks at it the socket is gone and `req.ip` is undefined: the plugin's default key
// generator threw, the server logged an error and tried to answer 500. The test closes the socket
// before the app sees the request instead of relying on timing.
let p: TestPlatform;
let port = 0;
const logs: string[] = [];
const seenIps: (string | undefined)[] = [];

before(async () => {
  p = await createTestPlatform({ LOG_LEVEL: 'info' }, { logs });
  // Closed before Fastify routes the request, as when the client hung up while it was queued: the
  // socket has not been asked its peer yet, so its address is gone (as observed under load).
  p.app.server.prependListener('request', (req) => {
    if (req.headers['x-test-disconnect'] === '1') req.socket.destroy();
  });
  p.app.addHook('onRequest', async (req) => {
    if (req.headers['x-test-disconnect'] === '1') seenIps.push(req.ip);
  });
  await p.app.listen({ port: 0, host: '127.0.0.1' });
  port = (p.app.server.address() as AddressInfo).port;
});
after(() => p.close());

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; error?: string }>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

test('a rate-limited request whose client is gone logs no error, and the server keeps answering', async () => {
  for (const path of ['/api/v1/suggest?q=sirop', '/api/v1/search?q=sirop']) {
    const gone = await get(path, { 'x-test-disconnect': '1' });
    assert.equal(gone.status, undefined, `${path}: nothing is answered on a closed socket`);
    assert.ok(gone.error, `${path}: the client sees its connection closed`);
  }
  assert.deepEqual(seenIps, [undefined, undefined], 'the requests reached the app without an address');
  assert.deepEqual((await get('/api/v1/suggest?q=sirop')).status, 200);
  // Every request is logged on completion; by then the two abandoned ones have gone through.
  const entries = logs.map((l) => JSON.parse(l) as { level: number; err?: { message?: string } });
  const errors = entries.filter((e) => e.level >= 50).map((e) => e.err?.message);
  assert.deepEqual(errors, []);
});
