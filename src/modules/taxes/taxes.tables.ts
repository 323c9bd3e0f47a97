import type { ColumnType } from 'kysely';

type Text = ColumnType<string, string | undefined, string>;

declare module '../../db/schema.ts' {
  interface DB {
    /**
     * Who collected an order's taxes (migration 008), written with the order so its receipt keeps
     * saying so when the merchant or the region changes later. No row = the merchant collected
     * both taxes (every order placed before migration 008).
     */
    order_taxes: {
      order_id: number;
      /** 'registered' | 'small_supplier' | 'platform' */
      regime: string;
      /** The collecting operator's legal name and numbers ('' unless regime is 'platform'). */
      collector_name: Text;
      collector_gst_number: Text;
      collector_qst_number: Text;
    };
  }
}
