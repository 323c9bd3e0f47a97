import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;
type Dflt<T> = ColumnType<T, T | undefined, T>;

declare module '../../db/schema.ts' {
  interface DB {
    /** Each merchant's Stripe connected account (migrations 030, 060); card payment only when enabled. */
    merchant_payment_settings: {
      merchant_id: number;
      stripe_account_id: string | null;
      card_enabled: Dflt<number>;
      updated_at: Ts;
      /** The account can take charges (Stripe `charges_enabled`, from `account.updated`). */
      charges_enabled: Dflt<number>;
      payouts_enabled: Dflt<number>;
      details_submitted: Dflt<number>;
      /** `created` (Unix seconds) of the newest account event applied. */
      stripe_status_at: number | null;
    };
    /** Stripe webhook events already processed (migration 060): a replay changes nothing. */
    stripe_events: { id: string; type: string; received_at: Ts };
    /**
     * Money per merchant through Stripe (migration 060): charge, refund, transfer, reversal, fee;
     * `gift_card`: owed for a gift-card redemption (negative when given back), `payment_intent_id`
     * then holding the redemption's order reference (issue 15).
     */
    payment_ledger: {
      id: Generated<number>;
      merchant_id: number;
      checkout_id: number;
      payment_intent_id: string;
      kind: 'charge' | 'refund' | 'transfer' | 'reversal' | 'fee' | 'gift_card';
      amount_cents: number;
      stripe_id: string | null;
      idempotency_key: string;
      created_at: Ts;
      /** Migration 063, on a charge: the platform fee rate applied, in basis points (null before). */
      fee_bps: number | null;
    };
    /** The lease of a background run of this module (migration 062): one runner at a time. */
    payment_runs: { name: string; holder: string | null; lease_until: string; last_run_at: string | null };
    /**
     * A card authorisation whose creation outcome is unknown (migration 075): the checkout's
     * PaymentIntent create timed out and the checkout failed; replayed with its key and cancelled
     * by the settlement run. `state`: 'unknown' until 'voided', 'none' or 'abandoned'.
     */
    payment_unknown_intents: {
      id: Generated<number>;
      idempotency_key: string;
      checkout_id: number;
      params_json: string;
      attempts: Dflt<number>;
      state: Dflt<'unknown' | 'voided' | 'none' | 'abandoned'>;
      payment_intent_id: string | null;
      created_at: Ts;
      resolved_at: string | null;
    };
  }
}
