/**
 * Shop sync rules: connecting a Shopify shop, the first (resumable) sync and the reconciliation
 * pass, webhooks, and the stock adjustments Comptoir orders owe the shop. Every catalogue and
 * stock change goes through the import and inventory public APIs (the same paths as the merchant
 * API), so search, SSE `stock` events and outbound webhooks follow.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { importFieldsBySku, productIdsBySku } from '../catalog/index.ts';
import type { EventBus } from '../events/index.ts';
import { applyImport, stripHtml } from '../imports/index.ts';
import { levelsForProducts, merchantLocations, RowErrors, syncInventory } from '../inventory/index.ts';
import { getOrder } from '../orders/index.ts';
import { decryptSecret, encryptSecret, shopTokenKey } from './crypto.ts';
import {
  adjustQuantities,
  fetchLocations,
  fetchProduct,
  fetchProductsPage,
  gid,
  legacyId,
  PRODUCTS_PER_PAGE,
  ShopifyAuthError,
  ShopifyClient,
  type ShopifyProduct,
  verifyShopifyHmac,
} from './shopify.ts';
import {
  type ConnectionRow,
  claimPushes,
  countItems,
  deleteReceipt,
  type ItemRow,
  insertLog,
  insertPushes,
  insertReceipt,
  type PushRow,
  selectActiveConnections,
  selectConnection,
  selectConnectionOfMerchant,
  selectDuePushes,
  selectItemByInventoryItem,
  selectItemErrors,
  selectItemsByProductIds,
  selectItemsByVariants,
  selectItemsOfShopProduct,
  selectLog,
  selectPushProblems,
  selectUnseenItems,
  updateConnection,
  updatePushes,
  upsertConnection,
  upsertItems,
} from './shopsync.repository.ts';
import {
  type ConnectShopifyInput,
  connectShopifySchema,
  inventoryWebhookSchema,
  locationMapSchema,
  productWebhookSchema,
} from './shopsync.schemas.ts';

/** What the shop sync needs from the platform. */
export interface ShopSyncDeps {
  db: Kysely<DB>;
  events: EventBus;
  /** The open database: synced products are re-indexed for search. */
  database?: Database;
  config: { SHOP_TOKEN_KEY?: string; SHOPIFY_API_BASE?: string };
  /** Test hook: the fetch used for Shopify. */
  fetchImpl?: typeof fetch;
}

/** True when SHOP_TOKEN_KEY holds a usable key (otherwise the feature says it is not configured). */
export function shopSyncConfigured(config: ShopSyncDeps['config']): boolean {
  return shopTokenKey(config.SHOP_TOKEN_KEY) !== undefined;
}

function keyOf(deps: ShopSyncDeps): Buffer {
  const key = shopTokenKey(deps.config.SHOP_TOKEN_KEY);
  if (!key) throw new AppError('forbidden', 'shopsync.not_configured');
  return key;
}

function clientFor(
  deps: ShopSyncDeps,
  conn: Pick<ConnectionRow, 'shop_domain' | 'token_enc'>,
  opts: { maxAttempts?: number } = {},
) {
  return new ShopifyClient({
    shop: conn.shop_domain,
    token: decryptSecret(keyOf(deps), conn.token_enc),
    apiBase: deps.config.SHOPIFY_API_BASE,
    fetchImpl: deps.fetchImpl,
    maxAttempts: opts.maxAttempts,
  });
}

async function log(
  db: Kysely<DB>,
  conn: Pick<ConnectionRow, 'id' | 'merchant_id'>,
  level: 'info' | 'warn' | 'error',
  event: string,
  detail = '',
) {
  await insertLog(db, {
    connection_id: conn.id,
    merchant_id: conn.merchant_id,
    level,
    event,
    detail: detail.slice(0, 2000),
  });
}

/** Which shop location feeds which store: `{ "<Location gid>": <store id> | null }`. */
type LocationMap = Record<string, number | null>;
const locationMap = (conn: Pick<ConnectionRow, 'location_map_json'>): LocationMap =>
  JSON.parse(conn.location_map_json);

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/* ------------------------------------------------------------------ connection */

/**
 * Connects (or reconnects) the merchant's Shopify shop: the token is checked by reading the shop's
 * locations (a refused token is a field error), then stored encrypted with the webhook secret.
 * Shop locations are mapped to stores of the same name, or the only location to the default store.
 */
export async function connectShopify(deps: ShopSyncDeps, merchantId: number, input: unknown) {
  const key = keyOf(deps);
  const parsed = connectShopifySchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({
        field: String(i.path[0] ?? '_'),
        message: /^shopsync\./.test(i.message) ? i.message : 'field.required',
      })),
    );
  const v: ConnectShopifyInput = parsed.data;
  const client = new ShopifyClient({
    shop: v.shop_domain,
    token: v.access_token,
    apiBase: deps.config.SHOPIFY_API_BASE,
    fetchImpl: deps.fetchImpl,
    maxAttempts: 3,
  });
  let locations: { id: string; name: string }[];
  try {
    locations = await fetchLocations(client);
  } catch (err) {
    if (err instanceof ShopifyAuthError)
      throw new ValidationError([{ field: 'access_token', message: 'shopsync.token_refused' }]);
    throw new ValidationError([{ field: 'shop_domain', message: 'shopsync.shop_unreachable' }]);
  }
  const existing = await selectConnectionOfMerchant(deps.db, merchantId);
  const stores = [...(await merchantLocations(deps.db, merchantId)).values()];
  const map: LocationMap = existing ? locationMap(existing) : {};
  for (const l of locations) {
    if (map[l.id] !== undefined) continue;
    const same = stores.find((s) => fold(s.name) === fold(l.name) || fold(s.code) === fold(l.name));
    map[l.id] =
      same?.id ??
      (locations.length === 1 ? ((stores.find((s) => s.is_default) ?? stores[0])?.id ?? null) : null);
  }
  const id = await upsertConnection(deps.db, {
    merchant_id: merchantId,
    provider: 'shopify',
    shop_domain: v.shop_domain,
    token_enc: encryptSecret(key, v.access_token),
    secret_enc: encryptSecret(key, v.webhook_secret),
    location_map_json: JSON.stringify(map),
  });
  await log(deps.db, { id, merchant_id: merchantId }, 'info', 'connected', v.shop_domain);
  return { connection_id: id, locations };
}

/** The shop's locations as Shopify lists them now (for the mapping form). */
export async function shopLocations(deps: ShopSyncDeps, merchantId: number) {
  const conn = await selectConnectionOfMerchant(deps.db, merchantId);
  if (!conn || conn.status === 'disconnected') throw notFound('shop_connection');
  try {
    return await fetchLocations(clientFor(deps, conn));
  } catch (err) {
    if (err instanceof ShopifyAuthError) await markReconnect(deps, conn, err);
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
    sync_state: conn.sync_state === 'running' ? 'failed' : conn.sync_state,
  });
  await log(deps.db, conn, 'info', 'disconnected');
}

async function markReconnect(deps: ShopSyncDeps, conn: ConnectionRow, err: ShopifyAuthError) {
  await updateConnection(deps.db, conn.id, { status: 'reconnect_needed', last_error: 'token_refused' });
  await log(deps.db, conn, 'error', 'token_refused', `HTTP ${err.status}`);
}

/* ------------------------------------------------------------------ products → catalogue */

type Item = Omit<ItemRow, 'id'>;

const toCents = (price: string) => {
  const n = Number(price);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : price;
};

const STATUS = { ACTIVE: 'active', DRAFT: 'draft', ARCHIVED: 'archived' } as const;

/**
 * Writes a batch of shop products through the import (catalogue, variants, categories by the
 * import's Shopify mapping, images fetched in the background, stock per mapped store). A variant
 * whose SKU belongs to a product this connection did not create is refused (`sku_collision`),
 * never merged or duplicated. Returns how many variants were written and refused.
 */
async function applyProducts(deps: ShopSyncDeps, conn: ConnectionRow, products: ShopifyProduct[]) {
  const { db } = deps;
  const merchantId = conn.merchant_id;
  const locMap = locationMap(conn);
  const stores = await merchantLocations(db, merchantId);
  const codeOf = new Map([...stores.values()].map((s) => [s.id, s.code]));
  const variants = products.flatMap((p) => p.variants.nodes.map((v) => ({ p, v })));
  const known = new Map(
    (
      await selectItemsByVariants(
        db,
        conn.id,
        variants.map((x) => x.v.id),
      )
    ).map((i) => [i.shop_variant_id, i]),
  );
  const skuOf = (v: ShopifyProduct['variants']['nodes'][number]) =>
    v.sku?.trim() || `shopify-${legacyId(v.id)}`;
  const skus = [...new Set(variants.map(({ v }) => skuOf(v)))];
  const existing = new Map((await importFieldsBySku(db, merchantId, skus)).map((r) => [r.sku, r]));
  const existingIds = [...existing.values()].map((r) => r.id);
  const owners = new Map(
    (await selectItemsByProductIds(db, conn.id, existingIds)).map((i) => [i.product_id as number, i]),
  );
  const reserved = new Map(
    (await levelsForProducts(db, existingIds)).map((l) => [`${l.product_id}:${l.location_id}`, l.reserved]),
  );
  const now = new Date().toISOString();
  const rows: Record<string, unknown>[] = [];
  const rowItems: Item[] = [];
  const refused: Item[] = [];
  const taken = new Set<string>();
  for (const p of products) {
    const vs = p.variants.nodes;
    const single = vs.length === 1 && vs[0].selectedOptions.every((o) => o.value === 'Default Title');
    let imagesGiven = false;
    for (const v of vs) {
      const sku = skuOf(v);
      const item: Item = {
        connection_id: conn.id,
        merchant_id: merchantId,
        shop_product_id: p.id,
        shop_variant_id: v.id,
        inventory_item_id: v.inventoryItem?.id ?? null,
        product_id: null,
        sku,
        title: `${p.title}${single ? '' : ` — ${v.title}`}`.slice(0, 300),
        error_code: null,
        error_detail: null,
        seen_at: now,
        updated_at: now,
      };
      const ex = existing.get(sku);
      const owner = ex ? owners.get(ex.id) : undefined;
      if (taken.has(sku) || (ex && owner?.shop_variant_id !== v.id)) {
        refused.push({
          ...item,
          error_code: 'sku_collision',
          error_detail: JSON.stringify([
            { code: 'sku_collision', key: 'shopsync.sku_collision', params: { sku } },
          ]),
        });
        continue;
      }
      taken.add(sku);
      const row: Record<string, unknown> = {
        sku,
        handle: p.handle,
        title_fr: p.title,
        description_fr: stripHtml(p.descriptionHtml ?? ''),
        price_cents: toCents(v.price),
        brand: p.vendor ?? '',
        status: STATUS[p.status] ?? 'draft',
      };
      const code = (v.barcode ?? '').trim();
      if (!code || /^\d{8,14}$/.test(code)) row.gtin = code;
      if (!single)
        v.selectedOptions.slice(0, 3).forEach((o, k) => {
          row[`option${k + 1}_name`] = o.name;
          row[`option${k + 1}_value`] = o.value;
        });
      const cells = {
        productCategory: p.category?.fullName ?? '',
        type: p.productType ?? '',
        tags: (p.tags ?? []).join(', '),
      };
      if (cells.productCategory || cells.type || cells.tags) row.shopify_category = cells;
      const images = imagesGiven ? [] : p.images.nodes.map((i) => i.url);
      imagesGiven = true;
      if (v.image?.url) {
        const k = images.indexOf(v.image.url);
        if (k > 0) images.splice(k, 1);
        if (k !== 0) images.unshift(v.image.url);
      }
      if (images.length) row.images = images.slice(0, 50);
      const stock: { location: string; on_hand: number }[] = [];
      for (const lv of v.inventoryItem?.inventoryLevels.nodes ?? []) {
        const store = locMap[lv.location.id];
        const storeCode = store ? codeOf.get(store) : undefined;
        if (!store || !storeCode) continue;
        const available = lv.quantities.find((q) => q.name === 'available')?.quantity ?? 0;
        stock.push({
          location: storeCode,
          on_hand: Math.max(0, available) + (ex ? (reserved.get(`${ex.id}:${store}`) ?? 0) : 0),
        });
      }
      if (stock.length) row.stock = stock;
      // A variant whose SKU changed on the shop: the product under the old SKU is archived.
      const before = known.get(v.id);
      if (before?.product_id && before.sku !== sku && !skus.includes(before.sku)) {
        rows.push({ sku: before.sku, status: 'archived' });
        rowItems.push({ ...before, error_code: null, error_detail: null, seen_at: now, updated_at: now });
      }
      rows.push(row);
      rowItems.push(item);
    }
  }
  if (rows.length) {
    const result = await applyImport(
      db,
      deps.events,
      merchantId,
      { body: rows },
      { partial: true, database: deps.database },
    );
    const okSkus: string[] = [];
    result.rows.forEach((r, i) => {
      const item = rowItems[i];
      if (!item) return;
      if (r.status === 'error') {
        item.error_code = r.errors?.[0]?.code ?? 'invalid';
        item.error_detail = JSON.stringify(r.errors ?? []);
      } else okSkus.push(item.sku);
    });
    const ids = await productIdsBySku(db, merchantId, okSkus);
    for (const item of rowItems) if (!item.error_code) item.product_id = ids.get(item.sku) ?? item.product_id;
  }
  const all = [...rowItems, ...refused];
  // Refused variants keep no product; an earlier link of the same variant stays untouched otherwise.
  await upsertItems(db, all);
  const errors = all.filter((i) => i.error_code);
  for (const e of errors.slice(0, 20))
    await log(db, conn, 'warn', e.error_code as string, `${e.sku} (${e.shop_variant_id})`);
  return { variants: all.length, errors: errors.length };
}

/** Archives the products of shop products that no longer exist (deleted on the shop). */
async function archiveItems(deps: ShopSyncDeps, conn: ConnectionRow, items: ItemRow[]) {
  const linked = items.filter((i) => i.product_id !== null);
  if (!linked.length) return 0;
  await applyImport(
    deps.db,
    deps.events,
    conn.merchant_id,
    { body: linked.map((i) => ({ sku: i.sku, status: 'archived' })) },
    { partial: true, database: deps.database },
  );
  return linked.length;
}

/* ------------------------------------------------------------------ first sync and reconciliation */

/**
 * Variants written per import call (and between two saved cursors): large batches keep the import's
 * fixed costs low (one transaction, one category index, background search indexing).
 */
const SYNC_BATCH_VARIANTS = 5000;

const running = new Map<number, Promise<SyncOutcome>>();

/** How a sync pass ended. */
export interface SyncOutcome {
  state: 'done' | 'failed' | 'paused' | 'skipped';
  products: number;
  variants: number;
  errors: number;
  archived: number;
}

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
  const job = syncPass(deps, connectionId, opts).finally(() => running.delete(connectionId));
  running.set(connectionId, job);
  return job;
}

/** Resolves when every sync pass started so far has finished (tests, shutdown). */
export async function shopSyncIdle(): Promise<void> {
  while (running.size) await Promise.allSettled([...running.values()]);
}

async function syncPass(
  deps: ShopSyncDeps,
  connectionId: number,
  opts: { pageSize?: number; batchVariants?: number },
): Promise<SyncOutcome> {
  const { db } = deps;
  const out: SyncOutcome = { state: 'skipped', products: 0, variants: 0, errors: 0, archived: 0 };
  let conn = await selectConnection(db, connectionId);
  if (conn?.status !== 'active') return out;
  const resuming = conn.cursor !== null && conn.sync_started_at !== null;
  const started = resuming ? (conn.sync_started_at as string) : new Date().toISOString();
  let products = resuming ? conn.products_done : 0;
  let variants = resuming ? conn.variants_done : 0;
  await updateConnection(db, conn.id, {
    sync_state: 'running',
    sync_started_at: started,
    products_done: products,
    variants_done: variants,
  });
  await log(db, conn, 'info', resuming ? 'sync_resumed' : 'sync_started');
  let cursor = conn.cursor;
  try {
    const client = clientFor(deps, conn);
    let more = true;
    while (more) {
      const batch: ShopifyProduct[] = [];
      let n = 0;
      let next = cursor;
      do {
        const page = await fetchProductsPage(client, next, opts.pageSize ?? PRODUCTS_PER_PAGE);
        batch.push(...page.products);
        n += page.products.reduce((s, p) => s + p.variants.nodes.length, 0);
        next = page.endCursor;
        more = page.hasNextPage;
      } while (more && n < (opts.batchVariants ?? SYNC_BATCH_VARIANTS));
      const r = await applyProducts(deps, conn, batch);
      cursor = more ? next : null;
      products += batch.length;
      variants += r.variants;
      out.products += batch.length;
      out.variants += r.variants;
      out.errors += r.errors;
      await updateConnection(db, conn.id, { cursor, products_done: products, variants_done: variants });
      conn = (await selectConnection(db, conn.id)) as ConnectionRow;
      if (more && conn.status !== 'active') {
        await updateConnection(db, conn.id, { sync_state: 'idle' });
        return { ...out, state: 'paused' };
      }
    }
    const gone = await selectUnseenItems(db, conn.id, started);
    out.archived = await archiveItems(deps, conn, gone);
    await updateConnection(db, conn.id, {
      sync_state: 'done',
      cursor: null,
      last_sync_at: new Date().toISOString(),
      last_error: null,
    });
    await log(db, conn, 'info', 'sync_done', `${products} / ${variants} / ${out.errors} / ${out.archived}`);
    return { ...out, state: 'done' };
  } catch (err) {
    if (err instanceof ShopifyAuthError) {
      await updateConnection(db, conn.id, { sync_state: 'failed' });
      await markReconnect(deps, conn, err);
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      await updateConnection(db, conn.id, { sync_state: 'failed', last_error: msg.slice(0, 500) });
      await log(db, conn, 'error', 'sync_failed', msg);
    }
    return { ...out, state: 'failed' };
  }
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

/** What the webhook endpoint answers. */
export interface WebhookOutcome {
  status: 200 | 400 | 401 | 404 | 503;
  outcome: 'applied' | 'duplicate' | 'ignored' | 'refused';
}

/**
 * A Shopify webhook delivery: the signature (base64 HMAC-SHA256 of the raw body with the
 * connection's secret) is checked first; a delivery id already recorded is a replay (200,
 * nothing applied). `products/create|update` re-read the product from Shopify, `products/delete`
 * archives it, `inventory_levels/update` sets the store's stock (Shopify's available plus the
 * units reserved by Comptoir orders) through the POS sync path.
 */
export async function handleShopifyWebhook(
  deps: ShopSyncDeps,
  connectionId: number,
  headers: { hmac?: string; topic?: string; webhookId?: string },
  rawBody: string,
): Promise<WebhookOutcome> {
  const { db } = deps;
  const conn = await selectConnection(db, connectionId);
  if (!conn || conn.status === 'disconnected' || !shopSyncConfigured(deps.config))
    return { status: 404, outcome: 'refused' };
  const secret = decryptSecret(keyOf(deps), conn.secret_enc);
  if (!verifyShopifyHmac(rawBody, headers.hmac, secret)) {
    await log(db, conn, 'warn', 'webhook_bad_signature', headers.topic ?? '');
    return { status: 401, outcome: 'refused' };
  }
  if (!headers.webhookId || !headers.topic) return { status: 400, outcome: 'refused' };
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    return { status: 400, outcome: 'refused' };
  }
  if (conn.status !== 'active') return { status: 200, outcome: 'ignored' }; // reconciliation catches up
  if (!(await insertReceipt(db, conn.id, headers.webhookId, headers.topic)))
    return { status: 200, outcome: 'duplicate' };
  try {
    const applied = await applyWebhook(deps, conn, headers.topic, payload);
    return { status: 200, outcome: applied ? 'applied' : 'ignored' };
  } catch (err) {
    // Not applied: forget the receipt so Shopify's retry is applied.
    await deleteReceipt(db, conn.id, headers.webhookId);
    if (err instanceof ShopifyAuthError) await markReconnect(deps, conn, err);
    else await log(db, conn, 'error', 'webhook_failed', `${headers.topic}: ${(err as Error).message}`);
    return { status: 503, outcome: 'refused' };
  }
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
    await applyProducts(deps, conn, [product]);
    await archiveItems(deps, conn, gone);
    return true;
  }
  if (topic === 'inventory_levels/update') {
    const p = inventoryWebhookSchema.safeParse(payload);
    if (!p.success) return false;
    const item = await selectItemByInventoryItem(db, conn.id, gid('InventoryItem', p.data.inventory_item_id));
    const map = locationMap(conn);
    const store = map[gid('Location', p.data.location_id)];
    if (!item?.product_id || !store) return false;
    const stores = [...(await merchantLocations(db, conn.merchant_id)).values()];
    const code = stores.find((s) => s.id === store)?.code;
    if (!code) return false;
    const level = (await levelsForProducts(db, [item.product_id])).find((l) => l.location_id === store);
    const onHand = Math.max(0, p.data.available ?? 0) + (level?.reserved ?? 0);
    try {
      await syncInventory(db, deps.events, conn.merchant_id, [
        { sku: item.sku, location_code: code, on_hand: onHand },
      ]);
    } catch (err) {
      if (!(err instanceof RowErrors)) throw err;
      await log(
        db,
        conn,
        'warn',
        'stock_refused',
        `${item.sku}: ${err.errors.map((e) => e.code).join(', ')}`,
      );
      return false;
    }
    return true;
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
    const k = `${p.connection_id}:${p.order_id}`;
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
    try {
      // A failed send is retried by the next round (backoff below), not held here.
      await adjustQuantities(
        clientFor(deps, conn, { maxAttempts: 2 }),
        `comptoir://orders/${rows[0].order_id}`,
        rows.map((r) => ({
          inventoryItemId: r.inventory_item_id,
          locationId: r.shop_location_id,
          delta: r.delta,
        })),
      );
      await updatePushes(db, ids, { status: 'done', attempts: rows[0].attempts + 1, last_error: null });
      sent += rows.length;
    } catch (err) {
      const attempts = rows[0].attempts + 1;
      const msg = err instanceof Error ? err.message : String(err);
      await updatePushes(db, ids, {
        attempts,
        status: attempts >= MAX_PUSH_ATTEMPTS ? 'failed' : 'pending',
        last_error: msg.slice(0, 500),
        next_attempt_at: new Date(
          now.getTime() + Math.min(3600_000, 30_000 * 2 ** (attempts - 1)),
        ).toISOString(),
      });
      if (err instanceof ShopifyAuthError) await markReconnect(deps, conn, err);
      else await log(db, conn, 'error', 'stock_push_failed', `order ${rows[0].order_id}: ${msg}`);
    }
  }
  return sent;
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
