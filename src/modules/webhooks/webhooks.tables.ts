import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    webhooks: {
      id: Generated<number>;
      merchant_id: number;
      url: string;
      events_json: ColumnType<string, string | undefined, string>;
      secret: string;
      created_at: ColumnType<string, string | undefined, string>;
    };
    webhook_deliveries: {
      id: Generated<number>;
      webhook_id: number;
      merchant_id: number;
      delivery_id: string;
      event: string;
      payload: string;
      status: ColumnType<string, string | undefined, string>;
      attempts: ColumnType<number, number | undefined, number>;
      next_attempt_at: ColumnType<string, string | undefined, string>;
      last_status_code: number | null;
      last_error: string | null;
      created_at: ColumnType<string, string | undefined, string>;
      delivered_at: string | null;
    };
  }
}
