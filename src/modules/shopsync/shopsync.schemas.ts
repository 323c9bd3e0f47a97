/** Input of the shop connection forms (zod). */
import { z } from 'zod';
import { SHOP_DOMAIN_RE } from './shopify.ts';

/** "Connect my shop": the shop's domain, the custom app's Admin API token and webhook signing secret. */
export const connectShopifySchema = z.object({
  shop_domain: z
    .string()
    .trim()
    .toLowerCase()
    .transform((s) => s.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))
    .pipe(z.string().regex(SHOP_DOMAIN_RE, 'shopsync.shop_domain_invalid')),
  access_token: z.string().trim().min(20, 'shopsync.token_invalid').max(500, 'shopsync.token_invalid'),
  webhook_secret: z.string().trim().min(16, 'shopsync.secret_invalid').max(500, 'shopsync.secret_invalid'),
});
export type ConnectShopifyInput = z.infer<typeof connectShopifySchema>;

/**
 * "Connect my shop" for Square: a personal access token (Developer Console → Credentials) or one
 * obtained by OAuth, the environment, and the webhook subscription's signature key.
 */
export const connectSquareSchema = z.object({
  environment: z.enum(['sandbox', 'production'], 'shopsync.environment_invalid'),
  access_token: z.string().trim().min(20, 'shopsync.token_invalid').max(500, 'shopsync.token_invalid'),
  // Optional: the subscription (and its key) can only be created once the notification URL, which
  // names the connection, is known; reconnecting adds it.
  signature_key: z
    .string()
    .trim()
    .max(500, 'shopsync.secret_invalid')
    .refine((v) => v === '' || v.length >= 16, 'shopsync.secret_invalid')
    .default(''),
});
export type ConnectSquareInput = z.infer<typeof connectSquareSchema>;

/**
 * `{ "<shop location id>": <store id> | null }`: which shop location feeds which store (a Shopify
 * Location gid, or a Square location id).
 */
export const locationMapSchema = z.record(
  z.string().regex(/^(gid:\/\/shopify\/Location\/\d+|[A-Za-z0-9_-]{1,64})$/),
  z.number().int().positive().nullable(),
);

/** A webhook payload's ids (Shopify sends numeric ids in REST-shaped JSON). */
export const productWebhookSchema = z.object({ id: z.union([z.number(), z.string()]) });
export const inventoryWebhookSchema = z.object({
  inventory_item_id: z.union([z.number(), z.string()]),
  location_id: z.union([z.number(), z.string()]),
  available: z.number().int().nullable(),
});

/** A Square event notification (the fields the sync reads). */
export const squareEventSchema = z.object({
  event_id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  merchant_id: z.string().optional(),
  data: z
    .object({
      object: z
        .object({
          inventory_counts: z
            .array(
              z.object({
                catalog_object_id: z.string(),
                location_id: z.string(),
                state: z.string(),
                quantity: z.string(),
              }),
            )
            .optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough()
    .optional(),
});
