import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface LocationsTable {
    /** Migration 023: 1 for the merchant's default store (stock rows without location_code). */
    is_default: ColumnType<number, number | undefined, number>;
  }
}
