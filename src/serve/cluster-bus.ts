/**
 * The event bus of one worker of a multi-process `comptoir serve` on SQLite: events are delivered
 * to this worker's subscribers at once and sent to the primary over the cluster IPC channel, which
 * forwards them to every other worker (their search facts, SSE streams and caches stay current).
 * On PostgreSQL workers use the LISTEN/NOTIFY bus instead, like separate instances.
 */
import { type DomainEvents, type EventName, InProcessEventBus } from '../modules/events/index.ts';
import { type EventMessage, isEventMessage } from './cluster-messages.ts';

/** A worker's bus: local delivery plus relay through the primary. */
export class ClusterEventBus extends InProcessEventBus {
  readonly #workerId: number;
  readonly #channel: Pick<NodeJS.Process, 'on' | 'off' | 'send'>;
  readonly #onMessage = (m: unknown) => {
    if (isEventMessage(m) && m.from !== this.#workerId) this.deliverLocal(m.name, m.payload as never);
  };
  #closed = false;

  /**
   * @param workerId this worker's cluster id.
   * @param channel the IPC endpoint (`process` in a cluster worker).
   */
  constructor(workerId: number, channel: Pick<NodeJS.Process, 'on' | 'off' | 'send'>) {
    super();
    if (!channel.send) throw new Error('ClusterEventBus needs an IPC channel (a cluster worker)');
    this.#workerId = workerId;
    this.#channel = channel;
    channel.on('message', this.#onMessage);
  }

  override async publish<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    this.deliverLocal(name, payload);
    if (this.#closed) return;
    const message: EventMessage = { t: 'comptoir:event', from: this.#workerId, name, payload };
    const sent = new Promise<void>((resolve) => {
      try {
        this.#channel.send?.(message, undefined, undefined, () => resolve());
      } catch {
        // The primary is gone (shutdown): the other workers are stopping too.
        resolve();
      }
    });
    this.track(sent);
    return sent;
  }

  override async close(): Promise<void> {
    this.#closed = true;
    this.#channel.off('message', this.#onMessage);
    await super.close();
  }
}
