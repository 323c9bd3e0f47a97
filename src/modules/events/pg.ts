import { randomUUID } from 'node:crypto';
import { debuglog } from 'node:util';
import pg from 'pg';
import { type DomainEvents, type EventName, InProcessEventBus } from './bus.ts';

/** Debug output of the relay (`NODE_DEBUG=comptoir-events`). */
const debug = debuglog('comptoir-events');

/** PostgreSQL limits a NOTIFY payload to 8000 bytes; events are batched below that. */
export const MAX_NOTIFY_BYTES = 7900;

/** Options of a PostgreSQL event bus. */
export interface PgEventBusOptions {
  /**
   * Where a lost LISTEN connection and each failed reconnection go (other instances' events are
   * missed meanwhile). Default: the process's warning channel, as the bus's handler failures.
   */
  warn?: (err: unknown, message: string) => void;
}

interface Envelope {
  i: string;
  e: [EventName, unknown][];
}

/**
 * Event bus across instances sharing one PostgreSQL database: events are delivered to local
 * subscribers at once and relayed to the other instances with NOTIFY on a channel named after
 * the schema (several test schemas on one server never see each other's events). A dedicated
 * client LISTENs and reconnects after errors. Events published in the same tick are sent in
 * batches of at most MAX_NOTIFY_BYTES per notification.
 */
export class PgEventBus extends InProcessEventBus {
  readonly instanceId = randomUUID();
  readonly #pool: pg.Pool;
  readonly #channel: string;
  #listener: pg.Client | undefined;
  #closed = false;
  #queue: [EventName, unknown][] = [];
  #flushing: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Resolves when the LISTEN connection is established (again). */
  ready: Promise<void>;
  readonly #warn: (err: unknown, message: string) => void;

  private constructor(pool: pg.Pool, channel: string, opts: PgEventBusOptions) {
    super();
    this.#pool = pool;
    this.#channel = channel;
    this.#warn =
      opts.warn ??
      ((err, message) => process.emitWarning(`${message}: ${err instanceof Error ? err.message : err}`));
    this.ready = this.#listen();
  }

  static async create(pool: pg.Pool, opts: PgEventBusOptions = {}): Promise<PgEventBus> {
    const { rows } = await pool.query<{ s: string }>('select current_schema() as s');
    const channel = `comptoir_${(rows[0]?.s ?? 'public').replace(/[^a-z0-9_]/gi, '_')}`
      .slice(0, 63)
      .toLowerCase();
    const bus = new PgEventBus(pool, channel, opts);
    await bus.ready;
    return bus;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(this.#pool.options as pg.ClientConfig);
    client.on('notification', (msg) => {
      if (msg.channel !== this.#channel || !msg.payload) return;
      try {
        const env = JSON.parse(msg.payload) as Envelope;
        if (env.i === this.instanceId) return;
        for (const [name, payload] of env.e) this.deliverLocal(name, payload as never);
      } catch (err) {
        // Only our own instances NOTIFY on this channel; a payload we cannot read is dropped.
        debug('unreadable notification dropped: %o', err);
      }
    });
    const lost = (err: unknown) => {
      // A client not (or no longer) the listener: its failure is its connect's rejection, or after close.
      if (!this.#closed && this.#listener === client)
        this.#warn(err, "LISTEN connection lost, other instances' events are missed until it reconnects");
      this.#reconnect(client);
    };
    client.on('error', lost);
    // The server may also close it without an error (a restart): the same loss.
    client.on('end', () => lost(new Error('LISTEN connection ended')));
    await client.connect();
    await client.query(`LISTEN "${this.#channel}"`);
    // Closed while this (re)connection was under way: its socket would keep the process alive.
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#listener = client;
  }

  #reconnect(client: pg.Client): void {
    if (this.#closed || this.#listener !== client) return;
    this.#listener = undefined;
    // The connection already failed; ending it only frees the socket, so a failure here changes nothing.
    client.end().catch((err) => debug('closing the failed LISTEN connection: %s', err.message));
    const attempt = (delay: number) => {
      this.#reconnectTimer = setTimeout(() => {
        if (this.#closed) return;
        this.ready = this.#listen().catch((err) => {
          const next = Math.min(delay * 2, 10_000);
          this.#warn(err, `LISTEN reconnection failed, next try in ${next} ms`);
          attempt(next);
        });
      }, delay);
    };
    attempt(200);
  }

  override async publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    this.deliverLocal(name, payload);
    this.#queue.push([name, payload]);
    if (!this.#flushing) {
      this.#flushing = Promise.resolve().then(() => this.#flush());
      // #flush never rejects (a failed NOTIFY only costs the other instances these events).
      this.track(this.#flushing);
    }
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const events = this.#queue;
    this.#queue = [];
    this.#flushing = undefined;
    if (this.#closed || !events.length) return;
    const payloads: string[] = [];
    let batch: [EventName, unknown][] = [];
    const head = `{"i":"${this.instanceId}","e":`;
    let size = head.length + 3;
    for (const ev of events) {
      const len = Buffer.byteLength(JSON.stringify(ev)) + 1;
      if (len + head.length + 3 > MAX_NOTIFY_BYTES) continue; // never happens for our small events
      if (size + len > MAX_NOTIFY_BYTES && batch.length) {
        payloads.push(JSON.stringify({ i: this.instanceId, e: batch }));
        batch = [];
        size = head.length + 3;
      }
      batch.push(ev);
      size += len;
    }
    if (batch.length) payloads.push(JSON.stringify({ i: this.instanceId, e: batch }));
    try {
      await this.#pool.query('select pg_notify($1, p) from unnest($2::text[]) as p', [
        this.#channel,
        payloads,
      ]);
    } catch (err) {
      // Other instances miss these events (their stock and search facts go stale until their next
      // read); local subscribers already have them.
      this.#warn(
        err,
        `NOTIFY failed, other instances miss ${events.length} event${events.length === 1 ? '' : 's'}`,
      );
    }
  }

  override async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const l = this.#listener;
    this.#listener = undefined;
    await l?.end().catch((err) => debug('closing the LISTEN connection at shutdown: %s', err.message));
    await super.close();
  }
}
