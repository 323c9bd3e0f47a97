/**
 * Connections of a multi-process server handed to the workers in turn, evenly
 * (docs/PERFORMANCE.md, "The 16-connection tail", session 2026-12-05e). Node's cluster primary
 * hands a new connection to whichever worker acknowledged its previous one first: when clients
 * open their keep-alive connections together (a proxy's pool, a load test), a worker busy with a
 * request acknowledges late and the other takes more (6/10, 4/12 of 16 in measured runs). A
 * connection stays with its worker for its life, so the worker holding more serves each of its
 * clients that much later; at 16 connections the p95 of realistic searches rose 16-28 % over an
 * even split in those runs. Here the primary listens itself and passes each new connection,
 * before reading any of its bytes, to the next worker in turn over the IPC channel (as the cluster
 * module does), whether or not that worker is busy; it counts each worker's open connections (the
 * worker reports every close) and skips a worker holding 2 or more above the fewest. Kept free
 * of application imports: the lean primary loads it.
 */
import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/** A worker asks the primary to listen (once, for all) and to hand it connections. */
export interface AcceptMessage {
  t: 'comptoir:accept';
  port: number;
  host: string;
}
/** Primary → worker: a new connection (the socket travels as the message's handle). */
export interface ConnectionMessage {
  t: 'comptoir:connection';
}
/** Worker → primary: one of its connections closed. */
export interface ClosedMessage {
  t: 'comptoir:connection-closed';
}

const typeOf = (m: unknown) => (typeof m === 'object' && m !== null ? (m as { t?: unknown }).t : undefined);
/** True for a worker's request to be handed connections. */
export const isAcceptMessage = (m: unknown): m is AcceptMessage => typeOf(m) === 'comptoir:accept';
/** True for a worker's report of a closed connection. */
export const isClosedMessage = (m: unknown): m is ClosedMessage => typeOf(m) === 'comptoir:connection-closed';

/** The URL a server listening at `a` announces (loopback named localhost, as a worker's was). */
export function listenUrl(a: AddressInfo): string {
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`.replace('://127.0.0.1', '://localhost');
}

/**
 * The primary's side: `accept` listens on the first worker's request (every worker has the same
 * PORT and HOST) and resolves with the server's URL; from then on each new connection goes to the
 * next accepting worker in turn (see `pick`).
 */
export function createConnectionBalancer() {
  const accepting: Worker[] = [];
  const open = new Map<number, number>();
  let turn = 0;
  let server: Server | undefined;
  let listening: Promise<string> | undefined;

  /**
   * The next worker in turn, unless it holds at least 2 more open connections than the worker
   * with the fewest: then that one (the first of them in turn). In turn, consecutive connections
   * alternate whatever their lives; the bound corrects what uneven closes leave.
   */
  const pick = (): Worker | undefined => {
    const live = accepting.filter((w) => w.isConnected());
    if (!live.length) return undefined;
    const n = (w: Worker) => open.get(w.id) ?? 0;
    const fewest = Math.min(...live.map(n));
    let chosen = live[turn % live.length]!;
    if (n(chosen) - fewest >= 2)
      for (let i = 1; i < live.length; i++) {
        const w = live[(turn + i) % live.length]!;
        if (n(w) === fewest) {
          chosen = w;
          break;
        }
      }
    turn = (live.indexOf(chosen) + 1) % live.length;
    return chosen;
  };

  const handOut = (socket: Socket) => {
    const worker = pick();
    if (!worker) {
      socket.destroy();
      return;
    }
    open.set(worker.id, (open.get(worker.id) ?? 0) + 1);
    const message: ConnectionMessage = { t: 'comptoir:connection' };
    // The handle is closed in this process once sent; an error (the worker exiting) drops it.
    worker.send(message as never, socket as never, (err: Error | null) => {
      if (!err) return;
      open.set(worker.id, Math.max(0, (open.get(worker.id) ?? 1) - 1));
      socket.destroy();
    });
  };

  return {
    /** Registers `worker` as accepting, listening first if no worker asked before. */
    accept(worker: Worker, m: AcceptMessage): Promise<string> {
      listening ??= new Promise<string>((resolve, reject) => {
        // No byte is read here: the worker's HTTP parser gets them all. No Nagle delay, as Node's
        // HTTP server sets on the connections it accepts.
        server = createServer({ pauseOnConnect: true, noDelay: true }, handOut);
        server.once('error', reject);
        server.listen({ port: m.port, host: m.host }, () => {
          server!.off('error', reject);
          resolve(listenUrl(server!.address() as AddressInfo));
        });
      });
      return listening.then((url) => {
        if (!accepting.includes(worker)) accepting.push(worker);
        return url;
      });
    },
    /** A worker reported a closed connection. */
    closed(worker: Worker): void {
      open.set(worker.id, Math.max(0, (open.get(worker.id) ?? 1) - 1));
    },
    /** A worker exited: it gets no more connections. */
    remove(worker: Worker): void {
      const i = accepting.indexOf(worker);
      if (i >= 0) accepting.splice(i, 1);
      open.delete(worker.id);
    },
    /** Open connections per worker id (for tests and operators). */
    counts(): Map<number, number> {
      return new Map(open);
    },
    /** Stops listening (connections already handed out stay with their workers). */
    close(): void {
      server?.close();
    },
  };
}

/**
 * The worker's side: asks its primary to listen on `port` / `host` and serves on `server` (an
 * HTTP server that does not listen itself) every connection the primary hands it, reporting each
 * close. `drain` (at shutdown) closes idle connections until none is left or `ms` passed, so
 * requests in progress finish as they would with a listening server's close.
 */
export function acceptFromPrimary(
  server: HttpServer,
  port: number,
  host: string,
  channel: NodeJS.Process = process,
) {
  const sockets = new Set<Socket>();
  // What a listening HTTP server does on 'listening': track its connections, so that its request
  // and header timeouts hold and closeIdleConnections (below, and in close()) finds them.
  server.emit('listening');
  channel.on('message', (m: unknown, handle: unknown) => {
    if (typeOf(m) !== 'comptoir:connection' || !handle) return;
    const socket = handle as Socket;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (channel.connected) channel.send?.({ t: 'comptoir:connection-closed' } satisfies ClosedMessage);
    });
    server.emit('connection', socket);
  });
  channel.send?.({ t: 'comptoir:accept', port, host } satisfies AcceptMessage);
  return {
    /** Open connections. */
    get open() {
      return sockets.size;
    },
    async drain(ms: number): Promise<void> {
      const deadline = performance.now() + ms;
      while (sockets.size && performance.now() < deadline) {
        server.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const s of sockets) s.destroy();
    },
  };
}
