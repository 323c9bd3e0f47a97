/**
 * Merchant webhooks: subscriptions, a delivery queue with exponential backoff, signed POSTs.
 *
 * Each delivery is a POST of a JSON body `{id, event, created_at, data}` with headers
 *   Comptoir-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *   Comptoir-Delivery: <delivery id>   (also the body's `id`; the same on every retry)
 *   Comptoir-Event: <event name>
 * Receivers recompute the HMAC over `t + "." + raw body` with the secret shown once at
 * creation, compare in constant time, and refuse timestamps older than a few minutes.
 * A 2xx answer marks the delivery done; anything else is retried after 30 s, 1, 2, 4... min
 * (doubling, at most 6 h) up to MAX_ATTEMPTS. Deliveries never go to private, loopback or
 * link-local addresses (every DNS answer is checked, and the checked address is the one
 * connected to) unless the operator sets WEBHOOKS_ALLOW_PRIVATE=1.
 */
export {
  /** True for loopback, private, link-local, CGNAT, multicast and documentation addresses. */
  isPrivateAddress,
  /** A `lookup` for http(s).request that connects only to the public address it checked. */
  publicLookup,
  /** Resolves a host and refuses it when any of its addresses is private (unless allowed). */
  resolvePublic,
} from './address-guard.ts';
export {
  /** Backoff before attempt n+1: 30 s × 2^(n-1), at most 6 hours. */
  backoffMs,
  /** A claimed delivery is sent again if its worker has not finished within this lease. */
  LEASE_MS,
  /** Attempts before a delivery is marked failed. */
  MAX_ATTEMPTS,
  /** Sends the deliveries that are due; returns how many were delivered and failed. */
  runWebhookWorker,
  /** The `Comptoir-Signature` header value for a body sent at `t` (unix seconds). */
  sign,
  /** A periodic in-process worker (failed rounds go to `onError`); stop() waits for the current round. */
  startWebhookWorker,
} from './delivery.service.ts';
export {
  /** Registers a webhook; the returned secret is shown once (it signs every delivery). */
  createWebhook,
  /** Deletes one of the merchant's webhooks; another merchant's id is a 404. */
  deleteWebhook,
  /** Queues an event for every webhook of the merchant subscribed to it (idempotent with a dedupe key). */
  enqueueEvent,
  /** Queues several events of one kind for a merchant (one webhook lookup, batched inserts). */
  enqueueEvents,
  /** Recent deliveries of a merchant, newest first. */
  listDeliveries,
  /** A merchant's webhooks (never the secret). */
  listWebhooks,
  /** Most webhooks a merchant may register. */
  MAX_WEBHOOKS_PER_MERCHANT,
  /** Events a webhook can subscribe to. */
  WEBHOOK_EVENTS,
  /** One of `WEBHOOK_EVENTS`. */
  type WebhookEvent,
  /** A webhook as listed (never the secret). */
  type WebhookView,
} from './webhooks.service.ts';
