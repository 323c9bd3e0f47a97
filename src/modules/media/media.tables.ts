import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    image_fetches: {
      id: Generated<number>;
      merchant_id: number;
      product_id: number;
      source_url: string;
      position: ColumnType<number, number | undefined, number>;
      status: ColumnType<'pending' | 'fetching' | 'done' | 'failed', string | undefined, string>;
      attempts: ColumnType<number, number | undefined, number>;
      next_attempt_at: ColumnType<string, string | undefined, string>;
      last_error: string | null;
      media_json: string | null;
      created_at: ColumnType<string, string | undefined, string>;
      updated_at: ColumnType<string, string | undefined, string>;
    };
  }
}
