/**
 * The primary's hand-out of connections (src/serve/cluster-connections.ts): in turn, whatever the
 * workers are doing, so 16 connections opened together are split 8/8 (Node's cluster primary
 * gives the next one to whichever worker acknowledged first, and measured 6/10 to 4/12 under
 * load); a worker holding 2 or more above the fewest is skipped; a worker's reported closes and
 * its exit are counted. Real connections to a real listening socket; the workers are stand-ins
 * that record what they are sent.
 */
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { createConnectionBalancer, listenUrl } from '../../src/serve/cluster-connections.ts';

interface StandIn {
  worker: Worker;
  received: Socket[];
}

function standIn(id: number): StandIn {
  const received: Socket[] = [];
  const worker = {
    id,
    isConnected: () => true,
    send(message: { t: string }, handle: Socket, cb: (err: Error | null) => void) {
      assert.equal(message.t, 'comptoir:connection');
      received.push(handle);
      cb(null);
      return true;
    },
  } as unknown as Worker;
  return { worker, received };
}

/** Resolves once `n` connections in all have been handed to the stand-ins. */
async function handedOut(workers: StandIn[], n: number) {
  const total = () => workers.reduce((a, w) => a + w.received.length, 0);
  while (total() < n) await new Promise((r) => setImmediate(r));
}

describe('connections handed to the workers in turn', () => {
  const clients: Socket[] = [];
  const balancers: ReturnType<typeof createConnectionBalancer>[] = [];
  after(() => {
    for (const c of clients) c.destroy();
    for (const b of balancers) b.close();
  });

  async function setUp(count: number) {
    const balancer = createConnectionBalancer();
    balancers.push(balancer);
    const workers = Array.from({ length: count }, (_, i) => standIn(i + 1));
    const urls = await Promise.all(
      workers.map((w) => balancer.accept(w.worker, { t: 'comptoir:accept', port: 0, host: '127.0.0.1' })),
    );
    assert.equal(new Set(urls).size, 1, 'one listening socket for every worker');
    const url = new URL(urls[0]!);
    assert.equal(url.hostname, 'localhost');
    const open = (n: number) =>
      Array.from({ length: n }, () => {
        const c = connect(Number(url.port), '127.0.0.1');
        clients.push(c);
        return c;
      });
    return { balancer, workers, open };
  }

  test('16 connections opened together: 8 to each of 2 workers, in turn', async () => {
    const { balancer, workers, open } = await setUp(2);
    open(16);
    await handedOut(workers, 16);
    assert.deepEqual(
      workers.map((w) => w.received.length),
      [8, 8],
    );
    assert.deepEqual([...balancer.counts()].sort(), [
      [1, 8],
      [2, 8],
    ]);
  });

  test('a worker holding 2 or more above the fewest is skipped until the others catch up', async () => {
    const { balancer, workers, open } = await setUp(2);
    const [a, b] = workers as [StandIn, StandIn];
    open(4);
    await handedOut(workers, 4);
    assert.deepEqual([a.received.length, b.received.length], [2, 2]);
    // b's two connections close: a holds 2, b none; a's turn comes next but goes to b.
    balancer.closed(b.worker);
    balancer.closed(b.worker);
    open(1);
    await handedOut(workers, 5);
    assert.deepEqual([a.received.length, b.received.length], [2, 3]);
    // 2 against 1: in turn again, a first.
    open(1);
    await handedOut(workers, 6);
    assert.deepEqual([a.received.length, b.received.length], [3, 3]);
    assert.deepEqual([...balancer.counts()].sort(), [
      [1, 3],
      [2, 1],
    ]);
  });

  test('a worker that exited gets no more connections', async () => {
    const { balancer, workers, open } = await setUp(2);
    balancer.remove(workers[0]!.worker);
    open(3);
    await handedOut(workers, 3);
    assert.deepEqual(
      workers.map((w) => w.received.length),
      [0, 3],
    );
  });
});

test('listenUrl names loopback localhost and brackets IPv6', () => {
  assert.equal(listenUrl({ address: '127.0.0.1', family: 'IPv4', port: 3000 }), 'http://localhost:3000');
  assert.equal(listenUrl({ address: '0.0.0.0', family: 'IPv4', port: 80 }), 'http://0.0.0.0:80');
  assert.equal(listenUrl({ address: '::1', family: 'IPv6', port: 8080 }), 'http://[::1]:8080');
});
