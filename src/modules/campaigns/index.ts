/**
 * Campaigns: "achat local" campaigns, regional (association_id null, region admins) or local (one
 * association), with featured merchants and products, landing-page visits and promo codes. Owns
 * `campaigns`, `campaign_merchants`, `campaign_products`, `campaign_visits` and `promo_codes`.
 */
import { onMembershipRemoved } from '../associations/index.ts';
import { unfeatureFormerMember } from './campaigns.service.ts';
import './campaigns.tables.ts';

// A merchant who leaves an association is no longer featured in that association's campaigns.
onMembershipRemoved(unfeatureFormerMember);

export {
  /** The codes of these promo codes, by id (orders show the code their discount came from). */
  promoCodesByIds,
} from './campaigns.repository.ts';
export {
  /** What `createCampaign` / `updateCampaign` take. */
  type CampaignInput,
  /** Zod schema of a campaign as created or edited. */
  campaignInput,
  /** What `createPromoCode` takes. */
  type PromoInput,
  /** Zod schema of a promo code. */
  promoInput,
} from './campaigns.schemas.ts';
export {
  /** A running published campaign with its association's slug, name and colours. */
  type ActiveCampaign,
  /** Published campaigns running now (regional first; with `associationId`: its own plus the regional ones). */
  activeCampaigns,
  /** A campaign row. */
  type Campaign,
  /** The campaign's featured merchants (approved) and products (active), for its landing page. */
  campaignFeatured,
  /** Landing-page visits of a campaign, all days together. */
  campaignVisits,
  /** Creates a campaign (featured merchants of a local campaign must be its association's active members). */
  createCampaign,
  /** A campaign by id, or undefined. */
  getCampaign,
  /** A campaign by slug, or undefined. */
  getCampaignBySlug,
  /** True when at least one campaign exists. */
  hasCampaigns,
  /** Campaigns, newest first, with their association's name; optionally only some associations'. */
  listCampaigns,
  /** Counts a landing-page visit (one counter per campaign and UTC day). */
  recordVisit,
  /** Edits a campaign and replaces its featured merchants and products. */
  updateCampaign,
} from './campaigns.service.ts';
export {
  /** Demo campaigns, promo codes and gift card acceptance for the demo region (`comptoir seed --demo`); idempotent. */
  seedDemoCampaigns,
} from './demo.ts';
export {
  /** Splits cents across weights in proportion (largest remainder; never more than a weight). */
  allocateProportionally,
  /** Checkout step inside the orders' transaction: one more use of the code, or 409 when exhausted. */
  consumePromoCode,
  /** Adds a promo code to a campaign (unique across the platform, upper-case). */
  createPromoCode,
  /** A campaign's promo codes, by code. */
  listPromoCodes,
  /** One cart line group for a promo code: a merchant and its subtotal before taxes. */
  type PromoLine,
  /** A valid promo code's discount, per merchant. */
  type PromoResult,
  /** Checks a promo code against a cart and computes the discount (read-only). */
  validatePromoCode,
} from './promo.service.ts';
