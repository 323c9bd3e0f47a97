/**
 * A small client for the Shopify Admin GraphQL API (version 2026-04): one POST per query to
 * `https://{shop}/admin/api/2026-04/graphql.json` with the `X-Shopify-Access-Token` header.
 * Throttling is respected both ways Shopify signals it: the cost extension
 * (`extensions.cost.throttleStatus`: the client waits for the bucket to refill before the next
 * query would overdraw it; a `THROTTLED` error is retried after that wait) and HTTP 429 with
 * `Retry-After` (seconds). A 401/403 means the token was revoked or lacks a scope
 * (`ShopifyAuthError`); other failures are `ShopifyError`. The fields Shopify reports as deprecated
 * in a request (`X-Shopify-API-Deprecated-Reason`) are collected in `deprecations`, so the sync can
 * log them long before a later version removes them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { withRetries } from './http-retry.ts';

/**
 * The Admin API version of every request, reads and stock pushes alike. Shopify supports a version
 * about 12 months and answers an unsupported one as its oldest supported version, so this must be
 * moved (each field checked against the new version) before 2026-04 leaves support in April 2027.
 * From 2026-04 `inventoryAdjustQuantities` requires an idempotency key and `changeFromQuantity`.
 */
export const SHOPIFY_API_VERSION = '2026-04';

/** The access token was refused (revoked, uninstalled app, missing scope): the merchant must reconnect. */
export class ShopifyAuthError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`shopify_auth_${status}`);
    this.status = status;
  }
}

/** Any other failure talking to Shopify (network, 5xx after retries, GraphQL errors). */
export class ShopifyError extends Error {}

/** `*.myshopify.com` shop domains only (what a custom app's Admin API is served on). */
export const SHOP_DOMAIN_RE = /^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$/;

export interface ShopifyClientOptions {
  shop: string;
  token: string;
  /** Test/base URL override (SHOPIFY_API_BASE): requests go to `${apiBase}/admin/api/...`. */
  apiBase?: string;
  /** Most attempts for one query (429, THROTTLED, 5xx, network). */
  maxAttempts?: number;
  /** Longest wait honoured between attempts (ms). */
  maxWaitMs?: number;
  fetchImpl?: typeof fetch;
}

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A GraphQL Admin API client for one shop. */
export class ShopifyClient {
  readonly #base: string;
  readonly #token: string;
  readonly #maxAttempts: number;
  readonly #maxWaitMs: number;
  readonly #fetch: typeof fetch;
  #throttle?: ThrottleStatus;
  #lastCost = 0;
  /** Retries after 429 / THROTTLED (for the status page and tests). */
  retries = 0;
  /** What Shopify reported deprecated in this client's requests (`Product.images`, ...). */
  readonly deprecations = new Set<string>();

  constructor(o: ShopifyClientOptions) {
    const base = (o.apiBase ?? `https://${o.shop}`).replace(/\/+$/, '');
    this.#base = base;
    this.#token = o.token;
    this.#maxAttempts = o.maxAttempts ?? 6;
    this.#maxWaitMs = o.maxWaitMs ?? 30_000;
    this.#fetch = o.fetchImpl ?? fetch;
  }

  /** Runs one query or mutation (at SHOPIFY_API_VERSION unless `apiVersion` says); returns `data`. */
  async query<T>(
    query: string,
    variables: Record<string, unknown> = {},
    apiVersion = SHOPIFY_API_VERSION,
  ): Promise<T> {
    const url = `${this.#base}/admin/api/${apiVersion}/graphql.json`;
    return withRetries<T>({
      maxAttempts: this.#maxAttempts,
      maxWaitMs: this.#maxWaitMs,
      beforeAttempt: () => this.#waitForBucket(),
      onRetry: () => {
        this.retries++;
      },
      authError: (status) => new ShopifyAuthError(status),
      error: (message) => new ShopifyError(message),
      send: () =>
        this.#fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-shopify-access-token': this.#token,
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(30_000),
        }),
      read: async (res) => {
        // From 2025-04 the header lists the deprecated fields used (older versions: a docs URL).
        for (const reason of res.headers.get('x-shopify-api-deprecated-reason')?.split(',') ?? [])
          if (reason.trim()) this.deprecations.add(reason.trim());
        if (!res.ok) {
          await res.body?.cancel();
          throw new ShopifyError(`http_${res.status}`);
        }
        const body = (await res.json()) as {
          data?: T;
          errors?: { message: string; extensions?: { code?: string } }[];
          extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } };
        };
        const cost = body.extensions?.cost;
        if (cost?.throttleStatus) this.#throttle = cost.throttleStatus;
        if (cost?.requestedQueryCost) this.#lastCost = cost.requestedQueryCost;
        // Retried after #waitForBucket has waited for the refill.
        if (body.errors?.some((e) => e.extensions?.code === 'THROTTLED')) return { retry: 'throttled' };
        if (body.errors?.some((e) => e.extensions?.code === 'MAX_COST_EXCEEDED'))
          throw new ShopifyError('max_cost_exceeded: lower the page size');
        if (body.errors?.length) throw new ShopifyError(body.errors.map((e) => e.message).join('; '));
        return { value: body.data as T };
      },
    });
  }

  /** Waits until the leaky bucket holds the last query's cost (Shopify's documented restore rate). */
  async #waitForBucket() {
    const t = this.#throttle;
    if (!t || !this.#lastCost || t.currentlyAvailable >= this.#lastCost) return;
    const ms = ((this.#lastCost - t.currentlyAvailable) / Math.max(1, t.restoreRate)) * 1000;
    this.#throttle = { ...t, currentlyAvailable: this.#lastCost };
    await sleep(Math.min(this.#maxWaitMs, ms));
  }
}

/* ------------------------------------------------------------------ shapes */

/** A variant as the products query returns it. */
export interface ShopifyVariant {
  id: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  image?: { url: string } | null;
  selectedOptions: { name: string; value: string }[];
  inventoryItem: {
    id: string;
    inventoryLevels: {
      nodes: { location: { id: string }; quantities: { name: string; quantity: number }[] }[];
    };
  } | null;
}

/** A product as the products query returns it. */
export interface ShopifyProduct {
  id: string;
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  /** `UNLISTED` from 2025-10 (older versions answered it as `ACTIVE`). */
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED' | 'UNLISTED';
  category: { fullName: string } | null;
  /** Image media only; `image` is null until Shopify has processed the file (status READY). */
  media: { nodes: { image?: { url: string } | null }[] };
  variants: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: ShopifyVariant[] };
}

/** Locations read per variant (a shop with more locations than this: the rest are not synced). */
export const LEVELS_PER_VARIANT = 5;
/** Images read per product (the first ones, in the shop's order). */
export const IMAGES_PER_PRODUCT = 5;
const VARIANT_FIELDS = `id title sku barcode price image { url } selectedOptions { name value }
  inventoryItem { id inventoryLevels(first: ${LEVELS_PER_VARIANT}) { nodes { location { id } quantities(names: ["available"]) { name quantity } } } }`;
// `Product.images` is deprecated for `media` (filtered to images, sorted by position by default).
const PRODUCT_FIELDS = `id handle title descriptionHtml vendor productType tags status category { fullName }
  media(first: ${IMAGES_PER_PRODUCT}, query: "media_type:IMAGE") { nodes { ... on MediaImage { image { url } } } }
  variants(first: $variants) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }`;

/** One page of products (with their first variants), from `after` (null: the first page). */
export const PRODUCTS_QUERY = `query Products($first: Int!, $after: String, $variants: Int!) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { ${PRODUCT_FIELDS} }
  }
}`;

/** One product by id (webhooks re-read the product rather than trusting the payload's shape). */
export const PRODUCT_QUERY = `query Product($id: ID!, $variants: Int!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;

/** The variants of one product after its first page. */
export const PRODUCT_VARIANTS_QUERY = `query ProductVariants($id: ID!, $after: String) {
  product(id: $id) { variants(first: 40, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } } }
}`;

/** The shop's locations (mapping to Comptoir stores). */
export const LOCATIONS_QUERY = `query Locations { shop { name } locations(first: 100) { nodes { id name isActive } } }`;

/** Moves the available quantity of inventory items at locations by deltas, once per idempotency key. */
export const ADJUST_MUTATION = `mutation Adjust($input: InventoryAdjustQuantitiesInput!, $idempotencyKey: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    userErrors { field message }
    inventoryAdjustmentGroup { createdAt reason referenceDocumentUri changes { name delta } }
  }
}`;

/** Variants per product asked on each products page (the rest is paged per product). */
export const VARIANTS_PER_PAGE = 10;
/**
 * Products per page by default. Shopify refuses a query whose calculated cost exceeds 1,000 points
 * (`MAX_COST_EXCEEDED`): a variant with its levels costs ≈ 20, a product with 10 variants and 5
 * image media ≈ 216, so 4 products (≈ 866) is the largest page that fits.
 */
export const PRODUCTS_PER_PAGE = 4;

/** Fetches one page of products; products with more variants get the rest appended. */
export async function fetchProductsPage(
  client: ShopifyClient,
  after: string | null,
  first: number,
): Promise<{ products: ShopifyProduct[]; hasNextPage: boolean; endCursor: string | null }> {
  const data = await client.query<{
    products: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: ShopifyProduct[] };
  }>(PRODUCTS_QUERY, { first, after, variants: VARIANTS_PER_PAGE });
  for (const p of data.products.nodes) await completeVariants(client, p);
  return {
    products: data.products.nodes,
    hasNextPage: data.products.pageInfo.hasNextPage,
    endCursor: data.products.pageInfo.endCursor,
  };
}

/** One product (null when the shop no longer has it). */
export async function fetchProduct(client: ShopifyClient, id: string): Promise<ShopifyProduct | null> {
  const data = await client.query<{ product: ShopifyProduct | null }>(PRODUCT_QUERY, {
    id,
    variants: VARIANTS_PER_PAGE,
  });
  if (data.product) await completeVariants(client, data.product);
  return data.product;
}

async function completeVariants(client: ShopifyClient, p: ShopifyProduct) {
  let page = p.variants.pageInfo;
  while (page.hasNextPage) {
    const more = await client.query<{ product: { variants: ShopifyProduct['variants'] } | null }>(
      PRODUCT_VARIANTS_QUERY,
      { id: p.id, after: page.endCursor },
    );
    if (!more.product) break;
    p.variants.nodes.push(...more.product.variants.nodes);
    page = more.product.variants.pageInfo;
  }
}

/** The shop's active locations. */
export async function fetchLocations(client: ShopifyClient): Promise<{ id: string; name: string }[]> {
  const data = await client.query<{
    locations: { nodes: { id: string; name: string; isActive: boolean }[] };
  }>(LOCATIONS_QUERY);
  return data.locations.nodes.filter((l) => l.isActive).map(({ id, name }) => ({ id, name }));
}

/**
 * Applies negative/positive deltas to `available`, referencing the Comptoir order, once per
 * `idempotencyKey`: Shopify answers a key it has seen with the first answer and applies nothing, so
 * an attempt whose answer was lost (network, 5xx) can be sent again. Each change opts out of the
 * compare-and-set check (`changeFromQuantity: null`): a sale moves the count by its units whatever
 * the shop's own sales did meanwhile.
 */
export async function adjustQuantities(
  client: ShopifyClient,
  referenceDocumentUri: string,
  changes: { inventoryItemId: string; locationId: string; delta: number }[],
  idempotencyKey: string,
): Promise<void> {
  const data = await client.query<{
    inventoryAdjustQuantities: { userErrors: { field: string[] | null; message: string }[] };
  }>(ADJUST_MUTATION, {
    input: {
      reason: 'correction',
      name: 'available',
      referenceDocumentUri,
      changes: changes.map((c) => ({ ...c, changeFromQuantity: null })),
    },
    idempotencyKey,
  });
  const errs = data.inventoryAdjustQuantities.userErrors;
  if (errs.length) throw new ShopifyError(errs.map((e) => e.message).join('; '));
}

/** The URLs of a product's processed images, in the shop's order. */
export const productImageUrls = (p: Pick<ShopifyProduct, 'media'>) =>
  p.media.nodes.flatMap((m) => (m.image?.url ? [m.image.url] : []));

/** `gid://shopify/Product/123` → `123` (webhook payloads carry numeric ids). */
export const legacyId = (gid: string) => gid.slice(gid.lastIndexOf('/') + 1);
/** `123` → `gid://shopify/<type>/123`. */
export const gid = (type: string, id: string | number) => `gid://shopify/${type}/${id}`;

/** True when `header` is the base64 HMAC-SHA256 of the raw body with `secret` (constant time). */
export function verifyShopifyHmac(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Decoding base64 never throws (invalid characters are skipped): a malformed header only differs.
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
