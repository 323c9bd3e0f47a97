import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;

declare module '../../db/schema.ts' {
  interface DB {
    gift_card_merchants: { merchant_id: number; joined_at: Ts };
    gift_cards: {
      id: Generated<number>;
      code_hash: string;
      code_last4: string;
      association_id: number | null;
      status: ColumnType<'pending' | 'active' | 'cancelled', 'pending' | 'active' | 'cancelled' | undefined>;
      paid_cents: number;
      bonus_cents: ColumnType<number, number | undefined, number>;
      paid_balance_cents: number;
      bonus_balance_cents: number;
      bonus_expires_at: string | null;
      sponsor: string | null;
      buyer_name: string | null;
      buyer_email: string | null;
      version: ColumnType<number, number | undefined, number>;
      created_at: Ts;
      activated_at: string | null;
      /** The Stripe PaymentIntent paying a card bought online by card (migration 061). */
      payment_intent_id: ColumnType<string | null, string | null | undefined, string | null>;
    };
    gift_card_ledger: {
      id: Generated<number>;
      card_id: number;
      kind: 'issue' | 'activate' | 'redeem' | 'refund' | 'cancel';
      paid_delta_cents: number;
      bonus_delta_cents: number;
      merchant_id: number | null;
      order_ref: string | null;
      note: string | null;
      created_at: Ts;
    };
    gift_card_attempts: {
      id: Generated<number>;
      ip: string;
      code_prefix: string;
      context: string;
      created_at: Ts;
    };
  }
}
