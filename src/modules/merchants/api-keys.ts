import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys carry 192 random bits; only their SHA-256 is stored. A fast hash is right here:
 * the key is high-entropy, so there is nothing to brute-force offline (unlike passwords).
 */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `ck_${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
