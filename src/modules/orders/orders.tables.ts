import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;
type Dflt<T> = ColumnType<T, T | undefined, T>;

export type OrderStatus = 'placed' | 'accepted' | 'ready' | 'completed' | 'cancelled';
export type CheckoutStatus = 'reserved' | 'authorized' | 'confirmed' | 'failed' | 'expired';

declare module '../../db/schema.ts' {
  /** Pickup windows of a store (migration 031). */
  interface LocationsTable {
    pickup_slot_minutes: Dflt<number>;
    pickup_days_ahead: Dflt<number>;
  }
  interface DB {
    checkouts: {
      id: Generated<number>;
      cart_id: number;
      idempotency_key: string;
      status: CheckoutStatus;
      payment_method: string;
      payment_json: Dflt<string>;
      customer_json: string;
      lang: Dflt<string>;
      total_cents: number;
      expires_at: string;
      created_at: Ts;
      updated_at: Ts;
    };
    orders: {
      id: Generated<number>;
      checkout_id: number;
      merchant_id: number;
      user_id: number | null;
      status: Dflt<OrderStatus>;
      customer_name: string;
      customer_email: string;
      customer_phone: string | null;
      lang: Dflt<string>;
      fulfilment_method: 'pickup' | 'delivery';
      location_id: number;
      delivery_address_json: string | null;
      /** Sum of the lines before any discount. */
      subtotal_cents: number;
      /** Promo-code discount before taxes (migration 036): total = subtotal − discount + fee + taxes. */
      discount_cents: Dflt<number>;
      promo_code_id: ColumnType<number | null, number | null | undefined, number | null>;
      delivery_fee_cents: Dflt<number>;
      taxable_cents: number;
      gst_cents: number;
      qst_cents: number;
      total_cents: number;
      payment_method: string;
      payment_status: Dflt<string>;
      payment_reference: string | null;
      /** Migration 031: the chosen pickup slot's start (UTC ISO 8601), null for a delivery. */
      pickup_slot_at: ColumnType<string | null, string | null | undefined, string | null>;
      /** Part of total_cents paid by gift card; the rest is due by remainder_method. */
      gift_card_cents: Dflt<number>;
      gift_card_balance_after_cents: ColumnType<number | null, number | null | undefined, number | null>;
      remainder_method: ColumnType<string | null, string | null | undefined, string | null>;
      access_token_hash: string;
      created_at: Ts;
      updated_at: Ts;
    };
    order_lines: {
      id: Generated<number>;
      order_id: number;
      product_id: number;
      location_id: number;
      sku: string;
      title: string;
      tax_class: string;
      quantity: number;
      unit_price_cents: number;
      line_total_cents: number;
      /** This line's share of the order's discount (taxes are computed on line total − discount). */
      discount_cents: Dflt<number>;
    };
    order_events: {
      id: Generated<number>;
      order_id: number;
      from_status: string | null;
      to_status: string;
      actor: string;
      reason: string | null;
      created_at: Ts;
    };
  }
}
