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

/** `{ "<Shopify location gid>": <store id> | null }`: which shop location feeds which store. */
export const locationMapSchema = z.record(
  z.string().regex(/^gid:\/\/shopify\/Location\/\d+$/),
  z.number().int().positive().nullable(),
);

/** A webhook payload's ids (Shopify sends numeric ids in REST-shaped JSON). */
export const productWebhookSchema = z.object({ id: z.union([z.number(), z.string()]) });
export const inventoryWebhookSchema = z.object({
  inventory_item_id: z.union([z.number(), z.string()]),
  location_id: z.union([z.number(), z.string()]),
  available: z.number().int().nullable(),
});
