import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface LocationsTable {
    /** Migration 023: 1 for the merchant's default store (stock rows without location_code). */
    is_default: ColumnType<number, number | undefined, number>;
    /**
     * Migration 039: `{enabled, radius_km, zones: [{towns, postal_prefixes, fee_cents,
     * min_order_cents?}]}` (see `deliverySettingsOf`); NULL = the legacy radius/fee columns.
     */
    delivery_zones_json: ColumnType<string | null, string | null | undefined, string | null>;
    /** Migration 039: minutes a pickup order takes to prepare (pickup slots read it); NULL = not set. */
    preparation_minutes: ColumnType<number | null, number | null | undefined, number | null>;
    /** Migration 055: exceptional closures `[{date: "YYYY-MM-DD", label?}]` (see `parseClosures`); NULL = none. */
    closures_json: ColumnType<string | null, string | null | undefined, string | null>;
  }
}
