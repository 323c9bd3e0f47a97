import type { ColumnType, Generated } from 'kysely';

type Dflt<T> = ColumnType<T, T | undefined, T>;

declare module '../../db/schema.ts' {
  interface DB {
    shopsync_connections: {
      id: Generated<number>;
      merchant_id: number;
      provider: 'shopify' | 'square';
      shop_domain: string;
      token_enc: string;
      secret_enc: string;
      status: Dflt<'active' | 'paused' | 'reconnect_needed' | 'disconnected'>;
      sync_state: Dflt<'idle' | 'running' | 'done' | 'failed'>;
      cursor: string | null;
      sync_started_at: string | null;
      last_sync_at: string | null;
      last_error: string | null;
      products_done: Dflt<number>;
      variants_done: Dflt<number>;
      location_map_json: Dflt<string>;
      /** Square: `sandbox` or `production` (null for Shopify). */
      environment: 'sandbox' | 'production' | null;
      /** Square: the catalogue's `latest_time` last caught up to (the next search's `begin_time`). */
      catalog_version_at: string | null;
      /** Square by OAuth: the refresh token, encrypted (null for a pasted token, which does not expire). */
      refresh_enc: string | null;
      /** Square by OAuth: when the access token expires (renewed before it is a week old). */
      token_expires_at: string | null;
      created_at: Dflt<string>;
      updated_at: Dflt<string>;
    };
    shopsync_items: {
      id: Generated<number>;
      connection_id: number;
      merchant_id: number;
      shop_product_id: string;
      shop_variant_id: string;
      inventory_item_id: string | null;
      product_id: number | null;
      sku: string;
      title: Dflt<string>;
      error_code: string | null;
      error_detail: string | null;
      seen_at: Dflt<string>;
      updated_at: Dflt<string>;
    };
    shopsync_receipts: {
      connection_id: number;
      webhook_id: string;
      topic: string;
      received_at: Dflt<string>;
    };
    shopsync_pushes: {
      id: Generated<number>;
      connection_id: number;
      order_id: number;
      product_id: number;
      inventory_item_id: string;
      shop_location_id: string;
      delta: number;
      /** `sale`: the order's decrement; `return`: its cancellation giving the units back. */
      kind: Dflt<'sale' | 'return'>;
      status: Dflt<'pending' | 'done' | 'failed'>;
      attempts: Dflt<number>;
      next_attempt_at: Dflt<string>;
      last_error: string | null;
      created_at: Dflt<string>;
      updated_at: Dflt<string>;
    };
    shopsync_log: {
      id: Generated<number>;
      connection_id: number;
      merchant_id: number;
      level: 'info' | 'warn' | 'error';
      event: string;
      detail: Dflt<string>;
      created_at: Dflt<string>;
    };
  }
}
