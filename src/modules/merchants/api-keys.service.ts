/**
 * API keys for point-of-sale systems and integrations: naming, creation (the key is shown once),
 * revocation and authentication.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import * as repo from './api-keys.repository.ts';
import { generateApiKey, hashApiKey } from './api-keys.ts';
import type { Q } from './merchants.repository.ts';
import * as merchants from './merchants.repository.ts';

/** The longest key name. */
export const API_KEY_NAME_MAX = 80;

/** Problems with a key name (blank, too long), as field issues on `name`. */
export function apiKeyNameIssues(name: string): FieldIssue[] {
  const n = name.trim();
  if (!n) return [{ field: 'name', message: 'field.required', params: { maximum: API_KEY_NAME_MAX } }];
  if (n.length > API_KEY_NAME_MAX)
    return [{ field: 'name', message: 'field.too_long', params: { maximum: API_KEY_NAME_MAX } }];
  return [];
}

/** Creates a key; returns it in clear (shown this once: only its hash is stored) with its prefix. */
export async function createApiKey(
  db: Q,
  merchantId: number,
  name: string,
): Promise<{ id: number; key: string; prefix: string; name: string }> {
  const issues = apiKeyNameIssues(name);
  if (issues.length) throw new ValidationError(issues);
  const k = generateApiKey();
  const id = await repo.insertKey(db, {
    merchant_id: merchantId,
    name: name.trim(),
    prefix: k.prefix,
    key_hash: k.hash,
  });
  return { id, key: k.key, prefix: k.prefix, name: name.trim() };
}

/** The merchant's keys, newest first (prefix only, never the key). */
export function listApiKeys(db: Q, merchantId: number) {
  return repo.listOf(db, merchantId);
}

/** Revokes a live key of this merchant; unknown, another merchant's or already revoked: `not_found`. */
export async function revokeApiKey(db: Q, merchantId: number, id: number): Promise<void> {
  if ((await repo.revoke(db, merchantId, id, new Date().toISOString())) === 0) throw notFound('api_key');
}

/** The key row of a SHA-256 hash (id, merchant, revocation), or undefined. */
export function findApiKeyByHash(db: Q, keyHash: string) {
  return repo.findByHash(db, keyHash);
}

/** Resolves a bearer API key to its merchant; revoked or unknown keys are refused the same way. */
export async function authenticateApiKey(
  db: Kysely<DB>,
  key: string,
): Promise<{ merchantId: number; keyId: number }> {
  const row = await repo.findByHash(db, hashApiKey(key));
  if (!row || row.revoked_at) throw new AppError('unauthorized', 'error.api_key_invalid');
  const merchant = await merchants.findById(db, row.merchant_id);
  if (!merchant || merchant.status === 'suspended')
    throw new AppError('forbidden', 'error.merchant_suspended');
  return { merchantId: row.merchant_id, keyId: row.id };
}
