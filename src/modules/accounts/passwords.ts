import { hash, verify } from '@node-rs/argon2';

/** argon2id with OWASP's recommended minimums (19 MiB, 2 iterations). */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const MIN_PASSWORD_LENGTH = 12;

// A short list of the most common passwords (ASVS 6.2.4 asks for a check against common ones).
const COMMON = new Set([
  'password1234',
  '123456789012',
  'motdepasse123',
  'qwertyuiop12',
  'azertyuiop12',
  'passwordpassword',
  'iloveyou1234',
  'bienvenue123',
  'welcome12345',
  'admin1234567',
  'changeme1234',
  'letmein12345',
  '111111111111',
  '000000000000',
  'abcdefghijkl',
  'comptoir1234',
]);

/** Returns a message key when the password is not acceptable, else undefined. */
export function passwordProblem(pw: string): string | undefined {
  if (pw.length < MIN_PASSWORD_LENGTH) return 'account.password_too_short';
  if (pw.length > 128) return 'account.password_too_long';
  if (COMMON.has(pw.toLowerCase()) || /^(.)\1+$/.test(pw)) return 'account.password_common';
  return undefined;
}

export const hashPassword = (pw: string) => hash(pw, OPTIONS);
export const verifyPassword = (stored: string, pw: string) => verify(stored, pw).catch(() => false);
