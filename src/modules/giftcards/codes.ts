/**
 * Gift card codes: 16 random characters (80 bits) in Crockford base32, shown once; only a salted
 * SHA-256 is stored. Pure functions (no SQL).
 */
import { createHash, randomInt } from 'node:crypto';

/** Crockford base32 without I, L, O, U: no confusable characters when read aloud or typed. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 16;

export function generateCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s.replace(/(.{4})(?=.)/g, '$1-');
}

/** Accepts lower case, spaces and dashes, and the usual confusions (O→0, I/L→1). */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export const hashCode = (code: string) =>
  createHash('sha256')
    .update(`comptoir-gift-card:${normaliseCode(code)}`)
    .digest('hex');

/** Could this be a code at all (length and alphabet once normalised)? */
export const validShape = (code: string) =>
  normaliseCode(code).length === CODE_LENGTH && [...normaliseCode(code)].every((c) => ALPHABET.includes(c));

/** The bonus still usable at `now` (0 once its stated validity has passed). */
export function usableBonus(
  card: { bonus_balance_cents: number; bonus_expires_at: string | null },
  now = new Date(),
) {
  if (!card.bonus_expires_at || new Date(card.bonus_expires_at).getTime() <= now.getTime()) return 0;
  return card.bonus_balance_cents;
}
