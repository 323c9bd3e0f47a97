/**
 * A text's first search in one worker, replayed by the others while idle
 * (src/serve/cluster-search-warm.ts): a worker reports a text the first time it answers it (case
 * and spaces aside), never again, and never a text it learnt from another worker; it replays each
 * text another worker reports once, with the query that worker answered (parsed by the route's
 * schema), and never a text it answered itself or its own report; a benchmark's probe that
 * subscribes to its diagnostics channel gets each replay's interval and CPU. PostgreSQL: off (a
 * replay's cost is the database's). A real app on the mini region; the IPC channel is a stand-in.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { rebuildSearchIndex, type SearchQuery } from '../../src/modules/search/index.ts';
import type { SearchedMessage } from '../../src/serve/cluster-messages.ts';
import { type ReplayTiming, relayFirstSearches, replayChannel } from '../../src/serve/cluster-search-warm.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { approveMerchants } from '../helpers/factories.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { AYLMER, searchNearAylmer } from '../helpers/search-api.ts';
import { waitFor } from '../helpers/wait.ts';

class Channel extends EventEmitter {
  sent: SearchedMessage[] = [];
  send(m: SearchedMessage) {
    this.sent.push(m);
    return true;
  }
}

describe('first searches relayed between workers', () => {
  let p: TestPlatform;
  const channel = new Channel();
  const replayed: SearchQuery[] = [];
  let stop: () => void;

  before(async () => {
    p = await createTestPlatform();
    const region = await seedMiniRegion(p.testDb.database.db);
    await approveMerchants(p.testDb.database.db, region);
    await rebuildSearchIndex(p.testDb.database);
    stop = relayFirstSearches(p.app, p.testDb.database, 1, channel as never, async (params) => {
      replayed.push(params);
    });
    await p.app.ready();
  });
  after(async () => {
    stop?.();
    await p?.close();
  });

  test('a text answered for the first time is reported once, with its query', async () => {
    await searchNearAylmer(p, 'Sirop');
    await searchNearAylmer(p, ' sirop ');
    await searchNearAylmer(p, 'SIROP');
    if (TEST_DB_KIND !== 'sqlite') return assert.deepEqual(channel.sent, [], 'off on PostgreSQL');
    assert.equal(channel.sent.length, 1);
    const [m] = channel.sent;
    assert.equal(m!.t, 'comptoir:searched');
    assert.equal(m!.from, 1);
    const qs = new URLSearchParams(m!.qs);
    assert.equal(qs.get('q'), 'Sirop');
    assert.equal(qs.get('lat'), String(AYLMER.lat));
  });

  test("another worker's first search is replayed once, parsed; known texts and own reports are not", {
    skip: TEST_DB_KIND !== 'sqlite' && 'off on PostgreSQL',
  }, async () => {
    const from2 = (qs: string): SearchedMessage => ({ t: 'comptoir:searched', from: 2, qs });
    channel.emit('message', from2(`q=miel&lat=${AYLMER.lat}&lng=${AYLMER.lng}&radius_km=25&per_page=5`));
    channel.emit('message', from2('q=Miel&lat=45.5&lng=-75.7')); // the same text: once
    channel.emit('message', from2('q=sirop&lat=45.5&lng=-75.7')); // answered here already
    channel.emit('message', { ...from2('q=pommes&lat=45.5&lng=-75.7'), from: 1 }); // this worker's own
    channel.emit('message', { t: 'comptoir:event', from: 2, name: 'x', payload: {} }); // not a search
    await waitFor(() => replayed.length >= 1, { what: 'the replay' });
    // A later text arrives after the first replay: both run, in order, and nothing else.
    channel.emit('message', from2('q=bottes&lat=45.5&lng=-75.7'));
    await waitFor(() => replayed.length >= 2, { what: 'the second replay' });
    assert.equal(replayed.length, 2);
    assert.deepEqual(
      replayed.map((r) => [r.q, r.lat, r.lng]),
      [
        ['miel', AYLMER.lat, AYLMER.lng],
        ['bottes', 45.5, -75.7],
      ],
    );
    assert.equal(replayed[0]!.per_page, 5);
    // A text learnt from another worker is not reported again when answered here.
    const before = channel.sent.length;
    await searchNearAylmer(p, 'miel');
    assert.equal(channel.sent.length, before);
  });

  test('a subscribed probe gets each replay: its interval and thread CPU', {
    skip: TEST_DB_KIND !== 'sqlite' && 'off on PostgreSQL',
  }, async () => {
    const timings: ReplayTiming[] = [];
    const onTiming = (m: unknown) => timings.push(m as ReplayTiming);
    replayChannel.subscribe(onTiming);
    try {
      const count = replayed.length;
      const t0 = performance.now();
      channel.emit('message', { t: 'comptoir:searched', from: 2, qs: 'q=cidre&lat=45.5&lng=-75.7' });
      await waitFor(() => timings.length >= 1, { what: 'the replay timing' });
      assert.equal(replayed.length, count + 1);
      assert.equal(replayed.at(-1)!.q, 'cidre');
      assert.equal(timings.length, 1);
      const [t] = timings;
      assert.ok(t!.start >= t0 && t!.end >= t!.start && t!.end <= performance.now(), JSON.stringify(t));
      // Thread CPU within the wall time, up to the kernel's accounting of a running thread (a tick).
      assert.ok(t!.cpuMs >= 0 && t!.cpuMs <= t!.end - t!.start + 10, JSON.stringify(t));
    } finally {
      replayChannel.unsubscribe(onTiming);
    }
  });
});
