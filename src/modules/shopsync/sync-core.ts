/**
 * What Shopify and Square share: the dependencies, credentials key, the log, the location map, and
 * the one write path of a shop's catalogue and stock (the import and inventory public APIs, so
 * search, SSE `stock` events and outbound webhooks follow). Each provider converts its own shapes
 * into `ShopProduct`s.
 */
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { importFieldsBySku, productIdsBySku } from '../catalog/index.ts';
import type { EventBus } from '../events/index.ts';
import { applyImport } from '../imports/index.ts';
import { levelsForProducts, merchantLocations, RowErrors, syncInventory } from '../inventory/index.ts';
import { decryptSecret, encryptSecret, shopTokenKey } from './crypto.ts';
import {
  type ConnectionRow,
  deleteReceipt,
  type ItemRow,
  insertLog,
  insertReceipt,
  selectConnection,
  selectConnectionOfMerchant,
  selectItemByInventoryItem,
  selectItemsByProductIds,
  selectItemsByVariants,
  selectUnseenItems,
  updateConnection,
  upsertConnection,
  upsertItems,
} from './shopsync.repository.ts';

/** What the shop sync needs from the platform. */
export interface ShopSyncDeps {
  db: Kysely<DB>;
  events: EventBus;
  /** The open database: synced products are re-indexed for search. */
  database?: Database;
  config: {
    SHOP_TOKEN_KEY?: string;
    SHOPIFY_API_BASE?: string;
    SQUARE_API_BASE?: string;
    SQUARE_APPLICATION_ID?: string;
    SQUARE_APPLICATION_SECRET?: string;
    SQUARE_OAUTH_ENVIRONMENT?: 'sandbox' | 'production';
  };
  /** Test hook: the fetch used for the shop's API. */
  fetchImpl?: typeof fetch;
  /** The server's log, for failures that have no connection yet to record them (the OAuth exchange). */
  log?: { warn(obj: object, msg: string): void };
}

/** How a sync pass ended. */
export interface SyncOutcome {
  state: 'done' | 'failed' | 'paused' | 'skipped';
  products: number;
  variants: number;
  errors: number;
  archived: number;
}

/** What the webhook endpoint answers. */
export interface WebhookOutcome {
  status: 200 | 400 | 401 | 404 | 503;
  outcome: 'applied' | 'duplicate' | 'ignored' | 'refused';
}

/** True when SHOP_TOKEN_KEY holds a usable key (otherwise the feature says it is not configured). */
export function shopSyncConfigured(config: ShopSyncDeps['config']): boolean {
  return shopTokenKey(config.SHOP_TOKEN_KEY) !== undefined;
}

export function keyOf(deps: ShopSyncDeps): Buffer {
  const key = shopTokenKey(deps.config.SHOP_TOKEN_KEY);
  if (!key) throw new AppError('forbidden', 'shopsync.not_configured');
  return key;
}

/** What differs between a Shopify webhook and a Square notification (see `receiveWebhook`). */
export interface WebhookReceiver<E> {
  provider: ConnectionRow['provider'];
  /** True when the delivery is signed with the connection's secret. */
  verify(secret: string): boolean;
  /** What the log says of a bad signature. */
  badSignatureDetail: string;
  /** The delivery's id (replays), topic and content; undefined when malformed. */
  parse(): { id: string; topic: string; event: E } | undefined;
  /** Applies the delivery; false when it changed nothing. */
  apply(conn: ConnectionRow, event: E): Promise<boolean>;
  /** The HTTP status when `err` is the shop refusing the token, else undefined. */
  authStatus(err: unknown): number | undefined;
}

/**
 * A shop's webhook delivery: unknown or disconnected connection 404; the signature is checked
 * first (401, logged, nothing changes); a malformed delivery 400; a paused connection or one
 * needing a new token ignores it (reconciliation catches up); a delivery id already recorded is a
 * replay (200, nothing applied). A failure forgets the receipt so the shop's retry is applied.
 */
export async function receiveWebhook<E>(
  deps: ShopSyncDeps,
  connectionId: number,
  h: WebhookReceiver<E>,
): Promise<WebhookOutcome> {
  const { db } = deps;
  const conn = await selectConnection(db, connectionId);
  if (
    conn?.provider !== h.provider ||
    conn.status === 'disconnected' ||
    !conn.secret_enc ||
    !shopSyncConfigured(deps.config)
  )
    return { status: 404, outcome: 'refused' };
  if (!h.verify(decryptSecret(keyOf(deps), conn.secret_enc))) {
    await log(db, conn, 'warn', 'webhook_bad_signature', h.badSignatureDetail);
    return { status: 401, outcome: 'refused' };
  }
  const delivery = h.parse();
  if (!delivery) return { status: 400, outcome: 'refused' };
  if (conn.status !== 'active') return { status: 200, outcome: 'ignored' }; // reconciliation catches up
  if (!(await insertReceipt(db, conn.id, delivery.id, delivery.topic)))
    return { status: 200, outcome: 'duplicate' };
  try {
    const applied = await h.apply(conn, delivery.event);
    return { status: 200, outcome: applied ? 'applied' : 'ignored' };
  } catch (err) {
    // Not applied: forget the receipt so the shop's retry is applied.
    await deleteReceipt(db, conn.id, delivery.id);
    const auth = h.authStatus(err);
    if (auth !== undefined) await markReconnect(deps, conn, auth);
    else await log(db, conn, 'error', 'webhook_failed', `${delivery.topic}: ${(err as Error).message}`);
    return { status: 503, outcome: 'refused' };
  }
}

/** What differs between connecting a Shopify shop and a Square account (see `connectShop`). */
export interface ShopConnector<I> {
  provider: ConnectionRow['provider'];
  schema: z.ZodType<I>;
  /** The field told that another shop is already connected. */
  otherShopField: string;
  /** The shop's locations, read with the submitted token (this checks the token). */
  fetchLocations(v: I): Promise<{ id: string; name: string }[]>;
  /** The HTTP status when `err` is the shop refusing the token, else undefined. */
  authStatus(err: unknown): number | undefined;
  /** The field errors of a refused token and of an unreachable shop. */
  refused: { field: string; message: string };
  unreachable: { field: string; message: string };
  /** The provider's connection fields, secrets encrypted with `encrypt`. */
  fields(
    v: I,
    existing: ConnectionRow | undefined,
    encrypt: (secret: string) => string,
  ): {
    shop_domain: string;
    environment?: ConnectionRow['environment'];
    token_enc: string;
    secret_enc: string;
    /** A token that expires (Square by OAuth): how to renew it, and when it expires. */
    refresh_enc?: string | null;
    token_expires_at?: string | null;
  };
  /** What the log says of the new connection. */
  logDetail(v: I): string;
}

/**
 * Connects (or reconnects) a merchant's shop: the input is checked (field errors), one shop at a
 * time, the token is checked by reading the shop's locations (a refused token is a field error),
 * then stored encrypted; shop locations are mapped to stores of the same name, or the only one to
 * the default store (a reconnection keeps the mapping).
 */
export async function connectShop<I>(
  deps: ShopSyncDeps,
  merchantId: number,
  input: unknown,
  c: ShopConnector<I>,
) {
  const key = keyOf(deps);
  const parsed = c.schema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({
        field: String(i.path[0] ?? '_'),
        message: /^shopsync\./.test(i.message) ? i.message : 'field.required',
      })),
    );
  const v = parsed.data;
  const existing = await selectConnectionOfMerchant(deps.db, merchantId);
  if (existing && existing.provider !== c.provider && existing.status !== 'disconnected')
    throw new ValidationError([{ field: c.otherShopField, message: 'shopsync.other_shop_connected' }]);
  let locations: { id: string; name: string }[];
  try {
    locations = await c.fetchLocations(v);
  } catch (err) {
    throw new ValidationError([c.authStatus(err) !== undefined ? c.refused : c.unreachable]);
  }
  const map = await autoMapLocations(
    deps.db,
    merchantId,
    locations,
    existing?.provider === c.provider ? locationMap(existing) : {},
  );
  const id = await upsertConnection(deps.db, {
    merchant_id: merchantId,
    provider: c.provider,
    ...c.fields(v, existing, (secret) => encryptSecret(key, secret)),
    location_map_json: JSON.stringify(map),
  });
  await log(deps.db, { id, merchant_id: merchantId }, 'info', 'connected', c.logDetail(v));
  return { connection_id: id, locations };
}

export async function log(
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

/** The shop refused the stored token (revoked, uninstalled, missing scope): the merchant must reconnect. */
export async function markReconnect(deps: ShopSyncDeps, conn: ConnectionRow, httpStatus: number) {
  await updateConnection(deps.db, conn.id, { status: 'reconnect_needed', last_error: 'token_refused' });
  await log(deps.db, conn, 'error', 'token_refused', `HTTP ${httpStatus}`);
}

/** Which shop location feeds which store: `{ "<shop location id>": <store id> | null }`. */
export type LocationMap = Record<string, number | null>;
export const locationMap = (conn: Pick<ConnectionRow, 'location_map_json'>): LocationMap =>
  JSON.parse(conn.location_map_json);

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/**
 * Maps the shop's locations not mapped yet: to the store of the same name (or code), or the only
 * location to the default store; the others are left unsynced until the merchant chooses.
 */
export async function autoMapLocations(
  db: Kysely<DB>,
  merchantId: number,
  locations: { id: string; name: string }[],
  existing: LocationMap,
): Promise<LocationMap> {
  const stores = [...(await merchantLocations(db, merchantId)).values()];
  const map: LocationMap = { ...existing };
  for (const l of locations) {
    if (map[l.id] !== undefined) continue;
    const same = stores.find((s) => fold(s.name) === fold(l.name) || fold(s.code) === fold(l.name));
    map[l.id] =
      same?.id ??
      (locations.length === 1 ? ((stores.find((s) => s.is_default) ?? stores[0])?.id ?? null) : null);
  }
  return map;
}

/* ------------------------------------------------------------------ products → catalogue */

/** A shop variant in the shape both providers convert to. */
export interface ShopVariant {
  id: string;
  /** The variant's own name (shown after the product's title when the product has several). */
  title: string;
  /** Never empty: a variant without SKU gets a stable one from its id. */
  sku: string;
  barcode: string | null;
  /** Price in cents; the raw text when unreadable (a row error); undefined leaves the price alone. */
  price: number | string | undefined;
  image: string | null;
  /** Up to 3 options; empty for a product's single default variant. */
  options: { name: string; value: string }[];
  /** The shop's id for stock (Shopify inventory item, Square variation). */
  inventoryItemId: string | null;
  /** Available units per shop location; null when the shop gave none (stock left alone). */
  levels: { location: string; available: number }[] | null;
}

/** A shop product in the shape both providers convert to. */
export interface ShopProduct {
  id: string;
  handle: string;
  title: string;
  /** Plain text. */
  description: string;
  vendor: string;
  status: 'active' | 'draft' | 'archived';
  /** Category cells matched by the import's category mapping (product category, type, tags). */
  category: { productCategory?: string; type?: string; tags?: string };
  images: string[];
  variants: ShopVariant[];
}

type Item = Omit<ItemRow, 'id'>;

/**
 * Writes a batch of shop products through the import (catalogue, variants, categories by the
 * import's mapping, images fetched in the background, stock per mapped store). A variant whose SKU
 * belongs to a product this connection did not create is refused (`sku_collision`), never merged
 * or duplicated. Returns how many variants were written and refused.
 */
export async function applyProducts(deps: ShopSyncDeps, conn: ConnectionRow, products: ShopProduct[]) {
  const { db } = deps;
  const merchantId = conn.merchant_id;
  const locMap = locationMap(conn);
  const stores = await merchantLocations(db, merchantId);
  const codeOf = new Map([...stores.values()].map((s) => [s.id, s.code]));
  const variants = products.flatMap((p) => p.variants.map((v) => ({ p, v })));
  const known = new Map(
    (
      await selectItemsByVariants(
        db,
        conn.id,
        variants.map((x) => x.v.id),
      )
    ).map((i) => [i.shop_variant_id, i]),
  );
  const skus = [...new Set(variants.map(({ v }) => v.sku))];
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
    const vs = p.variants;
    const single = vs.length === 1 && vs[0].options.length === 0;
    let imagesGiven = false;
    for (const v of vs) {
      const sku = v.sku;
      const item: Item = {
        connection_id: conn.id,
        merchant_id: merchantId,
        shop_product_id: p.id,
        shop_variant_id: v.id,
        inventory_item_id: v.inventoryItemId,
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
        description_fr: p.description,
        brand: p.vendor,
        status: p.status,
      };
      if (v.price !== undefined) row.price_cents = v.price;
      const code = (v.barcode ?? '').trim();
      if (!code || /^\d{8,14}$/.test(code)) row.gtin = code;
      if (!single)
        v.options.slice(0, 3).forEach((o, k) => {
          row[`option${k + 1}_name`] = o.name;
          row[`option${k + 1}_value`] = o.value;
        });
      if (p.category.productCategory || p.category.type || p.category.tags) row.shopify_category = p.category;
      const images = imagesGiven ? [] : [...p.images];
      imagesGiven = true;
      if (v.image) {
        const k = images.indexOf(v.image);
        if (k > 0) images.splice(k, 1);
        if (k !== 0) images.unshift(v.image);
      }
      if (images.length) row.images = images.slice(0, 50);
      const stock: { location: string; on_hand: number }[] = [];
      for (const lv of v.levels ?? []) {
        const store = locMap[lv.location];
        const storeCode = store ? codeOf.get(store) : undefined;
        if (!store || !storeCode) continue;
        stock.push({
          location: storeCode,
          on_hand: Math.max(0, lv.available) + (ex ? (reserved.get(`${ex.id}:${store}`) ?? 0) : 0),
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
export async function archiveItems(deps: ShopSyncDeps, conn: ConnectionRow, items: ItemRow[]) {
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

/**
 * A stock change at the shop (webhook): the mapped store's on-hand count becomes the shop's
 * available units plus the units Comptoir orders hold there, through the POS sync path. False when
 * the item or location is not followed, or the count was refused (logged).
 */
export async function applyStockLevel(
  deps: ShopSyncDeps,
  conn: ConnectionRow,
  inventoryItemId: string,
  shopLocationId: string,
  available: number,
): Promise<boolean> {
  const { db } = deps;
  const item = await selectItemByInventoryItem(db, conn.id, inventoryItemId);
  const store = locationMap(conn)[shopLocationId];
  if (!item?.product_id || !store) return false;
  const stores = [...(await merchantLocations(db, conn.merchant_id)).values()];
  const code = stores.find((s) => s.id === store)?.code;
  if (!code) return false;
  const level = (await levelsForProducts(db, [item.product_id])).find((l) => l.location_id === store);
  const onHand = Math.max(0, available) + (level?.reserved ?? 0);
  try {
    await syncInventory(db, deps.events, conn.merchant_id, [
      { sku: item.sku, location_code: code, on_hand: onHand },
    ]);
  } catch (err) {
    if (!(err instanceof RowErrors)) throw err;
    await log(db, conn, 'warn', 'stock_refused', `${item.sku}: ${err.errors.map((e) => e.code).join(', ')}`);
    return false;
  }
  return true;
}

/* ------------------------------------------------------------------ sync pass */

/** Where a sync pass reads the shop's catalogue from (one per provider). */
export interface SyncSource {
  /** Variants written per import call (and between two saved cursors). */
  batchVariants: number;
  /** Products from `cursor` (null: the start) until about `maxVariants`; `next` null at the end. */
  nextBatch(
    cursor: string | null,
    maxVariants: number,
  ): Promise<{ products: ShopProduct[]; next: string | null }>;
  /** Connection fields saved when a pass completes (Square: the catalogue time caught up to). */
  finished?(): Partial<Pick<ConnectionRow, 'catalog_version_at'>>;
  /** The HTTP status when `err` is the shop refusing the token, else undefined. */
  authStatus(err: unknown): number | undefined;
}

/**
 * A sync pass of a connection: every batch (resuming from the saved cursor), then the products
 * gone from the shop archived. Progress and the cursor are saved after each batch, so a crash or a
 * pause resumes where it stopped.
 */
export async function syncPass(
  deps: ShopSyncDeps,
  connectionId: number,
  sourceOf: (conn: ConnectionRow) => SyncSource,
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
  let cursor = resuming ? conn.cursor : null;
  let source: SyncSource | undefined;
  try {
    source = sourceOf(conn);
    do {
      const batch = await source.nextBatch(cursor, source.batchVariants);
      const r = await applyProducts(deps, conn, batch.products);
      cursor = batch.next;
      products += batch.products.length;
      variants += r.variants;
      out.products += batch.products.length;
      out.variants += r.variants;
      out.errors += r.errors;
      await updateConnection(db, conn.id, { cursor, products_done: products, variants_done: variants });
      conn = (await selectConnection(db, conn.id)) as ConnectionRow;
      if (cursor !== null && conn.status !== 'active') {
        await updateConnection(db, conn.id, { sync_state: 'idle' });
        return { ...out, state: 'paused' };
      }
    } while (cursor !== null);
    const gone = await selectUnseenItems(db, conn.id, started);
    out.archived = await archiveItems(deps, conn, gone);
    await updateConnection(db, conn.id, {
      ...source.finished?.(),
      sync_state: 'done',
      cursor: null,
      last_sync_at: new Date().toISOString(),
      last_error: null,
    });
    await log(db, conn, 'info', 'sync_done', `${products} / ${variants} / ${out.errors} / ${out.archived}`);
    return { ...out, state: 'done' };
  } catch (err) {
    const auth = source?.authStatus(err);
    if (auth !== undefined) {
      await updateConnection(db, conn.id, { sync_state: 'failed' });
      await markReconnect(deps, conn, auth);
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      await updateConnection(db, conn.id, { sync_state: 'failed', last_error: msg.slice(0, 500) });
      await log(db, conn, 'error', 'sync_failed', msg);
    }
    return { ...out, state: 'failed' };
  }
}
