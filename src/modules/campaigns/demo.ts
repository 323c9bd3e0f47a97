import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { listAssociations } from '../associations/index.ts';
import { setParticipation } from '../giftcards/index.ts';
import { allApprovedMerchantIds } from '../merchants/index.ts';
import { createCampaign, hasCampaigns } from './campaigns.service.ts';
import { createPromoCode } from './promo.service.ts';

/**
 * Demo content for the associations' tools (call after the demo merchants exist): a regional
 * "achat local" campaign and one local campaign per association, each running for 60 days from
 * `now`, with a promo code; every approved merchant accepts the regional gift card. Idempotent:
 * does nothing when campaigns already exist.
 */
export async function seedDemoCampaigns(db: Kysely<DB>, now = new Date()) {
  if (await hasCampaigns(db)) return { campaigns: 0 };
  const starts_at = new Date(now.getTime() - 86400_000).toISOString();
  const ends_at = new Date(now.getTime() + 60 * 86400_000).toISOString();
  const regional = await createCampaign(db, {
    slug: 'achat-local-outaouais',
    title_fr: 'L’Outaouais, j’achète ici',
    title_en: 'Outaouais: I buy here',
    body_fr:
      'Une campagne régionale avec les commerçants, les associations et les partenaires économiques : chaque achat fait ici fait vivre nos rues principales.\n\nCherchez un produit, réservez-le en ligne, passez le chercher en magasin.',
    body_en:
      'A regional campaign with merchants, associations and economic partners: every purchase made here keeps our main streets alive.\n\nSearch for a product, reserve it online, pick it up in store.',
    starts_at,
    ends_at,
  });
  await createPromoCode(db, regional.id, { code: 'OUTAOUAIS10', kind: 'percent', value: 10, max_uses: 1000 });
  // Creation order (id), as the campaigns' slugs and codes were always made.
  const associations = (await listAssociations(db)).sort((a, b) => a.id - b.id);
  for (const a of associations) {
    const c = await createCampaign(db, {
      slug: `achetez-${a.slug}`,
      association_id: a.id,
      title_fr: `Achetez ${a.short_name}`,
      title_en: `Buy ${a.short_name}`,
      body_fr: `Les commerces membres de ${a.short_name} vous attendent : découvrez-les sur la carte et en ligne.`,
      body_en: `The member businesses of ${a.short_name} are waiting for you: discover them on the map and online.`,
      starts_at,
      ends_at,
    });
    await createPromoCode(db, c.id, {
      code: `${a.slug.toUpperCase().replace(/[^A-Z0-9]/g, '')}5`.slice(0, 30),
      kind: 'amount',
      value: 500,
      min_subtotal_cents: 2500,
      max_uses: 200,
    });
  }
  for (const merchantId of await allApprovedMerchantIds(db)) await setParticipation(db, merchantId, true);
  return { campaigns: associations.length + 1 };
}
