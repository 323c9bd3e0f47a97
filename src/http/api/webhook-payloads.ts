/**
 * The bodies webhook deliveries carry, as zod schemas registered with ids: the OpenAPI document
 * lists them under components.schemas and its `webhooks` (src/http/openapi.ts).
 */
import { z } from 'zod';
import { ORDER_STATUSES } from '../../modules/orders/index.ts';

const envelope = <E extends string, D extends z.ZodType>(event: E, data: D) =>
  z.object({
    id: z.string().meta({ description: 'Delivery id: the same on every retry (deduplicate on it)' }),
    event: z.literal(event),
    created_at: z.string().meta({ description: 'When the event was queued (ISO 8601 UTC)' }),
    data,
  });

const orderData = z.object({
  order_id: z.number().int(),
  status: z.enum(ORDER_STATUSES as unknown as [string, ...string[]]),
});

export const webhookPayloadSchemas = {
  orderCreated: envelope('order.created', orderData).meta({
    id: 'WebhookOrderCreated',
    description: 'Sent when a customer places an order (status `placed`). Fetch the order for its lines.',
    example: {
      id: '4f0c2a9e1b7d4c3aa0e5f6b7c8d9e0f1',
      event: 'order.created',
      created_at: '2026-05-02T14:03:11.412Z',
      data: { order_id: 42, status: 'placed' },
    },
  }),
  orderUpdated: envelope('order.updated', orderData).meta({
    id: 'WebhookOrderUpdated',
    description: 'Sent when an order changes status.',
  }),
  inventoryLow: envelope(
    'inventory.low',
    z.object({
      product_id: z.number().int(),
      sku: z.string(),
      location_id: z.number().int(),
      location_code: z
        .string()
        .nullable()
        .meta({ description: 'The store’s code, as in PUT /api/v1/merchant/inventory' }),
      available: z.number().int().meta({ description: 'Units that can still be ordered at this store' }),
      threshold: z.number().int(),
    }),
  ).meta({
    id: 'WebhookInventoryLow',
    description: 'Sent when availability at a store drops from above the threshold to at most it.',
    example: {
      id: '9b1e0c7d2a3f4e5d8c6b7a8f9e0d1c2b',
      event: 'inventory.low',
      created_at: '2026-05-02T14:03:11.412Z',
      data: {
        product_id: 7,
        sku: 'SIROP-540',
        location_id: 3,
        location_code: 'principal',
        available: 2,
        threshold: 3,
      },
    },
  }),
};
