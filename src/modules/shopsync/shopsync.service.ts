/**
 * Shop sync rules: connecting a Shopify shop, the first (resumable) sync and the reconciliation
 * pass, webhooks, and the stock adjustments Comptoir orders owe the shop. Every catalogue and
 * stock change goes through the import and inventory public APIs (the same paths as the merchant
 * API), so search, SSE `stock` events and outbound webhooks follow.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { stripHtml } from '../imports/index.ts';
import { merchantLocations } from '../inventory/index.ts';
import { getOrder } from '../orders/index.ts';
import { decryptSecret } from './crypto.ts';
import {
  adjustQuantities,
  fetchLocations,
  fetchProduct,
  fetchProductsPage,
  gid,
  legacyId,
  PRODUCTS_PER_PAGE,
  productImageUrls,
  ShopifyAuthError,
  ShopifyClient,
  type ShopifyProduct,
  verifyShopifyHmac,
} from './shopify.ts';
import {
  type ConnectionRow,
  claimPushes,
  countItems,
  insertPushes,
  type PushRow,
  selectActiveConnections,
  selectConnection,
  selectConnectionOfMerchant,
  selectDuePushes,
  selectItemErrors,
  selectItemsByProductIds,
  selectItemsOfShopProduct,
  selectLog,
  selectPushesOfOrder,
  selectPushProblems,
  updateConnection,
  updatePushes,
} from './shopsync.repository.ts';
import {
  type ConnectShopifyInput,
  connectShopifySchema,
  inventoryWebhookSchema,
  locationMapSchema,
  productWebhookSchema,
} from './shopsync.schemas.ts';
import { sendSquarePushes, squareAuthStatus, squareLocations, squareSource } from './square.service.ts';
import {
  applyProducts,
  applyStockLevel,
  archiveItems,
  connectShop,
  keyOf,
  locationMap,
  log,
  markReconnect,
  receiveWebhook,
  type ShopProduct,
  type ShopSyncDeps,
  type SyncOutcome,
  type SyncSource,
  syncPass,
  type WebhookOutcome,
} from './sync-core.ts';

/** The HTTP status when `err` is Shopify refusing the token, else undefined. */
const shopifyAuthStatus = (err: unknown) => (err instanceof ShopifyAuthError ? err.status : undefined);

function shopifyClient(deps: ShopSyncDeps, shop: string, token: string, maxAttempts?: number) {
  return new ShopifyClient({
    shop,
    token,
    apiBase: deps.config.SHOPIFY_API_BASE,
    fetchImpl: deps.fetchImpl,
    maxAttempts,
  });
}

/**
 * Logs (once per client) the fields Shopify reported deprecated: the warning to move them before a
 * later API version removes them and the sync silently loses them.
 */
async function logDeprecations(
  deps: ShopSyncDeps,
  conn: Pick<ConnectionRow, 'id' | 'merchant_id'>,
  client: ShopifyClient,
  logged: Set<string>,
) {
  const fresh = [...client.deprecations].filter((d) => !logged.has(d));
  if (!fresh.length) return;
  for (const d of fresh) logged.add(d);
  await log(deps.db, conn, 'warn', 'shopify_deprecated', fresh.join(', '));
}

function clientFor(
  deps: ShopSyncDeps,
  conn: Pick<ConnectionRow, 'shop_domain' | 'token_enc'>,
  opts: { maxAttempts?: number } = {},
) {
  return shopifyClient(deps, conn.shop_domain, decryptSecret(keyOf(deps), conn.token_enc), opts.maxAttempts);
}

/* ------------------------------------------------------------------ connection */

/**
 * Connects (or reconnects) the merchant's Shopify shop: the token is checked by reading the shop's
 * locations (a refused token is a field error), then stored encrypted with the webhook secret.
 * Shop locations are mapped to stores of the same name, or the only location to the default store.
 */
export function connectShopify(deps: ShopSyncDeps, merchantId: number, input: unknown) {
  return connectShop<ConnectShopifyInput>(deps, merchantId, input, {
    provider: 'shopify',
    schema: connectShopifySchema,
    otherShopField: 'shop_domain',
    fetchLocations: (v) => fetchLocations(shopifyClient(deps, v.shop_domain, v.access_token, 3)),
    authStatus: shopifyAuthStatus,
    refused: { field: 'access_token', message: 'shopsync.token_refused' },
    unreachable: { field: 'shop_domain', message: 'shopsync.shop_unreachable' },
    fields: (v, _existing, encrypt) => ({
      shop_domain: v.shop_domain,
      token_enc: encrypt(v.access_token),
      secret_enc: encrypt(v.webhook_secret),
    }),
    logDetail: (v) => v.shop_domain,
  });
}

/** The shop's locations as Shopify or Square lists them now (for the mapping form). */
export async function shopLocations(deps: ShopSyncDeps, merchantId: number) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (!conn || conn.status === 'disconnected') throw notFound('shop_connection');
  if (conn.provider === 'square') return squareLocations(deps, conn);
  try {
    return await fetchLocations(clientFor(deps, conn));
  } catch (err) {
    const auth = shopifyAuthStatus(err);
    if (auth !== undefined) await markReconnect(deps, conn, auth);
    throw err;
  }
}

/** Saves which shop location feeds which store (stores must be the merchant's). */
export async function saveLocationMap(deps: ShopSyncDeps, merchantId: number, input: unknown) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (!conn) throw notFound('shop_connection');
  const parsed = locationMapSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError([{ field: 'locations', message: 'field.invalid' }]);
  const stores = new Set([...(await merchantLocations(deps.db, merchantId)).values()].map((s) => s.id));
  for (const [loc, store] of Object.entries(parsed.data))
    if (store !== null && !stores.has(store))
      throw new ValidationError([{ field: `locations.${loc}`, message: 'field.invalid' }]);
  await updateConnection(deps.db, conn.id, { location_map_json: JSON.stringify(parsed.data) });
  await log(deps.db, conn, 'info', 'locations_mapped', JSON.stringify(parsed.data));
}

/** Pauses (webhooks and orders wait; nothing is applied) or resumes the sync. */
export async function setPaused(deps: ShopSyncDeps, merchantId: number, paused: boolean) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (!conn || conn.status === 'disconnected') throw notFound('shop_connection');
  if (paused && conn.status === 'active') await updateConnection(deps.db, conn.id, { status: 'paused' });
  if (!paused && conn.status === 'paused') await updateConnection(deps.db, conn.id, { status: 'active' });
  await log(deps.db, conn, 'info', paused ? 'paused' : 'resumed');
}

/**
 * Disconnects: credentials are erased, products and stock stay as they are (the merchant keeps
 * selling them); the product links are kept so a reconnection does not duplicate anything.
 */
export async function disconnect(deps: ShopSyncDeps, merchantId: number) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (!conn) throw notFound('shop_connection');
  await updateConnection(deps.db, conn.id, {
    status: 'disconnected',
    token_enc: '',
    secret_enc: '',
    refresh_enc: null,
    token_expires_at: null,
    sync_state: conn.sync_state === 'running' ? 'failed' : conn.sync_state,
  });
  await log(deps.db, conn, 'info', 'disconnected');
}

/* ------------------------------------------------------------------ Shopify products → ShopProduct */

const toCents = (price: string) => {
  const n = Number(price);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : price;
};

// UNLISTED (a status from 2025-10) hides a product from the shop's search, collections and every
// sales channel, reachable only by its link (private sales, warranties, gifts with purchase): a
// marketplace is a sales channel found by search, so it is not on sale here, as a draft is not.
const STATUS = { ACTIVE: 'active', UNLISTED: 'draft', DRAFT: 'draft', ARCHIVED: 'archived' } as const;

/**
 * A Shopify product in the shared shape: a variant without SKU gets `shopify-<variant id>`, the
 * single "Default Title" variant has no options, the category cells are those of the Shopify CSV
 * import, the barcode is kept when it is a GTIN.
 */
function toShopProduct(p: ShopifyProduct): ShopProduct {
  const vs = p.variants.nodes;
  const single = vs.length === 1 && vs[0].selectedOptions.every((o) => o.value === 'Default Title');
  return {
    id: p.id,
    handle: p.handle,
    title: p.title,
    description: stripHtml(p.descriptionHtml ?? ''),
    vendor: p.vendor ?? '',
    status: STATUS[p.status] ?? 'draft',
    category: {
      productCategory: p.category?.fullName ?? '',
      type: p.productType ?? '',
      tags: (p.tags ?? []).join(', '),
    },
    images: productImageUrls(p),
    variants: vs.map((v) => ({
      id: v.id,
      title: v.title,
      sku: v.sku?.trim() || `shopify-${legacyId(v.id)}`,
      barcode: v.barcode,
      price: toCents(v.price),
      image: v.image?.url ?? null,
      options: single ? [] : v.selectedOptions.slice(0, 3),
      inventoryItemId: v.inventoryItem?.id ?? null,
      levels: (v.inventoryItem?.inventoryLevels.nodes ?? []).map((lv) => ({
        location: lv.location.id,
        available: lv.quantities.find((q) => q.name === 'available')?.quantity ?? 0,
      })),
    })),
  };
}

const applyShopify = (deps: ShopSyncDeps, conn: ConnectionRow, products: ShopifyProduct[]) =>
  applyProducts(deps, conn, products.map(toShopProduct));

/* ------------------------------------------------------------------ first sync and reconciliation */

/**
 * Variants written per import call (and between two saved cursors): large batches keep the import's
 * fixed costs low (one transaction, one category index, background search indexing).
 */
const SYNC_BATCH_VARIANTS = 5000;

const running = new Map<number, Promise<SyncOutcome>>();

/**
 * Runs a sync pass of a connection: every product page (resuming from the saved cursor), then the
 * products gone from the shop archived. Progress and the cursor are saved after each batch, so a
 * crash or a pause resumes where it stopped. One pass per connection at a time.
 */
export function runSync(
  deps: ShopSyncDeps,
  connectionId: number,
  opts: { pageSize?: number; batchVariants?: number } = {},
): Promise<SyncOutcome> {
  const current = running.get(connectionId);
  if (current) return current;
  const job = syncPass(deps, connectionId, (conn) =>
    conn.provider === 'square' ? squareSource(deps, conn, opts) : shopifySource(deps, conn, opts),
  ).finally(() => running.delete(connectionId));
  running.set(connectionId, job);
  return job;
}

/** Resolves when every sync pass started so far has finished (tests, shutdown). */
export async function shopSyncIdle(): Promise<void> {
  while (running.size) await Promise.allSettled([...running.values()]);
}

/** Shopify's products pages as a sync source (pages of `pageSize` products, up to `batchVariants`). */
function shopifySource(
  deps: ShopSyncDeps,
  conn: ConnectionRow,
  opts: { pageSize?: number; batchVariants?: number },
): SyncSource {
  const client = clientFor(deps, conn);
  const logged = new Set<string>();
  return {
    batchVariants: opts.batchVariants ?? SYNC_BATCH_VARIANTS,
    async nextBatch(cursor, maxVariants) {
      const batch: ShopifyProduct[] = [];
      let n = 0;
      let next = cursor;
      let more = true;
      do {
        const page = await fetchProductsPage(client, next, opts.pageSize ?? PRODUCTS_PER_PAGE);
        batch.push(...page.products);
        n += page.products.reduce((s, p) => s + p.variants.nodes.length, 0);
        next = page.endCursor;
        more = page.hasNextPage;
      } while (more && n < maxVariants);
      await logDeprecations(deps, conn, client, logged);
      return { products: batch.map(toShopProduct), next: more ? next : null };
    },
    authStatus: shopifyAuthStatus,
  };
}

/** Starts (or resumes) the merchant's sync in the background; the page shows its progress. */
export async function startSync(deps: ShopSyncDeps, merchantId: number) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (conn?.status !== 'active') throw notFound('shop_connection');
  void runSync(deps, conn.id);
}

/**
 * Reconciliation: a sync pass of every active connection (catches missed webhooks; products gone
 * from the shop are archived). Run every SHOPSYNC_RECONCILE_MINUTES by the server.
 */
export async function reconcileAll(deps: ShopSyncDeps) {
  const out: { connection_id: number; outcome: SyncOutcome }[] = [];
  for (const c of await selectActiveConnections(deps.db))
    out.push({ connection_id: c.id, outcome: await runSync(deps, c.id) });
  return out;
}

/* ------------------------------------------------------------------ webhooks */

/**
 * A Shopify webhook delivery: the signature (base64 HMAC-SHA256 of the raw body with the
 * connection's secret) is checked first; a delivery id already recorded is a replay (200,
 * nothing applied). `products/create|update` re-read the product from Shopify, `products/delete`
 * archives it, `inventory_levels/update` sets the store's stock (Shopify's available plus the
 * units reserved by Comptoir orders) through the POS sync path.
 */
export function handleShopifyWebhook(
  deps: ShopSyncDeps,
  connectionId: number,
  headers: { hmac?: string; topic?: string; webhookId?: string },
  rawBody: string,
): Promise<WebhookOutcome> {
  return receiveWebhook(deps, connectionId, {
    provider: 'shopify',
    verify: (secret) => verifyShopifyHmac(rawBody, headers.hmac, secret),
    badSignatureDetail: headers.topic ?? '',
    parse() {
      if (!headers.webhookId || !headers.topic) return undefined;
      try {
        return { id: headers.webhookId, topic: headers.topic, event: JSON.parse(rawBody) as unknown };
      } catch {
        // Not JSON: undefined is "unreadable", which receiveWebhook answers and records as such.
        return undefined;
      }
    },
    apply: (conn, payload) => applyWebhook(deps, conn, headers.topic as string, payload),
    authStatus: shopifyAuthStatus,
  });
}

async function applyWebhook(deps: ShopSyncDeps, conn: ConnectionRow, topic: string, payload: unknown) {
  const { db } = deps;
  if (topic === 'products/create' || topic === 'products/update' || topic === 'products/delete') {
    const p = productWebhookSchema.safeParse(payload);
    if (!p.success) return false;
    const id = gid('Product', p.data.id);
    const product = topic === 'products/delete' ? null : await fetchProduct(clientFor(deps, conn), id);
    if (!product) {
      const n = await archiveItems(deps, conn, await selectItemsOfShopProduct(db, conn.id, id));
      await log(db, conn, 'info', 'product_archived', `${id} (${n})`);
      return n > 0;
    }
    // Variants removed from the product on the shop are archived too.
    const ids = new Set(product.variants.nodes.map((v) => v.id));
    const gone = (await selectItemsOfShopProduct(db, conn.id, id)).filter((i) => !ids.has(i.shop_variant_id));
    await applyShopify(deps, conn, [product]);
    await archiveItems(deps, conn, gone);
    return true;
  }
  if (topic === 'inventory_levels/update') {
    const p = inventoryWebhookSchema.safeParse(payload);
    if (!p.success) return false;
    return applyStockLevel(
      deps,
      conn,
      gid('InventoryItem', p.data.inventory_item_id),
      gid('Location', p.data.location_id),
      p.data.available ?? 0,
    );
  }
  return false;
}

/* ------------------------------------------------------------------ orders → shop stock */

const MAX_PUSH_ATTEMPTS = 8;
/** How long a claimed push is held by its sender before another may send it again. */
const PUSH_LEASE_MS = 5 * 60_000;

/**
 * A Comptoir order was placed: its lines of synced products become stock decrements owed to the
 * shop (one row per order line and location, so a repeated event queues nothing twice), then sent.
 */
export async function queueOrderPush(deps: ShopSyncDeps, orderId: number) {
  const { db } = deps;
  const order = await getOrder(db, orderId);
  const conn = await selectConnectionOfMerchant(db, order.merchant_id);
  if (!conn || conn.status === 'disconnected') return 0;
  const map = locationMap(conn);
  const shopLoc = new Map<number, string>();
  for (const [loc, store] of Object.entries(map))
    if (store !== null && !shopLoc.has(store)) shopLoc.set(store, loc);
  const items = new Map(
    (
      await selectItemsByProductIds(
        db,
        conn.id,
        order.lines.map((l) => l.product_id),
      )
    ).map((i) => [i.product_id, i]),
  );
  const rows = order.lines.flatMap((l) => {
    const item = items.get(l.product_id);
    const loc = shopLoc.get(l.location_id);
    return item?.inventory_item_id && loc
      ? [
          {
            connection_id: conn.id,
            order_id: orderId,
            product_id: l.product_id,
            inventory_item_id: item.inventory_item_id,
            shop_location_id: loc,
            delta: -l.quantity,
          },
        ]
      : [];
  });
  await insertPushes(db, rows);
  if (rows.length) await runPushes(deps, { connectionId: conn.id });
  return rows.length;
}

/**
 * A Comptoir order was cancelled: the units its sale took from the shop are owed back (one
 * `return` row per sale row, so a repeated event queues nothing twice), then sent once the sale
 * itself was sent.
 */
export async function queueOrderReturn(deps: ShopSyncDeps, orderId: number) {
  const { db } = deps;
  const sales = (await selectPushesOfOrder(db, orderId)).filter((r) => r.kind === 'sale');
  if (!sales.length) return 0;
  await insertPushes(
    db,
    sales.map((r) => ({
      connection_id: r.connection_id,
      order_id: r.order_id,
      product_id: r.product_id,
      inventory_item_id: r.inventory_item_id,
      shop_location_id: r.shop_location_id,
      delta: -r.delta,
      kind: 'return' as const,
    })),
  );
  await runPushes(deps, { connectionId: sales[0].connection_id });
  return sales.length;
}

/**
 * Sends the stock decrements that are due (new ones, and failed ones whose retry time came):
 * one `inventoryAdjustQuantities` per order, marked done once Shopify accepted it. A failure is
 * retried with backoff (up to 8 attempts, then `failed`, shown to the merchant).
 */
export async function runPushes(deps: ShopSyncDeps, opts: { connectionId?: number; now?: Date } = {}) {
  const { db } = deps;
  const now = opts.now ?? new Date();
  const due = await selectDuePushes(db, now.toISOString(), opts.connectionId);
  const groups = new Map<string, PushRow[]>();
  for (const p of due) {
    const k = `${p.connection_id}:${p.order_id}:${p.kind}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  let sent = 0;
  for (const rows of groups.values()) {
    const conn = await selectConnection(db, rows[0].connection_id);
    if (conn?.status !== 'active') continue;
    const ids = rows.map((r) => r.id);
    // Every process hears the order event and the retry timer may overlap it: only the sender
    // that claims the rows sends them, so Shopify's stock is never decremented twice.
    if (
      !(await claimPushes(db, ids, now.toISOString(), new Date(now.getTime() + PUSH_LEASE_MS).toISOString()))
    )
      continue;
    if (rows[0].kind === 'return') {
      // Units go back only once the sale reached the shop: a sale given up never took them, a sale
      // still pending is waited for.
      const sales = (await selectPushesOfOrder(db, rows[0].order_id)).filter((r) => r.kind === 'sale');
      const saleOf = (r: PushRow) =>
        sales.find((x) => x.product_id === r.product_id && x.shop_location_id === r.shop_location_id);
      const owed = rows.filter((r) => saleOf(r)?.status === 'done');
      const nothing = rows.filter((r) => !saleOf(r) || saleOf(r)?.status === 'failed');
      const wait = rows.filter((r) => saleOf(r)?.status === 'pending');
      if (nothing.length)
        await updatePushes(
          db,
          nothing.map((r) => r.id),
          { status: 'done', last_error: null },
        );
      if (wait.length)
        await updatePushes(
          db,
          wait.map((r) => r.id),
          { next_attempt_at: new Date(now.getTime() + 30_000).toISOString() },
        );
      rows.splice(0, rows.length, ...owed);
      if (!rows.length) continue;
    }
    // A failed send is retried by the next round (backoff below), not held here.
    const failures =
      conn.provider === 'square'
        ? await sendSquarePushes(deps, conn, rows)
        : await sendShopify(deps, conn, rows);
    const done = rows.filter((r) => !failures.has(r.id));
    if (done.length)
      await updatePushes(
        db,
        done.map((r) => r.id),
        { status: 'done', attempts: rows[0].attempts + 1, last_error: null },
      );
    sent += done.length;
    const failed = rows.filter((r) => failures.has(r.id));
    if (!failed.length) continue;
    const err = failures.get(failed[0].id);
    const attempts = rows[0].attempts + 1;
    const msg = err instanceof Error ? err.message : String(err);
    await updatePushes(
      db,
      failed.map((r) => r.id),
      {
        attempts,
        status: attempts >= MAX_PUSH_ATTEMPTS ? 'failed' : 'pending',
        last_error: msg.slice(0, 500),
        next_attempt_at: new Date(
          now.getTime() + Math.min(3600_000, 30_000 * 2 ** (attempts - 1)),
        ).toISOString(),
      },
    );
    const auth = shopifyAuthStatus(err) ?? squareAuthStatus(err);
    if (auth !== undefined) await markReconnect(deps, conn, auth);
    else await log(db, conn, 'error', 'stock_push_failed', `order ${rows[0].order_id}: ${msg}`);
  }
  return sent;
}

/** One `inventoryAdjustQuantities` per order (all its lines or none). */
async function sendShopify(deps: ShopSyncDeps, conn: ConnectionRow, rows: PushRow[]) {
  try {
    await adjustQuantities(
      clientFor(deps, conn, { maxAttempts: 2 }),
      `comptoir://orders/${rows[0].order_id}${rows[0].kind === 'return' ? '/cancellation' : ''}`,
      rows.map((r) => ({
        inventoryItemId: r.inventory_item_id,
        locationId: r.shop_location_id,
        delta: r.delta,
      })),
      // One mutation per order and kind, always with the same lines: a resend is recognised.
      `comptoir-${rows[0].connection_id}-${rows[0].order_id}${rows[0].kind === 'return' ? '-return' : ''}`,
    );
    return new Map<number, unknown>();
  } catch (err) {
    return new Map<number, unknown>(rows.map((r) => [r.id, err]));
  }
}

/* ------------------------------------------------------------------ status and log */

/** The merchant's sync status page data (undefined when never connected). */
export async function syncStatus(db: Kysely<DB>, merchantId: number) {
  const conn = await selectConnectionOfMerchant(db, merchantId);
  if (!conn) return undefined;
  const [counts, errors, pushes, logRows] = await Promise.all([
    countItems(db, conn.id),
    selectItemErrors(db, conn.id, 100),
    selectPushProblems(db, conn.id),
    selectLog(db, { connectionId: conn.id, limit: 30 }),
  ]);
  const { token_enc: _t, secret_enc: _s, ...safe } = conn;
  return {
    connection: {
      ...safe,
      location_map: locationMap(conn),
    },
    counts,
    errors: errors.map((e) => ({
      ...e,
      errors: e.error_detail
        ? (JSON.parse(e.error_detail) as {
            code: string;
            key: string;
            params?: Record<string, string | number>;
          }[])
        : [],
    })),
    pushes,
    log: logRows,
  };
}

/** The operators' view: the latest sync log entries of every merchant. */
export function operatorLog(db: Kysely<DB>, limit = 200) {
  return selectLog(db, { limit });
}
