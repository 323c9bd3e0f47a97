import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { cardReadiness } from '../../modules/payments/index.ts';

/**
 * Whether the checkout page offers card payment (docs/decisions/0007): only with Stripe configured
 * and when every merchant of the cart has a connected account with charges enabled; otherwise the
 * notice names the merchants that cannot take cards yet (the other methods stay offered).
 */
export async function cardOffer(
  db: Kysely<DB>,
  config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_PUBLISHABLE_KEY'>,
  groups: { merchant: { id: number; name: string } }[],
  lang: Lang,
): Promise<{ available: boolean; notice?: string }> {
  if (!config.STRIPE_SECRET_KEY || !config.STRIPE_PUBLISHABLE_KEY || groups.length === 0)
    return { available: false };
  const ready = await cardReadiness(
    db,
    groups.map((g) => g.merchant.id),
  );
  const not = groups.filter((g) => !ready.get(g.merchant.id)).map((g) => g.merchant.name);
  if (not.length === 0) return { available: true };
  const list = new Intl.ListFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { type: 'conjunction' }).format(not);
  return { available: false, notice: t(lang, 'payment.card_not_accepted_by', { merchants: list }) };
}
