/**
 * A small client for the Square APIs a shop sync needs (Locations, Catalog, Inventory), version
 * SQUARE_VERSION: JSON over HTTPS to `https://connect.squareup.com` (production) or
 * `https://connect.squareupsandbox.com` (sandbox), `Authorization: Bearer <access token>` and the
 * `Square-Version` header. Errors come as `{ errors: [{ category, code, detail }] }`: 401/403 mean
 * the token was revoked or lacks a permission (`SquareAuthError`); 429 (`RATE_LIMITED`) waits for
 * `Retry-After` (seconds) or backs off, as do 5xx and network errors; others are `SquareError`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { withRetries } from './http-retry.ts';

export const SQUARE_VERSION = '2025-01-23';

/** Square's API hosts per environment. */
export const SQUARE_HOSTS = {
  production: 'https://connect.squareup.com',
  sandbox: 'https://connect.squareupsandbox.com',
} as const;

/** The access token was refused (revoked, expired, missing permission): the merchant must reconnect. */
export class SquareAuthError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`square_auth_${status}`);
    this.status = status;
  }
}

/** Any other failure talking to Square (network, 5xx or 429 after retries, request errors). */
export class SquareError extends Error {}

/** Square answered a success whose body is not a JSON object (a proxy's page, a truncated body). */
export class SquareResponseError extends SquareError {
  readonly status: number;
  readonly contentType: string | null;
  constructor(status: number, contentType: string | null, path: string) {
    super(
      `square_bad_response: HTTP ${status} ${contentType ?? 'without content type'} for ${path.split('?')[0]}`,
    );
    this.status = status;
    this.contentType = contentType;
  }
}

export interface SquareClientOptions {
  token: string;
  environment: 'sandbox' | 'production';
  /** Test base URL override (SQUARE_API_BASE). */
  apiBase?: string;
  maxAttempts?: number;
  maxWaitMs?: number;
  fetchImpl?: typeof fetch;
}

/** A Square API client for one seller's access token. */
export class SquareClient {
  readonly #base: string;
  readonly #token: string;
  readonly #maxAttempts: number;
  readonly #maxWaitMs: number;
  readonly #fetch: typeof fetch;
  /** Retries after 429 / 5xx (tests, status). */
  retries = 0;

  constructor(o: SquareClientOptions) {
    this.#base = (o.apiBase ?? SQUARE_HOSTS[o.environment]).replace(/\/+$/, '');
    this.#token = o.token;
    this.#maxAttempts = o.maxAttempts ?? 6;
    this.#maxWaitMs = o.maxWaitMs ?? 30_000;
    this.#fetch = o.fetchImpl ?? fetch;
  }

  /**
   * One call; returns the parsed JSON body of a 2xx answer. A 2xx whose body is not JSON is a
   * `SquareResponseError` (never an empty result read as "nothing there").
   */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return withRetries<T>({
      maxAttempts: this.#maxAttempts,
      maxWaitMs: this.#maxWaitMs,
      onRetry: () => {
        this.retries++;
      },
      authError: (status) => new SquareAuthError(status),
      error: (message) => new SquareError(message),
      send: () =>
        this.#fetch(`${this.#base}${path}`, {
          method,
          headers: {
            // ObtainToken (OAuth) is the one call made without a token.
            ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
            'square-version': SQUARE_VERSION,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        }),
      read: async (res) => {
        const text = await res.text();
        let json: T & { errors?: { category: string; code: string; detail?: string }[] };
        try {
          json = JSON.parse(text);
        } catch {
          // An error answer without a JSON body says enough by its status; a success must be JSON.
          if (!res.ok) throw new SquareError(`http_${res.status}`);
          throw new SquareResponseError(res.status, res.headers.get('content-type'), path);
        }
        if (!res.ok || json?.errors?.length)
          throw new SquareError(
            json?.errors?.map((e) => `${e.code}${e.detail ? `: ${e.detail}` : ''}`).join('; ') ||
              `http_${res.status}`,
          );
        if (json === null || typeof json !== 'object')
          throw new SquareResponseError(res.status, res.headers.get('content-type'), path);
        return { value: json };
      },
    });
  }
}

/* ------------------------------------------------------------------ shapes */

/** A catalog object as the Catalog API returns it (only the fields the sync reads). */
export interface SquareObject {
  type: string;
  id: string;
  updated_at?: string;
  version?: number;
  is_deleted?: boolean;
  item_data?: {
    name?: string;
    description?: string;
    description_html?: string;
    description_plaintext?: string;
    is_archived?: boolean;
    categories?: { id: string }[];
    category_id?: string;
    reporting_category?: { id: string };
    image_ids?: string[];
    variations?: SquareObject[];
  };
  item_variation_data?: {
    item_id?: string;
    name?: string;
    sku?: string;
    upc?: string;
    pricing_type?: 'FIXED_PRICING' | 'VARIABLE_PRICING';
    price_money?: { amount: number; currency: string };
    track_inventory?: boolean;
    image_ids?: string[];
  };
  category_data?: { name?: string };
  image_data?: { name?: string; url?: string };
}

/** An inventory count (quantities are decimal strings). */
export interface SquareCount {
  catalog_object_id: string;
  catalog_object_type?: string;
  state: string;
  location_id: string;
  quantity: string;
  calculated_at?: string;
}

/** The seller's active locations. */
export async function fetchSquareLocations(client: SquareClient): Promise<{ id: string; name: string }[]> {
  const r = await client.call<{ locations?: { id: string; name: string; status?: string }[] }>(
    'GET',
    '/v2/locations',
  );
  return (r.locations ?? []).filter((l) => l.status !== 'INACTIVE').map(({ id, name }) => ({ id, name }));
}

/** Items per catalogue page (SearchCatalogObjects takes up to 1,000). */
export const ITEMS_PER_PAGE = 200;

/**
 * One page of SearchCatalogObjects: ITEM objects (their variations nested) with their categories
 * and images in `related_objects`; `begin_time` for the changes since a time (deleted objects
 * included then, and ITEM_VARIATION objects, whose parent item comes as a related object).
 */
export async function searchCatalog(
  client: SquareClient,
  opts: { cursor?: string | null; beginTime?: string | null; limit?: number },
) {
  const since = Boolean(opts.beginTime);
  const r = await client.call<{
    objects?: SquareObject[];
    related_objects?: SquareObject[];
    cursor?: string;
    latest_time?: string;
  }>('POST', '/v2/catalog/search', {
    ...(opts.cursor ? { cursor: opts.cursor } : {}),
    object_types: since ? ['ITEM', 'ITEM_VARIATION'] : ['ITEM'],
    include_related_objects: true,
    include_deleted_objects: since,
    ...(since ? { begin_time: opts.beginTime } : {}),
    limit: opts.limit ?? ITEMS_PER_PAGE,
  });
  return {
    objects: r.objects ?? [],
    related: r.related_objects ?? [],
    cursor: r.cursor ?? null,
    latestTime: r.latest_time ?? null,
  };
}

/** Items, with their related categories and images, by id (BatchRetrieveCatalogObjects). */
export async function retrieveCatalog(client: SquareClient, ids: string[]) {
  if (!ids.length) return { objects: [] as SquareObject[], related: [] as SquareObject[] };
  const r = await client.call<{ objects?: SquareObject[]; related_objects?: SquareObject[] }>(
    'POST',
    '/v2/catalog/batch-retrieve',
    { object_ids: ids, include_related_objects: true },
  );
  return { objects: r.objects ?? [], related: r.related_objects ?? [] };
}

/** Variation ids per counts request. */
const COUNT_IDS = 500;

/** IN_STOCK counts of these variations at these locations (BatchRetrieveInventoryCounts, paged). */
export async function fetchCounts(
  client: SquareClient,
  variationIds: string[],
  locationIds: string[],
): Promise<SquareCount[]> {
  const out: SquareCount[] = [];
  if (!variationIds.length || !locationIds.length) return out;
  for (let i = 0; i < variationIds.length; i += COUNT_IDS) {
    let cursor: string | undefined;
    do {
      const r = await client.call<{ counts?: SquareCount[]; cursor?: string }>(
        'POST',
        '/v2/inventory/counts/batch-retrieve',
        {
          catalog_object_ids: variationIds.slice(i, i + COUNT_IDS),
          location_ids: locationIds,
          states: ['IN_STOCK'],
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        },
      );
      out.push(...(r.counts ?? []).filter((c) => c.state === 'IN_STOCK'));
      cursor = r.cursor;
    } while (cursor);
  }
  return out;
}

/**
 * Moves `quantity` units of a variation at a location from IN_STOCK to SOLD (a Comptoir sale), or
 * from NONE to IN_STOCK (a cancellation's units back: SOLD units are no longer tracked by Square),
 * once per idempotency key (Square answers a repeated key with the first
 * result instead of applying it again).
 */
export async function moveStock(
  client: SquareClient,
  change: {
    idempotencyKey: string;
    variationId: string;
    locationId: string;
    quantity: number;
    from: 'IN_STOCK' | 'NONE';
    to: 'IN_STOCK' | 'SOLD';
    occurredAt: string;
  },
): Promise<void> {
  await client.call('POST', '/v2/inventory/changes/batch-create', {
    idempotency_key: change.idempotencyKey,
    ignore_unchanged_counts: true,
    changes: [
      {
        type: 'ADJUSTMENT',
        adjustment: {
          from_state: change.from,
          to_state: change.to,
          location_id: change.locationId,
          catalog_object_id: change.variationId,
          quantity: String(change.quantity),
          occurred_at: change.occurredAt,
        },
      },
    ],
  });
}

/** The permissions a shop sync asks for by OAuth. */
export const SQUARE_SCOPES = ['ITEMS_READ', 'INVENTORY_READ', 'INVENTORY_WRITE', 'MERCHANT_PROFILE_READ'];

/** Square's OAuth authorize page for the seller (the permissions, no session reuse, our `state`). */
export function squareAuthorizeUrl(o: {
  environment: 'sandbox' | 'production';
  applicationId: string;
  state: string;
  apiBase?: string;
}): string {
  const u = new URL('/oauth2/authorize', o.apiBase ?? SQUARE_HOSTS[o.environment]);
  u.searchParams.set('client_id', o.applicationId);
  u.searchParams.set('scope', SQUARE_SCOPES.join(' '));
  u.searchParams.set('session', 'false');
  u.searchParams.set('state', o.state);
  return u.toString();
}

/** ObtainToken: the authorization code the seller's return carried, exchanged for an access token. */
export async function exchangeSquareCode(
  client: SquareClient,
  o: { applicationId: string; applicationSecret: string; code: string; redirectUri: string },
) {
  return client.call<{
    access_token: string;
    expires_at?: string;
    merchant_id?: string;
    refresh_token?: string;
  }>('POST', '/oauth2/token', {
    client_id: o.applicationId,
    client_secret: o.applicationSecret,
    code: o.code,
    grant_type: 'authorization_code',
    redirect_uri: o.redirectUri,
  });
}

/**
 * ObtainToken with a refresh token (code flow): a new access token and its expiry. Square answers
 * with the same refresh token for the code flow; a new one, when given, replaces it.
 */
export async function refreshSquareToken(
  client: SquareClient,
  o: { applicationId: string; applicationSecret: string; refreshToken: string },
) {
  return client.call<{ access_token: string; expires_at?: string; refresh_token?: string }>(
    'POST',
    '/oauth2/token',
    {
      client_id: o.applicationId,
      client_secret: o.applicationSecret,
      grant_type: 'refresh_token',
      refresh_token: o.refreshToken,
    },
  );
}

/**
 * True when `header` (`x-square-hmacsha256-signature`) is the base64 HMAC-SHA256 of the
 * notification URL followed by the raw body, with the subscription's signature key (constant time).
 */
export function verifySquareSignature(
  notificationUrl: string,
  rawBody: string,
  header: string | undefined,
  signatureKey: string,
): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', signatureKey)
    .update(notificationUrl + rawBody)
    .digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
