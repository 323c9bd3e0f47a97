import { t } from '../../i18n/index.ts';
import type { Mailer } from '../mail/index.ts';
import { signToken, verifyToken } from './tokens.ts';

export const CONFIRM_PURPOSE = 'confirm-email';
export const CONFIRM_TTL_MS = 48 * 60 * 60 * 1000;

export const confirmPath = (lang: 'fr' | 'en') =>
  lang === 'fr' ? '/fr/inscription/confirmer' : '/en/signup/confirm';

/** Emails a signed link (48 h) that confirms the address of a user. */
export async function sendConfirmationEmail(
  deps: { mailer: Mailer; secret: string },
  opts: { userId: number; email: string; lang: 'fr' | 'en'; baseUrl: string; regionName: string },
): Promise<void> {
  const token = signToken(
    deps.secret,
    CONFIRM_PURPOSE,
    { uid: opts.userId, email: opts.email },
    CONFIRM_TTL_MS,
  );
  const link = `${opts.baseUrl}${confirmPath(opts.lang)}?token=${encodeURIComponent(token)}`;
  await deps.mailer.send({
    to: opts.email,
    lang: opts.lang,
    kind: 'account_confirmation',
    subject: t(opts.lang, 'signup.mail_subject'),
    text: t(opts.lang, 'signup.mail_body', { link, region: opts.regionName }),
  });
}

export function readConfirmationToken(secret: string, token: string) {
  const data = verifyToken<{ uid: number; email: string }>(secret, CONFIRM_PURPOSE, token);
  if (!data || typeof data.uid !== 'number' || typeof data.email !== 'string') return undefined;
  return data;
}
