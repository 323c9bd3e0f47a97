/**
 * A local fake of the Shopify Admin GraphQL API at version 2026-04 (the only version it serves: a
 * request naming another one gets 404) for the shop sync tests and benchmark.
 * It answers the operations the client sends (recognised by operation name) with the documented
 * shapes: `products` / `product` connections (`pageInfo { hasNextPage endCursor }`, `nodes`),
 * product images as `media(query: "media_type:IMAGE") { nodes { ... on MediaImage { image { url } } } }`
 * (`image` null until processed), variants with `inventoryItem { inventoryLevels { nodes { location
 * { id } quantities(names: ["available"]) { name quantity } } } }`, `locations`, and the
 * `inventoryAdjustQuantities` mutation (`userErrors`, `inventoryAdjustmentGroup`; its idempotency
 * key and `changeFromQuantity` rules).
 * Every query is checked against the part of the 2026-04 schema the fake knows (SCHEMA below): a
 * field that does not exist there — removed by Shopify, or never part of it — is refused with
 * Shopify's `undefinedField` error and nothing is answered; a deprecated field is answered with the
 * `X-Shopify-API-Deprecated-Reason` header listing it (as Shopify does from 2025-04) and recorded in
 * `deprecatedSeen`. Every answer carries `extensions.cost` (the requested cost by Shopify's
 * calculation; over 1,000 points the query is refused with `MAX_COST_EXCEEDED`, as Shopify does)
 * with `throttleStatus`; faults can be injected: HTTP 429 with `Retry-After`, GraphQL `THROTTLED`
 * errors, a revoked token (401). `signWebhook` builds a delivery's headers
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

/** A product's media in position order: an image (`url` null while Shopify processes it) or a video. */
export type FakeMedia = { type: 'IMAGE'; url: string | null } | { type: 'VIDEO'; url: string };

export interface FakeProduct {
  id: string;
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED' | 'UNLISTED';
  category: { fullName: string } | null;
  media: FakeMedia[];
  variants: FakeVariant[];
}

/** The API version the fake serves. */
export const FAKE_SHOPIFY_VERSION = '2026-04';

/**
 * The part of the Admin API 2026-04 schema the fake answers: per type, each field's type (null for
 * a scalar or a list of scalars), and the fields Shopify marks deprecated. Sources:
 * shopify.dev/docs/api/admin-graphql/latest/connections/imageconnection (Product.images
 * deprecated), .../latest/objects/Image (src, originalSrc, transformedSrc deprecated).
 */
const SCHEMA: Record<string, { fields: Record<string, string | null>; deprecated?: string[] }> = {
  QueryRoot: {
    fields: {
      products: 'ProductConnection',
      product: 'Product',
      locations: 'LocationConnection',
      shop: 'Shop',
    },
  },
  Mutation: { fields: { inventoryAdjustQuantities: 'InventoryAdjustQuantitiesPayload' } },
  PageInfo: {
    fields: { hasNextPage: null, hasPreviousPage: null, endCursor: null, startCursor: null },
  },
  ProductConnection: { fields: { pageInfo: 'PageInfo', nodes: 'Product' } },
  Product: {
    fields: {
      id: null,
      handle: null,
      title: null,
      descriptionHtml: null,
      vendor: null,
      productType: null,
      tags: null,
      status: null,
      category: 'TaxonomyCategory',
      media: 'MediaConnection',
      images: 'ImageConnection',
      variants: 'ProductVariantConnection',
    },
    deprecated: ['images'],
  },
  TaxonomyCategory: { fields: { id: null, name: null, fullName: null } },
  MediaConnection: { fields: { pageInfo: 'PageInfo', nodes: 'Media' } },
  Media: { fields: { id: null, alt: null, mediaContentType: null, status: null } },
  MediaImage: { fields: { id: null, alt: null, mediaContentType: null, status: null, image: 'Image' } },
  Video: { fields: { id: null, alt: null, mediaContentType: null, status: null } },
  ImageConnection: { fields: { pageInfo: 'PageInfo', nodes: 'Image' } },
  Image: {
    fields: {
      id: null,
      url: null,
      altText: null,
      width: null,
      height: null,
      src: null,
      originalSrc: null,
      transformedSrc: null,
    },
    deprecated: ['src', 'originalSrc', 'transformedSrc'],
  },
  ProductVariantConnection: { fields: { pageInfo: 'PageInfo', nodes: 'ProductVariant' } },
  ProductVariant: {
    fields: {
      id: null,
      title: null,
      sku: null,
      barcode: null,
      price: null,
      image: 'Image',
      selectedOptions: 'SelectedOption',
      inventoryItem: 'InventoryItem',
    },
  },
  SelectedOption: { fields: { name: null, value: null } },
  InventoryItem: { fields: { id: null, tracked: null, inventoryLevels: 'InventoryLevelConnection' } },
  InventoryLevelConnection: { fields: { pageInfo: 'PageInfo', nodes: 'InventoryLevel' } },
  InventoryLevel: { fields: { id: null, location: 'Location', quantities: 'InventoryQuantity' } },
  InventoryQuantity: { fields: { name: null, quantity: null } },
  LocationConnection: { fields: { pageInfo: 'PageInfo', nodes: 'Location' } },
  Location: { fields: { id: null, name: null, isActive: null } },
  Shop: { fields: { name: null } },
  InventoryAdjustQuantitiesPayload: {
    fields: { userErrors: 'UserError', inventoryAdjustmentGroup: 'InventoryAdjustmentGroup' },
  },
  UserError: { fields: { field: null, message: null } },
  InventoryAdjustmentGroup: {
    fields: { createdAt: null, reason: null, referenceDocumentUri: null, changes: 'InventoryChange' },
  },
  InventoryChange: { fields: { name: null, delta: null } },
};

/**
 * Walks a query's selection sets against SCHEMA (arguments, variables and directives are skipped,
 * fragments on a type switch to it): the first unknown field, and every deprecated one used.
 */
export function checkQuery(
  query: string,
  extraDeprecated: ReadonlySet<string> = new Set(),
): { unknown?: { type: string; field: string }; deprecated: string[] } {
  const tokens =
    query.match(/"(?:[^"\\]|\\.)*"|\.\.\.|[A-Za-z_]\w*|\$\w+|[{}():@![\],=]|-?\d+(?:\.\d+)?/g) ?? [];
  const deprecated = new Set<string>();
  let i = 0;
  const skipParens = () => {
    if (tokens[i] !== '(') return;
    for (let depth = 0; i < tokens.length; i++) {
      if (tokens[i] === '(') depth++;
      else if (tokens[i] === ')' && --depth === 0) {
        i++;
        return;
      }
    }
  };
  const skipDirectives = () => {
    while (tokens[i] === '@') {
      i += 2;
      skipParens();
    }
  };
  // Returns the unknown field found in the selection set starting at tokens[i] === '{', if any.
  const selection = (type: string): { type: string; field: string } | undefined => {
    i++; // {
    while (i < tokens.length && tokens[i] !== '}') {
      if (tokens[i] === '...') {
        i++;
        let on = type;
        if (tokens[i] === 'on') {
          on = tokens[i + 1];
          i += 2;
        }
        skipDirectives();
        if (!SCHEMA[on]) return { type, field: `... on ${on}` };
        const bad = selection(on);
        if (bad) return bad;
        continue;
      }
      let name = tokens[i++];
      if (tokens[i] === ':') name = tokens[++i] ? tokens[i++] : name; // alias: the field follows
      skipParens();
      skipDirectives();
      if (name !== '__typename') {
        const def = SCHEMA[type];
        if (!def || !(name in def.fields)) return { type, field: name };
        if (def.deprecated?.includes(name) || extraDeprecated.has(`${type}.${name}`))
          deprecated.add(`${type}.${name}`);
        if (tokens[i] === '{') {
          const child = def.fields[name];
          if (!child) return { type, field: `${name} {` };
          const bad = selection(child);
          if (bad) return bad;
        }
      }
    }
    i++; // }
    return undefined;
  };
  while (i < tokens.length && tokens[i] !== '{') i++;
  const root = /^\s*mutation\b/.test(query) ? 'Mutation' : 'QueryRoot';
  // The operation's variables and directives come before its selection set.
  const unknown = i < tokens.length ? selection(root) : undefined;
  return { unknown, deprecated: [...deprecated] };
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
  /** `Type.field` reported deprecated in answers (the `X-Shopify-API-Deprecated-Reason` header). */
  deprecatedSeen: string[];
  /** More `Type.field` to report deprecated (a later deprecation of a field the client reads). */
  extraDeprecated: Set<string>;
  /** The API version named by each request (refused ones included). */
  versions: string[];
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
  media?: FakeMedia[];
  variantImage?: string;
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
      image: p.variantImage ? { url: p.variantImage } : null,
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
    media: p.media ?? (p.images ?? []).map((url) => ({ type: 'IMAGE' as const, url })),
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
    deprecatedSeen: [],
    extraDeprecated: new Set(),
    versions: [],
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
  // A MediaImage answers `image` (null until processed); other media types have no fields selected.
  const mediaJson = (m: FakeMedia) => (m.type === 'IMAGE' ? { image: m.url ? { url: m.url } : null } : {});
  let mediaFirst = 0;
  let imagesOnly = false;
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
    media: {
      nodes: p.media
        .filter((m) => !imagesOnly || m.type === 'IMAGE')
        .slice(0, mediaFirst)
        .map(mediaJson),
    },
    // Deprecated, still answered (a client using it gets the deprecation header).
    images: { nodes: p.media.flatMap((m) => (m.type === 'IMAGE' && m.url ? [{ url: m.url }] : [])) },
    variants: variantsConn(p, variantsFirst, null),
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      // Set once the query is checked: every answer to it then names its deprecated fields.
      let deprecatedHeader: Record<string, string> = {};
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...deprecatedHeader, ...headers });
        res.end(JSON.stringify(body));
      };
      const version = /^\/admin\/api\/([\w-]+)\/graphql\.json$/.exec(req.url ?? '')?.[1];
      if (version) fake.versions.push(version);
      if (req.method !== 'POST' || version !== FAKE_SHOPIFY_VERSION)
        return send(404, { errors: 'Not Found' });
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
      const checked = checkQuery(query, fake.extraDeprecated);
      if (checked.unknown)
        return send(200, {
          errors: [
            {
              message: `Field '${checked.unknown.field}' doesn't exist on type '${checked.unknown.type}'`,
              extensions: {
                code: 'undefinedField',
                typeName: checked.unknown.type,
                fieldName: checked.unknown.field,
              },
            },
          ],
        });
      if (checked.deprecated.length)
        deprecatedHeader = { 'x-shopify-api-deprecated-reason': checked.deprecated.join(', ') };
      fake.deprecatedSeen.push(...checked.deprecated);
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
      mediaFirst = n(/media\(first: (\d+)/, 0);
      imagesOnly = /media\([^)]*query: "media_type:IMAGE"/.test(query);
      const levels = n(/inventoryLevels\(first: (\d+)\)/, 0);
      const variantCost = 3 + 2 + 3 * levels;
      // A media node costs 2 (the MediaImage and its image), an Image node 1.
      const productCost = (variants: number) =>
        2 +
        (2 + 2 * mediaFirst) +
        (/images\(first: \d+/.test(query) ? 2 + n(/images\(first: (\d+)/, 0) : 0) +
        (2 + variants * variantCost);
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
    'x-shopify-api-version': FAKE_SHOPIFY_VERSION,
    'x-shopify-triggered-at': new Date().toISOString(),
  };
}

/** `gid://shopify/Product/123` → 123 (webhook payloads carry numeric ids). */
export const numericId = (gid: string) => Number(gid.slice(gid.lastIndexOf('/') + 1));
