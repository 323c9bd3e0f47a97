/** zod schemas of the gift card forms (public purchase, balance, admin issue) and their reading. */
import { z } from 'zod';
import type { IssueInput } from './giftcards.service.ts';

/** Whole dollars as typed (1 to 6 digits) in cents; NaN otherwise (issueGiftCard reports the range). */
export function centsOfDollars(dollars: string): number {
  const d = dollars.trim();
  return /^\d{1,6}$/.test(d) ? Number(d) * 100 : Number.NaN;
}

/** The public purchase form (a pending card, paid at the office). */
export const giftCardPurchaseForm = z.object({
  amount: z.string().max(10).default(''),
  custom_amount: z.string().max(10).default(''),
  association: z.string().max(80).default(''),
  name: z.string().trim().max(120).default(''),
  email: z.string().trim().max(254).default(''),
  /** 'card' (Stripe, when configured) or 'office' (pending, paid at the office: the default). */
  payment_method: z.enum(['office', 'card']).default('office'),
  /** The PaymentMethod Stripe.js created from the Payment Element (static/js/card-payment.js). */
  card_payment_method: z.string().trim().max(255).default(''),
  /** Back from the 3-D Secure challenge: the purchase's PaymentIntent and the code it was shown for. */
  card_payment_intent: z.string().trim().max(255).default(''),
  card_code: z.string().trim().max(40).default(''),
  _csrf: z.string().optional(),
});
export type GiftCardPurchaseForm = z.infer<typeof giftCardPurchaseForm>;

/** The balance form. */
export const giftCardBalanceForm = z.object({
  code: z.string().max(40).default(''),
  _csrf: z.string().optional(),
});

/** The admin's issue form (an active card); every field as typed, read by `issueInputOfForm`. */
export const giftCardIssueForm = z.object({
  amount: z.string().trim().max(10).default(''),
  bonus_percent: z.string().trim().max(10).default(''),
  /** A day (YYYY-MM-DD: valid to its end, Eastern time) or a full ISO 8601 time. */
  bonus_expires_at: z.string().trim().max(40).default(''),
  sponsor: z.string().trim().max(200).default(''),
  name: z.string().trim().max(200).default(''),
  email: z.string().trim().max(254).default(''),
  _csrf: z.string().optional(),
});
export type GiftCardIssueForm = z.infer<typeof giftCardIssueForm>;

/** A form carrying only its CSRF token (activation). */
export const csrfOnlyForm = z.object({ _csrf: z.string().optional() });

/** The issue form as `issueGiftCard` input (values are validated there). */
export function issueInputOfForm(f: GiftCardIssueForm): Omit<IssueInput, 'associationId' | 'status'> {
  const until = f.bonus_expires_at;
  return {
    paidCents: centsOfDollars(f.amount),
    bonusPercent: f.bonus_percent ? Number(f.bonus_percent) : undefined,
    // A bare day is valid until its end in the region (Eastern standard time).
    bonusExpiresAt: until ? (/^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}T23:59:59-05:00` : until) : null,
    sponsor: f.sponsor || null,
    buyerName: f.name || null,
    buyerEmail: f.email || null,
  };
}
