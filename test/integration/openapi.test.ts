import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Json }> }>;
  parameters?: { name: string; in: string }[];
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** Every `$ref` string in a value, with where it was found. */
function refs(value: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) refs(v, `${at}/${i}`, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push([v, at]);
      else refs(v, `${at}/${k}`, out);
    }
  return out;
}

/** Resolves a local JSON pointer (`#/components/schemas/Error`) in the document. */
function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object' || !(key in cur)) return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

describe('the OpenAPI document is one a developer can generate a client from', () => {
  let p: TestPlatform;
  let doc: Json;
  let ops: [string, string, Operation][];

  before(async () => {
    p = await createTestPlatform();
    const res = await p.app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
    ops = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => METHODS.includes(m))
        .map(([m, op]) => [path, m, op] as [string, string, Operation]),
    );
  });
  after(() => p.close());

  test('every API operation has a camelCase operationId, unique across the document and its webhooks', () => {
    assert.ok(ops.length >= 25, `${ops.length} operations`);
    const ids: string[] = [];
    for (const [path, method, op] of ops) {
      assert.equal(typeof op.operationId, 'string', `${method.toUpperCase()} ${path} has an operationId`);
      assert.match(op.operationId as string, /^[a-z][a-zA-Z0-9]*$/, `${method} ${path}: camelCase`);
      ids.push(op.operationId as string);
    }
    for (const item of Object.values(doc.webhooks as Record<string, Record<string, Operation>>))
      for (const op of Object.values(item)) ids.push(op.operationId as string);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(dupes, [], 'operationIds are unique');
    // Names client generators turn into method names; a few that integrations rely on.
    const byId = new Map(ops.map(([path, method, op]) => [op.operationId, `${method} ${path}`]));
    assert.equal(byId.get('importProducts'), 'put /api/v1/merchant/products');
    assert.equal(byId.get('syncInventory'), 'put /api/v1/merchant/inventory');
    assert.equal(byId.get('getLocalInventoryFeed'), 'get /api/v1/merchant/feeds/local-inventory');
  });

  test('named component schemas exist, are referenced, and every $ref resolves', () => {
    assert.equal(doc.openapi, '3.1.0');
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    const names = Object.keys(schemas);
    for (const name of [
      'Error',
      'MerchantProfile',
      'InventorySyncInput',
      'InventorySyncResult',
      'ProductImportInput',
      'ImportResult',
      'Webhook',
      'Cart',
      'Order',
      'SearchResults',
      'WebhookOrderCreated',
      'WebhookOrderUpdated',
      'WebhookInventoryLow',
    ])
      assert.ok(names.includes(name), `components.schemas.${name}`);
    const all = refs(doc, '#');
    const unresolved = all.filter(([ref]) => resolve(doc, ref) === undefined);
    assert.deepEqual(unresolved, [], 'every $ref resolves');
    // Every component is used (from an operation, a webhook or another used component).
    const used = new Set(all.map(([ref]) => ref.replace('#/components/schemas/', '')));
    assert.deepEqual(
      names.filter((n) => !used.has(n)),
      [],
      'no unreferenced component',
    );
    // The main bodies are referenced, not inlined.
    const put = (doc.paths as Record<string, Record<string, Operation>>)['/api/v1/merchant/inventory'].put;
    assert.deepEqual(put.requestBody?.content['application/json'].schema, {
      $ref: '#/components/schemas/InventorySyncInput',
    });
    assert.deepEqual(put.responses['200'].content?.['application/json'].schema, {
      $ref: '#/components/schemas/InventorySyncResult',
    });
  });

  test('the structure is OpenAPI 3.1: info, responses with descriptions, path parameters declared, valid JSON Schemas', () => {
    const info = doc.info as Json;
    assert.equal(typeof info.title, 'string');
    assert.equal(typeof info.version, 'string');
    for (const [path, method, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses ?? {});
      assert.ok(statuses.length > 0, `${where} declares responses`);
      assert.ok(
        statuses.some((s) => /^2/.test(s)),
        `${where} declares its success response`,
      );
      for (const s of statuses) {
        assert.match(s, /^([1-5]\d\d|[1-5]XX|default)$/, `${where} status ${s}`);
        const r = op.responses[s];
        assert.ok(r.description && r.description !== 'Default Response', `${where} ${s} described`);
      }
      for (const name of path.match(/\{(\w+)\}/g) ?? [])
        assert.ok(
          op.parameters?.some((pm) => pm.in === 'path' && `{${pm.name}}` === name),
          `${where} declares ${name}`,
        );
    }
    // Every component is a JSON Schema 2020-12 that compiles (refs resolved inside the document).
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ ...(doc as object), $id: 'doc' } as never, undefined, undefined, false);
    for (const name of Object.keys((doc.components as { schemas: Json }).schemas))
      assert.doesNotThrow(() => ajv.compile({ $ref: `doc#/components/schemas/${name}` }), name);
  });

  test('the products PUT declares JSON, CSV and XLSX bodies, each with its own schema', () => {
    const put = (doc.paths as Record<string, Record<string, Operation>>)['/api/v1/merchant/products'].put;
    const content = put.requestBody?.content ?? {};
    assert.deepEqual(Object.keys(content).sort(), [
      'application/json',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'text/csv',
    ]);
    assert.deepEqual(content['application/json'].schema, { $ref: '#/components/schemas/ProductImportInput' });
    assert.equal(content['text/csv'].schema.type, 'string');
    assert.equal(
      content['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'].schema.format,
      'binary',
    );
    assert.deepEqual(put.responses['200'].content?.['application/json'].schema, {
      $ref: '#/components/schemas/ImportResult',
    });
  });

  test('the local-inventory feed answers TSV text: a string schema, no JSON object under a TSV media type', () => {
    const get = (doc.paths as Record<string, Record<string, Operation>>)[
      '/api/v1/merchant/feeds/local-inventory'
    ].get;
    const ok = get.responses['200'].content ?? {};
    assert.deepEqual(Object.keys(ok), ['text/tab-separated-values']);
    assert.deepEqual(ok['text/tab-separated-values'].schema, { type: 'string' });
    // Its error answers are JSON, declared as JSON.
    const denied = get.responses['401'].content ?? {};
    assert.deepEqual(Object.keys(denied), ['application/json']);
    // No JSON object schema under any text media type anywhere.
    for (const [path, method, op] of ops)
      for (const [status, r] of Object.entries(op.responses))
        for (const [type, media] of Object.entries(r.content ?? {}))
          if (/^text\//.test(type))
            assert.equal(media.schema.type, 'string', `${method} ${path} ${status} ${type}`);
  });

  test('webhook events are documented with their payloads; inventory.low carries location_code', () => {
    const hooks = doc.webhooks as Record<string, { post: Operation }>;
    assert.deepEqual(Object.keys(hooks).sort(), ['inventory.low', 'order.created', 'order.updated']);
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    const low = hooks['inventory.low'].post.requestBody?.content['application/json'].schema as Json;
    assert.deepEqual(low, { $ref: '#/components/schemas/WebhookInventoryLow' });
    const data = (schemas.WebhookInventoryLow.properties as Record<string, Json>).data;
    const props = Object.keys(data.properties as Json);
    for (const k of ['product_id', 'sku', 'location_id', 'location_code', 'available', 'threshold'])
      assert.ok(props.includes(k), `inventory.low data.${k}`);
    const order = (schemas.WebhookOrderCreated.properties as Record<string, Json>).data;
    assert.deepEqual(Object.keys(order.properties as Json).sort(), ['order_id', 'status']);
  });

  test('a real inventory.low delivery matches its documented payload (location_code included)', async () => {
    const { db } = p.context.database;
    const m = await createMerchant(db, {
      name: 'Quincaillerie Doc',
      associations: [],
      categories: [],
      location: { address: '5 rue Main', municipality: 'Gatineau', lat: 45.48, lng: -75.7 },
    });
    const auth = { authorization: `Bearer ${m.api_key}` };
    const hook = await p.app.inject({
      method: 'POST',
      url: '/api/v1/merchant/webhooks',
      headers: auth,
      // A public literal address: accepted at creation, nothing is sent by this test.
      payload: { url: 'https://93.184.215.14/hooks', events: ['inventory.low'] },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const put = (payload: unknown) =>
      p.app.inject({
        method: 'PUT',
        url: '/api/v1/merchant/products',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    const code = (
      await db
        .selectFrom('locations')
        .select('code')
        .where('id', '=', m.location_id)
        .executeTakeFirstOrThrow()
    ).code;
    assert.equal(
      (await put([{ sku: 'VIS-10', title_fr: 'Vis', price_cents: 500, on_hand: 10 }])).statusCode,
      200,
    );
    assert.equal((await put([{ sku: 'VIS-10', location_code: code, on_hand: 2 }])).statusCode, 200);
    const delivery = await db
      .selectFrom('webhook_deliveries')
      .select('payload')
      .where('merchant_id', '=', m.merchant_id)
      .where('event', '=', 'inventory.low')
      .executeTakeFirstOrThrow();
    const body = JSON.parse(delivery.payload);
    assert.equal(body.data.location_code, code);
    assert.equal(body.data.location_id, m.location_id);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ ...(doc as object), $id: 'doc' } as never, undefined, undefined, false);
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/WebhookInventoryLow' });
    assert.ok(validate(body), JSON.stringify(validate.errors));
  });
});
