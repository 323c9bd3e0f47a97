/** Order access tokens: the signed tracking link of an order (no SQL, no state). */
import { createHmac, randomBytes } from 'node:crypto';

/** A fresh salt for an order's access token (stored in access_token_hash). */
export const newTokenSalt = () => randomBytes(12).toString('base64url');

/** The order's access token: HMAC of its id and salt with the platform secret (signed tracking link). */
export function orderAccessToken(secret: string, orderId: number, salt: string): string {
  return createHmac('sha256', secret).update(`order:${orderId}:${salt}`).digest('base64url');
}
