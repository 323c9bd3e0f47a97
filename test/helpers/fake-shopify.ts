/**
 * A local fake of the Shopify Admin GraphQL API (2025-01; the inventory mutation at 2026-04, with its
 * idempotency key and `changeFromQuantity` rules) for the shop sync tests and benchmark.
 * It answers the operations the client sends (recognised by operation name) with the documented
 * shapes: `products` / `product` connections (`pageInfo { hasNextPage endCursor }`, `nodes`),
 * variants with `inventoryItem { inventoryLevels { nodes { location { id } quantities(names:
 * ["available"]) { name quantity } } } }`, `locations`, and the `inventoryAdjustQuantities`
 * mutation (`userErrors`, `inventoryAdjustmentGroup`). Every answer carries
 * `extensions.cost` (the requested cost by Shopify's calculation; over 1,000 points the query is
 * refused with `MAX_COST_EXCEEDED`, as Shopify does) with `throttleStatus`; faults can be injected: HTTP 429 with `Retry-After`,
 * GraphQL `THROTTLED` errors, a revoked token (401). `signWebhook` builds a delivery's headers
 * (`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, `X-Shopify-Webhook-Id`...).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVariant {
  id: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  image: { url: string } | null;
  selectedOptions: { name: string; value: string }[];
  inventoryItem: { id: string; levels: Record<string, number> };
}

export interface FakeProduct {
  id: string;
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  category: { fullName: string } | null;
  images: string[];
  variants: FakeVariant[];
}

export interface FakeShopify {
  url: string;
  token: string;
  products: FakeProduct[];
  locations: { id: string; name: string; isActive: boolean }[];
  /** Requests seen, by operation name. */
  calls: Record<string, number>;
  /** The inventoryAdjustQuantities inputs received. */
  adjustments: {
    referenceDocumentUri: string;
    changes: {
      inventoryItemId: string;
      locationId: string;
      delta: number;
      changeFromQuantity?: number | null;
    }[];
  }[];
  /** The next N requests get HTTP 429 with `Retry-After: retryAfter`. */
  rateLimitNext: number;
  retryAfter: string;
  /** The next N requests get a GraphQL THROTTLED error (HTTP 200, bucket empty). */
  throttleNext: number;
  /** The token was revoked: every request gets 401. */
  revoked: boolean;
  /** The next N adjustments fail with HTTP 500. */
  failAdjustNext: number;
  /** The next N adjustments are applied, then answered with HTTP 500 (the answer was lost). */
  loseAdjustAnswerNext: number;
  /** The API version of each adjustment received (replays included). */
  adjustVersions: string[];
  /**
   * 2026-04 rules of `inventoryAdjustQuantities`: the `@idempotent(key:)` directive is required (a
   * key seen before answers as the first time, nothing applied again), and every change names
   * `changeFromQuantity` (the expected quantity, or null to opt out of the check).
   */
  adjustKeys: Map<string, unknown>;
  /** The cost bucket (Shopify Plus: 10,000 points, 1,000 per second; standard plans 2,000 and 100). */
  bucket: { max: number; available: number; restore: number; at: number };
  /** Called before answering each products page (1, 2, ...): tests inject faults mid-sync. */
  onProductsPage?: (page: number) => void;
  close(): Promise<void>;
}

let seq = 1000;
const nextId = () => ++seq;

/** A product in the fake's shape; `variants` as option values (one option "Taille"), or a single default variant. */
export function fakeProduct(p: {
  title: string;
  sku?: string;
  price?: string;
  sizes?: { value: string; sku: string; stock?: Record<string, number>; barcode?: string }[];
  stock?: Record<string, number>;
  productType?: string;
  tags?: string[];
  category?: string;
  status?: FakeProduct['status'];
  barcode?: string;
  images?: string[];
}): FakeProduct {
  const pid = nextId();
  const handle = p.title
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const variant = (v: {
    title: string;
    sku: string | null;
    options: { name: string; value: string }[];
    stock?: Record<string, number>;
    barcode?: string;
  }): FakeVariant => {
    const vid = nextId();
    return {
      id: `gid://shopify/ProductVariant/${vid}`,
      title: v.title,
      sku: v.sku,
      barcode: v.barcode ?? null,
      price: p.price ?? '12.99',
      image: null,
      selectedOptions: v.options,
      inventoryItem: { id: `gid://shopify/InventoryItem/${vid}`, levels: { ...(v.stock ?? {}) } },
    };
  };
  return {
    id: `gid://shopify/Product/${pid}`,
    handle: `${handle}-${pid}`,
    title: p.title,
    descriptionHtml: `<p>${p.title} <strong>fait au Québec</strong></p>`,
    vendor: 'Atelier Test',
    productType: p.productType ?? '',
    tags: p.tags ?? [],
    status: p.status ?? 'ACTIVE',
    category: p.category ? { fullName: p.category } : null,
    images: p.images ?? [],
    variants: p.sizes
      ? p.sizes.map((s) =>
          variant({
            title: s.value,
            sku: s.sku,
            options: [{ name: 'Taille', value: s.value }],
            stock: s.stock,
            barcode: s.barcode,
          }),
        )
      : [
          variant({
            title: 'Default Title',
            sku: p.sku ?? null,
            options: [{ name: 'Title', value: 'Default Title' }],
            stock: p.stock,
            barcode: p.barcode,
          }),
        ],
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** Starts the fake on a random port. */
export async function startFakeShopify(
  opts: { token?: string; locations?: { id: string; name: string }[] } = {},
): Promise<FakeShopify> {
  const fake: FakeShopify = {
    url: '',
    token: opts.token ?? 'shpat_fake_0123456789abcdef0123456789',
    products: [],
    locations: (opts.locations ?? [{ id: 'gid://shopify/Location/1', name: 'Boutique principale' }]).map(
      (l) => ({
        ...l,
        isActive: true,
      }),
    ),
    calls: {},
    adjustments: [],
    rateLimitNext: 0,
    retryAfter: '0.05',
    throttleNext: 0,
    revoked: false,
    failAdjustNext: 0,
    loseAdjustAnswerNext: 0,
    adjustVersions: [],
    adjustKeys: new Map(),
    bucket: { max: 10_000, available: 10_000, restore: 1000, at: Date.now() },
    close: async () => {},
  };
  const bucket = fake.bucket;
  const variantJson = (v: FakeVariant) => ({
    id: v.id,
    title: v.title,
    sku: v.sku,
    barcode: v.barcode,
    price: v.price,
    image: v.image,
    selectedOptions: v.selectedOptions,
    inventoryItem: {
      id: v.inventoryItem.id,
      inventoryLevels: {
        nodes: Object.entries(v.inventoryItem.levels).map(([loc, q]) => ({
          location: { id: loc },
          quantities: [{ name: 'available', quantity: q }],
        })),
      },
    },
  });
  const variantsConn = (p: FakeProduct, first: number, after: string | null) => {
    const start = after ? Number(unb64(after)) + 1 : 0;
    const slice = p.variants.slice(start, start + first);
    return {
      pageInfo: {
        hasNextPage: start + first < p.variants.length,
        endCursor: slice.length ? b64(String(start + slice.length - 1)) : null,
      },
      nodes: slice.map(variantJson),
    };
  };
  const productJson = (p: FakeProduct, variantsFirst: number) => ({
    id: p.id,
    handle: p.handle,
    title: p.title,
    descriptionHtml: p.descriptionHtml,
    vendor: p.vendor,
    productType: p.productType,
    tags: p.tags,
    status: p.status,
    category: p.category,
    images: { nodes: p.images.map((url) => ({ url })) },
    variants: variantsConn(p, variantsFirst, null),
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      // The versions the client uses: its queries' and its inventory mutation's (2026-04).
      const version = /^\/admin\/api\/(2025-01|2026-04)\/graphql\.json$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !version) return send(404, { errors: 'Not Found' });
      if (fake.revoked || req.headers['x-shopify-access-token'] !== fake.token)
        return send(401, {
          errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
        });
      if (fake.rateLimitNext > 0) {
        fake.rateLimitNext--;
        return send(
          429,
          {
            errors:
              'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
          },
          { 'retry-after': fake.retryAfter },
        );
      }
      const { query, variables = {} } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      const op = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'anonymous';
      if (op === 'Products') fake.onProductsPage?.((fake.calls.Products ?? 0) + 1);
      if (fake.revoked)
        return send(401, {
          errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
        });
      fake.calls[op] = (fake.calls[op] ?? 0) + 1;
      const now = Date.now();
      bucket.available = Math.min(bucket.max, bucket.available + ((now - bucket.at) / 1000) * bucket.restore);
      bucket.at = now;
      // Shopify's documented calculation: an object costs 1, a connection 2 + first × its node's cost.
      const n = (re: RegExp, dflt: number) => Number(re.exec(query)?.[1] ?? dflt);
      const levels = n(/inventoryLevels\(first: (\d+)\)/, 0);
      const variantCost = 3 + 2 + 3 * levels;
      const productCost = (variants: number) =>
        2 + (2 + n(/images\(first: (\d+)\)/, 0)) + (2 + variants * variantCost);
      const cost =
        op === 'Products'
          ? 2 + Number(variables.first ?? 0) * productCost(Number(variables.variants ?? 0))
          : op === 'Product'
            ? 1 + productCost(Number(variables.variants ?? 0))
            : op === 'ProductVariants'
              ? 3 + n(/variants\(first: (\d+), after/, 0) * variantCost
              : 10;
      const ext = () => ({
        cost: {
          requestedQueryCost: cost,
          actualQueryCost: cost,
          throttleStatus: {
            maximumAvailable: bucket.max,
            currentlyAvailable: Math.floor(bucket.available),
            restoreRate: bucket.restore,
          },
        },
      });
      if (cost > 1000)
        return send(200, {
          errors: [
            {
              message: `Query cost is ${cost}, which exceeds the single query max cost limit (1000).`,
              extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: 1000 },
            },
          ],
        });
      if (fake.throttleNext > 0) {
        fake.throttleNext--;
        return send(200, {
          errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
          extensions: ext(),
        });
      }
      bucket.available -= cost;
      if (op === 'Locations')
        return send(200, {
          data: { shop: { name: 'Boutique test' }, locations: { nodes: fake.locations } },
          extensions: ext(),
        });
      if (op === 'Products') {
        const first = Math.min(250, Number(variables.first ?? 50));
        const after = (variables.after as string | null) ?? null;
        const start = after ? Number(unb64(after)) + 1 : 0;
        const slice = fake.products.slice(start, start + first);
        return send(200, {
          data: {
            products: {
              pageInfo: {
                hasNextPage: start + first < fake.products.length,
                endCursor: slice.length ? b64(String(start + slice.length - 1)) : null,
              },
              nodes: slice.map((p) => productJson(p, Number(variables.variants ?? 50))),
            },
          },
          extensions: ext(),
        });
      }
      if (op === 'Product') {
        const p = fake.products.find((x) => x.id === variables.id);
        return send(200, {
          data: { product: p ? productJson(p, Number(variables.variants ?? 50)) : null },
          extensions: ext(),
        });
      }
      if (op === 'ProductVariants') {
        const p = fake.products.find((x) => x.id === variables.id);
        return send(200, {
          data: {
            product: p ? { variants: variantsConn(p, 100, (variables.after as string) ?? null) } : null,
          },
          extensions: ext(),
        });
      }
      if (op === 'Adjust') {
        fake.adjustVersions.push(version);
        if (fake.failAdjustNext > 0) {
          fake.failAdjustNext--;
          return send(500, { errors: 'Internal Server Error' });
        }
        const input = variables.input as FakeShopify['adjustments'][number] & {
          name: string;
          reason: string;
        };
        let key: string | undefined;
        if (version >= '2026-04') {
          const directive = /@idempotent\(key: (?:\$(\w+)|"([^"]+)")\)/.exec(query);
          key = directive ? (directive[2] ?? String(variables[directive[1] as string] ?? '')) : '';
          if (!key)
            return send(200, {
              errors: [{ message: 'The @idempotent directive is required for this mutation.' }],
              extensions: ext(),
            });
          if (fake.adjustKeys.has(key)) {
            if (fake.loseAdjustAnswerNext > 0) {
              fake.loseAdjustAnswerNext--;
              return send(500, { errors: 'Internal Server Error' });
            }
            return send(200, fake.adjustKeys.get(key));
          }
          if (input.changes.some((c) => !('changeFromQuantity' in c)))
            return send(200, {
              data: {
                inventoryAdjustQuantities: {
                  userErrors: [
                    {
                      field: ['input', 'changes', 'changeFromQuantity'],
                      message: 'changeFromQuantity is required: the expected quantity, or null.',
                    },
                  ],
                  inventoryAdjustmentGroup: null,
                },
              },
              extensions: ext(),
            });
        }
        const userErrors: { field: string[]; message: string }[] = [];
        for (const c of input.changes) {
          const v = fake.products
            .flatMap((p) => p.variants)
            .find((x) => x.inventoryItem.id === c.inventoryItemId);
          if (!v)
            userErrors.push({
              field: ['input', 'changes', 'inventoryItemId'],
              message: 'The specified inventory item could not be found.',
            });
        }
        if (!userErrors.length) {
          for (const c of input.changes) {
            const v = fake.products
              .flatMap((p) => p.variants)
              .find((x) => x.inventoryItem.id === c.inventoryItemId) as FakeVariant;
            v.inventoryItem.levels[c.locationId] = (v.inventoryItem.levels[c.locationId] ?? 0) + c.delta;
          }
          fake.adjustments.push({ referenceDocumentUri: input.referenceDocumentUri, changes: input.changes });
        }
        const answer = {
          data: {
            inventoryAdjustQuantities: {
              userErrors,
              inventoryAdjustmentGroup: userErrors.length
                ? null
                : {
                    createdAt: new Date().toISOString(),
                    reason: input.reason,
                    referenceDocumentUri: input.referenceDocumentUri,
                    changes: input.changes.map((c) => ({ name: input.name, delta: c.delta })),
                  },
            },
          },
          extensions: ext(),
        };
        if (key) fake.adjustKeys.set(key, answer);
        if (fake.loseAdjustAnswerNext > 0) {
          fake.loseAdjustAnswerNext--;
          return send(500, { errors: 'Internal Server Error' });
        }
        return send(200, answer);
      }
      return send(200, { errors: [{ message: `Field '${op}' doesn't exist on type 'QueryRoot'` }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}

/** The headers of a Shopify webhook delivery of `body`, signed with `secret`. */
export function signWebhook(
  secret: string,
  topic: string,
  body: string,
  opts: { webhookId?: string; shop?: string } = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
    'x-shopify-shop-domain': opts.shop ?? 'boutique-test.myshopify.com',
    'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
    'x-shopify-api-version': '2025-01',
    'x-shopify-triggered-at': new Date().toISOString(),
  };
}

/** `gid://shopify/Product/123` → 123 (webhook payloads carry numeric ids). */
export const numericId = (gid: string) => Number(gid.slice(gid.lastIndexOf('/') + 1));
