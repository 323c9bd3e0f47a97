/**
 * Square rules of the shop sync: connecting with an access token, the catalogue (items, variations,
 * categories, images) and IN_STOCK counts read as `ShopProduct`s for the shared sync pass, the
 * `catalog.version.updated` / `inventory.count.updated` notifications, and the IN_STOCK → SOLD
 * adjustments Comptoir orders owe the seller's Square stock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { stripHtml } from '../imports/index.ts';
import { decryptSecret, encryptSecret } from './crypto.ts';
import {
  type ConnectionRow,
  type PushRow,
  selectConnection,
  selectItemsByVariants,
  selectItemsOfShopProduct,
  updateConnection,
} from './shopsync.repository.ts';
import { type ConnectSquareInput, connectSquareSchema, squareEventSchema } from './shopsync.schemas.ts';
import {
  exchangeSquareCode,
  fetchCounts,
  fetchSquareLocations,
  moveStock,
  refreshSquareToken,
  retrieveCatalog,
  SQUARE_HOSTS,
  SquareAuthError,
  SquareClient,
  type SquareCount,
  SquareError,
  type SquareObject,
  SquareResponseError,
  searchCatalog,
  squareAuthorizeUrl,
  verifySquareSignature,
} from './square.ts';
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
  type SyncSource,
  type WebhookOutcome,
} from './sync-core.ts';

/** The HTTP status when `err` is Square refusing the token, else undefined. */
export const squareAuthStatus = (err: unknown) => (err instanceof SquareAuthError ? err.status : undefined);

function newSquareClient(
  deps: ShopSyncDeps,
  environment: 'sandbox' | 'production',
  token: string,
  maxAttempts?: number,
) {
  return new SquareClient({
    token,
    environment,
    apiBase: deps.config.SQUARE_API_BASE,
    fetchImpl: deps.fetchImpl,
    maxAttempts,
  });
}

/**
 * Square recommends renewing an OAuth access token (valid 30 days) every 7 days or less, whether
 * or not the seller is active, so that a failed renewal is noticed weeks before the token lapses.
 * The server's reconciliation reads every active connection far more often than that.
 */
const RENEW_WHEN_LEFT_MS = 23 * 86_400_000;

/** An answer from Square refusing the call (a 4xx), as opposed to a network error or a 5xx/429. */
const refusedBySquare = (err: unknown) =>
  err instanceof SquareAuthError ||
  (err instanceof SquareError &&
    !(err instanceof SquareResponseError) &&
    !/^(network: |http_(429|5\d\d)$)/.test(err.message));

/**
 * The connection's access token, renewed first when it came from OAuth and is due (a week old, or
 * its expiry unknown): the new token and expiry (and a new refresh token, if Square gives one) are
 * stored before use. A renewal Square refuses while the token still works is logged and retried on
 * the next call; once the token has expired it is the seller's to reconnect (SquareAuthError, which
 * every caller turns into `reconnect_needed`). A network failure never marks anything: the call
 * goes on with the current token, or fails and is retried by the next reconciliation.
 */
async function currentToken(deps: ShopSyncDeps, conn: ConnectionRow, now = Date.now()): Promise<string> {
  const key = keyOf(deps);
  const token = decryptSecret(key, conn.token_enc);
  if (!conn.refresh_enc || !squareOAuthConfigured(deps.config)) return token;
  const expires = conn.token_expires_at ? Date.parse(conn.token_expires_at) : Number.NaN;
  if (Number.isFinite(expires) && expires - now > RENEW_WHEN_LEFT_MS) return token;
  const environment = conn.environment ?? 'production';
  try {
    const r = await refreshSquareToken(newSquareClient(deps, environment, '', 3), {
      applicationId: deps.config.SQUARE_APPLICATION_ID as string,
      applicationSecret: deps.config.SQUARE_APPLICATION_SECRET as string,
      refreshToken: decryptSecret(key, conn.refresh_enc),
    });
    const set = {
      token_enc: encryptSecret(key, r.access_token),
      token_expires_at: r.expires_at ? new Date(r.expires_at).toISOString() : null,
      ...(r.refresh_token ? { refresh_enc: encryptSecret(key, r.refresh_token) } : {}),
    };
    await updateConnection(deps.db, conn.id, set);
    Object.assign(conn, set);
    await log(deps.db, conn, 'info', 'token_renewed', `expires ${set.token_expires_at ?? 'unknown'}`);
    return r.access_token;
  } catch (err) {
    const expired = !Number.isFinite(expires) || expires <= now;
    await log(deps.db, conn, 'warn', 'token_renewal_failed', (err as Error).message);
    if (expired && refusedBySquare(err)) throw new SquareAuthError(401);
    if (expired) throw err;
    return token;
  }
}

async function squareClient(deps: ShopSyncDeps, conn: ConnectionRow, opts: { maxAttempts?: number } = {}) {
  const token = await currentToken(deps, conn);
  return newSquareClient(deps, conn.environment ?? 'production', token, opts.maxAttempts);
}

/**
 * Connects (or reconnects) the merchant's Square account: the token is checked by listing the
 * seller's locations (a refused token is a field error), then stored encrypted with the webhook
 * signature key; locations are mapped to stores of the same name, or the only one to the default
 * store. A merchant follows one shop at a time (disconnect Shopify first).
 */
export function connectSquare(
  deps: ShopSyncDeps,
  merchantId: number,
  input: unknown,
  /** From "Connect with Square": the refresh token and the access token's expiry (ISO 8601). */
  oauth?: { refreshToken?: string; expiresAt?: string },
) {
  return connectShop<ConnectSquareInput>(deps, merchantId, input, {
    provider: 'square',
    schema: connectSquareSchema,
    otherShopField: 'access_token',
    fetchLocations: (v) => fetchSquareLocations(newSquareClient(deps, v.environment, v.access_token, 3)),
    authStatus: squareAuthStatus,
    refused: { field: 'access_token', message: 'shopsync.square_token_refused' },
    unreachable: { field: 'environment', message: 'shopsync.square_unreachable' },
    fields: (v, existing, encrypt) => ({
      shop_domain: new URL(SQUARE_HOSTS[v.environment]).host,
      environment: v.environment,
      token_enc: encrypt(v.access_token),
      // Without a new key, a reconnection keeps the subscription's key already stored.
      secret_enc: v.signature_key
        ? encrypt(v.signature_key)
        : existing?.provider === 'square'
          ? existing.secret_enc
          : '',
      // A pasted token does not expire; one from OAuth is renewed with its refresh token.
      refresh_enc: oauth?.refreshToken ? encrypt(oauth.refreshToken) : null,
      token_expires_at:
        oauth?.refreshToken && oauth.expiresAt ? new Date(oauth.expiresAt).toISOString() : null,
    }),
    logDetail: (v) => `square ${v.environment}`,
  });
}

/** The seller's locations as Square lists them now (for the mapping form). */
export async function squareLocations(deps: ShopSyncDeps, conn: ConnectionRow) {
  try {
    return await fetchSquareLocations(await squareClient(deps, conn));
  } catch (err) {
    const auth = squareAuthStatus(err);
    if (auth !== undefined) await markReconnect(deps, conn, auth);
    throw err;
  }
}

/* ------------------------------------------------------------------ OAuth ("Connect with Square") */

/** True when the region's Square application is configured (OAuth offered). */
export const squareOAuthConfigured = (config: ShopSyncDeps['config']) =>
  Boolean(config.SQUARE_APPLICATION_ID && config.SQUARE_APPLICATION_SECRET);

const STATE_TTL_MS = 15 * 60_000;

/** `<merchant>.<expiry ms>.<HMAC>`: ties Square's return to the merchant who left, for a while. */
function oauthState(deps: ShopSyncDeps, merchantId: number, expires: number) {
  const mac = createHmac('sha256', keyOf(deps))
    .update(`square-oauth:${merchantId}.${expires}`)
    .digest('base64url');
  return `${merchantId}.${expires}.${mac}`;
}

/** Where to send the merchant to authorize Comptoir on their Square account. */
export function squareOAuthStart(deps: ShopSyncDeps, merchantId: number, now = Date.now()) {
  if (!squareOAuthConfigured(deps.config)) throw notFound('square_oauth');
  return squareAuthorizeUrl({
    environment: deps.config.SQUARE_OAUTH_ENVIRONMENT ?? 'production',
    applicationId: deps.config.SQUARE_APPLICATION_ID as string,
    state: oauthState(deps, merchantId, now + STATE_TTL_MS),
    apiBase: deps.config.SQUARE_API_BASE,
  });
}

/**
 * Square sent the merchant back: the `state` must be this merchant's and fresh (else a field
 * error, nothing stored), the code is exchanged for an access token, then the account is connected
 * as with a pasted token (the signature key is added later by reconnecting).
 */
export async function squareOAuthFinish(
  deps: ShopSyncDeps,
  merchantId: number,
  q: { code?: string; state?: string; error?: string },
  redirectUri: string,
  now = Date.now(),
) {
  if (!squareOAuthConfigured(deps.config)) throw notFound('square_oauth');
  const refused = () =>
    new ValidationError([{ field: 'access_token', message: 'shopsync.square_oauth_refused' }]);
  if (q.error || !q.code || !q.state) throw refused();
  const [m, exp] = q.state.split('.');
  const expires = Number(exp);
  const expected = oauthState(deps, Number(m), expires);
  if (
    Number(m) !== merchantId ||
    !(expires > now) ||
    expected.length !== q.state.length ||
    !timingSafeEqual(Buffer.from(expected), Buffer.from(q.state))
  )
    throw refused();
  const environment = deps.config.SQUARE_OAUTH_ENVIRONMENT ?? 'production';
  let token: string;
  let oauth: { refreshToken?: string; expiresAt?: string };
  try {
    const r = await exchangeSquareCode(newSquareClient(deps, environment, '', 3), {
      applicationId: deps.config.SQUARE_APPLICATION_ID as string,
      applicationSecret: deps.config.SQUARE_APPLICATION_SECRET as string,
      code: q.code,
      redirectUri,
    });
    token = r.access_token;
    oauth = { refreshToken: r.refresh_token, expiresAt: r.expires_at };
  } catch (err) {
    // The merchant only sees "not completed"; whether Square refused the code or did not answer is logged.
    deps.log?.warn({ err, merchantId }, 'Square OAuth code exchange failed');
    throw refused();
  }
  return connectSquare(deps, merchantId, { environment, access_token: token, signature_key: '' }, oauth);
}

/* ------------------------------------------------------------------ catalogue → ShopProduct */

/** Square's default variation names: a single one is a product without options. */
const DEFAULT_VARIATIONS = new Set(['', 'regular', 'normal', 'standard', 'ordinaire', 'default']);

/**
 * Square items in the shared shape: variations are the variants (SKU, or `square-<variation id>`
 * without one; price_money in cents, none for variable pricing; UPC/GTIN), the variation's name as
 * option "Variante" unless it is the single default one; categories as the Square export's cells
 * (reporting category, then the others); images from the related IMAGE objects; stock per mapped
 * location from the IN_STOCK counts (0 without a count; left alone when the variation is not
 * tracked).
 */
export function toShopProducts(
  items: SquareObject[],
  related: Map<string, SquareObject>,
  counts: SquareCount[],
  locations: string[],
): ShopProduct[] {
  const qty = new Map(counts.map((c) => [`${c.catalog_object_id}:${c.location_id}`, c.quantity]));
  const name = (id: string | undefined) => (id ? (related.get(id)?.category_data?.name ?? '') : '');
  const url = (id: string | undefined) => (id ? (related.get(id)?.image_data?.url ?? null) : null);
  return items.map((item) => {
    const d = item.item_data ?? {};
    const variations = (d.variations ?? []).filter((v) => !v.is_deleted);
    const single =
      variations.length === 1 &&
      DEFAULT_VARIATIONS.has((variations[0].item_variation_data?.name ?? '').trim().toLowerCase());
    const reporting = name(d.reporting_category?.id) || name(d.category_id);
    const others = (d.categories ?? []).map((c) => name(c.id)).filter((n) => n && n !== reporting);
    const type = reporting || others.shift() || '';
    return {
      id: item.id,
      handle: `square-${item.id.toLowerCase()}`,
      title: (d.name ?? '').trim(),
      description: (d.description_plaintext ?? stripHtml(d.description_html ?? d.description ?? '')).trim(),
      vendor: '',
      status: d.is_archived ? 'archived' : 'active',
      category: { type, tags: others.join(',') },
      images: (d.image_ids ?? []).flatMap((i) => url(i) ?? []),
      variants: variations.map((v) => {
        const vd = v.item_variation_data ?? {};
        const fixed = vd.pricing_type !== 'VARIABLE_PRICING' && vd.price_money;
        return {
          id: v.id,
          title: (vd.name ?? '').trim(),
          sku: vd.sku?.trim() || `square-${v.id}`,
          barcode: vd.upc ?? null,
          price: fixed ? vd.price_money?.amount : undefined,
          image: url(vd.image_ids?.[0]),
          options: single ? [] : [{ name: 'Variante', value: (vd.name ?? '').trim() || v.id }],
          inventoryItemId: v.id,
          levels:
            vd.track_inventory === false
              ? null
              : locations.map((l) => ({
                  location: l,
                  available: Math.floor(Number(qty.get(`${v.id}:${l}`) ?? 0)) || 0,
                })),
        };
      }),
    };
  });
}

const mappedLocations = (conn: ConnectionRow) =>
  Object.entries(locationMap(conn)).flatMap(([loc, store]) => (store === null ? [] : [loc]));

/** Items (with their related objects) converted, with the IN_STOCK counts of their variations. */
async function withCounts(
  client: SquareClient,
  conn: ConnectionRow,
  items: SquareObject[],
  related: Map<string, SquareObject>,
) {
  const locations = mappedLocations(conn);
  const tracked = items.flatMap((i) =>
    (i.item_data?.variations ?? [])
      .filter((v) => !v.is_deleted && v.item_variation_data?.track_inventory !== false)
      .map((v) => v.id),
  );
  const counts = await fetchCounts(client, tracked, locations);
  return toShopProducts(items, related, counts, locations);
}

/**
 * Square's catalogue as a sync source: SearchCatalogObjects pages of items (deleted ones left out),
 * then the IN_STOCK counts of the batch's variations. The saved cursor carries Square's cursor and
 * the catalogue's `latest_time` when the pass began, which becomes the `begin_time` of the next
 * `catalog.version.updated` catch-up once the pass completes.
 */
export function squareSource(
  deps: ShopSyncDeps,
  conn: ConnectionRow,
  opts: { pageSize?: number; batchVariants?: number },
): SyncSource {
  // Made at the first batch: the token may be renewed first (a refusal then fails the pass as any
  // refused call does).
  let made: SquareClient | undefined;
  let latest: string | null = null;
  return {
    batchVariants: opts.batchVariants ?? 5000,
    async nextBatch(cursor, maxVariants) {
      made ??= await squareClient(deps, conn);
      const client = made;
      const state = cursor
        ? (JSON.parse(cursor) as { c: string | null; t: string | null })
        : { c: null, t: null };
      const items: SquareObject[] = [];
      const related = new Map<string, SquareObject>();
      let n = 0;
      do {
        const page = await searchCatalog(client, { cursor: state.c, limit: opts.pageSize });
        state.t ??= page.latestTime;
        for (const o of page.related) related.set(o.id, o);
        for (const o of page.objects)
          if (o.type === 'ITEM' && !o.is_deleted) {
            items.push(o);
            n += o.item_data?.variations?.length ?? 0;
          }
        state.c = page.cursor;
      } while (state.c && n < maxVariants);
      latest = state.t;
      return {
        products: await withCounts(client, conn, items, related),
        next: state.c ? JSON.stringify(state) : null,
      };
    },
    finished: () => ({ catalog_version_at: latest ?? new Date().toISOString() }),
    authStatus: squareAuthStatus,
  };
}

/* ------------------------------------------------------------------ notifications */

/**
 * A Square event notification: `x-square-hmacsha256-signature` must be the base64 HMAC-SHA256 of
 * the notification URL followed by the raw body, with the subscription's signature key (else 401,
 * nothing changes); an `event_id` already recorded is a replay (200, nothing applied).
 * `inventory.count.updated` sets the stores' stock from the IN_STOCK counts (plus the units
 * Comptoir orders hold), `catalog.version.updated` applies the catalogue changes since the last
 * catch-up (SearchCatalogObjects with `begin_time`; deleted items archived).
 */
export function handleSquareWebhook(
  deps: ShopSyncDeps,
  connectionId: number,
  notificationUrl: string,
  signature: string | undefined,
  rawBody: string,
): Promise<WebhookOutcome> {
  return receiveWebhook(deps, connectionId, {
    provider: 'square',
    verify: (key) => verifySquareSignature(notificationUrl, rawBody, signature, key),
    badSignatureDetail: 'square',
    parse() {
      try {
        const parsed = squareEventSchema.safeParse(JSON.parse(rawBody));
        return parsed.success
          ? { id: parsed.data.event_id, topic: parsed.data.type, event: parsed.data }
          : undefined;
      } catch {
        // Not JSON: undefined is "unreadable", which receiveWebhook answers and records as such.
        return undefined;
      }
    },
    async apply(conn, event) {
      let applied = false;
      if (event.type === 'inventory.count.updated') {
        for (const c of event.data?.object?.inventory_counts ?? [])
          if (c.state === 'IN_STOCK')
            applied =
              (await applyStockLevel(
                deps,
                conn,
                c.catalog_object_id,
                c.location_id,
                Math.floor(Number(c.quantity)) || 0,
              )) || applied;
      } else if (event.type === 'catalog.version.updated') applied = await catchUpCatalog(deps, conn.id);
      return applied;
    },
    authStatus: squareAuthStatus,
  });
}

/** One catch-up at a time per connection (notifications arrive in bursts). */
const catchUps = new Map<number, Promise<unknown>>();

/** Applies the catalogue changes since the connection's last catch-up (one at a time per connection). */
export function catchUpCatalog(deps: ShopSyncDeps, connectionId: number): Promise<boolean> {
  const prev = catchUps.get(connectionId) ?? Promise.resolve();
  const next = prev.then(() => catchUp(deps, connectionId));
  // The caller gets `next` and its rejection; `settled` only starts the next catch-up after this one.
  const settled = next.catch(() => undefined);
  catchUps.set(connectionId, settled);
  void settled.then(() => {
    if (catchUps.get(connectionId) === settled) catchUps.delete(connectionId);
  });
  return next;
}

async function catchUp(deps: ShopSyncDeps, connectionId: number): Promise<boolean> {
  const { db } = deps;
  const conn = await selectConnection(db, connectionId);
  // Before the first sync completes there is no begin_time: that sync reads everything anyway.
  if (conn?.status !== 'active' || !conn.catalog_version_at) return false;
  const client = await squareClient(deps, conn);
  const items = new Map<string, SquareObject>();
  const related = new Map<string, SquareObject>();
  const parents = new Set<string>();
  const deletedItems = new Set<string>();
  const deletedVariations: string[] = [];
  let cursor: string | null = null;
  let latest: string | null = null;
  do {
    const page = await searchCatalog(client, { cursor, beginTime: conn.catalog_version_at });
    latest ??= page.latestTime;
    for (const o of page.related) related.set(o.id, o);
    for (const o of page.objects) {
      if (o.type === 'ITEM' && o.is_deleted) deletedItems.add(o.id);
      else if (o.type === 'ITEM') items.set(o.id, o);
      else if (o.type === 'ITEM_VARIATION' && o.is_deleted) deletedVariations.push(o.id);
      else if (o.type === 'ITEM_VARIATION' && o.item_variation_data?.item_id)
        parents.add(o.item_variation_data.item_id);
    }
    cursor = page.cursor;
  } while (cursor);
  // A changed variation's item comes as a related object; otherwise it is read.
  const missing: string[] = [];
  for (const id of parents) {
    if (items.has(id) || deletedItems.has(id)) continue;
    const r = related.get(id);
    if (r?.type === 'ITEM' && !r.is_deleted) items.set(id, r);
    else missing.push(id);
  }
  if (missing.length) {
    const got = await retrieveCatalog(client, missing);
    for (const o of got.related) related.set(o.id, o);
    for (const o of got.objects) if (o.type === 'ITEM' && !o.is_deleted) items.set(o.id, o);
  }
  let changed = 0;
  if (items.size) {
    const products = await withCounts(client, conn, [...items.values()], related);
    await applyProducts(deps, conn, products);
    changed += products.length;
    // Variations removed from an item on Square are archived with it.
    for (const p of products) {
      const ids = new Set(p.variants.map((v) => v.id));
      const gone = (await selectItemsOfShopProduct(db, conn.id, p.id)).filter(
        (i) => !ids.has(i.shop_variant_id),
      );
      changed += await archiveItems(deps, conn, gone);
    }
  }
  for (const id of deletedItems) {
    const n = await archiveItems(deps, conn, await selectItemsOfShopProduct(db, conn.id, id));
    if (n) await log(db, conn, 'info', 'product_archived', `${id} (${n})`);
    changed += n;
  }
  if (deletedVariations.length)
    changed += await archiveItems(deps, conn, await selectItemsByVariants(db, conn.id, deletedVariations));
  await updateConnection(db, conn.id, { catalog_version_at: latest ?? conn.catalog_version_at });
  return changed > 0;
}

/* ------------------------------------------------------------------ orders → Square stock */

/**
 * Sends stock changes owed to Square, one BatchChangeInventory per order line (IN_STOCK → SOLD for
 * a sale, NONE → IN_STOCK for a cancellation's return) with an idempotency key of the line and
 * kind, so a resend after a crash is not applied twice.
 * Returns the failure of each row not sent.
 */
export async function sendSquarePushes(
  deps: ShopSyncDeps,
  conn: ConnectionRow,
  rows: PushRow[],
): Promise<Map<number, unknown>> {
  const failures = new Map<number, unknown>();
  let client: SquareClient;
  try {
    client = await squareClient(deps, conn, { maxAttempts: 2 });
  } catch (err) {
    // No usable token (renewal refused after expiry, or unreachable): every line waits.
    for (const r of rows) failures.set(r.id, err);
    return failures;
  }
  for (const r of rows) {
    try {
      await moveStock(client, {
        idempotencyKey: `comptoir-${r.connection_id}-${r.order_id}-${r.product_id}-${r.shop_location_id}${r.kind === 'return' ? '-return' : ''}`,
        variationId: r.inventory_item_id,
        locationId: r.shop_location_id,
        quantity: Math.abs(r.delta),
        // Units back from a cancellation: SOLD is not tracked by Square, so they come from NONE.
        from: r.delta < 0 ? 'IN_STOCK' : 'NONE',
        to: r.delta < 0 ? 'SOLD' : 'IN_STOCK',
        occurredAt: r.created_at,
      });
    } catch (err) {
      failures.set(r.id, err);
      // The token is refused: the other lines would be refused too.
      if (err instanceof SquareAuthError) {
        for (const o of rows) if (!failures.has(o.id)) failures.set(o.id, err);
        break;
      }
    }
  }
  return failures;
}
