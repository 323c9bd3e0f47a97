/**
 * The period form of money pages (the gift-card settlement report, the merchant's statement):
 * two optional days, each a UTC midnight, `to` excluded.
 */
import { z } from 'zod';

/** A day of the period form (YYYY-MM-DD) or empty: a bad date is a 400, never a 500. */
export const periodDay = z
  .string()
  .max(30)
  .refine((v) => v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))), {
    message: 'settlement.bad_date',
  })
  .optional();

/** The ISO 8601 instants of a validated period form; an empty or missing day is an open end. */
export function periodOf(q: { from?: string; to?: string }): { from?: string; to?: string } {
  return {
    from: q.from ? new Date(q.from).toISOString() : undefined,
    to: q.to ? new Date(q.to).toISOString() : undefined,
  };
}
