/**
 * Logs each event-loop stall of at least STALL_LOG_MS with what ran during it (docs/PERFORMANCE.md,
 * "Writes in the mix"): a stall holds every request of the process, and /metrics only says how long
 * the longest was. A 20 ms timer notices a late tick. Between two ticks every request that reaches
 * its handler or is answered is a mark (time, route); the longest gap between consecutive marks is
 * where the loop was held, and the marks around it name it: `GET /x start` → `GET /x answered` is
 * that request's own synchronous work; a gap that begins at the tick or ends at it with no request
 * in between was work outside requests (a timer's, a checkpoint, garbage collection).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** Shortest stall logged. */
export const STALL_LOG_MS = 50;
const TICK_MS = 20;

/** Installs the stall log on an app (before it is ready); stops with the app. */
export function logLoopStalls(app: FastifyInstance): void {
  let lastMark = performance.now();
  let lastLabel = 'tick';
  let gap = 0;
  let gapFrom = '';
  let gapTo = '';
  const mark = (label: string) => {
    const now = performance.now();
    if (now - lastMark > gap) {
      gap = now - lastMark;
      gapFrom = lastLabel;
      gapTo = label;
    }
    lastMark = now;
    lastLabel = label;
  };
  const route = (req: FastifyRequest) => `${req.method} ${req.routeOptions.url ?? 'unmatched'}`;
  app.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    mark(`${route(req)} start`);
    done();
  });
  app.addHook('onResponse', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    mark(`${route(req)} answered`);
    done();
  });
  let lastTick = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const stall = now - lastTick - TICK_MS;
    lastTick = now;
    mark('tick');
    if (stall >= STALL_LOG_MS)
      app.log.warn(
        { stall_ms: Math.round(stall), gap_ms: Math.round(gap), from: gapFrom, to: gapTo },
        'event loop stalled',
      );
    gap = 0;
  }, TICK_MS);
  timer.unref();
  app.addHook('onClose', (_app, done) => {
    clearInterval(timer);
    done();
  });
}
