/**
 * A text's first search in one worker of a multi-process server, replayed by the other workers
 * while they are idle (docs/PERFORMANCE.md, "The 16-connection tail", session 2026-12-05e). Each
 * worker keeps its own caches (decision 0008: no shared memory), so each paid the first use of
 * every text (its hit lists read and scored, its lists regrouped, the page's texts read: 2-3× a
 * repeat) in a shopper's request, and a worker that had served little (after a quiet period, or
 * after a single connection's traffic) paid them all later, under load: measured, the worker that
 * had not served bench:search's 1-connection run answered 100-400 first uses in its 16-connection
 * run, the other none, at 20-40 % more CPU per search, and the tail queued behind it.
 *
 * Here a worker that answers a text for the first time sends the search (its query string) to the
 * primary, which relays it to the others; each replays it, once per text, only when its event loop
 * was mostly idle over the last tick (so requests never wait for a replay), and forgets it when
 * the queue is full. SQLite only: on PostgreSQL a replay's cost is the database's, which the loop's
 * idleness does not show.
 */
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { parse } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { type SearchQuery, search, searchQuery } from '../modules/search/index.ts';
import { isSearchedMessage, type SearchedMessage } from './cluster-messages.ts';

/** Texts remembered per worker (served or replayed); forgotten all at once beyond this. */
const MAX_TEXTS = 50_000;
/** Replays waiting; the newest are dropped beyond this (the loop has been busy for a while). */
const MAX_PENDING = 1_000;
/** How often the loop's idleness is looked at, and the share of that time it may have been busy. */
const TICK_MS = 25;
const MAX_BUSY = 0.5;
/** Replays per tick stop once they have used this much of it. */
const REPLAY_MS_PER_TICK = 20;
const SEARCH_PATH = '/api/v1/search';

/**
 * Each replay's wall interval and thread CPU, for a benchmark's probe (bench/search-tail-probe.ts):
 * published only while someone subscribes, so a server without the probe measures nothing.
 */
export const replayChannel = diagnosticsChannel('comptoir:search-replay');
/** What replayChannel publishes: times from performance.now(), CPU of this thread, in ms. */
export interface ReplayTiming {
  start: number;
  end: number;
  cpuMs: number;
}
const threadCpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** The text a search's query string asks for, as a key (case and spaces do not make another text). */
const textKey = (q: unknown) => (typeof q === 'string' ? q.trim().toLowerCase().slice(0, 500) : '');

/**
 * Installs the relay on a worker's app: reports each text's first search through `send`, and
 * replays the searches `onMessage` hands it (from the other workers) when idle. Returns a stop
 * function (the platform closing).
 */
export function relayFirstSearches(
  app: FastifyInstance,
  database: Database,
  workerId: number,
  channel: Pick<NodeJS.Process, 'on' | 'off' | 'send'> = process,
  replaySearch: (params: SearchQuery) => Promise<unknown> = (params) => search(database, params),
): () => void {
  if (database.kind !== 'sqlite') return () => {};
  const seen = new Set<string>();
  const remember = (key: string) => {
    if (seen.size >= MAX_TEXTS) seen.clear();
    seen.add(key);
  };
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode === 200 && req.routeOptions.url === SEARCH_PATH) {
      const key = textKey((req.query as { q?: unknown } | undefined)?.q);
      if (key && !seen.has(key)) {
        remember(key);
        const at = req.url.indexOf('?');
        const message: SearchedMessage = {
          t: 'comptoir:searched',
          from: workerId,
          qs: req.url.slice(at + 1),
        };
        try {
          channel.send?.(message);
        } catch (err) {
          // The primary is gone (shutdown): nothing to warm any more.
          app.log.debug({ err }, 'first search not relayed');
        }
      }
    }
    done();
  });

  const pending: string[] = [];
  const onMessage = (m: unknown) => {
    if (!isSearchedMessage(m) || m.from === workerId || pending.length >= MAX_PENDING) return;
    const key = textKey(parse(m.qs).q);
    if (!key || seen.has(key)) return;
    remember(key);
    pending.push(m.qs);
  };
  channel.on('message', onMessage);

  const replay = async (qs: string) => {
    const timed = replayChannel.hasSubscribers;
    const start = timed ? performance.now() : 0;
    const cpu0 = timed ? threadCpuMs() : 0;
    const params = searchQuery.safeParse(parse(qs));
    if (!params.success) return;
    try {
      await replaySearch(params.data);
    } catch (err) {
      // A replay only warms caches: a failure changes nothing for shoppers, but is not hidden.
      app.log.warn({ err }, 'search replay failed');
    }
    if (timed)
      replayChannel.publish({
        start,
        end: performance.now(),
        cpuMs: threadCpuMs() - cpu0,
      } satisfies ReplayTiming);
  };
  let last = performance.eventLoopUtilization();
  let replaying = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (replaying || !pending.length || busy > MAX_BUSY) return;
    replaying = true;
    const until = performance.now() + REPLAY_MS_PER_TICK;
    void (async () => {
      // One replay per turn of the loop: a request arriving meanwhile waits for one at most.
      while (pending.length && performance.now() < until) {
        await replay(pending.shift()!);
        await new Promise((r) => setImmediate(r));
      }
    })().finally(() => {
      replaying = false;
      // The replays' own time is not the shoppers': the next tick measures from here.
      last = performance.eventLoopUtilization();
    });
  }, TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    channel.off('message', onMessage);
    pending.length = 0;
  };
}
