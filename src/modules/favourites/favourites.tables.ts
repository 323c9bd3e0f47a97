import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    favourite_merchants: {
      user_id: number;
      merchant_id: number;
      created_at: ColumnType<string, string | undefined, string>;
    };
  }
}
