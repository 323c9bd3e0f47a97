import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface MerchantsTable {
    /**
     * Migration 008: 'registered' (collects GST and QST; every merchant before) or 'small_supplier'
     * (not registered: its orders carry no tax unless the region's operator collects it).
     */
    tax_status: ColumnType<string, string | undefined, string>;
  }
}
