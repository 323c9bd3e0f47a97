/**
 * The messages between the primary of a multi-process `comptoir serve` and its workers over the
 * cluster IPC channel (docs/decisions/0008). Kept free of application imports: the primary
 * (src/serve/cluster-primary.ts) reads them without loading the app.
 */
import type { EventName } from '../modules/events/index.ts';

/** An event on the IPC channel (worker → primary → the other workers). */
export interface EventMessage {
  t: 'comptoir:event';
  /** The id of the worker that published it (the primary does not send it back there). */
  from: number;
  name: EventName;
  payload: unknown;
}

/** True when an IPC message is a relayed event. */
export function isEventMessage(m: unknown): m is EventMessage {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'comptoir:event';
}

/** Messages between the primary and its workers (besides relayed events and rate-limit counts). */
export type ControlMessage = { t: 'comptoir:ready' } | { t: 'comptoir:all-ready' } | { t: 'comptoir:stop' };

/** True when an IPC message is a control message. */
export function isControl(m: unknown): m is ControlMessage {
  return typeof m === 'object' && m !== null && String((m as { t?: unknown }).t).startsWith('comptoir:');
}

/**
 * Worker → primary → the other workers: a search whose text the sender answered for the first
 * time, which they replay while idle (cluster-search-warm.ts).
 */
export interface SearchedMessage {
  t: 'comptoir:searched';
  from: number;
  /** The request's query string (without `?`). */
  qs: string;
}

/** True for a relayed first search. */
export function isSearchedMessage(m: unknown): m is SearchedMessage {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'comptoir:searched';
}
