import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring tokens for links sent by email (account confirmation, staff invitations).
 * `purpose` is part of the signature so a token made for one use never works for another.
 */
export function signToken(
  secret: string,
  purpose: string,
  payload: Record<string, string | number>,
  ttlMs: number,
  now = Date.now(),
): string {
  const body = Buffer.from(JSON.stringify({ ...payload, exp: now + ttlMs })).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

export function verifyToken<T extends Record<string, string | number>>(
  secret: string,
  purpose: string,
  token: string,
  now = Date.now(),
): T | undefined {
  if (typeof token !== 'string' || token.length > 2000) return undefined;
  const [body, sig] = token.split('.');
  if (!body || !sig) return undefined;
  const expected = Buffer.from(mac(secret, purpose, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp: number };
    if (typeof data.exp !== 'number' || data.exp < now) return undefined;
    return data;
  } catch {
    // A body that is not our JSON is no valid token, as a bad signature.
    return undefined;
  }
}

function mac(secret: string, purpose: string, body: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url');
}
