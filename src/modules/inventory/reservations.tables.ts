import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;
type Dflt<T> = ColumnType<T, T | undefined, T>;

declare module '../../db/schema.ts' {
  interface DB {
    /** Stock held for a checkout until it is confirmed, released or expires (migration 030). */
    reservations: {
      id: Generated<number>;
      checkout_id: number;
      product_id: number;
      location_id: number;
      quantity: number;
      status: Dflt<'held' | 'committed' | 'released'>;
      created_at: Ts;
    };
  }
}
