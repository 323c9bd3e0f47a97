/** AES-256-GCM encryption of shop credentials at rest, with SHOP_TOKEN_KEY (32 bytes, base64 or hex). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The 32-byte key from SHOP_TOKEN_KEY (64 hex characters or base64 of 32 bytes); undefined if unset or malformed. */
export function shopTokenKey(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  return key.length === 32 ? key : undefined;
}

/** `v1:<iv>:<tag>:<ciphertext>` (base64 parts). */
export function encryptSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(
    ':',
  );
}

/** Decrypts what `encryptSecret` produced; throws when the key is wrong or the text was altered. */
export function decryptSecret(key: Buffer, stored: string): string {
  const [v, iv, tag, ct] = stored.split(':');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('shopsync: unknown secret format');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  d.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
}
