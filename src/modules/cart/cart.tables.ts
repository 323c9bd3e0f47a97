import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;

declare module '../../db/schema.ts' {
  interface DB {
    /** A customer's cart, found by the hash of its bearer token (migration 030). */
    carts: {
      id: Generated<number>;
      token_hash: string;
      user_id: number | null;
      created_at: Ts;
      updated_at: Ts;
    };
    /** One line of a cart: a product at the store that will fulfil it. */
    cart_items: {
      id: Generated<number>;
      cart_id: number;
      product_id: number;
      location_id: number;
      quantity: number;
      created_at: Ts;
    };
  }
}
