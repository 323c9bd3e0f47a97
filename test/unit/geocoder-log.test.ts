/**
 * A geocoder that cannot answer still yields "no point" (a radius zone is then not offered), but
 * why reaches the log it is given: an error status, or no answer at all. No database involved.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { httpGeocoder } from '../../src/modules/geocoding/index.ts';

const address = (city: string) => ({ line1: '1 rue Principale', city, postal_code: 'J9B 1A1' });

test('a geocoder error status and an unreachable geocoder are logged; a good answer logs nothing', async () => {
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
    if (/Panne/.test(q)) {
      res.statusCode = 503;
      return res.end('busy');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify([{ lat: '45.4936', lon: '-75.7884' }]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const warnings: { obj: { status?: number; err?: unknown }; msg: string }[] = [];
  const log = { warn: (obj: unknown, msg: string) => warnings.push({ obj: obj as never, msg }) };
  try {
    const geo = httpGeocoder(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    assert.deepEqual(await geo(address('Chelsea'), log), { lat: 45.4936, lng: -75.7884 });
    assert.equal(warnings.length, 0);
    assert.equal(await geo(address('Panne'), log), undefined);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.obj.status, 503);
    assert.match(warnings[0]?.msg ?? '', /geocoder answered an error/);

    // Nothing listens there (port 1 is privileged and unused on test machines).
    const down = httpGeocoder('http://127.0.0.1:1');
    assert.equal(await down(address('Chelsea'), log), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[1]?.msg ?? '', /geocoder unreachable/);
    assert.ok(warnings[1]?.obj.err instanceof Error, 'with the error');
    // Without a log the failure stays an undefined point, as before.
    assert.equal(await down(address('Wakefield')), undefined);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
