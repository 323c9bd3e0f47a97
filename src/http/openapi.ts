/**
 * The OpenAPI document's finishing: what a developer needs to generate a client from it.
 *
 * - Named components: zod schemas registered with `.meta({ id })` (zod's global registry) are
 *   emitted under components.schemas and referenced with `$ref` (fastify-type-provider-zod's
 *   transform object); an id used as a request body is named `<id>Input`. Components no
 *   operation or webhook reaches are dropped.
 * - Other request media types: REQUEST_MEDIA (by operationId) gives their own schemas beside the
 *   zod body's `application/json` (CSV text, an XLSX workbook: not the JSON rows).
 * - Webhooks: the events merchants subscribe to, as OpenAPI 3.1 `webhooks` (payload components).
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { webhookPayloadSchemas } from './api/webhook-payloads.ts';

type Json = Record<string, unknown>;

const refsIn = (value: unknown, out: Set<string>) => {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/'))
        out.add(v.slice('#/components/schemas/'.length));
      else refsIn(v, out);
    }
};

/** Component names reachable from the document outside components.schemas (transitively). */
export function reachableComponents(doc: Json): Set<string> {
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>;
  const seen = new Set<string>();
  const { components: _c, ...rest } = doc;
  const todo = new Set<string>();
  refsIn(rest, todo);
  refsIn({ ...(doc.components as Json), schemas: undefined }, todo);
  while (todo.size) {
    const [name] = todo;
    todo.delete(name);
    if (seen.has(name)) continue;
    seen.add(name);
    const next = new Set<string>();
    refsIn(schemas[name], next);
    for (const n of next) if (!seen.has(n)) todo.add(n);
  }
  return seen;
}

const webhookResponses = {
  '2XX': { description: 'Received: any 2xx answer marks the delivery done.' },
  default: {
    description:
      'Anything else (or no answer within 10 s) is retried: 30 s, then doubling up to 6 h, 8 attempts in all.',
  },
};

const signatureHeaders = [
  {
    name: 'Comptoir-Signature',
    in: 'header',
    required: true,
    description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`',
    schema: { type: 'string' },
  },
  {
    name: 'Comptoir-Delivery',
    in: 'header',
    required: true,
    description: 'Delivery id (also the body’s `id`), the same on every retry',
    schema: { type: 'string' },
  },
  { name: 'Comptoir-Event', in: 'header', required: true, schema: { type: 'string' } },
];

const webhook = (id: string, summary: string) => ({
  post: {
    operationId: `on${id.replace(/^Webhook/, '')}`,
    summary,
    tags: ['webhooks'],
    parameters: signatureHeaders,
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } },
    },
    responses: webhookResponses,
  },
});

/** Top-level `webhooks` of the document: what a subscribed URL receives. */
export const WEBHOOKS = {
  'order.created': webhook('WebhookOrderCreated', 'A customer placed an order at the merchant'),
  'order.updated': webhook(
    'WebhookOrderUpdated',
    'An order changed status (accepted, ready, completed, cancelled)',
  ),
  'inventory.low': webhook(
    'WebhookInventoryLow',
    'A product’s availability at a store dropped to the low-stock threshold or below',
  ),
};

/**
 * Request bodies that are not JSON: the route's zod schema describes the JSON rows, these the
 * other media types the same route accepts (`consumes`), as what a client sends.
 */
export const REQUEST_MEDIA: Record<string, Record<string, Json>> = {
  importProducts: {
    'text/csv': {
      type: 'string',
      description:
        'CSV text with a header row: our template columns (French names accepted), a Shopify product export, or another documented POS export; UTF-8 (BOM optional), UTF-16 with BOM or Windows-1252; comma, semicolon or tab.',
    },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
      type: 'string',
      format: 'binary',
      contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      description: 'An Excel workbook (.xlsx): the first sheet, with the same header row as the CSV.',
    },
  },
};

const zodObject = createJsonSchemaTransformObject({});

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '204': 'No content',
  '400': 'Invalid request: the error body names each field (`error.details.fields`) or row',
  '401': 'Missing or invalid credentials (API key, cart or order token)',
  '403': 'Not allowed',
  '404': 'Not found (or another merchant’s)',
  '409': 'Conflict with the current state',
  '422': 'Well-formed but refused by the rules',
  '429': 'Too many requests: retry after the Retry-After header',
};

const isText = (schema: unknown) => !!schema && (schema as Json).type === 'string';

/**
 * A route's `produces` (CSV, TSV, event stream) puts its JSON error bodies under that media type:
 * they are sent as application/json, so they are declared there. Default descriptions get real ones.
 */
function fixResponses(responses: Record<string, Json> | undefined) {
  if (!responses) return;
  for (const [status, res] of Object.entries(responses)) {
    if (!res.description || res.description === 'Default Response')
      res.description = STATUS_TEXT[status] ?? (status.startsWith('4') ? 'Refused' : 'Response');
    const content = res.content as Record<string, { schema?: unknown }> | undefined;
    if (!content) continue;
    for (const [type, media] of Object.entries(content)) {
      if (/json/.test(type) || isText(media.schema)) continue;
      delete content[type];
      content['application/json'] ??= media;
    }
  }
}

/** @fastify/swagger `transformObject`: components, extra request media types, webhooks. */
export const finaliseOpenApi: NonNullable<FastifyDynamicSwaggerOptions['transformObject']> = (input) => {
  // The payload schemas are referenced by `webhooks` only: importing them registers their ids.
  void webhookPayloadSchemas;
  const doc = zodObject(input) as unknown as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const ops of Object.values(paths))
    for (const op of Object.values(ops)) {
      const media = REQUEST_MEDIA[op.operationId as string];
      if (!media) continue;
      const body = (op.requestBody ?? { required: true, content: {} }) as { content: Json };
      for (const [type, schema] of Object.entries(media)) body.content[type] = { schema };
      op.requestBody = body;
    }
  for (const ops of Object.values(paths))
    for (const op of Object.values(ops)) fixResponses(op.responses as Record<string, Json> | undefined);
  doc.webhooks = WEBHOOKS;
  const components = doc.components as Json & { schemas?: Record<string, unknown> };
  if (components.schemas) {
    const keep = reachableComponents(doc);
    for (const name of Object.keys(components.schemas)) if (!keep.has(name)) delete components.schemas[name];
  }
  return doc as never;
};
