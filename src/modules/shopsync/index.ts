/**
 * Shop sync (issue 17): a merchant connects their Shopify shop (custom-app Admin API token and
 * webhook secret) or their Square account (access token, environment and webhook signature key)
 * once, encrypted at rest with SHOP_TOKEN_KEY; the catalogue and stock are pulled (first sync,
 * paged and resumable), kept in sync by the shop's webhooks and an hourly reconciliation, and
 * Comptoir orders decrement the shop's stock. Owns the `shopsync_*` tables; writes products and
 * stock only through the imports and inventory public APIs.
 */
import './shopsync.tables.ts';

/** AES-256-GCM at rest: the key from SHOP_TOKEN_KEY, encrypt/decrypt of a credential. */
export { decryptSecret, encryptSecret, shopTokenKey } from './crypto.ts';
/** The Shopify Admin API version used, the shop domain rule and the webhook signature check. */
export { SHOP_DOMAIN_RE, SHOPIFY_API_VERSION, verifyShopifyHmac } from './shopify.ts';
export {
  /** Connects (or reconnects) a Shopify shop: checks the token, stores it encrypted, maps locations. */
  connectShopify,
  /** Disconnects: credentials erased, products and stock kept. */
  disconnect,
  /** A Shopify webhook delivery: signature, de-duplication, then applied. */
  handleShopifyWebhook,
  /** The operators' view of every merchant's sync log. */
  operatorLog,
  /** Queues and sends the shop stock decrements of a placed Comptoir order (idempotent). */
  queueOrderPush,
  /** Queues and sends the units a cancelled Comptoir order gives back to the shop (idempotent). */
  queueOrderReturn,
  /** A sync pass of every active connection (the periodic reconciliation). */
  reconcileAll,
  /** Sends the shop stock decrements that are due (retries with backoff). */
  runPushes,
  /** One sync pass of a connection (resumes from the saved cursor). */
  runSync,
  /** Saves which shop location feeds which store. */
  saveLocationMap,
  /** Pauses or resumes a connection. */
  setPaused,
  /** The shop's locations, live from Shopify or Square. */
  shopLocations,
  /** Resolves when every running sync pass has finished. */
  shopSyncIdle,
  /** Starts or resumes the merchant's sync in the background. */
  startSync,
  /** The merchant's status page data. */
  syncStatus,
} from './shopsync.service.ts';
export {
  /** Applies the Square catalogue changes since the last catch-up (what `catalog.version.updated` runs). */
  catchUpCatalog,
  /** Connects (or reconnects) a Square account: checks the token, stores it encrypted, maps locations. */
  connectSquare,
  /** A Square event notification: signature over URL + body, de-duplication by event_id, then applied. */
  handleSquareWebhook,
  /** True when the region's Square application (OAuth) is configured. */
  squareOAuthConfigured,
  /** Square's return from OAuth: state checked, code exchanged, account connected. */
  squareOAuthFinish,
  /** The Square authorize URL for the merchant (signed, expiring state). */
  squareOAuthStart,
} from './square.service.ts';
/** Square's API hosts and version, and its notification signature check. */
export { SQUARE_HOSTS, SQUARE_VERSION, verifySquareSignature } from './square.ts';
export {
  /** What the sync needs from the platform. */
  type ShopSyncDeps,
  /** How a sync pass ended. */
  type SyncOutcome,
  /** True when SHOP_TOKEN_KEY is set to a usable key. */
  shopSyncConfigured,
  /** What the webhook endpoint answers. */
  type WebhookOutcome,
} from './sync-core.ts';
