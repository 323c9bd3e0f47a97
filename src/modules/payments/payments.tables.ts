import type { ColumnType } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;
type Dflt<T> = ColumnType<T, T | undefined, T>;

declare module '../../db/schema.ts' {
  interface DB {
    /** Each merchant's Stripe connected account (migration 030); card payment only when enabled. */
    merchant_payment_settings: {
      merchant_id: number;
      stripe_account_id: string | null;
      card_enabled: Dflt<number>;
      updated_at: Ts;
    };
  }
}
