// A probe loaded into every server process by bench/search-tail.ts (NODE_OPTIONS=--import this
// file): it records, per HTTP request, when the client sent it (its `x-tail-sent` header, a
// wall-clock time in ms from performance.timeOrigin + now), when this process began it, when the
// route's handler began and returned, when the response finished, and this thread's CPU time
// at those points; every GC pause (perf_hooks `gc` entries); every first-search replay
// (src/serve/cluster-search-warm.ts) and warm-up turn (src/modules/search/warm-up.ts) with its
// thread CPU, from their diagnostics channels; and the event-loop delay, one histogram per second
// (p50, p99, max). Nothing is printed: at exit the
// process writes it all as JSON to TAIL_PROBE_DIR/<pid>.json, which the bench reads. It changes
// nothing in the server's answers; it costs a few microseconds per request.
import { subscribe, tracingChannel } from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const dir = process.env.TAIL_PROBE_DIR;
const origin = performance.timeOrigin;
const now = () => origin + performance.now();
const cpu = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** One request: times in ms since the epoch (fractional), CPU in ms of this thread. */
export interface Rec {
  url: string;
  sent: number;
  start: number;
  handlerStart: number;
  handlerEnd: number;
  end: number;
  cpuStart: number;
  cpuHandlerStart: number;
  cpuHandlerEnd: number;
  cpuEnd: number;
  socket: number;
  status: number;
}

if (dir) {
  const recs: Rec[] = [];
  const gcs: [number, number, number][] = [];
  const byRes = new WeakMap<ServerResponse, Rec>();
  const byReq = new WeakMap<IncomingMessage, Rec>();
  const sockets = new WeakMap<object, number>();
  let socketCount = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // [kind, start, end, cpu ms]: kind 0 a replay, 1 a browse warm-up turn, 2 a text warm-up turn.
  const background: [number, number, number, number][] = [];
  subscribe('comptoir:search-replay', (m) => {
    const r = m as { start: number; end: number; cpuMs: number };
    background.push([0, origin + r.start, origin + r.end, r.cpuMs]);
  });
  subscribe('comptoir:search-warm-up', (m) => {
    const r = m as { phase: string; start: number; end: number; cpuMs: number };
    background.push([r.phase === 'browse' ? 1 : 2, origin + r.start, origin + r.end, r.cpuMs]);
  });
  // The loop's delay per second: [wall at its end, p50, p99, max] in ms.
  const delays: [number, number, number, number][] = [];
  setInterval(() => {
    delays.push([now(), loop.percentile(50) / 1e6, loop.percentile(99) / 1e6, loop.max / 1e6]);
    loop.reset();
  }, 1000).unref();

  subscribe('http.server.request.start', (m) => {
    const { request, response, socket } = m as {
      request: IncomingMessage;
      response: ServerResponse;
      socket: object;
    };
    const sent = Number(request.headers['x-tail-sent']);
    if (!Number.isFinite(sent)) return;
    let s = sockets.get(socket);
    if (s === undefined) {
      s = ++socketCount;
      sockets.set(socket, s);
    }
    const t = now();
    const c = cpu();
    const rec: Rec = {
      url: request.url ?? '',
      sent,
      start: t,
      handlerStart: 0,
      handlerEnd: 0,
      end: 0,
      cpuStart: c,
      cpuHandlerStart: 0,
      cpuHandlerEnd: 0,
      cpuEnd: 0,
      socket: s,
      status: 0,
    };
    byRes.set(response, rec);
    byReq.set(request, rec);
  });
  subscribe('http.server.response.finish', (m) => {
    const { response } = m as { response: ServerResponse };
    const rec = byRes.get(response);
    if (!rec) return;
    rec.end = now();
    rec.cpuEnd = cpu();
    rec.status = response.statusCode;
    recs.push(rec);
  });
  const handler = tracingChannel('fastify.request.handler');
  const recOf = (store: unknown) => byReq.get((store as { request: { raw: IncomingMessage } }).request.raw);
  handler.subscribe({
    start(store) {
      const rec = recOf(store);
      if (!rec) return;
      rec.handlerStart = now();
      rec.cpuHandlerStart = cpu();
    },
    end() {},
    asyncStart(store) {
      const rec = recOf(store);
      if (!rec) return;
      rec.handlerEnd = now();
      rec.cpuHandlerEnd = cpu();
    },
    asyncEnd() {},
    error() {},
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcs.push([origin + e.startTime, e.duration, kind]);
    }
  }).observe({ entryTypes: ['gc'] });

  process.on('exit', () => {
    if (!recs.length) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${process.pid}.json`),
      JSON.stringify({
        pid: process.pid,
        recs,
        gcs,
        background,
        delays,
        // The V8 heap at exit (MB): what the young-generation and heap-growth flags change.
        heapMb: Object.fromEntries(
          Object.entries(getHeapStatistics())
            .filter(([k]) => /size|memory/.test(k))
            .map(([k, v]) => [k, Math.round((v as number) / 2 ** 20)]),
        ),
        rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
      }),
    );
  });
}
