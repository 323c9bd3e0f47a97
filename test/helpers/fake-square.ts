/**
 * A local fake of the Square APIs the shop sync calls, with Square's documented shapes:
 * `GET /v2/locations` (`locations`), `POST /v2/catalog/search` (SearchCatalogObjects: `object_types`,
 * `cursor`, `limit` ≤ 1,000, `begin_time` exclusive, `include_deleted_objects`,
 * `include_related_objects` → `objects`, `related_objects`, `cursor`, `latest_time`),
 * `POST /v2/catalog/batch-retrieve`, `POST /v2/inventory/counts/batch-retrieve` (`counts` with
 * decimal-string `quantity`, `cursor`) and `POST /v2/inventory/changes/batch-create`
 * (BatchChangeInventory: ADJUSTMENT `from_state` → `to_state`, a repeated `idempotency_key` answers
 * the first result without applying it again). Errors are `{ errors: [{ category, code, detail }] }`;
 * faults can be injected: 429 `RATE_LIMITED` with `Retry-After`, a revoked token (401
 * `UNAUTHORIZED`), failing inventory changes (500). `signSquareWebhook` signs a notification as
 * Square does (`x-square-hmacsha256-signature`: base64 HMAC-SHA256 of notification URL + raw body).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A catalog object as the fake stores it (the API's shape). */
export interface FakeObject {
  type: 'ITEM' | 'ITEM_VARIATION' | 'CATEGORY' | 'IMAGE';
  id: string;
  updated_at: string;
  version: number;
  is_deleted: boolean;
  present_at_all_locations: boolean;
  item_data?: {
    name: string;
    description_html?: string;
    description_plaintext?: string;
    is_archived?: boolean;
    categories?: { id: string; ordinal: number }[];
    reporting_category?: { id: string; ordinal: number };
    image_ids?: string[];
    product_type: 'REGULAR';
    variations?: FakeObject[];
  };
  item_variation_data?: {
    item_id: string;
    name: string;
    sku?: string;
    upc?: string;
    ordinal: number;
    pricing_type: 'FIXED_PRICING' | 'VARIABLE_PRICING';
    price_money?: { amount: number; currency: 'CAD' };
    track_inventory: boolean;
    sellable: boolean;
    stockable: boolean;
  };
  category_data?: { name: string };
  image_data?: { name: string; url: string; caption: string };
}

export interface FakeSquare {
  url: string;
  token: string;
  locations: { id: string; name: string; status: 'ACTIVE' | 'INACTIVE' }[];
  /** Every catalog object by id (variations also nested in their item's `variations`). */
  objects: Map<string, FakeObject>;
  /** IN_STOCK quantity per `${variationId}:${locationId}` (only counts Square has). */
  counts: Map<string, number>;
  /** BatchChangeInventory requests applied (not the replays of a known idempotency key). */
  changes: { idempotency_key: string; changes: Record<string, unknown>[] }[];
  /** Requests seen per path. */
  calls: Record<string, number>;
  /** The OAuth application (ObtainToken checks them) and the authorization codes it will accept once. */
  application: { id: string; secret: string };
  oauthCodes: Set<string>;
  /**
   * The refresh token ObtainToken gives with a code, and accepts with `grant_type: refresh_token`
   * (code flow: the same one comes back). A refresh issues a new access token: the previous one is
   * refused from then on, so a test sees which token a call used. Emptied = revoked.
   */
  refreshToken: string;
  /** Access tokens issued by refreshes so far. */
  refreshes: number;
  /** The SearchCatalogObjects request bodies received, in order. */
  searches: Record<string, unknown>[];
  /** The next N requests get 429 RATE_LIMITED with `Retry-After: retryAfter`. */
  rateLimitNext: number;
  retryAfter: string;
  /** The token was revoked: every request gets 401. */
  revoked: boolean;
  /** The next N inventory changes fail with 500. */
  failChangesNext: number;
  /** Called before answering each search page (1, 2, ...): tests inject faults mid-sync. */
  onSearchPage?: (page: number) => void;
  /** Adds an item with its variations (and categories, images), stock per location. */
  addItem(i: FakeItemInput): FakeObject;
  /** Marks a change to an object now (its updated_at and version move on; the catalogue's too). */
  touch(o: FakeObject): void;
  /** Deletes an item and its variations (they stay searchable with `include_deleted_objects`). */
  deleteItem(id: string): void;
  /** The catalogue's last update time (`latest_time`). */
  latestTime(): string;
  close(): Promise<void>;
}

export interface FakeItemInput {
  name: string;
  description?: string;
  categories?: string[];
  reportingCategory?: string;
  images?: string[];
  archived?: boolean;
  variations: {
    name: string;
    sku?: string;
    upc?: string;
    /** Cents; undefined = variable pricing. */
    price?: number;
    track?: boolean;
    stock?: Record<string, number>;
  }[];
}

let seq = 0;
const newId = () => {
  seq++;
  return `FK${String(seq).padStart(6, '0')}${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** Starts the fake on a random port. */
export async function startFakeSquare(
  opts: { token?: string; locations?: { id: string; name: string }[] } = {},
): Promise<FakeSquare> {
  // A catalogue clock moving forward by at least 1 ms per change (Square's timestamps are ms).
  let clock = Date.now() - 60_000;
  const tick = () => {
    clock = Math.max(clock + 1, Date.now());
    return new Date(clock).toISOString();
  };
  let latest = new Date(clock).toISOString();
  const categoriesByName = new Map<string, FakeObject>();
  const fake: FakeSquare = {
    url: '',
    token: opts.token ?? 'EAAAl_fake_square_token_0123456789abcdef',
    locations: (opts.locations ?? [{ id: 'L1MAIN000001', name: 'Boutique principale' }]).map((l) => ({
      ...l,
      status: 'ACTIVE' as const,
    })),
    objects: new Map(),
    counts: new Map(),
    changes: [],
    calls: {},
    application: { id: 'sandbox-sq0idb-FAKEAPP000001', secret: 'sandbox-sq0csb-FAKESECRET0000000001' },
    oauthCodes: new Set(),
    refreshToken: 'EQAAl_fake_refresh_token',
    refreshes: 0,
    searches: [],
    rateLimitNext: 0,
    retryAfter: '0.05',
    revoked: false,
    failChangesNext: 0,
    touch(o) {
      o.updated_at = tick();
      o.version = Date.parse(o.updated_at);
      latest = o.updated_at;
    },
    latestTime: () => latest,
    addItem(i) {
      const base = (type: FakeObject['type']): FakeObject => ({
        type,
        id: newId(),
        updated_at: '',
        version: 0,
        is_deleted: false,
        present_at_all_locations: true,
      });
      const category = (name: string) => {
        let c = categoriesByName.get(name);
        if (!c) {
          c = { ...base('CATEGORY'), category_data: { name } };
          fake.touch(c);
          fake.objects.set(c.id, c);
          categoriesByName.set(name, c);
        }
        return c;
      };
      const item: FakeObject = base('ITEM');
      const images = (i.images ?? []).map((url, k) => {
        const img: FakeObject = {
          ...base('IMAGE'),
          image_data: { name: `${i.name} ${k}`, url, caption: '' },
        };
        fake.touch(img);
        fake.objects.set(img.id, img);
        return img.id;
      });
      const variations = i.variations.map((v, k) => {
        const o: FakeObject = {
          ...base('ITEM_VARIATION'),
          item_variation_data: {
            item_id: item.id,
            name: v.name,
            ...(v.sku ? { sku: v.sku } : {}),
            ...(v.upc ? { upc: v.upc } : {}),
            ordinal: k,
            pricing_type: v.price === undefined ? 'VARIABLE_PRICING' : 'FIXED_PRICING',
            ...(v.price === undefined ? {} : { price_money: { amount: v.price, currency: 'CAD' as const } }),
            track_inventory: v.track ?? true,
            sellable: true,
            stockable: true,
          },
        };
        fake.touch(o);
        fake.objects.set(o.id, o);
        for (const [loc, q] of Object.entries(v.stock ?? {})) fake.counts.set(`${o.id}:${loc}`, q);
        return o;
      });
      item.item_data = {
        name: i.name,
        description_html: `<p>${i.description ?? `${i.name} <strong>fait au Québec</strong>`}</p>`,
        description_plaintext: i.description ?? `${i.name} fait au Québec`,
        is_archived: i.archived ?? false,
        categories: (i.categories ?? []).map((n, k) => ({ id: category(n).id, ordinal: k })),
        ...(i.reportingCategory
          ? { reporting_category: { id: category(i.reportingCategory).id, ordinal: 0 } }
          : {}),
        image_ids: images,
        product_type: 'REGULAR',
        variations,
      };
      fake.touch(item);
      fake.objects.set(item.id, item);
      return item;
    },
    deleteItem(id) {
      const item = fake.objects.get(id);
      if (!item) return;
      for (const v of item.item_data?.variations ?? []) {
        v.is_deleted = true;
        fake.touch(v);
      }
      item.is_deleted = true;
      fake.touch(item);
    },
    close: async () => {},
  };

  const errors = (status: number, category: string, code: string, detail: string) => ({
    status,
    body: { errors: [{ category, code, detail }] },
  });
  /** An item as the API returns it: its live variations nested. */
  const itemJson = (o: FakeObject): FakeObject =>
    o.type === 'ITEM' && o.item_data
      ? {
          ...o,
          item_data: {
            ...o.item_data,
            variations: (o.item_data.variations ?? []).filter((v) => !v.is_deleted),
          },
        }
      : o;
  const relatedOf = (objs: FakeObject[]) => {
    const ids = new Set<string>();
    for (const o of objs) {
      if (o.type === 'ITEM') {
        for (const c of o.item_data?.categories ?? []) ids.add(c.id);
        if (o.item_data?.reporting_category) ids.add(o.item_data.reporting_category.id);
        for (const i of o.item_data?.image_ids ?? []) ids.add(i);
      }
      if (o.type === 'ITEM_VARIATION' && o.item_variation_data) ids.add(o.item_variation_data.item_id);
    }
    return [...ids].flatMap((id) => {
      const r = fake.objects.get(id);
      return r ? [itemJson(r)] : [];
    });
  };

  const handle = (path: string, method: string, body: Record<string, unknown>) => {
    if (method === 'GET' && path === '/v2/locations')
      return { status: 200, body: { locations: fake.locations } };
    if (method === 'POST' && path === '/v2/catalog/search') {
      fake.onSearchPage?.(fake.calls[path] ?? 0);
      fake.searches.push(body);
      const types = new Set((body.object_types as string[] | undefined) ?? ['ITEM', 'CATEGORY', 'IMAGE']);
      const begin = body.begin_time as string | undefined;
      const withDeleted = body.include_deleted_objects === true;
      const limit = Math.min(1000, Math.max(1, Number(body.limit ?? 100)));
      const start = body.cursor ? Number(unb64(String(body.cursor))) : 0;
      const all = [...fake.objects.values()].filter(
        (o) => types.has(o.type) && (withDeleted || !o.is_deleted) && (!begin || o.updated_at > begin),
      );
      const page = all.slice(start, start + limit).map(itemJson);
      return {
        status: 200,
        body: {
          objects: page,
          ...(body.include_related_objects ? { related_objects: relatedOf(page) } : {}),
          ...(start + limit < all.length ? { cursor: b64(String(start + limit)) } : {}),
          latest_time: latest,
        },
      };
    }
    if (method === 'POST' && path === '/v2/catalog/batch-retrieve') {
      const objs = ((body.object_ids as string[]) ?? []).flatMap((id) => {
        const o = fake.objects.get(id);
        return o && !o.is_deleted ? [itemJson(o)] : [];
      });
      return {
        status: 200,
        body: {
          objects: objs,
          ...(body.include_related_objects ? { related_objects: relatedOf(objs) } : {}),
        },
      };
    }
    if (method === 'POST' && path === '/v2/inventory/counts/batch-retrieve') {
      const ids = body.catalog_object_ids as string[] | undefined;
      const locs = body.location_ids as string[] | undefined;
      const states = body.states as string[] | undefined;
      const limit = Math.min(1000, Math.max(1, Number(body.limit ?? 1000)));
      const start = body.cursor ? Number(unb64(String(body.cursor))) : 0;
      const count = (id: string, loc: string, q: number) => ({
        catalog_object_id: id,
        catalog_object_type: 'ITEM_VARIATION',
        state: 'IN_STOCK',
        location_id: loc,
        quantity: String(q),
        calculated_at: latest,
      });
      // Looked up per requested id (a large catalogue is asked 500 ids at a time).
      const all = (
        ids
          ? ids.flatMap((id) =>
              (locs ?? fake.locations.map((l) => l.id)).flatMap((loc) => {
                const q = fake.counts.get(`${id}:${loc}`);
                return q === undefined ? [] : [count(id, loc, q)];
              }),
            )
          : [...fake.counts.entries()].map(([k, q]) => {
              const [id, loc] = k.split(':');
              return count(id, loc, q);
            })
      ).filter((c) => (!locs || locs.includes(c.location_id)) && (!states || states.includes(c.state)));
      return {
        status: 200,
        body: {
          counts: all.slice(start, start + limit),
          ...(start + limit < all.length ? { cursor: b64(String(start + limit)) } : {}),
        },
      };
    }
    if (method === 'POST' && path === '/v2/inventory/changes/batch-create') {
      if (fake.failChangesNext > 0) {
        fake.failChangesNext--;
        return errors(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'An internal error has occurred.');
      }
      const key = String(body.idempotency_key ?? '');
      if (!key) return errors(400, 'INVALID_REQUEST_ERROR', 'MISSING_REQUIRED_PARAMETER', 'idempotency_key');
      const replay = answered.get(key);
      if (replay) return replay;
      const changes = (body.changes as { type: string; adjustment?: Record<string, string> }[]) ?? [];
      for (const c of changes) {
        const a = c.adjustment;
        const v = a ? fake.objects.get(a.catalog_object_id) : undefined;
        if (c.type !== 'ADJUSTMENT' || !a || v?.type !== 'ITEM_VARIATION')
          return errors(400, 'INVALID_REQUEST_ERROR', 'INVALID_VALUE', 'changes');
      }
      const counts = changes.map((c) => {
        const a = c.adjustment as Record<string, string>;
        const k = `${a.catalog_object_id}:${a.location_id}`;
        const q = Number(a.quantity);
        const sign = a.from_state === 'IN_STOCK' ? -1 : a.to_state === 'IN_STOCK' ? 1 : 0;
        fake.counts.set(k, (fake.counts.get(k) ?? 0) + sign * q);
        return {
          catalog_object_id: a.catalog_object_id,
          catalog_object_type: 'ITEM_VARIATION',
          state: 'IN_STOCK',
          location_id: a.location_id,
          quantity: String(fake.counts.get(k)),
          calculated_at: new Date().toISOString(),
        };
      });
      fake.changes.push({ idempotency_key: key, changes });
      const res = { status: 200, body: { counts } };
      answered.set(key, res);
      return res;
    }
    return errors(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', `${method} ${path}`);
  };
  const answered = new Map<string, { status: number; body: unknown }>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const path = (req.url ?? '').split('?')[0];
      fake.calls[path] = (fake.calls[path] ?? 0) + 1;
      // ObtainToken: the application's credentials and a code not used before (no bearer token).
      if (req.method === 'POST' && path === '/oauth2/token') {
        const b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
        if (b.client_id !== fake.application.id || b.client_secret !== fake.application.secret)
          return send(401, {
            errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'Not Authorized' }],
          });
        if (b.grant_type === 'refresh_token') {
          if (!fake.refreshToken || b.refresh_token !== fake.refreshToken)
            return send(401, {
              errors: [
                { category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'Invalid refresh token' },
              ],
            });
          fake.refreshes++;
          fake.token = `EAAAl_fake_square_token_renewed_${String(fake.refreshes).padStart(4, '0')}`;
          return send(200, {
            access_token: fake.token,
            token_type: 'bearer',
            expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
            merchant_id: 'MLFAKE000001',
            refresh_token: fake.refreshToken,
            short_lived: false,
          });
        }
        if (b.grant_type !== 'authorization_code' || !fake.oauthCodes.delete(b.code))
          return send(400, {
            errors: [
              {
                category: 'INVALID_REQUEST_ERROR',
                code: 'BAD_REQUEST',
                detail: 'Invalid authorization code',
              },
            ],
          });
        return send(200, {
          access_token: fake.token,
          token_type: 'bearer',
          expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          merchant_id: 'MLFAKE000001',
          refresh_token: fake.refreshToken,
          short_lived: false,
        });
      }
      if (fake.revoked || req.headers.authorization !== `Bearer ${fake.token}`) {
        const e = errors(
          401,
          'AUTHENTICATION_ERROR',
          'UNAUTHORIZED',
          'This request could not be authorized.',
        );
        return send(e.status, e.body);
      }
      if (fake.rateLimitNext > 0) {
        fake.rateLimitNext--;
        const e = errors(429, 'RATE_LIMIT_ERROR', 'RATE_LIMITED', 'Rate limit exceeded.');
        return send(e.status, e.body, { 'retry-after': fake.retryAfter });
      }
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        const e = errors(400, 'INVALID_REQUEST_ERROR', 'INVALID_CONTENT_TYPE', 'bad JSON');
        return send(e.status, e.body);
      }
      // A fault injected by onSearchPage (token revoked mid-sync) applies to this request.
      const r = handle(path, req.method ?? 'GET', body);
      if (fake.revoked) {
        const e = errors(
          401,
          'AUTHENTICATION_ERROR',
          'UNAUTHORIZED',
          'This request could not be authorized.',
        );
        return send(e.status, e.body);
      }
      send(r.status, r.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}

/** The headers of a Square notification of `body` to `notificationUrl`, signed with `signatureKey`. */
export function signSquareWebhook(signatureKey: string, notificationUrl: string, body: string) {
  return {
    'content-type': 'application/json',
    'x-square-hmacsha256-signature': createHmac('sha256', signatureKey)
      .update(notificationUrl + body)
      .digest('base64'),
    'square-environment': 'Sandbox',
  };
}

/** An `inventory.count.updated` notification body (Square's shape). */
export function inventoryCountUpdated(
  counts: { variationId: string; locationId: string; quantity: number }[],
  eventId: string = randomUUID(),
) {
  return JSON.stringify({
    merchant_id: 'MLFAKE000001',
    type: 'inventory.count.updated',
    event_id: eventId,
    created_at: new Date().toISOString(),
    data: {
      type: 'inventory',
      id: randomUUID(),
      object: {
        inventory_counts: counts.map((c) => ({
          calculated_at: new Date().toISOString(),
          catalog_object_id: c.variationId,
          catalog_object_type: 'ITEM_VARIATION',
          location_id: c.locationId,
          quantity: String(c.quantity),
          state: 'IN_STOCK',
        })),
      },
    },
  });
}

/** A `catalog.version.updated` notification body (Square's shape: only the catalogue's time). */
export function catalogVersionUpdated(updatedAt: string, eventId: string = randomUUID()) {
  return JSON.stringify({
    merchant_id: 'MLFAKE000001',
    type: 'catalog.version.updated',
    event_id: eventId,
    created_at: new Date().toISOString(),
    data: { type: 'catalog_version', id: '', object: { catalog_version: { updated_at: updatedAt } } },
  });
}
